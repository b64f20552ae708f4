package llmdraft

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"

	"greffier/notes/schema"
	"greffier/notes/templates"
)

// Limits bound the model's answer. Grammar-constrained decoding needs them: with an
// unbounded string or array a model (a random one certainly, a real one sometimes)
// can run on until max_tokens, and the note comes back cut.
type Limits struct {
	String   int // maxLength of every string
	Items    int // maxItems of every list (sentences of a section, problems, …)
	Evidence int // maxItems of every evidence list
}

// DefaultLimits suit a real model on a consultation of up to an hour.
func DefaultLimits() Limits { return Limits{String: 300, Items: 25, Evidence: 8} }

// answer is what the model writes: the clinical content of a note, without the
// fields Greffier fills itself (version, template, language, drafter, warnings) and
// with section titles taken from the template.
type answer struct {
	Sections            []answerSection     `json:"sections"`
	Problems            []schema.Problem    `json:"problems"`
	Medications         []schema.Medication `json:"medications"`
	Allergies           []schema.Allergy    `json:"allergies"`
	Vitals              []schema.Vital      `json:"vitals"`
	Orders              []schema.Order      `json:"orders"`
	FollowUp            []schema.Sentence   `json:"follow_up"`
	PatientInstructions []schema.Sentence   `json:"patient_instructions"`
}

type answerSection struct {
	Key       string            `json:"key"`
	Sentences []schema.Sentence `json:"sentences"`
}

// fillerFields are the note's fields Greffier fills, not the model.
var fillerFields = []string{"schema_version", "template", "language", "drafter", "warnings", "referral_letter"}

// answerSchema derives the JSON Schema sent to the server from the note's schema
// (notes/schema): the model's fields only, section keys restricted to the
// template's, evidence ids to the transcript's range, and every string and array
// bounded.
func answerSchema(tmpl templates.Template, maxID int, lim Limits) (json.RawMessage, error) {
	var root map[string]any
	if err := json.Unmarshal(schema.JSONSchema(), &root); err != nil {
		return nil, fmt.Errorf("parse note schema: %w", err)
	}
	// The server resolves only local references: drop the document's identity.
	delete(root, "$id")
	delete(root, "$schema")
	delete(root, "title")
	delete(root, "description")
	props, ok := root["properties"].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("note schema has no properties")
	}
	for _, f := range fillerFields {
		delete(props, f)
	}
	var required []any
	for _, r := range root["required"].([]any) {
		if _, ok := props[r.(string)]; ok {
			required = append(required, r)
		}
	}
	root["required"] = required

	defs, ok := root["$defs"].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("note schema has no $defs")
	}
	section, ok := defs["section"].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("note schema has no section definition")
	}
	keys := make([]any, len(tmpl.Sections))
	for i, s := range tmpl.Sections {
		keys[i] = s.Key
	}
	sp := section["properties"].(map[string]any)
	delete(sp, "title")
	delete(sp, "alternatives") // the review's, never the model's
	sp["key"] = map[string]any{"enum": keys}
	section["required"] = []any{"key", "sentences"}
	// One entry per section at most.
	props["sections"].(map[string]any)["maxItems"] = len(tmpl.Sections)

	if ev, ok := defs["evidence"].(map[string]any); ok {
		ev["maxItems"] = lim.Evidence
		if items, ok := ev["items"].(map[string]any); ok {
			items["maximum"] = maxID
		}
		delete(ev, "description")
	}
	bound(root, lim)
	props["sections"].(map[string]any)["maxItems"] = len(tmpl.Sections)
	return json.Marshal(root)
}

// numberSteps is how many steps a bounded number is cut into (0.05 for a
// confidence between 0 and 1).
const numberSteps = 20

// bound adds maxLength to every string and maxItems to every array that lacks one,
// and turns every number bounded on both sides into an enum of evenly spaced
// values: llama-server's schema-to-grammar conversion ignores a number's minimum
// and maximum (a random 1B model wrote "confidence": 45), the answer then fails the
// note's schema and costs a whole repair round after Stop (about 400 s on the 3B
// bench shape). An enum is enforced by every grammar.
func bound(v any, lim Limits) {
	switch x := v.(type) {
	case map[string]any:
		switch x["type"] {
		case "string":
			if _, ok := x["maxLength"]; !ok && x["enum"] == nil {
				x["maxLength"] = lim.String
			}
		case "array":
			if _, ok := x["maxItems"]; !ok {
				x["maxItems"] = lim.Items
			}
		case "number":
			lo, okLo := x["minimum"].(float64)
			hi, okHi := x["maximum"].(float64)
			if okLo && okHi && hi > lo {
				vals := make([]any, numberSteps+1)
				for i := range vals {
					// Rounded so that 0.15 is written "0.15", not 0.15000000000000002.
					vals[i] = math.Round((lo+(hi-lo)*float64(i)/numberSteps)*1e6) / 1e6
				}
				for _, k := range []string{"type", "minimum", "maximum"} {
					delete(x, k)
				}
				x["enum"] = vals
			}
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			bound(x[k], lim)
		}
	case []any:
		for _, e := range x {
			bound(e, lim)
		}
	}
}
