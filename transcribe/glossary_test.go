package transcribe_test

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"greffier/transcribe"
)

func TestLoadGlossary(t *testing.T) {
	g, err := transcribe.LoadGlossary(filepath.Join("testdata", "glossary.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"Amoxicilline", "Paracétamol", "Dr Lefèvre"}; !reflect.DeepEqual(g.Terms, want) {
		t.Errorf("terms %q, want %q", g.Terms, want)
	}
	if g, err := transcribe.LoadGlossary(filepath.Join(t.TempDir(), "none.txt")); err != nil || len(g.Terms) != 0 {
		t.Errorf("missing glossary: %v, %v", g, err)
	}
}

func TestBuildPrompt(t *testing.T) {
	small := transcribe.Glossary{Terms: []string{"amoxicilline", "paracétamol", "HbA1c"}}
	if p := transcribe.BuildPrompt(small, ""); p.Text != "amoxicilline, paracétamol, HbA1c." || p.Omitted != 0 {
		t.Errorf("prompt %+v", p)
	}
	// A long glossary: the first terms are kept, the prompt stays within budget.
	var big transcribe.Glossary
	for _, d := range strings.Fields("métformine lisinopril atorvastatine lévothyroxine amlodipine oméprazole " +
		"losartan simvastatine hydrochlorothiazide gabapentine sertraline furosémide prednisone tramadol " +
		"escitalopram bisoprolol ramipril apixaban rivaroxaban clopidogrel pantoprazole salbutamol") {
		big.Terms = append(big.Terms, d)
	}
	p := transcribe.BuildPrompt(big, "")
	if len(p.Text) > transcribe.PromptByteBudget || p.Omitted == 0 || !strings.HasPrefix(p.Text, "métformine, lisinopril") {
		t.Errorf("long glossary: %d bytes, %d omitted, %q", len(p.Text), p.Omitted, p.Text)
	}
	kept := strings.Count(p.Text, ",") + 1
	if kept+p.Omitted != len(big.Terms) {
		t.Errorf("%d kept + %d omitted != %d terms", kept, p.Omitted, len(big.Terms))
	}
	// Context fills the rest, keeping its last words.
	ctx := strings.Repeat("le patient dit que la douleur ", 20) + "a commencé lundi"
	p = transcribe.BuildPrompt(small, ctx)
	if len(p.Text) > transcribe.PromptByteBudget || !strings.HasSuffix(p.Text, "a commencé lundi") ||
		!strings.HasPrefix(p.Text, "amoxicilline, paracétamol, HbA1c. ") {
		t.Errorf("with context: %d bytes %q", len(p.Text), p.Text)
	}
	if p := transcribe.BuildPrompt(transcribe.Glossary{}, ""); p.Text != "" {
		t.Errorf("empty glossary gave %q", p.Text)
	}
}
