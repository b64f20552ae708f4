package draft_test

import (
	"strings"
	"testing"

	"greffier/notes/draft"
	"greffier/notes/schema"
	"greffier/notes/transcript"
)

// TestCheckCodeContext: codes another drafter suggested go through the coder's
// context rules; those whose condition the cited segments do not affirm are removed.
func TestCheckCodeContext(t *testing.T) {
	cases := []struct {
		name, dialogue, lang, title, code string
		evidence                          schema.Evidence
		removed                           bool
		message                           string // a word of the warning when removed
	}{
		{"doubted and tested", "[doctor] i don't think you have covid , we'll send a test .", "en", "COVID-19", "U07.1", schema.Evidence{0}, true, "possible"},
		{"a question answered no", "[doctor] any diabetes ?\n[patient] no .", "en", "Type 2 diabetes mellitus", "E11.9", schema.Evidence{0}, true, "negated"},
		{"someone else's", "[patient] my mother has diabetes .", "en", "Diabetes", "E11.9", schema.Evidence{0}, true, "someone else"},
		{"hypothetical", "[doctor] if you develop a fever , call us .", "en", "Fever", "R50.9", schema.Evidence{0}, true, "hypothetical"},
		{"affirmed", "[patient] i have asthma , i use my inhaler every day .", "en", "Asthma", "J45.909", schema.Evidence{0}, false, ""},
		{"a question answered yes", "[doctor] do you have high blood pressure ?\n[patient] yes , for years .", "en", "Hypertension", "I10", schema.Evidence{0, 1}, false, ""},
		{"condition not named", "[patient] my knee hurts when i climb stairs .", "en", "Hypertension", "I10", schema.Evidence{0}, false, ""},
		{"French: denied", "Médecin: Vous avez de la fièvre ?\nPatient: Non, pas de fièvre.", "fr", "Fièvre", "R50.9", schema.Evidence{0, 1}, true, "nié"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			segs, _ := transcript.ParseDialogue(tc.dialogue)
			n := schema.Note{Language: tc.lang, Problems: []schema.Problem{{Title: tc.title, Evidence: tc.evidence,
				ICD10: &schema.CodeRef{Code: tc.code, Title: tc.title, Confidence: 0.8, Reason: "the model"}}}}
			got := draft.CheckCodeContext(&n, segs)
			if removed := n.Problems[0].ICD10 == nil; removed != tc.removed || got != map[bool]int{true: 1, false: 0}[tc.removed] {
				t.Fatalf("removed %v (count %d), want %v; warnings %+v", removed, got, tc.removed, n.Warnings)
			}
			if !tc.removed {
				return
			}
			if len(n.Warnings) != 1 || n.Warnings[0].Kind != schema.WarnInvalidCode || n.Warnings[0].Path != "/problems/0/icd10" ||
				!strings.Contains(n.Warnings[0].Message, tc.message) || !strings.Contains(n.Warnings[0].Message, tc.code) {
				t.Errorf("warnings %+v, want one invalid_code at /problems/0/icd10 naming %s and %q", n.Warnings, tc.code, tc.message)
			}
		})
	}
}
