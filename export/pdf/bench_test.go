package pdf_test

import (
	"testing"

	"greffier/export/internal/sample"
	"greffier/export/pdf"
)

func BenchmarkRender(b *testing.B) {
	doc := sample.French()
	var size int
	for b.Loop() {
		out, err := pdf.Render(doc)
		if err != nil {
			b.Fatal(err)
		}
		size = len(out)
	}
	b.ReportMetric(float64(size)/1024, "KiB/pdf")
}
