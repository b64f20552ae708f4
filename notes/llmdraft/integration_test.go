package llmdraft_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"greffier/domain"
	"greffier/icd10"
	"greffier/llm"
	"greffier/llm/llamaserver"
	"greffier/llm/llmtest"
	"greffier/notes/draft"
	"greffier/notes/llmdraft"
	"greffier/notes/schema"
	"greffier/notes/templates"
)

// These tests run the real llama-server (Debian's llama.cpp-tools) on a tiny
// random-weight model: what it writes is nonsense, but it must come back as a
// schema-valid note, and every failure must be reported, never hidden.

func soap(tb testing.TB) templates.Template {
	tb.Helper()
	all, err := templates.Builtin()
	if err != nil {
		tb.Fatal(err)
	}
	for _, t := range all {
		if t.Key == "soap" {
			return t
		}
	}
	tb.Fatal("no built-in soap template")
	return templates.Template{}
}

func dialogue() []domain.Segment {
	lines := []struct {
		role domain.Role
		text string
	}{
		{domain.RoleClinician, "What brings you in today?"},
		{domain.RolePatient, "I have had a cough and a fever for three days."},
		{domain.RoleClinician, "Your temperature is 38.5 and your lungs sound clear."},
		{domain.RolePatient, "I am allergic to penicillin, it gives me a rash."},
		{domain.RoleClinician, "This looks like a viral upper respiratory infection."},
		{domain.RoleClinician, "Take acetaminophen 500 mg every six hours and come back in a week if it is not better."},
	}
	segs := make([]domain.Segment, len(lines))
	for i, l := range lines {
		segs[i] = domain.Segment{ID: i, Turn: i, Role: l.role, Text: l.text, StartMS: int64(i) * 4000, EndMS: int64(i)*4000 + 3500}
	}
	return segs
}

func seed(n int64) *int64 { return &n }

// tinyDrafter: small bounds so that a random model's answer ends well within
// max_tokens; BytesPerToken 1 because the tiny model's tokens are characters.
func tinyDrafter(tb testing.TB, srv *llamaserver.Server) llmdraft.Drafter {
	ix, err := icd10.Open(context.Background(), filepath.Join(tb.TempDir(), "icd10.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { ix.Close() })
	return llmdraft.Drafter{
		LLM: llmtest.Client(srv), Codes: ix, Model: "tiny-random",
		ContextTokens: 16384, MaxTokens: 3000, BytesPerToken: 1,
		Limits: llmdraft.Limits{String: 24, Items: 2, Evidence: 2},
		Seed:   seed(42),
	}
}

func TestDraftWithRealServerIsSchemaValid(t *testing.T) {
	srv := llmtest.Start(t, llamaserver.Config{})
	d := tinyDrafter(t, srv)
	segs := dialogue()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	items := 0
	// A random model often answers with empty lists: a few seeds make sure some
	// sentences get their evidence checked.
	for _, tc := range []struct {
		lang string
		seed int64
	}{{"en", 1}, {"en", 2}, {"fr", 3}} {
		t.Run(fmt.Sprintf("%s/seed%d", tc.lang, tc.seed), func(t *testing.T) {
			d.Seed = seed(tc.seed)
			note, err := d.Draft(ctx, draft.Request{Segments: segs, Template: soap(t), Language: tc.lang})
			if err != nil {
				t.Fatalf("draft: %v", err)
			}
			if err := schema.Validate(note); err != nil {
				t.Fatalf("note fails the schema: %v", err)
			}
			if note.Drafter.Kind != schema.DrafterLLM || note.Language != tc.lang || note.Template != "soap" {
				t.Errorf("drafter %+v language %q template %q", note.Drafter, note.Language, note.Template)
			}
			if len(note.Sections) != 4 || note.Sections[0].Key != "subjective" {
				t.Errorf("sections = %+v, want the template's four", note.Sections)
			}
			items += assertEvidenceChecked(t, note, segs)
		})
	}
	if items == 0 {
		t.Error("the model wrote no sentence or item in any draft: evidence checking was not exercised")
	}
}

// assertEvidenceChecked: every sentence and item either cites only transcript
// segments, or carries a warning at its path.
func assertEvidenceChecked(t *testing.T, note schema.Note, segs []domain.Segment) int {
	t.Helper()
	ids := map[int]bool{}
	for _, s := range segs {
		ids[s.ID] = true
	}
	warned := map[string]bool{}
	for _, w := range note.Warnings {
		if w.Kind == schema.WarnNoEvidence || w.Kind == schema.WarnInvalidEvidence {
			warned[w.Path] = true
		}
	}
	check := func(path string, ev schema.Evidence) {
		for _, id := range ev {
			if !ids[id] {
				t.Errorf("%s cites unknown segment %d", path, id)
			}
		}
		if len(ev) == 0 && !warned[path] {
			t.Errorf("%s has no evidence and no warning", path)
		}
	}
	items := 0
	for i, s := range note.Sections {
		for j, x := range s.Sentences {
			check(fmt.Sprintf("/sections/%d/sentences/%d", i, j), x.Evidence)
			items++
		}
	}
	for i, p := range note.Problems {
		check(fmt.Sprintf("/problems/%d", i), p.Evidence)
		items++
	}
	for i, m := range note.Medications {
		check(fmt.Sprintf("/medications/%d", i), m.Evidence)
		items++
	}
	for i, a := range note.Allergies {
		check(fmt.Sprintf("/allergies/%d", i), a.Evidence)
		items++
	}
	for i, v := range note.Vitals {
		check(fmt.Sprintf("/vitals/%d", i), v.Evidence)
		items++
	}
	for i, o := range note.Orders {
		check(fmt.Sprintf("/orders/%d", i), o.Evidence)
		items++
	}
	for i, f := range note.FollowUp {
		check(fmt.Sprintf("/follow_up/%d", i), f.Evidence)
		items++
	}
	for i, p := range note.PatientInstructions {
		check(fmt.Sprintf("/patient_instructions/%d", i), p.Evidence)
		items++
	}
	t.Logf("%d sentences/items checked, %d warnings", items, len(note.Warnings))
	return items
}

// killWhenBusy SIGKILLs the server as soon as its slot starts processing a request.
func killWhenBusy(ctx context.Context, srv *llamaserver.Server) <-chan error {
	done := make(chan error, 1)
	go func() {
		hc := &http.Client{Timeout: time.Second, Transport: &http.Transport{Proxy: nil}}
		for ctx.Err() == nil {
			if busy(hc, srv.URL(), srv.APIKey()) {
				done <- syscall.Kill(srv.PID(), syscall.SIGKILL)
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
		done <- ctx.Err()
	}()
	return done
}

func busy(hc *http.Client, url, key string) bool {
	req, _ := http.NewRequest(http.MethodGet, url+"/slots", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := hc.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	var slots []struct {
		Processing bool `json:"is_processing"`
	}
	return json.NewDecoder(resp.Body).Decode(&slots) == nil && len(slots) > 0 && slots[0].Processing
}

func TestServerKilledMidDraftKeepsPreviousDraft(t *testing.T) {
	srv := llmtest.Start(t, llamaserver.Config{})
	d := tinyDrafter(t, srv)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	segs := dialogue()
	req := draft.Request{Segments: segs, Template: soap(t), Language: "en"}
	previous, err := d.Draft(ctx, req)
	if err != nil {
		t.Fatalf("first draft: %v", err)
	}
	kept := mustJSON(t, previous)

	// A long transcript, so that the request lasts long enough to be killed in.
	var long []domain.Segment
	for i := 0; i < 300; i++ {
		s := segs[i%len(segs)]
		s.ID = i
		long = append(long, s)
	}
	pid := srv.PID()
	killed := killWhenBusy(ctx, srv)
	note, err := d.Draft(ctx, draft.Request{Segments: long, Template: soap(t), Language: "en"})
	if kerr := <-killed; kerr != nil {
		t.Fatalf("could not kill the server mid-request: %v", kerr)
	}
	if err == nil {
		t.Fatal("draft succeeded although the server was killed")
	}
	if !errors.Is(err, llm.ErrUnavailable) || domain.ErrorCode(err) != domain.EUnavailable {
		t.Errorf("error = %v (code %s), want an EUnavailable error wrapping llm.ErrUnavailable", err, domain.ErrorCode(err))
	}
	if !strings.Contains(err.Error(), "previous draft is kept") {
		t.Errorf("error %q does not tell the user the previous draft is kept", err)
	}
	if len(note.Sections) != 0 || note.SchemaVersion != "" {
		t.Errorf("a failed draft returned a partial note: %+v", note)
	}
	if mustJSON(t, previous) != kept {
		t.Error("the previous draft changed")
	}

	// The supervisor restarts the server; drafting works again.
	// The supervisor learns of the death asynchronously (reaping, then restarting):
	// wait until it has launched the new process before asking for health.
	for (syscall.Kill(pid, 0) == nil || srv.PID() == pid) && ctx.Err() == nil {
		time.Sleep(10 * time.Millisecond)
	}
	if err := srv.WaitHealthy(ctx); err != nil {
		t.Fatalf("server did not come back: %v", err)
	}
	if srv.PID() == pid || srv.Restarts() != 1 {
		t.Errorf("pid %d → %d, restarts %d: want a new process after one restart", pid, srv.PID(), srv.Restarts())
	}
	if _, err := d.Draft(ctx, req); err != nil {
		t.Errorf("draft after restart: %v", err)
	}
}

func TestCutAnswerIsReportedNotReturned(t *testing.T) {
	srv := llmtest.Start(t, llamaserver.Config{})
	d := tinyDrafter(t, srv)
	d.MaxTokens = 12 // not even the first section fits
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	note, err := d.Draft(ctx, draft.Request{Segments: dialogue()[:3], Template: soap(t), Language: "en"})
	if err == nil {
		t.Fatalf("a cut answer gave a note: %+v", note)
	}
	if !errors.Is(err, llm.ErrTruncated) || !errors.Is(err, llmdraft.ErrNothingDrafted) {
		t.Errorf("error = %v, want ErrTruncated and ErrNothingDrafted", err)
	}
	if domain.ErrorCode(err) != domain.EUnavailable || !strings.Contains(err.Error(), "max tokens") {
		t.Errorf("error = %v (code %s): want an EUnavailable error that names max tokens", err, domain.ErrorCode(err))
	}
	if note.SchemaVersion != "" {
		t.Error("a failed draft returned a note")
	}
}

func TestLongTranscriptIsDraftedInParts(t *testing.T) {
	srv := llmtest.Start(t, llamaserver.Config{})
	d := tinyDrafter(t, srv)
	segs := dialogue()
	req := draft.Request{Segments: segs, Template: soap(t), Language: "en"}
	// Pretend the context is small: the system prompt, the answer and about two
	// segments fit, so the six segments need several parts.
	d.ContextTokens = d.MaxTokens + len(llmdraft.SystemPrompt(req.Template, "en")) + 64 + 140
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	note, err := d.Draft(ctx, req)
	if err != nil {
		t.Fatalf("draft: %v", err)
	}
	if err := schema.Validate(note); err != nil {
		t.Fatalf("merged note fails the schema: %v", err)
	}
	var chunked *schema.Warning
	for i, w := range note.Warnings {
		if w.Kind == schema.WarnChunked {
			chunked = &note.Warnings[i]
		}
	}
	if chunked == nil {
		t.Fatalf("no chunked warning in %+v", note.Warnings)
	}
	t.Log(chunked.Message)
	assertEvidenceChecked(t, note, segs)
}

func mustJSON(t *testing.T, n schema.Note) string {
	t.Helper()
	b, err := json.Marshal(n)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
