package draft_test

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"greffier/domain"
	"greffier/notes/draft"
	"greffier/notes/schema"
	"greffier/notes/templates"
	"greffier/notes/transcript"
)

func mustTemplate(t testing.TB, key string) templates.Template {
	t.Helper()
	tm, err := templates.Loader{}.Get(key)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

func mustTranscript(t testing.TB, name string) []domain.Segment {
	t.Helper()
	tr, err := transcript.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return tr.Segments
}

// checkNote asserts what every draft must satisfy: schema-valid, every sentence and
// item citing only segments of the transcript, at least one.
func checkNote(t *testing.T, n schema.Note, segs []domain.Segment) {
	t.Helper()
	if err := schema.Validate(n); err != nil {
		t.Fatalf("note fails the schema: %v", err)
	}
	ids := map[int]bool{}
	for _, s := range segs {
		ids[s.ID] = true
	}
	var evs []schema.Evidence
	for _, s := range n.Sections {
		for _, x := range s.Sentences {
			evs = append(evs, x.Evidence)
		}
	}
	for _, x := range n.Problems {
		evs = append(evs, x.Evidence)
	}
	for _, x := range n.Medications {
		evs = append(evs, x.Evidence)
	}
	for _, x := range n.Allergies {
		evs = append(evs, x.Evidence)
	}
	for _, x := range n.Vitals {
		evs = append(evs, x.Evidence)
	}
	for _, x := range n.Orders {
		evs = append(evs, x.Evidence)
	}
	for _, x := range append(slices.Clone(n.FollowUp), n.PatientInstructions...) {
		evs = append(evs, x.Evidence)
	}
	for i, ev := range evs {
		if len(ev) == 0 {
			t.Errorf("item %d cites nothing", i)
		}
		for _, id := range ev {
			if !ids[id] {
				t.Errorf("item %d cites segment %d, not in the transcript", i, id)
			}
		}
	}
	for _, w := range n.Warnings {
		if w.Kind == schema.WarnNoEvidence || w.Kind == schema.WarnInvalidEvidence {
			t.Errorf("unexpected evidence warning %+v", w)
		}
	}
	if n.Drafter.Kind != schema.DrafterExtractive || !hasWarning(n, schema.WarnExtractive) {
		t.Errorf("not labelled as an extractive draft: %+v", n.Drafter)
	}
}

func hasWarning(n schema.Note, kind string) bool {
	for _, w := range n.Warnings {
		if w.Kind == kind {
			return true
		}
	}
	return false
}

func findMed(n schema.Note, name string) (schema.Medication, bool) {
	for _, m := range n.Medications {
		if m.Name == name {
			return m, true
		}
	}
	return schema.Medication{}, false
}

func TestExtractiveEnglishDialogue(t *testing.T) {
	segs := mustTranscript(t, "dialogue_en.txt")
	n, err := draft.Extractive{}.Draft(context.Background(), draft.Request{Segments: segs, Template: mustTemplate(t, "soap"), Language: "en"})
	if err != nil {
		t.Fatal(err)
	}
	checkNote(t, n, segs)

	meds := []struct{ name, dose, freq, action string }{
		{"lisinopril", "20 mg", "once a day", schema.ActionContinue},
		{"azithromycin", "500 mg", "daily", schema.ActionStart},
	}
	for _, w := range meds {
		m, ok := findMed(n, w.name)
		if !ok {
			t.Errorf("medication %s not found in %+v", w.name, n.Medications)
			continue
		}
		if m.Dose != w.dose || m.Frequency != w.freq || m.Action != w.action {
			t.Errorf("%s = %+v, want dose %q frequency %q action %q", w.name, m, w.dose, w.freq, w.action)
		}
	}
	if _, ok := findMed(n, "penicillin"); ok {
		t.Error("penicillin (an allergy) listed as a medication")
	}
	if len(n.Allergies) != 1 || n.Allergies[0].Substance != "penicillin" || n.Allergies[0].Reaction != "rash" {
		t.Errorf("allergies %+v, want penicillin (rash)", n.Allergies)
	}
	vitals := map[string]string{}
	for _, v := range n.Vitals {
		vitals[v.Kind] = v.Value + " " + v.Unit
	}
	wantVitals := map[string]string{schema.VitalBP: "142/88 mmHg", schema.VitalHR: "96 /min", schema.VitalTemperature: "38.4 °C", schema.VitalSpO2: "94 %"}
	if !reflect.DeepEqual(vitals, wantVitals) {
		t.Errorf("vitals %v, want %v", vitals, wantVitals)
	}
	var problems []string
	for _, p := range n.Problems {
		problems = append(problems, p.Title)
	}
	for _, want := range []string{"Pneumonia", "Hypertension"} {
		if !slices.Contains(problems, want) {
			t.Errorf("problems %v lack %s", problems, want)
		}
	}
	for _, p := range n.Problems {
		if p.Title == "Fever" && slices.Contains(p.Evidence, 21) {
			t.Errorf("conditional fever (\"call us if the fever goes above 39\") cited: %+v", p)
		}
	}
	if slices.Contains(problems, "Chest pain") {
		t.Errorf("negated chest pain listed as a problem: %v", problems)
	}
	if len(n.Orders) != 1 || n.Orders[0].Kind != schema.OrderImaging {
		t.Errorf("orders %+v, want one imaging order", n.Orders)
	}
	if len(n.FollowUp) != 1 || !strings.Contains(n.FollowUp[0].Text, "one week") {
		t.Errorf("follow-up %+v", n.FollowUp)
	}
	if !strings.Contains(draft.SectionText(n, "assessment"), "pneumonia") {
		t.Errorf("assessment %q lacks the impression", draft.SectionText(n, "assessment"))
	}
	if !strings.Contains(draft.SectionText(n, "objective"), "142/88") {
		t.Errorf("objective %q lacks the vitals", draft.SectionText(n, "objective"))
	}
	if hasWarning(n, schema.WarnLanguage) {
		t.Error("language warning for an English consultation drafted in English")
	}
}

func TestExtractiveFrenchConsultation(t *testing.T) {
	segs := mustTranscript(t, "consultation_fr.txt")
	n, err := draft.Extractive{}.Draft(context.Background(), draft.Request{Segments: segs, Template: mustTemplate(t, "soap"), Language: "fr"})
	if err != nil {
		t.Fatal(err)
	}
	checkNote(t, n, segs)
	if n.Sections[0].Title != "Subjectif" || n.Language != "fr" {
		t.Errorf("titles not in French: %q", n.Sections[0].Title)
	}
	if m, ok := findMed(n, "amlodipine"); !ok || m.Dose != "5 mg" || m.Action != schema.ActionStart || m.Frequency != "1 fois par jour" {
		t.Errorf("amlodipine = %+v", m)
	}
	if m, ok := findMed(n, "paracétamol"); !ok || m.Dose != "1 g" || m.Action != schema.ActionStop {
		t.Errorf("paracétamol = %+v", m)
	}
	if _, ok := findMed(n, "aspirine"); ok {
		t.Error("aspirine (an allergy) listed as a medication")
	}
	if len(n.Allergies) != 1 || n.Allergies[0].Substance != "aspirine" {
		t.Errorf("allergies %+v", n.Allergies)
	}
	got := map[string]string{}
	for _, v := range n.Vitals {
		got[v.Kind] = v.Value
	}
	if got[schema.VitalBP] != "165/95" || got[schema.VitalWeight] != "82" || got[schema.VitalHR] != "78" {
		t.Errorf("vitals %v", got)
	}
	// The problem the clinician assesses comes first.
	if len(n.Problems) == 0 || n.Problems[0].Title != "Hypertension artérielle" {
		t.Errorf("problems %+v", n.Problems)
	}
	if !strings.Contains(draft.SectionText(n, "plan"), "amlodipine") {
		t.Errorf("plan %q", draft.SectionText(n, "plan"))
	}
}

func TestOutputLanguageIsIndependent(t *testing.T) {
	segs := mustTranscript(t, "consultation_fr.txt")
	n, err := draft.Extractive{}.Draft(context.Background(), draft.Request{Segments: segs, Template: mustTemplate(t, "progress"), Language: "en"})
	if err != nil {
		t.Fatal(err)
	}
	checkNote(t, n, segs)
	if n.Sections[0].Title != "Interval history" {
		t.Errorf("title %q, want English", n.Sections[0].Title)
	}
	if !hasWarning(n, schema.WarnLanguage) {
		t.Error("no warning that the quotes are in French")
	}
	for _, p := range n.Problems {
		if p.Title == "Hypertension artérielle" {
			t.Error("problem title left in French")
		}
	}
}

func TestExtractiveIsDeterministicForEveryTemplate(t *testing.T) {
	segs := mustTranscript(t, "dialogue_en.txt")
	for _, key := range []string{"soap", "hp", "progress"} {
		t.Run(key, func(t *testing.T) {
			req := draft.Request{Segments: segs, Template: mustTemplate(t, key), Language: "en"}
			a, err := draft.Extractive{}.Draft(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := draft.Extractive{}.Draft(context.Background(), req)
			ja, _ := json.Marshal(a)
			jb, _ := json.Marshal(b)
			if string(ja) != string(jb) {
				t.Fatal("two drafts of the same transcript differ")
			}
			checkNote(t, a, segs)
			if len(a.Sections) != len(req.Template.Sections) {
				t.Fatalf("%d sections, want %d", len(a.Sections), len(req.Template.Sections))
			}
			filled := 0
			for _, s := range a.Sections {
				if len(s.Sentences) > 0 {
					filled++
				}
			}
			if filled < 2 {
				t.Errorf("only %d sections filled", filled)
			}
		})
	}
}

func TestExtractiveEdgeCases(t *testing.T) {
	tm := mustTemplate(t, "soap")
	if _, err := (draft.Extractive{}).Draft(context.Background(), draft.Request{Template: tm, Language: "de"}); domain.ErrorCode(err) != domain.EInvalid {
		t.Errorf("language de: %v, want invalid", err)
	}
	n, err := draft.Extractive{}.Draft(context.Background(), draft.Request{Template: tm, Language: "en"})
	if err != nil {
		t.Fatal(err)
	}
	if err := schema.Validate(n); err != nil || !hasWarning(n, schema.WarnEmptyTranscript) {
		t.Errorf("empty transcript: %v, warnings %+v", err, n.Warnings)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := (draft.Extractive{}).Draft(ctx, draft.Request{Segments: mustTranscript(t, "dialogue_en.txt"), Template: tm, Language: "en"}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

// failingCodes is a test double standing for an ICD-10-CM index that fails (a
// corrupt database): the real index cannot be made to fail on demand.
type failingCodes struct{}

func (failingCodes) Suggest(context.Context, string, int) ([]schema.CodeRef, error) {
	return nil, domain.Errorf(domain.EUnavailable, "ICD-10-CM database unreadable")
}

func TestCodingFailureIsAWarning(t *testing.T) {
	segs := mustTranscript(t, "dialogue_en.txt")
	n, err := draft.Extractive{Codes: failingCodes{}}.Draft(context.Background(), draft.Request{Segments: segs, Template: mustTemplate(t, "soap"), Language: "en"})
	if err != nil {
		t.Fatal(err)
	}
	if !hasWarning(n, "coding_unavailable") || len(n.Problems) == 0 {
		t.Fatalf("warnings %+v problems %+v", n.Warnings, n.Problems)
	}
	checkNote(t, n, segs)
}

func TestRenderText(t *testing.T) {
	segs := mustTranscript(t, "dialogue_en.txt")
	n, err := draft.Extractive{}.Draft(context.Background(), draft.Request{Segments: segs, Template: mustTemplate(t, "soap"), Language: "en"})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := draft.RenderText(&b, n, "SOAP note"); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"SOAP note — extractive draft", "== Subjective ==", "== Medications ==", "azithromycin 500 mg daily — start [", "Blood pressure: 142/88 mmHg ["} {
		if !strings.Contains(out, want) {
			t.Errorf("text lacks %q:\n%s", want, out)
		}
	}
}

// FuzzExtractive: any transcript text gives a schema-valid note citing only its
// segments, without panicking.
func FuzzExtractive(f *testing.F) {
	f.Add("[doctor] blood pressure 120/80 , take lisinopril twenty milligrams twice a day ?\n[patient] no .")
	f.Add("Médecin: allergique à la pénicilline. Patient: tension sur 14/9, pouls 1,000 ?")
	f.Add("[patient] allergic to\n[doctor] one hundred thousand units of insulin every 4 hours")
	tm := mustTemplate(f, "soap")
	f.Fuzz(func(t *testing.T, text string) {
		tr, err := transcript.Parse(strings.NewReader(text), "fuzz")
		if err != nil {
			return
		}
		n, err := draft.Extractive{}.Draft(context.Background(), draft.Request{Segments: tr.Segments, Template: tm, Language: "en"})
		if err != nil {
			t.Fatal(err)
		}
		if err := schema.Validate(n); err != nil {
			t.Fatalf("invalid note: %v", err)
		}
		ids := map[int]bool{}
		for _, s := range tr.Segments {
			ids[s.ID] = true
		}
		for _, s := range n.Sections {
			for _, x := range s.Sentences {
				for _, id := range x.Evidence {
					if !ids[id] {
						t.Fatalf("cites %d", id)
					}
				}
			}
		}
	})
}

func TestExtractiveWhisperTranscript(t *testing.T) {
	segs := mustTranscript(t, "whisper_en.jsonl")
	n, err := draft.Extractive{}.Draft(context.Background(), draft.Request{Segments: segs, Template: mustTemplate(t, "soap"), Language: "en"})
	if err != nil {
		t.Fatal(err)
	}
	checkNote(t, n, segs)
	all, _ := json.Marshal(n)
	if strings.Contains(string(all), "subscribe") {
		t.Error("a segment whisper marked as silence was quoted")
	}
	// Speakers are guessed per turn: the patient's "I think my knee is broken" is not
	// the clinician's assessment; the clinician's "I think this is a bad sprain" is.
	assessment := draft.SectionText(n, "assessment")
	if strings.Contains(assessment, "broken") || !strings.Contains(assessment, "sprain") {
		t.Errorf("assessment %q", assessment)
	}
	if m, ok := findMed(n, "ibuprofen"); !ok || m.Dose != "400 mg" || m.Frequency != "3 times a day" {
		t.Errorf("ibuprofen = %+v", m)
	}
	if len(n.Orders) != 1 || n.Orders[0].Kind != schema.OrderImaging {
		t.Errorf("orders %+v", n.Orders)
	}
	low := 0
	for _, w := range n.Warnings {
		if w.Kind == schema.WarnLowConfidence {
			low++
			if !strings.Contains(w.Message, "segment 6") || !strings.HasPrefix(w.Path, "/sections/") {
				t.Errorf("warning %+v", w)
			}
		}
	}
	if low != 1 {
		t.Errorf("%d low-confidence warnings, want 1: %+v", low, n.Warnings)
	}
}
