package llmdraft_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"greffier/llm/llamaserver"
	"greffier/llm/llmtest"
	"greffier/llm/models"
	"greffier/notes/llmdraft"
	"greffier/notes/schema"
)

// A server sized with ContextFor drafts the transcript in one part, whatever its
// length: a short visit gets a small context (not the 12k default), a long one
// more than the default.
func TestContextSizedToTranscript(t *testing.T) {
	llmtest.RequireServer(t)
	model := llmtest.Model(t)
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	var sizes []int
	for _, n := range []int{6, 130} {
		req := draftRequest(t, longDialogue(n))
		// The tiny model's tokens are characters: BytesPerToken 1 sizes it exactly.
		want := llmdraft.Drafter{MaxTokens: 3000, BytesPerToken: 1}.ContextFor(req)
		srv := llmtest.Start(t, llamaserver.Config{Model: model, ContextSize: want})
		if p := srv.Plan(); p.Context != want || p.Reduced {
			t.Fatalf("%d segments: the server got context %d (reduced %v), want %d", n, p.Context, p.Reduced, want)
		}
		d := tinyDrafter(t, srv)
		if got, err := llmtest.Client(srv).ContextSize(ctx); err != nil || got != want {
			t.Fatalf("%d segments: the server reports context %d (%v), want %d", n, got, err, want)
		}
		d.ContextTokens = want
		// A 10k-token prompt on a loaded machine outlasts llmtest's one-minute bound.
		c := llmtest.Client(srv)
		c.Timeout = 4 * time.Minute
		rec := &recorder{Completer: c}
		d.LLM = rec
		note, err := d.Draft(ctx, req)
		if err != nil {
			t.Fatalf("%d segments: %v", n, err)
		}
		if err := schema.Validate(note); err != nil {
			t.Fatal(err)
		}
		if len(rec.resps) != 1 {
			t.Errorf("%d segments: drafted in %d requests, want one part", n, len(rec.resps))
		}
		if r := rec.resps[0]; r.PromptTokens+d.MaxTokens > want {
			t.Errorf("%d segments: prompt %d + answer %d tokens exceed the context %d", n, r.PromptTokens, d.MaxTokens, want)
		}
		t.Logf("%d segments: context %d, prompt %d tokens", n, want, rec.resps[0].PromptTokens)
		sizes = append(sizes, want)
		srv.Stop()
	}
	if sizes[0] >= models.DefaultContext || sizes[1] <= models.DefaultContext {
		t.Errorf("contexts %v: want the short visit under the %d default and the long one over it", sizes, models.DefaultContext)
	}
}

// With CompactJSON the real llama-server takes the grammar, and the answer is
// compact JSON (no whitespace between tokens) that makes a schema-valid note.
func TestCompactJSONWithRealServer(t *testing.T) {
	srv := llmtest.Start(t, llamaserver.Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	d := tinyDrafter(t, srv)
	d.CompactJSON = true
	rec := &recorder{Completer: d.LLM}
	d.LLM = rec
	for i := range 3 {
		d.Seed = seed(int64(100 + i))
		note, err := d.Draft(ctx, draftRequest(t, dialogue()))
		if err != nil {
			t.Fatalf("seed %d: %v", i, err)
		}
		if err := schema.Validate(note); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range rec.resps {
		var buf bytes.Buffer
		if err := json.Compact(&buf, []byte(r.Content)); err != nil || buf.String() != r.Content {
			t.Errorf("answer is not compact JSON (%v): %d characters, %d compacted", err, len(r.Content), buf.Len())
		}
	}
}
