package llmdraft

import (
	"testing"

	"greffier/notes/schema"
	"greffier/notes/templates"
)

// FuzzCheckAnswer: whatever a model or endpoint sends, checking it never panics, and
// an accepted answer always makes a schema-valid note.
func FuzzCheckAnswer(f *testing.F) {
	f.Add(`{"sections":[{"key":"plan","sentences":[{"text":"Rest.","evidence":[1]}]}],"problems":[],"medications":[],"allergies":[],"vitals":[],"orders":[],"follow_up":[],"patient_instructions":[]}`)
	f.Add(`{"sections":[],"problems":[{"title":"x","icd10":{"code":"E11.9","title":"t"},"evidence":[]}]}`)
	f.Add(`{"medications":[{"name":"a","action":"halt","evidence":[-1]}]}`)
	f.Add(`[]`)
	f.Add(`{"sections":null}`)
	all, err := templates.Builtin()
	if err != nil {
		f.Fatal(err)
	}
	var tm templates.Template
	for _, t := range all {
		if t.Key == "soap" {
			tm = t
		}
	}
	f.Fuzz(func(t *testing.T, data string) {
		a, err := checkAnswer(tm, []byte(data))
		if err != nil {
			return
		}
		n := schema.Note{SchemaVersion: schema.Version, Template: tm.Key, Language: "fr", Drafter: schema.DrafterInfo{Kind: schema.DrafterLLM}}
		fill(&n, tm, "fr", merge(tm, []answer{a, a}))
		if err := schema.Validate(n); err != nil {
			t.Errorf("accepted answer %q makes an invalid note: %v", data, err)
		}
	})
}
