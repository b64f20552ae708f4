package text_test

import (
	"strings"
	"testing"

	"greffier/export/internal/sample"
	"greffier/export/text"
)

func TestRender(t *testing.T) {
	got := text.Render(sample.French())
	for _, want := range []string{
		"Clinique du Parc — Médecine générale\nNote d'évolution\n",
		"Patient: Hélène Lefèvre (N° de dossier MRN-00421)\n",
		"Médecin: Éloïse Durand\n",
		"Date: 20/11/2026 09:15\n",
		"\nSubjectif\nPatiente de 68 ans vue pour fièvre et toux depuis 3 jours.\nDouleur thoracique",
		// The sentence's inner line break is folded: one sentence, one line.
		"crépitants\\base droite sans signe de gravité.\n",
		"\nDiagnostics (CIM-10-CM)\nJ18.9 Pneumonia, unspecified organism\nR05.9 Cough, unspecified\n",
		"Amoxicilline 1 g per os 3 fois par jour (début)\n",
		"Relu et approuvé électroniquement par Éloïse Durand le 20/11/2026 10:02.\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("text lacks %q\n---\n%s", want, got)
		}
	}
	en := text.Render(sample.English())
	if !strings.Contains(en, "History and physical\n") || !strings.Contains(en, "\nPlan\n\n") ||
		!strings.Contains(en, "Blood pressure: 128/82 mmHg") {
		t.Errorf("english text:\n%s", en)
	}
}

func TestSections(t *testing.T) {
	doc := sample.French()
	secs := text.Sections(doc)
	var keys []string
	for _, s := range secs {
		keys = append(keys, s.Key)
	}
	if got := strings.Join(keys, ","); got != "subjective,objective,assessment,plan,diagnoses,medications,allergies,follow_up" {
		t.Fatalf("sections %s", got)
	}
	if secs[3].Title != "Plan" || secs[3].Text != "Amoxicilline 1 g trois fois par jour pendant 7 jours.\nRadiographie thoracique demain ; réévaluation à 48 h." {
		t.Errorf("plan section %+v", secs[3])
	}
	doc.NoteText = "stored text"
	if text.NoteText(doc) != "stored text" {
		t.Error("NoteText ignores the store's text")
	}
}
