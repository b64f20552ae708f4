package pdf_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"greffier/export"
	"greffier/export/internal/sample"
	"greffier/export/pdf"
)

// pdfText extracts the text with poppler's pdftotext; the test skips that part
// when it is not installed (Debian package poppler-utils).
func pdfText(t *testing.T, data []byte) (string, bool) {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		return "", false
	}
	path := filepath.Join(t.TempDir(), "note.pdf")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out), true
}

func TestRenderStructure(t *testing.T) {
	data, err := pdf.Render(sample.French())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, []byte("%PDF-1.")) || !bytes.HasSuffix(bytes.TrimSpace(data), []byte("%%EOF")) {
		t.Fatal("not a complete PDF file")
	}
	for _, want := range []string{"/Type /Catalog", "/Type /Pages", "/FontFile2", "/ToUnicode", "xref", "trailer"} {
		if !bytes.Contains(data, []byte(want)) {
			t.Errorf("PDF lacks %s", want)
		}
	}
	if n := len(regexp.MustCompile(`/Type /Page\b`).FindAll(data, -1)); n != 1 {
		t.Errorf("%d pages, want 1", n)
	}
	again, _ := pdf.Render(sample.French())
	if !bytes.Equal(data, again) {
		t.Error("same note, different PDF bytes")
	}
}

func TestRenderTextAndAccents(t *testing.T) {
	for name, doc := range map[string]export.Document{"fr": sample.French(), "en": sample.English()} {
		t.Run(name, func(t *testing.T) {
			data, err := pdf.Render(doc)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := pdfText(t, data)
			if !ok {
				t.Skip("pdftotext not installed (poppler-utils): text not checked")
			}
			flat := strings.Join(strings.Fields(got), " ")
			l := export.LabelsFor(doc.Language())
			want := []string{doc.Clinic.Name, doc.Title(), doc.Patient.DisplayName(), doc.Author.DisplayName(),
				l.FormatDateTime(doc.Encounter.Start), l.Signature}
			if sig := doc.Signature; sig != nil {
				// The signature line: signer, signing time, version and its SHA-256.
				want = append(want, fmt.Sprintf(l.SignedBy, sig.Signer, l.FormatDateTime(sig.SignedAt)),
					fmt.Sprintf(l.SignedNote, sig.Version, sig.SHA256))
			}
			for _, b := range doc.Blocks() {
				want = append(want, b.Title)
				want = append(want, b.Lines...)
			}
			for _, w := range want {
				if !strings.Contains(flat, strings.Join(strings.Fields(w), " ")) {
					t.Errorf("PDF text lacks %q", w)
				}
			}
		})
	}
}

func TestRenderLongNoteBreaksPages(t *testing.T) {
	doc := sample.English()
	long := doc.Note.Sections[1]
	for i := 0; i < 120; i++ {
		long.Sentences = append(long.Sentences, long.Sentences[0])
	}
	doc.Note.Sections[1] = long
	data, err := pdf.Render(doc)
	if err != nil {
		t.Fatal(err)
	}
	pages := len(regexp.MustCompile(`/Type /Page\b`).FindAll(data, -1))
	if pages < 2 {
		t.Fatalf("%d page(s) for a long note", pages)
	}
	if got, ok := pdfText(t, data); ok {
		if !strings.Contains(got, "Page 1 / ") || !strings.Contains(got, "Signature") {
			t.Errorf("page numbers or signature missing")
		}
	}
}
