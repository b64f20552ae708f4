package llmdraft_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"greffier/llm"
	"greffier/llm/llamaserver"
	"greffier/llm/llmtest"
	"greffier/notes/draft"
)

// counting passes requests to the real client and counts the tokens.
type counting struct {
	c                  *llm.Client
	prompt, completion atomic.Int64
}

func (c *counting) CompleteJSON(ctx context.Context, req llm.Request, check func([]byte) error) (llm.Response, error) {
	resp, err := c.c.CompleteJSON(ctx, req, check)
	c.prompt.Add(int64(resp.PromptTokens))
	c.completion.Add(int64(resp.CompletionTokens))
	return resp, err
}

// BenchmarkDraftTinyModel times a whole LLM draft of a six-segment dialogue on the
// real llama-server with the tiny random model (1 thread): the overhead of the
// drafting path (prompt, grammar-constrained decoding, validation, evidence and code
// checks) without a real model's compute.
func BenchmarkDraftTinyModel(b *testing.B) {
	srv := llmtest.Start(b, llamaserver.Config{})
	d := tinyDrafter(b, srv)
	cnt := &counting{c: llmtest.Client(srv)}
	d.LLM = cnt
	req := draft.Request{Segments: dialogue(), Template: soap(b), Language: "en"}
	ctx := context.Background()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		d.Seed = seed(int64(i))
		if _, err := d.Draft(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
	el := time.Since(start)
	b.ReportMetric(float64(el.Milliseconds())/float64(b.N), "ms/draft")
	b.ReportMetric(float64(cnt.completion.Load())/float64(b.N), "completion-tokens/draft")
	b.ReportMetric(float64(cnt.completion.Load())/el.Seconds(), "completion-tokens/s")
}
