package schema_test

import (
	"encoding/json"
	"strings"
	"testing"

	"greffier/domain"
	"greffier/notes/schema"
)

// full fills every field, so that a Go field missing from the schema (which forbids
// additional properties) or a schema field renamed makes the test fail.
func full() schema.Note {
	ev := schema.Evidence{0, 3}
	return schema.Note{
		SchemaVersion: schema.Version,
		Template:      "soap",
		Language:      "fr",
		Drafter:       schema.DrafterInfo{Kind: schema.DrafterLLM, Model: "qwen2.5-7b-instruct-q4"},
		Sections: []schema.Section{{Key: "subjective", Title: "Subjectif",
			Sentences: []schema.Sentence{{Text: "Toux depuis 3 jours.", Evidence: ev}}}},
		Problems:            []schema.Problem{{Title: "Hypertension", ICD10: &schema.CodeRef{Code: "I10", Title: "Essential (primary) hypertension"}, Evidence: ev}},
		Medications:         []schema.Medication{{Name: "lisinopril", Dose: "10 mg", Route: "PO", Frequency: "daily", Action: schema.ActionContinue, Evidence: ev}},
		Allergies:           []schema.Allergy{{Substance: "penicillin", Reaction: "rash", Evidence: ev}},
		Vitals:              []schema.Vital{{Kind: schema.VitalBP, Value: "120/80", Unit: "mmHg", Evidence: ev}},
		Orders:              []schema.Order{{Kind: schema.OrderLab, Text: "HbA1c", Evidence: ev}},
		FollowUp:            []schema.Sentence{{Text: "Revoir dans 3 mois.", Evidence: ev}},
		PatientInstructions: []schema.Sentence{{Text: "Régime pauvre en sel.", Evidence: ev}},
		ReferralLetter:      &schema.ReferralLetter{Recipient: "Cardiologie", Sentences: []schema.Sentence{{Text: "Merci de voir ce patient.", Evidence: ev}}},
		Warnings:            []schema.Warning{{Kind: schema.WarnNoEvidence, Message: "sentence cites no segment", Path: "/sections/0/sentences/0"}},
	}
}

func TestFullNoteIsValidAndRoundTrips(t *testing.T) {
	n := full()
	if err := schema.Validate(n); err != nil {
		t.Fatalf("full note rejected: %v", err)
	}
	data, err := json.Marshal(n)
	if err != nil {
		t.Fatal(err)
	}
	back, err := schema.Parse(data)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	again, _ := json.Marshal(back)
	if string(again) != string(data) {
		t.Fatalf("round trip differs:\n%s\n%s", data, again)
	}
}

func TestMinimalNoteWithNilSlicesIsValid(t *testing.T) {
	n := schema.Note{SchemaVersion: schema.Version, Template: "progress", Language: "en",
		Drafter:  schema.DrafterInfo{Kind: schema.DrafterExtractive},
		Sections: []schema.Section{{Key: "plan", Title: "Plan"}}}
	if err := schema.Validate(n); err != nil {
		t.Fatalf("minimal note rejected: %v", err)
	}
	data, _ := json.Marshal(n)
	if !strings.Contains(string(data), `"sentences":[]`) || !strings.Contains(string(data), `"warnings":[]`) {
		t.Fatalf("nil slices not written as []: %s", data)
	}
}

func TestInvalidNotesAreRejected(t *testing.T) {
	cases := []struct {
		name string
		edit func(*schema.Note)
	}{
		{"wrong version", func(n *schema.Note) { n.SchemaVersion = "0" }},
		{"bad language", func(n *schema.Note) { n.Language = "de" }},
		{"bad drafter", func(n *schema.Note) { n.Drafter.Kind = "magic" }},
		{"bad action", func(n *schema.Note) { n.Medications[0].Action = "double" }},
		{"negative evidence", func(n *schema.Note) { n.Sections[0].Sentences[0].Evidence = schema.Evidence{-1} }},
		{"empty sentence", func(n *schema.Note) { n.Sections[0].Sentences[0].Text = "" }},
		{"malformed code", func(n *schema.Note) { n.Problems[0].ICD10.Code = "hypertension" }},
		{"bad vital kind", func(n *schema.Note) { n.Vitals[0].Kind = "mood" }},
		{"bad section key", func(n *schema.Note) { n.Sections[0].Key = "Sub jective" }},
		{"bad template", func(n *schema.Note) { n.Template = "" }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n := full()
			tc.edit(&n)
			err := schema.Validate(n)
			if err == nil {
				t.Fatal("accepted")
			}
			if domain.ErrorCode(err) != domain.EInvalid {
				t.Fatalf("code %q, want invalid: %v", domain.ErrorCode(err), err)
			}
		})
	}
}

func TestValidateJSONRejectsGarbageAndExtraFields(t *testing.T) {
	for name, doc := range map[string]string{
		"not json":     `{"schema_version":`,
		"array":        `[]`,
		"missing keys": `{"schema_version":"1"}`,
	} {
		if err := schema.ValidateJSON([]byte(doc)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	data, _ := json.Marshal(full())
	extra := strings.Replace(string(data), `"template"`, `"mood":"ok","template"`, 1)
	if err := schema.ValidateJSON([]byte(extra)); err == nil {
		t.Error("extra top-level field accepted")
	}
}

func TestJSONSchemaIsAValidDocument(t *testing.T) {
	var doc map[string]any
	if err := json.Unmarshal(schema.JSONSchema(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc["$id"] != schema.ID {
		t.Fatalf("$id %v, want %s", doc["$id"], schema.ID)
	}
	// The returned bytes are a copy: editing them must not change validation.
	b := schema.JSONSchema()
	for i := range b {
		b[i] = ' '
	}
	if err := schema.Validate(full()); err != nil {
		t.Fatal(err)
	}
}
