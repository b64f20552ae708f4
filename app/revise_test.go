package app_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"greffier/app"
	"greffier/domain"
	"greffier/notes/schema"
)

// heldModel is an OpenAI-style endpoint that answers a note with the given
// subjective section, but only when the test releases it: the real llama-server
// cannot be made to wait on demand, and the test needs a redraft that is still
// running while the user edits.
type heldModel struct {
	srv     *httptest.Server
	asked   chan struct{}
	release chan struct{}
}

func newHeldModel(t *testing.T, subjective string) *heldModel {
	m := &heldModel{asked: make(chan struct{}, 8), release: make(chan struct{})}
	ans, err := json.Marshal(map[string]any{
		"sections": []any{map[string]any{"key": "subjective", "sentences": []any{map[string]any{"text": subjective, "evidence": []int{1}}}}},
		"problems": []any{}, "medications": []any{}, "allergies": []any{}, "vitals": []any{}, "orders": []any{},
		"follow_up": []any{}, "patient_instructions": []any{},
	})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(map[string]any{"choices": []any{map[string]any{"index": 0, "finish_reason": "stop",
		"message": map[string]any{"role": "assistant", "content": string(ans)}}}})
	m.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/chat/completions" {
			http.NotFound(w, r)
			return
		}
		io.Copy(io.Discard, r.Body)
		m.asked <- struct{}{}
		select {
		case <-m.release:
		case <-r.Context().Done():
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	t.Cleanup(m.srv.Close)
	return m
}

// redraftWhile runs a redraft of the subjective section as a job from version base,
// calls edit once the model has been asked, then lets the model answer and waits for
// the job.
func redraftWhile(t *testing.T, s *app.Services, m *heldModel, enc int64, user string, base int, edit func()) {
	t.Helper()
	j, err := act(t, s, user).Drafts.StartRegenerateSection(enc, "subjective", base)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-m.asked:
	case <-time.After(30 * time.Second):
		t.Fatalf("the model was never asked: %+v", waitJob(t, s, j.ID, time.Second))
	}
	edit()
	m.release <- struct{}{}
	if end := waitJob(t, s, j.ID, 30*time.Second); end.State != "done" {
		t.Fatalf("redraft job ended %+v", end)
	}
}

func sectionText(d app.DraftView, key string) string {
	var parts []string
	for _, s := range section(d, key).Sentences {
		parts = append(parts, s.Text)
	}
	return strings.Join(parts, " ")
}

// A one-section redraft takes minutes; the user keeps editing meanwhile. When the
// redraft lands it merges into the latest version: an edit of another section stays;
// an edit of the redrafted section itself stays too, with the redraft beside it,
// flagged for the user to choose. Nothing the user saved is overwritten.
func TestRedraftKeepsConcurrentEdit(t *testing.T) {
	s, dirs := services(t)
	enc, doc, sec := drafted(t, s, dirs) // version 1, extractive
	m := newHeldModel(t, "Dry cough and sore throat for five days.")
	if _, err := savePrefs(t, s, app.Preferences{LLMEndpoint: m.srv.URL}, doc); err != nil {
		t.Fatal(err)
	}
	// The secretary edits at her own desk (another window) while the physician's
	// redraft runs.
	desk := window(t, dirs, sec)
	const plan = "Paracetamol one gram three times a day, typed during the redraft."
	redraftWhile(t, s, m, enc, doc, 1, func() {
		if _, err := desk.Drafts.SaveSection(enc, "plan", plan, 1); err != nil {
			t.Fatal(err)
		}
	})
	d, err := s.Drafts.Get(enc, 0)
	if err != nil {
		t.Fatal(err)
	}
	if d.Version != 3 || sectionText(d, "plan") != plan || sectionText(d, "subjective") != "Dry cough and sore throat for five days." ||
		len(section(d, "subjective").Alternatives) != 0 {
		t.Fatalf("redraft beside an edit of another section: v%d plan %q subjective %q", d.Version, sectionText(d, "plan"), sectionText(d, "subjective"))
	}

	const typed = "The patient says the cough is better, typed during the redraft."
	redraftWhile(t, s, m, enc, doc, 3, func() {
		if _, err := desk.Drafts.SaveSection(enc, "subjective", typed, 3); err != nil {
			t.Fatal(err)
		}
	})
	d, err = s.Drafts.Get(enc, 0)
	if err != nil {
		t.Fatal(err)
	}
	sub := section(d, "subjective")
	if d.Version != 5 || sectionText(d, "subjective") != typed || sectionText(d, "plan") != plan ||
		len(sub.Alternatives) != 1 || sub.Alternatives[0].Kind != schema.AltRedraft || sub.Alternatives[0].Sentences[0].Text != "Dry cough and sore throat for five days." {
		t.Fatalf("redraft over an edit of the same section: v%d subjective %q alternatives %+v", d.Version, sectionText(d, "subjective"), sub.Alternatives)
	}
	if !strings.Contains(mustJSON(t, d.Note.Warnings), schema.WarnSectionConflict) {
		t.Errorf("the section holding two texts is not flagged: %+v", d.Note.Warnings)
	}
	// The user takes the redraft: it becomes the text, the flag goes.
	d, err = desk.Drafts.ChooseSection(enc, "subjective", 0, 5)
	if err != nil || sectionText(d, "subjective") != "Dry cough and sore throat for five days." || len(section(d, "subjective").Alternatives) != 0 ||
		strings.Contains(mustJSON(t, d.Note.Warnings), schema.WarnSectionConflict) {
		t.Fatalf("choose the redraft: %+v, %v", section(d, "subjective"), err)
	}
}

// Two users autosave at the same instant from the same version, on different
// sections and then on the same one: every text either saved is in the latest
// version (the second save on the same section as an alternative to choose).
func TestConcurrentSectionSavesKeepBoth(t *testing.T) {
	s, dirs := services(t)
	enc, doc, sec := drafted(t, s, dirs) // version 1
	// Two users, two windows.
	act(t, s, doc)
	desks := []*app.Services{s, window(t, dirs, sec)}
	for _, tc := range []struct {
		name   string
		keys   [2]string
		shared bool
	}{{"different sections", [2]string{"subjective", "plan"}, false}, {"same section", [2]string{"assessment", "assessment"}, true}} {
		cur, err := s.Drafts.Get(enc, 0)
		if err != nil {
			t.Fatal(err)
		}
		texts := [2]string{}
		var wg sync.WaitGroup
		errs := make(chan error, 2)
		for i, w := range desks {
			texts[i] = fmt.Sprintf("Typed by user %d in the %s case.", i, strings.ReplaceAll(tc.name, " ", "-"))
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := w.Drafts.SaveSection(enc, tc.keys[i], texts[i], cur.Version)
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
		}
		d, err := s.Drafts.Get(enc, 0)
		if err != nil {
			t.Fatal(err)
		}
		if d.Version != cur.Version+2 {
			t.Errorf("%s: version %d, want %d", tc.name, d.Version, cur.Version+2)
		}
		all := mustJSON(t, d.Note.Sections)
		for _, txt := range texts {
			if !strings.Contains(all, txt) {
				t.Errorf("%s: %q lost from the latest version", tc.name, txt)
			}
		}
		if got := len(section(d, tc.keys[0]).Alternatives); tc.shared != (got == 1) {
			t.Errorf("%s: %d alternatives", tc.name, got)
		}
		if tc.shared {
			if _, err := s.Drafts.Approve(enc, 0, testPassword); code(t, err) != domain.EConflict {
				t.Errorf("signing with a section holding two texts: %v", err)
			}
		}
	}
}
