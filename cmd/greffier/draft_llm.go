package main

import (
	"context"
	"fmt"

	"greffier/pipeline"
)

// drafter is the drafter for --llm URL, --llama-model GGUF, or neither (extractive,
// with ICD-10-CM suggestions unless noCodes): pipeline.ChooseDrafter, with its
// notices (the transcript leaves this machine, codes not validated) on standard
// error. Close it when drafting is done: it stops a managed llama-server.
func (c *cli) drafter(ctx context.Context, llmURL, llamaModel string, noCodes bool) (*pipeline.Drafter, error) {
	d, err := pipeline.ChooseDrafter(ctx, pipeline.DrafterConfig{
		Dirs: c.env.Dirs, Endpoint: llmURL, Model: llamaModel,
		APIKey: c.env.LLMAPIKey, Threads: c.env.LLMThreads, NoCodes: noCodes,
	})
	if err != nil {
		if llmURL != "" {
			return nil, fmt.Errorf("--llm: %w", err)
		}
		return nil, err
	}
	for _, n := range d.Notices {
		fmt.Fprintf(c.stderr, "greffier: notice: %s\n", n)
	}
	return d, nil
}
