package llmdraft

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"greffier/llm"
	"greffier/notes/draft"
	"greffier/notes/schema"
)

// conversant answers a first request (no assistant turn yet) with a whole note and
// later ones with patch(ids of the segments added since); it can block a patch
// until its context ends.
type conversant struct {
	mu    sync.Mutex
	reqs  []llm.Request
	patch func(added []int) string
	block bool
}

func (c *conversant) CompleteJSON(ctx context.Context, req llm.Request, check func([]byte) error) (llm.Response, error) {
	c.mu.Lock()
	c.reqs = append(c.reqs, req)
	block, patch := c.block, c.patch
	c.mu.Unlock()
	var added []int
	for _, line := range strings.Split(req.Messages[len(req.Messages)-1].Content, "\n") {
		var id int
		if _, err := fmt.Sscanf(line, "[%d]", &id); err == nil {
			added = append(added, id)
		}
	}
	content := fmt.Sprintf(`{"sections":[{"key":"subjective","sentences":[{"text":"Cough for three days.","evidence":[1]}]},{"key":"plan","sentences":[{"text":"Rest.","evidence":[%d]}]}],"problems":[],"medications":[],"allergies":[],"vitals":[],"orders":[],"follow_up":[],"patient_instructions":[]}`, added[len(added)-1])
	if req.Messages[len(req.Messages)-2].Role == "assistant" {
		if block {
			<-ctx.Done()
			return llm.Response{}, fmt.Errorf("%w: %w", llm.ErrUnavailable, ctx.Err())
		}
		content = patch(added)
	}
	if err := check([]byte(content)); err != nil {
		return llm.Response{}, fmt.Errorf("%w: %v", llm.ErrInvalidJSON, err)
	}
	return llm.Response{Content: content, FinishReason: "stop"}, nil
}

func (c *conversant) requests() []llm.Request {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]llm.Request(nil), c.reqs...)
}

// noPrefill stands for the server's cache: prefills succeed and do nothing.
type noPrefill struct{}

func (noPrefill) ApplyTemplate(_ context.Context, msgs []llm.Message) (string, error) {
	var b strings.Builder
	for _, m := range msgs {
		b.WriteString(m.Role + ": " + m.Content + "\n")
	}
	return b.String(), nil
}

func (noPrefill) Prefill(context.Context, string) (llm.Prefill, error) { return llm.Prefill{}, nil }

func earlyVisit(t *testing.T, c *conversant, windows int) (*Incremental, func()) {
	t.Helper()
	segs := segments("What brings you in?", "A cough for three days.", "Any fever?", "No fever.",
		"Your lungs are clear.", "Good.", "Rest and fluids.", "Thank you.")
	d := Drafter{LLM: c, Model: "m", ContextTokens: 8192, MaxTokens: 512, EarlyDraftTokens: 1}
	inc := NewIncremental(d, noPrefill{}, soapTemplate(t), "en", nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	per := len(segs) / windows
	for i := 0; i < len(segs); i += per {
		inc.Add(segs[i:min(i+per, len(segs))]...)
		if i+per < len(segs) {
			if err := inc.Idle(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	return inc, cancel
}

// A note drafted before Stop is patched at Stop: the request carries the
// conversation (the early note as the model's turn) and only the segments added
// since; sections and lists the patch leaves out are kept, the ones it gives
// replace theirs.
func TestEarlyDraftPatchedAtStop(t *testing.T) {
	c := &conversant{patch: func(added []int) string {
		return fmt.Sprintf(`{"sections":[{"key":"plan","sentences":[{"text":"Rest and fluids.","evidence":[%d]}]}],"orders":[{"kind":"lab","text":"Chest x-ray","evidence":[%d]}]}`, added[0], added[0])
	}}
	inc, cancel := earlyVisit(t, c, 4)
	defer cancel()
	note, err := inc.Finish(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	st := inc.Stats()
	if !st.Revised || st.EarlyDrafts < 1 || st.EarlyFailures != 0 {
		t.Fatalf("stats %+v: want a revised early draft", st)
	}
	reqs := c.requests()
	last := reqs[len(reqs)-1]
	if len(reqs) != st.EarlyDrafts+1 || len(last.Messages) != 2+2*st.EarlyDrafts {
		t.Fatalf("%d requests, last has %d messages; stats %+v", len(reqs), len(last.Messages), st)
	}
	tail := last.Messages[len(last.Messages)-1].Content
	if !strings.HasPrefix(tail, continuationHead) || !strings.Contains(tail, reviseInstruction) ||
		strings.Contains(tail, "[0]") || !strings.Contains(tail, "[7]") {
		t.Errorf("the last request's user turn should hold only the added segments and the instruction:\n%s", tail)
	}
	var patchSch map[string]any
	if err := json.Unmarshal(last.Schema, &patchSch); err != nil || patchSch["required"] != nil {
		t.Errorf("the patch's schema requires fields (%v): a left-out field means unchanged", patchSch["required"])
	}
	subj, plan := note.Sections[0], note.Sections[3]
	if len(subj.Sentences) != 1 || subj.Sentences[0].Text != "Cough for three days." {
		t.Errorf("subjective = %+v, want the early draft's, kept", subj.Sentences)
	}
	if len(plan.Sentences) != 1 || plan.Sentences[0].Text != "Rest and fluids." {
		t.Errorf("plan = %+v, want the patch's", plan.Sentences)
	}
	if len(note.Orders) != 1 || note.Orders[0].Text != "Chest x-ray" {
		t.Errorf("orders = %+v, want the patch's", note.Orders)
	}
	if err := schema.Validate(note); err != nil {
		t.Fatal(err)
	}
}

// A patch that fails (invalid after the repair round, here) costs the head start
// only: the note is drafted anew from the whole transcript.
func TestEarlyDraftFallsBackWhenPatchFails(t *testing.T) {
	c := &conversant{patch: func([]int) string { return `{"sections":[{"key":"nowhere","sentences":[]}]}` }}
	inc, cancel := earlyVisit(t, c, 2)
	defer cancel()
	note, err := inc.Finish(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if st := inc.Stats(); st.Revised {
		t.Fatalf("stats %+v: an invalid patch was applied", st)
	}
	reqs := c.requests()
	if last := reqs[len(reqs)-1]; len(last.Messages) != 2 || !strings.Contains(last.Messages[1].Content, "[0]") {
		t.Errorf("the fallback should send the whole transcript alone, sent %d messages", len(last.Messages))
	}
	if err := schema.Validate(note); err != nil {
		t.Fatal(err)
	}
}

// Stop does not wait for a draft of part of the visit: a running early draft is
// cancelled and the note drafted at once.
func TestStopCancelsRunningEarlyDraft(t *testing.T) {
	c := &conversant{block: true}
	// Two windows: the first is drafted, the patch for the second blocks.
	inc, cancel := earlyVisit(t, c, 2)
	defer cancel()
	deadline := time.Now().Add(5 * time.Second)
	for !inc.Stats().Drafting {
		if time.Now().After(deadline) {
			t.Fatalf("no early patch started: %+v", inc.Stats())
		}
		time.Sleep(5 * time.Millisecond)
	}
	start := time.Now()
	c.mu.Lock()
	c.block = false
	c.patch = func(added []int) string { return `{}` }
	c.mu.Unlock()
	note, err := inc.Finish(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("Finish took %v: it waited for the early draft", took)
	}
	if st := inc.Stats(); st.EarlyFailures != 0 || !st.Revised {
		t.Errorf("stats %+v: a cancelled early draft is not a failure, and the last good one is patched", st)
	}
	if err := schema.Validate(note); err != nil {
		t.Fatal(err)
	}
}

func TestCheckPatch(t *testing.T) {
	tmpl := soapTemplate(t)
	base, err := checkAnswer(tmpl, []byte(`{"sections":[{"key":"subjective","sentences":[{"text":"A.","evidence":[0]}]},{"key":"plan","sentences":[{"text":"B.","evidence":[1]}]}],"problems":[{"title":"Cough","evidence":[0]}],"medications":[],"allergies":[],"vitals":[],"orders":[],"follow_up":[],"patient_instructions":[]}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, patch  string
		wantErr      bool
		plan         string
		problems     int
		instructions int
	}{
		{name: "nothing changes", patch: `{}`, plan: "B.", problems: 1},
		{name: "a section replaced", patch: `{"sections":[{"key":"plan","sentences":[{"text":"C.","evidence":[2]}]}]}`, plan: "C.", problems: 1},
		{name: "a list emptied", patch: `{"problems":[]}`, plan: "B.", problems: 0},
		{name: "a list given", patch: `{"patient_instructions":[{"text":"Rest.","evidence":[2]}]}`, plan: "B.", problems: 1, instructions: 1},
		{name: "unknown field", patch: `{"summary":"x"}`, wantErr: true},
		{name: "unknown section", patch: `{"sections":[{"key":"nowhere","sentences":[]}]}`, wantErr: true},
		{name: "not an object", patch: `[1]`, wantErr: true},
		{name: "a list made null is emptied", patch: `{"problems":null}`, plan: "B.", problems: 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := checkPatch(tmpl, base, []byte(tc.patch))
			if tc.wantErr {
				if err == nil {
					t.Fatalf("patch accepted: %+v", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			m := merge(tmpl, []answer{got})
			if p := m.Sections[3].Sentences; len(p) != 1 || p[0].Text != tc.plan {
				t.Errorf("plan = %+v, want %q", p, tc.plan)
			}
			if s := m.Sections[0].Sentences; len(s) != 1 || s[0].Text != "A." {
				t.Errorf("subjective = %+v, want it kept", s)
			}
			if len(got.Problems) != tc.problems || len(got.PatientInstructions) != tc.instructions {
				t.Errorf("problems %d, instructions %d; want %d, %d", len(got.Problems), len(got.PatientInstructions), tc.problems, tc.instructions)
			}
		})
	}
}

// With drafts before Stop the context holds the conversation: the early note and
// its patches on top of the transcript and the final answer.
func TestContextForRoomForEarlyDrafts(t *testing.T) {
	req := draft.Request{Template: soapTemplate(t), Language: "en", Segments: segments("A cough.", "For three days.")}
	plain := Drafter{MaxTokens: 2000}.ContextFor(req)
	early := Drafter{MaxTokens: 2000, EarlyDraftTokens: 1500}.ContextFor(req)
	if early < plain+2*2000 {
		t.Fatalf("context %d with early drafts, %d without: no room for the early note and its patches", early, plain)
	}
}
