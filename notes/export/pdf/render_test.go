package pdf_test

import (
	"os"
	"testing"

	"greffier/notes/export/internal/sample"
	"greffier/notes/export/pdf"
)

func TestRenderTmp(t *testing.T) {
	b, err := pdf.Render(sample.French())
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile("/tmp/fx/pdfrun/fr.pdf", b, 0o644)
}
