package fhir_test

import (
	"testing"

	"greffier/export/fhir"
	"greffier/export/internal/sample"
	"greffier/export/pdf"
)

// BenchmarkBuild times building and encoding a Bundle, the PDF attachment included.
func BenchmarkBuild(b *testing.B) {
	doc := sample.French()
	var size int
	for b.Loop() {
		bundle, err := fhir.Build(doc, fhir.Options{})
		if err != nil {
			b.Fatal(err)
		}
		raw, err := fhir.Marshal(bundle)
		if err != nil {
			b.Fatal(err)
		}
		size = len(raw)
	}
	b.ReportMetric(float64(size)/1024, "KiB/bundle")
}

// BenchmarkBuildWithoutPDF isolates the Bundle itself from PDF rendering.
func BenchmarkBuildWithoutPDF(b *testing.B) {
	doc := sample.French()
	p, err := pdf.Render(doc)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := fhir.Build(doc, fhir.Options{PDF: p}); err != nil {
			b.Fatal(err)
		}
	}
}
