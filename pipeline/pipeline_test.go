package pipeline_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"greffier/icd10"
	"greffier/notes/draft"
	"greffier/notes/schema"
	"greffier/notes/templates"
	"greffier/notes/transcript"
	"greffier/pipeline"
	"greffier/store"
)

// The doctor assesses the hypertension (codes go only to problems assessed in the visit).
const visit = `[doctor] What brings you in today?
[patient] I have had a cough for a week and my blood pressure has been high, I have hypertension.
[doctor] Your blood pressure is 150/95 today. For your hypertension, keep taking lisinopril 10 mg once a day.`

// From a transcript to a stored draft: the real drafter, code table and store.
func TestDraftAndSaveStoresVersionAndCodeEvidence(t *testing.T) {
	ctx := context.Background()
	segs, _ := transcript.ParseDialogue(visit)
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "greffier.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ix, err := icd10.Open(ctx, ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	enc, err := db.CreateEncounter(ctx, store.NewEncounter{By: store.System, Language: "en", Template: "soap"})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SaveSegments(ctx, enc.ID, segs); err != nil {
		t.Fatal(err)
	}
	tmpl, err := templates.Loader{}.Get("soap")
	if err != nil {
		t.Fatal(err)
	}
	note, err := pipeline.Draft(ctx, draft.Extractive{Codes: ix}, draft.Request{Segments: segs, Template: tmpl, Language: "en"})
	if err != nil {
		t.Fatal(err)
	}
	v, err := pipeline.SaveDraft(ctx, db, enc.ID, store.System, note, segs, "SOAP note")
	if err != nil {
		t.Fatal(err)
	}
	if v.Version != 1 {
		t.Errorf("version %d, want 1", v.Version)
	}
	latest, err := db.GetLatestDraft(ctx, enc.ID)
	if err != nil {
		t.Fatal(err)
	}
	var stored schema.Note
	if err := json.Unmarshal(latest.Body, &stored); err != nil || schema.Validate(stored) != nil {
		t.Fatalf("stored note unreadable or invalid: %v", err)
	}
	if !strings.Contains(latest.Text, "150/95") {
		t.Errorf("rendered text lacks the vitals:\n%s", latest.Text)
	}
	codes, err := db.Codes(ctx, enc.ID)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, c := range codes {
		if c.Code == "I10" {
			found = true
			if !strings.Contains(c.Evidence, "hypertension") || c.Status != store.CodeSuggested {
				t.Errorf("I10 suggestion %+v: want status suggested with its transcript evidence", c)
			}
		}
	}
	if !found {
		t.Errorf("no I10 suggestion among %+v", codes)
	}
}

func TestSaveVersionRefusesAnInvalidNote(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "greffier.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	enc, err := db.CreateEncounter(ctx, store.NewEncounter{By: store.System})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pipeline.SaveVersion(ctx, db, enc.ID, store.System, schema.Note{}, ""); err == nil {
		t.Fatal("an empty note (no schema version, no template) was saved")
	}
	if _, err := db.GetLatestDraft(ctx, enc.ID); err == nil {
		t.Error("a version exists after a refused save")
	}
}

func TestEvidenceText(t *testing.T) {
	segs, _ := transcript.ParseDialogue(visit)
	got := pipeline.EvidenceText(segs, schema.Evidence{segs[0].ID, 999})
	if got != strings.TrimSpace(segs[0].Text) {
		t.Errorf("EvidenceText = %q; unknown ids must be skipped", got)
	}
}
