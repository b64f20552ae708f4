package llmdraft_test

import (
	"context"
	"testing"
	"time"

	"greffier/llm/llamaserver"
	"greffier/llm/llmtest"
	"greffier/notes/draft"
)

// BenchmarkDraftTinyModel times a whole LLM draft of a six-segment dialogue on the
// real llama-server with the tiny random model (1 thread): the overhead of the
// drafting path (prompt, grammar-constrained decoding, validation, evidence and code
// checks) without a real model's compute.
func BenchmarkDraftTinyModel(b *testing.B) {
	srv := llmtest.Start(b, llamaserver.Config{})
	d := tinyDrafter(b, srv)
	rec := &recorder{Completer: llmtest.Client(srv)}
	d.LLM = rec
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
	completion := 0
	for _, r := range rec.resps {
		completion += r.CompletionTokens
	}
	b.ReportMetric(float64(el.Milliseconds())/float64(b.N), "ms/draft")
	b.ReportMetric(float64(completion)/float64(b.N), "completion-tokens/draft")
	b.ReportMetric(float64(completion)/el.Seconds(), "completion-tokens/s")
}
