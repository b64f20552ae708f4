package main

import (
	"context"

	"greffier/domain"
	"greffier/notes/draft"
)

// newLLMDrafter returns the LLM drafter for `greffier draft --llm URL` or
// `--llama-model GGUF`, and a cleanup to call when drafting is done.
// TODO(issue 5): being replaced by the real llmdraft wiring.
func newLLMDrafter(ctx context.Context, c *cli, llmURL, llamaModel string) (draft.Drafter, func(), error) {
	return nil, func() {}, domain.Errorf(domain.EUnavailable, "LLM drafting not available yet")
}
