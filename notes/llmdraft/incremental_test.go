package llmdraft_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"greffier/domain"
	"greffier/llm"
	"greffier/llm/llamaserver"
	"greffier/llm/llmtest"
	"greffier/notes/draft"
	"greffier/notes/llmdraft"
	"greffier/notes/schema"
)

// longDialogue repeats the dialogue to make a visit of n segments.
func longDialogue(n int) []domain.Segment {
	base := dialogue()
	segs := make([]domain.Segment, n)
	for i := range segs {
		s := base[i%len(base)]
		s.ID, s.Turn, s.StartMS, s.EndMS = i, i, int64(i)*4000, int64(i)*4000+3500
		segs[i] = s
	}
	return segs
}

func greedy(d llmdraft.Drafter) llmdraft.Drafter {
	zero := 0.0
	d.Temperature = &zero
	return d
}

// Prefilling the transcript window by window during the visit, then drafting at
// Stop, gives the same note as drafting the whole transcript from scratch (greedy,
// same seed), and at Stop the server only processes what the prefills did not.
func TestIncrementalSameNoteAsScratch(t *testing.T) {
	segs := longDialogue(48)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	scratchSrv := llmtest.Start(t, llamaserver.Config{})
	scratch, err := greedy(tinyDrafter(t, scratchSrv)).Draft(ctx, draftRequest(t, segs))
	if err != nil {
		t.Fatal(err)
	}
	scratchSrv.Stop()

	srv := llmtest.Start(t, llamaserver.Config{})
	rec := &recorder{Completer: llmtest.Client(srv)}
	d := greedy(tinyDrafter(t, srv))
	d.LLM = rec
	inc := llmdraft.NewIncremental(d, llmtest.Client(srv), soap(t), "en", srv.WaitHealthy)
	defer inc.Close()
	for i := 0; i < len(segs); i += 8 {
		inc.Add(segs[i : i+8]...)
		if err := inc.Idle(ctx); err != nil {
			t.Fatal(err)
		}
	}
	st := inc.Stats()
	if st.Prefills != len(segs)/8 || st.Failures != 0 || st.Segments != len(segs) {
		t.Fatalf("prefill stats %+v", st)
	}
	got, err := inc.Finish(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(scratch)
	b, _ := json.Marshal(got)
	if string(a) != string(b) {
		t.Errorf("incremental note differs from the scratch one:\n%s\n%s", a, b)
	}
	if len(rec.resps) == 0 {
		t.Fatal("no completion recorded")
	}
	first := rec.resps[0]
	// Only the assistant header and the cut's few tokens should remain.
	if first.PromptTokens-first.CachedTokens > 40 || first.CachedTokens == 0 {
		t.Errorf("at Stop the server processed %d of %d prompt tokens (cached %d)", first.PromptTokens-first.CachedTokens, first.PromptTokens, first.CachedTokens)
	}
	t.Logf("prefills %+v; at Stop: %d prompt tokens, %d cached", st, first.PromptTokens, first.CachedTokens)
}

// A llama-server killed while it prefills is restarted by its supervisor, and the
// draft at Stop still completes with a schema-valid note.
func TestIncrementalSurvivesServerCrash(t *testing.T) {
	segs := longDialogue(60)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	srv := llmtest.Start(t, llamaserver.Config{})
	d := tinyDrafter(t, srv)
	// The whole prompt is processed again after the crash: on a loaded machine that
	// can take longer than llmtest's one-minute request bound.
	c := llmtest.Client(srv)
	c.Timeout = 2 * time.Minute
	d.LLM = c
	inc := llmdraft.NewIncremental(d, llmtest.Client(srv), soap(t), "en", srv.WaitHealthy)
	defer inc.Close()
	killed := killWhenBusy(ctx, srv)
	inc.Add(segs[:50]...)
	if err := <-killed; err != nil {
		t.Fatalf("kill: %v", err)
	}
	inc.Add(segs[50:]...)
	note, err := inc.Finish(ctx, nil)
	if err != nil {
		t.Fatalf("draft after a crash: %v", err)
	}
	if err := schema.Validate(note); err != nil {
		t.Fatal(err)
	}
	if srv.Restarts() != 1 {
		t.Errorf("restarts = %d, want 1", srv.Restarts())
	}
	if st := inc.Stats(); st.Failures == 0 {
		t.Errorf("stats %+v: the kill did not interrupt a prefill", st)
	}
}

func draftRequest(tb testing.TB, segs []domain.Segment) draft.Request {
	return draft.Request{Template: soap(tb), Language: "en", Segments: segs}
}

// recorder keeps the server's answers, to see how much of each prompt was cached.
type recorder struct {
	llmdraft.Completer
	mu    sync.Mutex
	resps []llm.Response
}

func (r *recorder) CompleteJSON(ctx context.Context, req llm.Request, check func([]byte) error) (llm.Response, error) {
	resp, err := r.Completer.CompleteJSON(ctx, req, check)
	r.mu.Lock()
	r.resps = append(r.resps, resp)
	r.mu.Unlock()
	return resp, err
}

// A transcript that outgrows the server's context stops the prefills (the draft
// will be made in parts, whose prompts differ) instead of failing on every window,
// and the note is still drafted.
func TestIncrementalStopsWhenTranscriptOutgrowsContext(t *testing.T) {
	segs := longDialogue(40)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	srv := llmtest.Start(t, llamaserver.Config{ContextSize: 4096})
	d := tinyDrafter(t, srv)
	d.ContextTokens, d.MaxTokens = 4096, 600
	inc := llmdraft.NewIncremental(d, llmtest.Client(srv), soap(t), "en", srv.WaitHealthy)
	defer inc.Close()
	for i := 0; i < len(segs); i += 10 {
		inc.Add(segs[i : i+10]...)
		if err := inc.Idle(ctx); err != nil {
			t.Fatal(err)
		}
	}
	st := inc.Stats()
	if !st.TooLong || st.Failures != 0 || st.Prefills == 0 || st.Segments >= len(segs) {
		t.Errorf("stats %+v: want some prefills, then TooLong and no failures", st)
	}
	note, err := inc.Finish(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := schema.Validate(note); err != nil {
		t.Fatal(err)
	}
}

// With drafts before Stop, a real llama-server holds the conversation in its slot:
// at Stop it processes only the last window and the instruction (the earlier
// transcript and the early note are cached), answers with a patch, and the note is
// schema-valid.
func TestIncrementalEarlyDraftRealServer(t *testing.T) {
	segs := longDialogue(48)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	srv := llmtest.Start(t, llamaserver.Config{})
	rec := &recorder{Completer: llmtest.Client(srv)}
	d := greedy(tinyDrafter(t, srv))
	d.LLM = rec
	d.EarlyDraftTokens = 200
	inc := llmdraft.NewIncremental(d, llmtest.Client(srv), soap(t), "en", srv.WaitHealthy)
	defer inc.Close()
	for i := 0; i < len(segs); i += 8 {
		inc.Add(segs[i : i+8]...)
		if i+8 < len(segs) {
			if err := inc.Idle(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	note, err := inc.Finish(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := schema.Validate(note); err != nil {
		t.Fatal(err)
	}
	st := inc.Stats()
	if st.EarlyDrafts == 0 || !st.Revised || st.EarlySegments >= len(segs) {
		t.Fatalf("stats %+v: want drafts before Stop and a patch at Stop", st)
	}
	last := rec.resps[len(rec.resps)-1]
	// The last window (8 segments, about 150 tokens of the tiny model's characters
	// each way) and the instruction remain; everything before is in the cache.
	if fresh := last.PromptTokens - last.CachedTokens; last.CachedTokens == 0 || fresh > last.PromptTokens/3 {
		t.Errorf("at Stop the server processed %d of %d prompt tokens (cached %d)", fresh, last.PromptTokens, last.CachedTokens)
	}
	t.Logf("stats %+v; at Stop %d prompt tokens, %d cached, %d generated", st, last.PromptTokens, last.CachedTokens, last.CompletionTokens)
}
