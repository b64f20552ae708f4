package draft_test

import (
	"strings"
	"testing"

	"greffier/notes/draft"
)

// A family history asked about and only denied in general terms is summed up in
// one sentence; a relative's illness, a doubt, a denial naming a condition or a
// question that is not about the family's health leaves the quotes as they were.
func TestFamilyHistoryDenied(t *testing.T) {
	const enSum, frSum = "Family history noncontributory.", "Antécédents familiaux sans particularité."
	cases := []struct {
		name, dialogue, lang string
		want                 bool   // the summary is written
		gone                 string // with want: a quote the summary replaces
	}{
		{"a general no", "Doctor: Anyone sick in your family?\nPatient: No.\nDoctor: Okay.", "en", true, "sick"},
		{"a general statement", "Doctor: Tell me about your family medical history.\nPatient: No one in my family has any health problems.", "en", true, "health problems"},
		{"not that I know of", "Doctor: Any medical problems that run in the family?\nPatient: No, nothing that comes to mind.", "en", true, "comes to mind"},
		{"a relative's illness", "Doctor: Anyone sick in your family?\nPatient: No.\nDoctor: What about your parents?\nPatient: My mother has diabetes.", "en", false, ""},
		{"a denial naming a condition only", "Doctor: Does diabetes run in your family?\nPatient: No.", "en", false, ""},
		{"the patient does not know", "Doctor: What is your family medical history?\nPatient: I was adopted.", "en", false, ""},
		{"a relative, not the family's health", "Doctor: Have you ever had surgery?\nPatient: No.\nDoctor: Not even a C section when you had your son?\nPatient: No, I had all my children naturally.", "en", false, ""},
		{"French, a general no", "Médecin: Y a-t-il des maladies dans votre famille ?\nPatient: Non, personne.", "fr", true, "personne"},
		{"French, a relative's illness", "Médecin: Y a-t-il des maladies dans votre famille ?\nPatient: Mon père a eu un infarctus.", "fr", false, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n, segs := draftDialogue(t, c.dialogue, "hp", c.lang)
			text := draft.PlainText(n)
			sum := enSum
			if c.lang == "fr" {
				sum = frSum
			}
			if got := strings.Contains(text, sum); got != c.want {
				t.Fatalf("summary written %v, want %v:\n%s", got, c.want, text)
			}
			if c.want && strings.Contains(strings.ToLower(text), c.gone) {
				t.Errorf("the denial %q is still quoted:\n%s", c.gone, text)
			}
			for _, s := range n.Sections {
				for _, x := range s.Sentences {
					if len(x.Evidence) == 0 {
						t.Errorf("%q cites nothing", x.Text)
					}
				}
			}
			assertFactsHold(t, n, segs)
		})
	}
}
