package llmdraft

import (
	"encoding/json"

	"greffier/notes/schema"
)

// SystemPrompt exposes the system prompt to the external tests (to size contexts).
var SystemPrompt = systemPrompt

// AnswerJSON writes a note's clinical content as the model's answer would be
// written: the latency bench's stand-in for what a trained model writes, since a
// random-weight model writes noise of a random length.
func AnswerJSON(n schema.Note) ([]byte, error) {
	a := answer{Sections: []answerSection{}, Problems: nonNil(n.Problems), Medications: nonNil(n.Medications),
		Allergies: nonNil(n.Allergies), Vitals: nonNil(n.Vitals), Orders: nonNil(n.Orders),
		FollowUp: nonNil(n.FollowUp), PatientInstructions: nonNil(n.PatientInstructions)}
	for _, s := range n.Sections {
		if len(s.Sentences) > 0 {
			a.Sections = append(a.Sections, answerSection{Key: s.Key, Sentences: s.Sentences})
		}
	}
	return json.Marshal(a)
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// CheckAnswer exposes the answer's validation to the external tests.
var CheckAnswer = checkAnswer
