package pdf_test

import (
	"bytes"
	"strings"
	"testing"

	"greffier/domain"
	"greffier/export"
	"greffier/export/internal/sample"
	"greffier/export/pdf"
	"greffier/notes/documents"
	"greffier/notes/schema"
)

// signedDocuments drafts both documents from the sample notes (their segments are
// not needed to render: the checkers' warnings do not print).
func signedDocuments(t *testing.T) map[string]struct {
	env export.Document
	doc documents.Document
} {
	t.Helper()
	out := map[string]struct {
		env export.Document
		doc documents.Document
	}{}
	for lang, env := range map[string]export.Document{"fr": sample.French(), "en": sample.English()} {
		for _, k := range documents.Kinds() {
			d, err := documents.Draft(k, env.Note, nil, documents.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if d.Sentences() == 0 { // the English sample's plan is empty: the physician writes one
				d.Parts = append(d.Parts, documents.Part{Key: "at_home", Title: "What to do at home",
					Sentences: []schema.Sentence{{Text: "Take ibuprofen 400 mg with food when the headache starts.", Evidence: schema.Evidence{2}}}})
			}
			out[lang+"/"+string(k)] = struct {
				env export.Document
				doc documents.Document
			}{env, d}
		}
	}
	return out
}

func TestRenderDocumentTextHoldsEverySentence(t *testing.T) {
	for name, c := range signedDocuments(t) {
		t.Run(name, func(t *testing.T) {
			data, err := pdf.RenderDocument(c.env, c.doc)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(data, []byte("%PDF-1.")) {
				t.Fatal("not a PDF")
			}
			again, _ := pdf.RenderDocument(c.env, c.doc)
			if !bytes.Equal(data, again) {
				t.Error("same document, different PDF bytes")
			}
			got, ok := pdfText(t, data)
			if !ok {
				t.Skip("pdftotext not installed (poppler-utils): text not checked")
			}
			flat := strings.Join(strings.Fields(got), " ")
			want := []string{c.doc.Title, c.env.Patient.DisplayName(), c.env.Author.DisplayName(), c.doc.Greeting, c.doc.Closing, c.doc.Recipient}
			for _, p := range c.doc.Parts {
				want = append(want, p.Title)
				for _, s := range p.Sentences {
					want = append(want, s.Text)
				}
			}
			if c.doc.Sentences() == 0 {
				t.Fatalf("no sentence drafted from the sample note")
			}
			for _, w := range want {
				if w != "" && !strings.Contains(flat, strings.Join(strings.Fields(w), " ")) {
					t.Errorf("PDF text lacks %q", w)
				}
			}
			// Evidence ids stay in Greffier.
			if strings.Contains(flat, "[6]") {
				t.Error("evidence ids printed")
			}
		})
	}
}

func TestRenderDocumentRefusesIncompleteInput(t *testing.T) {
	c := signedDocuments(t)["en/instructions"]
	env := c.env
	env.Author = export.Author{}
	if _, err := pdf.RenderDocument(env, c.doc); domain.ErrorCode(err) != domain.EInvalid {
		t.Errorf("no signer: %v", err)
	}
	doc := c.doc
	doc.Language = "de"
	if _, err := pdf.RenderDocument(c.env, doc); domain.ErrorCode(err) != domain.EInvalid {
		t.Errorf("bad language: %v", err)
	}
}
