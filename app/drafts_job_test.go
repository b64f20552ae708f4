package app_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"greffier/app"
	"greffier/domain"
)

// waitJob polls the job until it has ended, failing the test after limit.
func waitJob(t *testing.T, s *app.Services, id string, limit time.Duration) app.Job {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		j, err := s.Encounters.Job(id)
		if err != nil {
			t.Fatal(err)
		}
		if j.State != "running" {
			return j
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s still running after %v (stage %q, progress %.2f)", id, limit, j.Stage, j.Progress)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A draft job without a language model (extractive) saves the next version, and a
// section regenerated as a job saves the one after.
func TestDraftJobSaves(t *testing.T) {
	s, dirs := services(t)
	enc, doc, _ := drafted(t, s, dirs) // version 1
	j, err := s.Drafts.StartGenerate(enc, "", "en")
	if err != nil {
		t.Fatal(err)
	}
	if j.Kind != "draft" || j.EncounterID != enc || j.State != "running" {
		t.Fatalf("started job %+v", j)
	}
	if end := waitJob(t, s, j.ID, 30*time.Second); end.State != "done" || end.Progress != 1 || end.Error != nil {
		t.Fatalf("draft job ended %+v", end)
	}
	cur, err := s.Drafts.Get(enc, 0)
	if err != nil {
		t.Fatal(err)
	}
	if cur.Version != 2 {
		t.Fatalf("after the draft job: version %d, want 2", cur.Version)
	}
	key := cur.Note.Sections[0].Key
	j, err = act(t, s, doc).Drafts.StartRegenerateSection(enc, key, 2)
	if err != nil {
		t.Fatal(err)
	}
	if end := waitJob(t, s, j.ID, 30*time.Second); end.State != "done" {
		t.Fatalf("regenerate job ended %+v", end)
	}
	if cur, err = s.Drafts.Get(enc, 0); err != nil || cur.Version != 3 {
		t.Fatalf("after the regenerate job: version %d, %v; want 3", cur.Version, err)
	}
	// A stale base version is refused at once, not after drafting.
	if _, err := act(t, s, doc).Drafts.StartRegenerateSection(enc, key, 2); code(t, err) != domain.EConflict {
		t.Errorf("regenerate from stale version 2: %v", err)
	}
	if _, err := s.Drafts.StartGenerate(enc+100, "", ""); code(t, err) != domain.ENotFound {
		t.Errorf("draft of a missing encounter: %v", err)
	}
}

// Cancelling a draft job while the language model is thinking stops it: the job
// ends as cancelled within seconds, the model's request is abandoned, nothing is
// saved. An HTTP server on loopback that never answers stands in for a slow model
// (llama-server cannot be made to hang on demand).
func TestDraftJobCancel(t *testing.T) {
	var asked, gone atomic.Int32
	stop := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/chat/completions" {
			http.NotFound(w, r)
			return
		}
		// Read the request as a server does: only then does net/http notice that the
		// client went away and end r.Context().
		if _, err := io.Copy(io.Discard, r.Body); err != nil {
			return
		}
		asked.Add(1)
		select {
		case <-r.Context().Done():
			gone.Add(1)
		case <-stop:
		}
	}))
	defer srv.Close()
	defer close(stop)
	s, dirs := services(t)
	enc, doc, _ := drafted(t, s, dirs) // version 1, extractive
	if _, err := savePrefs(t, s, app.Preferences{LLMEndpoint: srv.URL}, doc); err != nil {
		t.Fatal(err)
	}
	for _, start := range []struct {
		name string
		run  func() (app.Job, error)
	}{
		{"whole note", func() (app.Job, error) { return s.Drafts.StartGenerate(enc, "", "en") }},
		{"one section", func() (app.Job, error) { return act(t, s, doc).Drafts.StartRegenerateSection(enc, "subjective", 1) }},
	} {
		before := asked.Load()
		j, err := start.run()
		if err != nil {
			t.Fatalf("%s: %v", start.name, err)
		}
		// Wait for the request to reach the model, so that the cancel interrupts it.
		deadline := time.Now().Add(20 * time.Second)
		for asked.Load() == before {
			if time.Now().After(deadline) {
				t.Fatalf("%s: the model was never asked (job %+v)", start.name, waitJob(t, s, j.ID, time.Second))
			}
			time.Sleep(10 * time.Millisecond)
		}
		if _, err := s.Drafts.StartGenerate(enc, "", "en"); code(t, err) != domain.EConflict {
			t.Errorf("%s: a second draft job while one runs: %v", start.name, err)
		}
		if ok, _ := s.Encounters.CancelJob(j.ID); !ok {
			t.Fatalf("%s: CancelJob says the job had already ended", start.name)
		}
		if end := waitJob(t, s, j.ID, 5*time.Second); end.State != "cancelled" {
			t.Fatalf("%s: cancelled job ended %+v", start.name, end)
		}
		cur, err := s.Drafts.Get(enc, 0)
		if err != nil {
			t.Fatal(err)
		}
		if cur.Version != 1 {
			t.Errorf("%s: latest version %d after the cancel, want 1 unchanged", start.name, cur.Version)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for gone.Load() < 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if gone.Load() < 2 {
		t.Errorf("the model's requests were not abandoned: %d of %d", gone.Load(), asked.Load())
	}
}
