package llmdraft

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"greffier/llm"
	"greffier/llm/llamaserver"
	"greffier/llm/llmtest"
)

// A real llama-server keeps the model's confidence between 0 and 1 with the schema
// the drafter sends (a number's minimum and maximum alone are not enforced by its
// grammar: random weights wrote 45, and the answer needed a repair round).
func TestRealServerKeepsConfidenceInRange(t *testing.T) {
	raw, err := answerSchema(soapTemplate(t), 5, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Defs map[string]struct {
			Properties map[string]json.RawMessage `json:"properties"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	conf := doc.Defs["code_ref"].Properties["confidence"]
	if conf == nil {
		t.Fatal("the answer schema has no code_ref confidence")
	}
	small := json.RawMessage(fmt.Sprintf(`{"type":"object","additionalProperties":false,"required":["confidence"],"properties":{"confidence":%s}}`, conf))

	srv := llmtest.Start(t, llamaserver.Config{})
	c := llmtest.Client(srv)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	hot := 2.0
	for s := range int64(8) {
		seed := s + 1
		resp, err := c.Complete(ctx, llm.Request{
			Messages:   []llm.Message{{Role: "user", Content: "How sure are you?"}},
			SchemaName: "c", Schema: small, MaxTokens: 64, Temperature: &hot, Seed: &seed,
		})
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		var got struct {
			Confidence float64 `json:"confidence"`
		}
		if err := json.Unmarshal([]byte(resp.Content), &got); err != nil {
			t.Fatalf("seed %d: answer %q is not the object asked: %v", seed, resp.Content, err)
		}
		if got.Confidence < 0 || got.Confidence > 1 {
			t.Errorf("seed %d: confidence %v out of [0, 1]", seed, got.Confidence)
		}
	}
}
