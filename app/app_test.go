package app_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"greffier/app"
	"greffier/appdirs"
	"greffier/domain"
	"greffier/notes/schema"
	"greffier/notes/transcript"
)

const dialogue = `[doctor] What brings you in today?
[patient] I have had a dry cough and a sore throat for five days.
[doctor] Your blood pressure is 128/82 today.
[doctor] Take paracetamol 1 g three times a day.`

// recorder is a Platform that keeps what the services emit.
type recorder struct {
	mu     sync.Mutex
	at     []time.Time
	events []app.Event
}

func (r *recorder) Emit(name string, data any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.at = append(r.at, time.Now())
	r.events = append(r.events, data.([]app.Event)...)
}

func (r *recorder) OpenFile(string, []string) (string, error) { return "", nil }

// services starts the real services on a fresh data folder (real SQLite), with the
// first admin set up and logged in.
func services(t *testing.T) (*app.Services, appdirs.Dirs) {
	t.Helper()
	dirs := appdirs.Dirs{Data: t.TempDir()}
	s := startServices(t, app.Config{Dirs: dirs})
	setUp(t, s)
	return s, dirs
}

func code(t *testing.T, err error) string {
	t.Helper()
	var ue *app.UIError
	if !errors.As(err, &ue) {
		t.Fatalf("error %v is not a *app.UIError", err)
	}
	return ue.Code
}

// drafted makes a physician, a secretary and a drafted encounter; it returns the
// users' names (act logs them in). The secretary is logged in after.
func drafted(t *testing.T, s *app.Services, dirs appdirs.Dirs) (enc int64, doc, sec string) {
	t.Helper()
	doc, sec = "Dr Test", "Sam Sec"
	addUser(t, s, doc, "physician")
	addUser(t, s, sec, "secretary")
	v, err := act(t, s, sec).Encounters.Create(app.NewEncounter{PatientLabel: "P-1", PatientName: "Pat Test", Language: "en", Consent: true})
	if err != nil {
		t.Fatal(err)
	}
	segs, _ := transcript.ParseDialogue(dialogue)
	if err := openDB(t, dirs).SaveSegments(context.Background(), v.ID, segs); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Drafts.Generate(v.ID, "", ""); err != nil {
		t.Fatal(err)
	}
	return v.ID, doc, sec
}

func TestCreateNeedsConsent(t *testing.T) {
	s, _ := services(t)
	_, err := s.Encounters.Create(app.NewEncounter{PatientLabel: "P-9", Consent: false})
	if code(t, err) != domain.EInvalid {
		t.Fatalf("no consent: %v", err)
	}
	// Consent is noted by someone: without a user logged in, refused.
	if _, err := s.Session.Logout(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Encounters.Create(app.NewEncounter{PatientLabel: "P-9", Consent: true}); code(t, err) != app.EUnauthenticated {
		t.Fatalf("consent without a user: %v", err)
	}
	addUser(t, s, "Dr Who", "physician")
	if _, err := act(t, s, "Dr Who").Encounters.Create(app.NewEncounter{PatientLabel: "P-9", Consent: true}); err != nil {
		t.Fatal(err)
	}
	today, err := s.Encounters.Today()
	if err != nil || len(today) != 1 || today[0].PatientLabel != "P-9" || today[0].State != domain.StateRecording {
		t.Fatalf("today = %+v, %v", today, err)
	}
}

func TestReviewWorkflow(t *testing.T) {
	s, dirs := services(t)
	enc, doc, sec := drafted(t, s, dirs)
	d, err := s.Drafts.Get(enc, 0)
	if err != nil {
		t.Fatal(err)
	}
	if d.Version != 1 || d.State != domain.StateDrafted || len(d.Note.Sections) == 0 {
		t.Fatalf("draft %+v", d)
	}
	// Edit the first section that has text: keep its first sentence, add a new one.
	var key, kept string
	for _, sec := range d.Note.Sections {
		if len(sec.Sentences) > 0 {
			key, kept = sec.Key, sec.Sentences[0].Text
			break
		}
	}
	if key == "" {
		t.Fatal("the extractive draft has no sentence")
	}
	d2, err := act(t, s, sec).Drafts.SaveSection(enc, key, kept+"\nThe patient is reassured.", 1)
	if err != nil {
		t.Fatal(err)
	}
	if d2.Version != 2 {
		t.Fatalf("version after save = %d", d2.Version)
	}
	for _, sec := range d2.Note.Sections {
		if sec.Key != key {
			continue
		}
		if len(sec.Sentences) != 2 || len(sec.Sentences[0].Evidence) == 0 || len(sec.Sentences[1].Evidence) != 0 {
			t.Fatalf("edited section %+v: the kept sentence must keep its evidence, the new one have none", sec)
		}
	}
	// Regenerating the edited section brings back the drafter's text, as a version of
	// the editor: the typed sentence goes, the kept one stays.
	d3, err := s.Drafts.RegenerateSection(enc, key, 2)
	if err != nil || d3.Version != 3 || strings.Contains(mustJSON(t, d3.Note.Sections), "reassured") || !strings.Contains(mustJSON(t, d3.Note.Sections), kept) {
		t.Fatalf("regenerate section: v%d, %v", d3.Version, err)
	}
	// A save made from version 2, whose section was redrafted since, overwrites
	// nothing: the latest text stays, the stale one waits beside it, and signing waits
	// for the user's choice.
	d4, err := s.Drafts.SaveSection(enc, key, "Typed on version two.", 2)
	if err != nil || d4.Version != 4 || mustJSON(t, section(d4, key).Sentences) != mustJSON(t, section(d3, key).Sentences) ||
		len(section(d4, key).Alternatives) != 1 || !strings.Contains(mustJSON(t, section(d4, key).Alternatives), "Typed on version two.") {
		t.Fatalf("stale save: %+v, %v", d4, err)
	}
	if _, err := act(t, s, doc).Drafts.Approve(enc, 0, testPassword); code(t, err) != domain.EConflict {
		t.Fatalf("approving with two texts of a section: %v", err)
	}
	d5, err := act(t, s, sec).Drafts.ChooseSection(enc, key, -1, 4)
	if err != nil || d5.Version != 5 || len(section(d5, key).Alternatives) != 0 || strings.Contains(mustJSON(t, d5.Note.Warnings), "section_conflict") {
		t.Fatalf("choose: %+v, %v", d5, err)
	}
	diff, err := s.Drafts.Diff(enc, 1, 2)
	if err != nil || !strings.Contains(mustJSON(t, diff), "reassured") {
		t.Fatalf("diff = %v, %v", diff, err)
	}
	diff, err = s.Drafts.Diff(enc, 2, 3)
	if err != nil || !strings.Contains(mustJSON(t, diff), "reassured") {
		t.Fatalf("diff = %v, %v", diff, err)
	}
	if _, err := act(t, s, doc).Export.Run(app.ExportRequest{EncounterID: enc, Format: "fhir", Dir: t.TempDir()}); code(t, err) != domain.EConflict {
		t.Fatalf("export before approval: %v", err)
	}
	if _, err := act(t, s, sec).Drafts.Approve(enc, 0, testPassword); code(t, err) != domain.EForbidden {
		t.Fatalf("secretary approving: %v", err)
	}
	if _, err := s.Drafts.MarkReady(enc); err != nil {
		t.Fatal(err)
	}
	a, err := act(t, s, doc).Drafts.Approve(enc, 5, testPassword)
	if err != nil || a.State != domain.StateApproved || a.ApprovedVersion != 5 {
		t.Fatalf("approve: %+v, %v", a, err)
	}
	res, err := s.Export.Run(app.ExportRequest{EncounterID: enc, Format: "fhir", Dir: t.TempDir()})
	if err != nil || !strings.Contains(res.Text, `"Bundle"`) || res.Bytes == 0 {
		t.Fatalf("export: %+v, %v", res, err)
	}
	q, err := s.Encounters.Queue()
	if err != nil || len(q.Drafted)+len(q.InReview)+len(q.Approved) != 0 {
		t.Fatalf("exported encounter still queued: %+v, %v", q, err)
	}
}

func section(d app.DraftView, key string) schema.Section {
	for _, s := range d.Note.Sections {
		if s.Key == key {
			return s
		}
	}
	return schema.Section{}
}

func mustJSON(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestUserErrorLanguages(t *testing.T) {
	err := domain.Errorf(domain.EConflict, "encounter 3 is not approved")
	en, fr := app.UserError(err, "en"), app.UserError(err, "fr")
	if en.Code != domain.EConflict || !strings.Contains(en.Message, "encounter 3 is not approved") || !strings.HasPrefix(en.Message, "Not possible now") {
		t.Errorf("en: %+v", en)
	}
	if !strings.HasPrefix(fr.Message, "Impossible pour l'instant") || !strings.Contains(fr.Message, "terminez") {
		t.Errorf("fr: %+v", fr)
	}
	// Other errors may carry paths or data: the user gets a generic message.
	in := app.UserError(errors.New("open /home/x/secret.db: permission denied"), "en")
	if in.Code != domain.EInternal || strings.Contains(in.Message, "secret") {
		t.Errorf("internal: %+v", in)
	}
	var back app.UIError
	if json.Unmarshal([]byte(en.Error()), &back) != nil || back != *en {
		t.Errorf("Error() is not the JSON api.ts parses: %s", en.Error())
	}
}

func TestEventsAreBatched(t *testing.T) {
	r := &recorder{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ev := app.NewEvents(ctx, r, 50*time.Millisecond)
	deadline := time.Now().Add(500 * time.Millisecond)
	n := 0
	for time.Now().Before(deadline) {
		ev.Send("segment", n)
		ev.Send("level", n)
		n++
		time.Sleep(time.Millisecond)
	}
	ev.Close()
	r.mu.Lock()
	defer r.mu.Unlock()
	segs := 0
	for _, e := range r.events {
		if e.Kind == "segment" {
			segs++
		}
	}
	if segs != n {
		t.Fatalf("%d segment events delivered, %d sent: batching must not drop them", segs, n)
	}
	// The last batch is Close's final flush, which does not wait.
	for i := 1; i < len(r.at)-1; i++ {
		if gap := r.at[i].Sub(r.at[i-1]); gap < 45*time.Millisecond {
			t.Fatalf("two batches %v apart: more than 20 a second", gap)
		}
	}
	if len(r.at) < 3 {
		t.Fatalf("only %d batches in 500 ms", len(r.at))
	}
}

func TestTemplateEditor(t *testing.T) {
	s, _ := services(t)
	src, err := s.Templates.Get("soap")
	if err != nil || !src.Builtin || !strings.Contains(src.YAML, "key: soap") {
		t.Fatalf("built-in soap: %+v, %v", src, err)
	}
	if _, err := s.Templates.Save("key: soap\nsections: [}"); code(t, err) != domain.EInvalid {
		t.Fatalf("broken YAML saved: %v", err)
	}
	edited := strings.Replace(src.YAML, "key: soap", "key: soapx", 1)
	if _, err := s.Templates.Save(edited); err != nil {
		t.Fatal(err)
	}
	got, err := s.Templates.Get("soapx")
	if err != nil || got.Builtin || got.YAML != edited {
		t.Fatalf("user template: %+v, %v", got, err)
	}
	list, err := s.Settings.Templates("en")
	if err != nil || !strings.Contains(mustJSON(t, list), `"soapx"`) {
		t.Fatalf("the new template is not offered: %v, %v", list, err)
	}
	if _, err := s.Templates.Reset("soapx"); code(t, err) != domain.ENotFound {
		t.Fatalf("reset of a user-only template: %v", err)
	}
}
