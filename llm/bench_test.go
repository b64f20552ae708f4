package llm_test

import (
	"context"
	"testing"
	"time"

	"greffier/llm"
	"greffier/llm/llamaserver"
	"greffier/llm/llmtest"
)

// BenchmarkGenerate measures the real llama-server's generation speed on the tiny
// random model, unconstrained and under a JSON-schema grammar (1 thread).
func BenchmarkGenerate(b *testing.B) {
	srv := llmtest.Start(b, llamaserver.Config{})
	c := llmtest.Client(srv)
	msgs := []llm.Message{{Role: "user", Content: "Write."}}
	for _, bc := range []struct {
		name   string
		schema []byte
	}{{"free", nil}, {"json_schema", smallSchema}} {
		b.Run(bc.name, func(b *testing.B) {
			tokens := 0
			start := time.Now()
			for i := 0; i < b.N; i++ {
				resp, err := c.Complete(context.Background(), llm.Request{Messages: msgs, Schema: bc.schema, MaxTokens: 256, Seed: seed(int64(i))})
				if err != nil && resp.CompletionTokens == 0 {
					b.Fatal(err)
				}
				tokens += resp.CompletionTokens
			}
			b.ReportMetric(float64(tokens)/time.Since(start).Seconds(), "tokens/s")
		})
	}
}
