package documents_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"greffier/domain"
	"greffier/notes/documents"
	"greffier/notes/draft"
	"greffier/notes/schema"
	"greffier/notes/templates"
	"greffier/notes/transcript"
)

// consultation drafts the note of a test dialogue with the extractive drafter, as
// Greffier does without a model.
func consultation(t *testing.T, file, lang string) (schema.Note, []domain.Segment) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	segs, _ := transcript.ParseDialogue(string(raw))
	if len(segs) == 0 {
		t.Fatalf("%s: no segments", file)
	}
	tpl, err := templates.Loader{}.Get("soap")
	if err != nil {
		t.Fatal(err)
	}
	note, err := draft.Extractive{}.Draft(context.Background(), draft.Request{Segments: segs, Template: tpl, Language: lang})
	if err != nil {
		t.Fatal(err)
	}
	return note, segs
}

// wantEvidenced checks what the issue asks of every sentence: it cites segments of
// the transcript, and the note's own evidence checker finds nothing to flag.
func wantEvidenced(t *testing.T, d documents.Document, segs []domain.Segment) {
	t.Helper()
	ids := map[int]bool{}
	for _, s := range segs {
		ids[s.ID] = true
	}
	if d.Sentences() == 0 {
		t.Fatalf("%s: no sentence drafted", d.Kind)
	}
	n := schema.Note{Language: d.Language}
	for _, p := range d.Parts {
		for _, s := range p.Sentences {
			if len(s.Evidence) == 0 {
				t.Errorf("%s/%s: %q cites nothing", d.Kind, p.Key, s.Text)
			}
			for _, id := range s.Evidence {
				if !ids[id] {
					t.Errorf("%s/%s: %q cites segment %d, not in the transcript", d.Kind, p.Key, s.Text, id)
				}
			}
		}
		n.Sections = append(n.Sections, schema.Section{Key: p.Key, Sentences: slices.Clone(p.Sentences)})
	}
	if bad := draft.CheckEvidence(&n, segs); bad != 0 {
		t.Errorf("%s: CheckEvidence flags %d sentences: %+v", d.Kind, bad, n.Warnings)
	}
	if err := d.Validate(); err != nil {
		t.Errorf("%s: %v", d.Kind, err)
	}
	for _, w := range d.Warnings {
		if w.Kind == schema.WarnNoEvidence || w.Kind == schema.WarnInvalidEvidence {
			t.Errorf("%s: warning %+v", d.Kind, w)
		}
	}
}

func allText(d documents.Document) string { return documents.Text(d, false) }

func TestDocumentDraftFromEnglishConsultation(t *testing.T) {
	note, segs := consultation(t, "dialogue_en.txt", "en")
	ins, err := documents.Draft(documents.KindInstructions, note, segs, documents.Options{NoteVersion: 2})
	if err != nil {
		t.Fatal(err)
	}
	wantEvidenced(t, ins, segs)
	text := allText(ins)
	for _, want := range []string{"Your instructions after the visit", "Start taking azithromycin", "Keep taking lisinopril", "drink plenty of fluids"} {
		if !strings.Contains(strings.ToLower(text), strings.ToLower(want)) {
			t.Errorf("instructions lack %q:\n%s", want, text)
		}
	}
	if ins.Source.NoteVersion != 2 || ins.Language != "en" {
		t.Errorf("source %+v language %s", ins.Source, ins.Language)
	}
	ref, err := documents.Draft(documents.KindReferral, note, segs, documents.Options{Recipient: "Pulmonology"})
	if err != nil {
		t.Fatal(err)
	}
	wantEvidenced(t, ref, segs)
	rt := allText(ref)
	for _, want := range []string{"Referral letter", "To: Pulmonology", "Dear colleague", "Current treatment", "Azithromycin 500 mg", "Allergy: penicillin", "Examination and results"} {
		if !strings.Contains(rt, want) {
			t.Errorf("letter lacks %q:\n%s", want, rt)
		}
	}
	// The note's items are supported by their segments: so are the sentences made of them.
	for _, d := range []documents.Document{ins, ref} {
		if hasWarning(d, schema.WarnUnsupportedFact, "") {
			t.Errorf("%s: unsupported facts: %+v", d.Kind, d.Warnings)
		}
	}
	if strings.Contains(allText(ins), "i'm") {
		t.Errorf("the English I lost its capital:\n%s", allText(ins))
	}
	if q := part(ref, "question"); q == nil || len(q.Sentences) != 1 {
		t.Errorf("letter has no question to the specialist:\n%s", documents.Text(ref, true))
	}
}

func TestDocumentDraftFromFrenchConsultation(t *testing.T) {
	note, segs := consultation(t, "consultation_fr.txt", "fr")
	ins, err := documents.Draft(documents.KindInstructions, note, segs, documents.Options{})
	if err != nil {
		t.Fatal(err)
	}
	wantEvidenced(t, ins, segs)
	text := strings.ToLower(allText(ins))
	for _, want := range []string{"vos consignes après la consultation", "commencez amlodipine", "votre prochain rendez-vous", "appelez le cabinet"} {
		if !strings.Contains(text, want) {
			t.Errorf("consignes sans %q:\n%s", want, text)
		}
	}
	ref, err := documents.Draft(documents.KindReferral, note, segs, documents.Options{})
	if err != nil {
		t.Fatal(err)
	}
	wantEvidenced(t, ref, segs)
	rt := allText(ref)
	for _, want := range []string{"Lettre d'adressage", "Cher confrère", "Tension artérielle : 165/95", "Allergie : aspirine", "Bien confraternellement"} {
		if !strings.Contains(rt, want) {
			t.Errorf("lettre sans %q:\n%s", want, rt)
		}
	}
}

// The patient's language may differ from the note's: the wording is the patient's,
// and the reviewer is told what stays to translate.
func TestDocumentInThePatientsLanguage(t *testing.T) {
	note, segs := consultation(t, "dialogue_en.txt", "en")
	ins, err := documents.Draft(documents.KindInstructions, note, segs, documents.Options{Language: "fr"})
	if err != nil {
		t.Fatal(err)
	}
	wantEvidenced(t, ins, segs)
	if !strings.Contains(allText(ins), "Commencez azithromycin") || ins.Language != "fr" {
		t.Errorf("not in French:\n%s", allText(ins))
	}
	if !hasWarning(ins, schema.WarnLanguage, "") {
		t.Errorf("no language warning: %+v", ins.Warnings)
	}
	if _, err := documents.Draft(documents.KindInstructions, note, segs, documents.Options{Language: "de"}); domain.ErrorCode(err) != domain.EInvalid {
		t.Errorf("German: %v", err)
	}
	if _, err := documents.Draft("letter", note, segs, documents.Options{}); domain.ErrorCode(err) != domain.EInvalid {
		t.Errorf("unknown kind: %v", err)
	}
}

// A note item whose facts its evidence lacks keeps its warning in the document, on
// the sentence made from it; an edit is checked again.
func TestDocumentKeepsCheckerWarnings(t *testing.T) {
	segs := []domain.Segment{
		{ID: 1, Text: "I'll prescribe metformin 500 mg twice a day.", Role: domain.RoleClinician},
		{ID: 2, Text: "Come back in three months.", Role: domain.RoleClinician},
		{ID: 3, Text: "Your blood sugar is high, this is diabetes.", Role: domain.RoleClinician},
	}
	note := schema.Note{SchemaVersion: schema.Version, Template: "soap", Language: "en",
		Problems:    []schema.Problem{{Title: "Diabetes mellitus", Evidence: schema.Evidence{3}}},
		Medications: []schema.Medication{{Name: "metformin", Dose: "850 mg", Frequency: "b.i.d.", Action: schema.ActionStart, Evidence: schema.Evidence{1}}},
		FollowUp:    []schema.Sentence{{Text: "Follow-up in 3 months.", Evidence: schema.Evidence{2, 9}}},
	}
	d, err := documents.Draft(documents.KindInstructions, note, segs, documents.Options{})
	if err != nil {
		t.Fatal(err)
	}
	med := findSentence(t, d, "metformin")
	if !hasWarning(d, schema.WarnUnsupportedFact, med) {
		t.Errorf("dose 850 mg not flagged at %s: %+v", med, d.Warnings)
	}
	fu := findSentence(t, d, "3 months")
	if !hasWarning(d, schema.WarnInvalidEvidence, fu) {
		t.Errorf("segment 9 not flagged at %s: %+v", fu, d.Warnings)
	}
	if !strings.Contains(allText(d), "twice a day") || !strings.Contains(allText(d), "We talked about: diabetes.") {
		t.Errorf("not in plain words:\n%s", allText(d))
	}
	// The physician corrects the dose and adds a fever threshold nobody said.
	for i, p := range d.Parts {
		for j, s := range p.Sentences {
			if strings.Contains(s.Text, "850") {
				d.Parts[i].Sentences[j].Text = "Start taking metformin: 500 mg, twice a day."
			}
		}
	}
	d.Closing = "Call us if your temperature is above 39."
	documents.Check(&d, segs)
	if hasWarning(d, schema.WarnUnsupportedFact, med) {
		t.Errorf("corrected dose still flagged: %+v", d.Warnings)
	}
	if !hasWarning(d, documents.WarnCourtesyFact, "/closing") {
		t.Errorf("a fact in the closing is not flagged: %+v", d.Warnings)
	}
	raw, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	back, err := documents.Parse(raw)
	if err != nil || back.Sentences() != d.Sentences() || len(back.Warnings) != len(d.Warnings) {
		t.Fatalf("round trip: %v, %d/%d sentences", err, back.Sentences(), d.Sentences())
	}
	if _, err := documents.Parse([]byte(`{"schema_version":"1","kind":"instructions","language":"en","title":"x","parts":[{"key":"a","title":"A","sentences":[{"text":" ","evidence":[1]}]}],"source":{"drafter":"rules"},"warnings":[]}`)); domain.ErrorCode(err) != domain.EInvalid {
		t.Errorf("empty sentence accepted: %v", err)
	}
}

// A referral without anything to ask about says so rather than inventing a question.
func TestDocumentReferralWithoutAQuestion(t *testing.T) {
	segs := []domain.Segment{{ID: 1, Text: "Blood pressure 120 over 80.", Role: domain.RoleClinician}}
	note := schema.Note{SchemaVersion: schema.Version, Language: "en",
		Vitals: []schema.Vital{{Kind: schema.VitalBP, Value: "120/80", Unit: "mmHg", Evidence: schema.Evidence{1}}}}
	d, err := documents.Draft(documents.KindReferral, note, segs, documents.Options{})
	if err != nil {
		t.Fatal(err)
	}
	wantEvidenced(t, d, segs)
	if part(d, "question") != nil || !hasWarning(d, documents.WarnIncomplete, "/parts") {
		t.Errorf("question part %+v, warnings %+v", part(d, "question"), d.Warnings)
	}
	if d.Recipient != "Specialist colleague" {
		t.Errorf("recipient %q", d.Recipient)
	}
}

// Plain words never add a fact the checker would not find in the clinical term.
func TestDocumentPlainWordsKeepTheFacts(t *testing.T) {
	for _, c := range []struct{ lang, in, want string }{
		{"en", "Hypertension, take 1 tablet b.i.d. p.o.", "High blood pressure, take 1 tablet twice a day by mouth."},
		{"en", "NSAIDs prn for the edema", "Anti-inflammatory pain medicine as needed for the swelling."},
		{"fr", "HTA : amlodipine 5 mg per os", "Tension trop élevée : amlodipine 5 mg par la bouche."},
		{"fr", "réévaluation à 48 h", "Nouveau contrôle à 48 h."},
	} {
		got := documents.Plain(c.in, c.lang)
		if got != c.want {
			t.Errorf("Plain(%q) = %q, want %q", c.in, got, c.want)
		}
		missing, err := draft.UnsupportedFacts(got, c.in)
		if err != nil || len(missing) > 0 {
			t.Errorf("Plain(%q) = %q adds %v (%v)", c.in, got, missing, err)
		}
	}
}

func part(d documents.Document, key string) *documents.Part {
	for i := range d.Parts {
		if d.Parts[i].Key == key {
			return &d.Parts[i]
		}
	}
	return nil
}

func findSentence(t *testing.T, d documents.Document, sub string) string {
	t.Helper()
	for i, p := range d.Parts {
		for j, s := range p.Sentences {
			if strings.Contains(s.Text, sub) {
				return documents.Path(i, j)
			}
		}
	}
	t.Fatalf("no sentence with %q:\n%s", sub, documents.Text(d, true))
	return ""
}

func hasWarning(d documents.Document, kind, path string) bool {
	for _, w := range d.Warnings {
		if w.Kind == kind && (path == "" || w.Path == path) {
			return true
		}
	}
	return false
}

// A model's note says the plan in its own sentences: they reach the patient in plain
// words; checking twice changes nothing.
func TestDocumentFromAModelsPlan(t *testing.T) {
	segs := []domain.Segment{
		{ID: 1, Text: "Your blood pressure is too high, we'll start amlodipine 5 mg once a day.", Role: domain.RoleClinician},
		{ID: 2, Text: "Try to cut down on salt.", Role: domain.RoleClinician},
	}
	note := schema.Note{SchemaVersion: schema.Version, Template: "soap", Language: "en",
		Drafter: schema.DrafterInfo{Kind: schema.DrafterLLM, Model: "test"},
		Sections: []schema.Section{{Key: "plan", Title: "Plan", Sentences: []schema.Sentence{
			{Text: "Start amlodipine 5 mg q.d. for hypertension.", Evidence: schema.Evidence{1}},
			{Text: "Low-sodium diet advised.", Evidence: schema.Evidence{2}},
		}}}}
	d, err := documents.Draft(documents.KindInstructions, note, segs, documents.Options{})
	if err != nil {
		t.Fatal(err)
	}
	wantEvidenced(t, d, segs)
	text := allText(d)
	if !strings.Contains(text, "Start amlodipine 5 mg once a day for high blood pressure.") || !strings.Contains(text, "Low-sodium diet advised.") {
		t.Errorf("plan not in plain words:\n%s", documents.Text(d, true))
	}
	before := len(d.Warnings)
	if n := documents.Check(&d, segs); n != 0 || len(d.Warnings) != before {
		t.Errorf("second check: %d raised, %d warnings (was %d): %+v", n, len(d.Warnings), before, d.Warnings)
	}
}
