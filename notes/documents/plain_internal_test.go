package documents

import (
	"strings"
	"testing"

	"greffier/notes/draft"
)

// Every glossary entry has an example here, fires on it, and adds no fact the
// checker would hold against the sentence: no drug, side, body site, weekday or
// negation. Frequency abbreviations become numbers ("t.i.d." → "3 times a day"),
// which is what the spoken evidence says.
func TestGlossaryEntriesAddNoFacts(t *testing.T) {
	examples := map[string][]string{
		"en": {"diabetes mellitus type 2", "hypertension", "HTN", "hyperlipidemia", "dyslipidaemia", "hyperglycemia", "hypoglycaemia",
			"myocardial infarction", "pharyngitis", "upper respiratory tract infection", "URI", "pneumonia", "otitis media", "dyspnea",
			"edema", "oedema", "pruritus", "febrile", "pyrexia", "NSAIDs", "analgesic", "b.i.d.", "bid", "t.i.d.", "q.i.d.", "q.d.", "qhs",
			"p.r.n.", "p.o.", "per os", "po", "CBC", "EKG", "f/u"},
		"fr": {"hypertension artérielle", "HTA", "hypertension", "dyslipidémie", "hypercholestérolémie", "hyperglycémie", "hypoglycémie",
			"infarctus du myocarde", "pharyngite", "rhinopharyngite", "pneumopathie communautaire", "otite moyenne aiguë", "dyspnée",
			"œdèmes", "oedème", "prurit", "hyperthermie", "pyrexie", "AINS", "antalgiques", "per os", "p.o.", "NFS", "ECG", "réévaluation", "posologie"},
	}
	for lang, entries := range glossaries {
		fired := make([]bool, len(entries))
		for _, ex := range examples[lang] {
			text := "Note: " + ex + " today"
			for i, g := range entries {
				if g.re.MatchString(text) {
					fired[i] = true
					break
				}
			}
			got := Plain(text, lang)
			if got == sentence(text) {
				t.Errorf("%s: %q left as is", lang, ex)
				continue
			}
			missing, err := draft.UnsupportedFacts(got, text)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range missing {
				if !strings.HasPrefix(m, "number ") {
					t.Errorf("%s: %q → %q adds %s", lang, ex, got, m)
				}
			}
		}
		for i, ok := range fired {
			if !ok {
				t.Errorf("%s glossary entry %s → %q has no example", lang, entries[i].re, entries[i].plain)
			}
		}
	}
}
