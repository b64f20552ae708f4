package export_test

import (
	"strings"
	"testing"
	"time"

	"greffier/domain"
	"greffier/export"
	"greffier/export/internal/sample"
)

func TestValidate(t *testing.T) {
	if err := sample.French().Validate(); err != nil {
		t.Fatalf("sample: %v", err)
	}
	cases := []struct {
		name   string
		change func(d *export.Document)
		want   string
	}{
		{"no encounter", func(d *export.Document) { d.Encounter.ID = "" }, "encounter id"},
		{"no patient id", func(d *export.Document) { d.Patient.ID, d.Patient.MRN = "", "" }, "patient id or MRN"},
		{"no patient name", func(d *export.Document) { d.Patient.Family, d.Patient.Given = "", "" }, "patient name"},
		{"no approver", func(d *export.Document) { d.Author = export.Author{} }, "approving physician"},
		{"no approval time", func(d *export.Document) { d.ApprovedAt = time.Time{} }, "approval time"},
		{"bad birth date", func(d *export.Document) { d.Patient.BirthDate = "14/03/1958" }, "birth date"},
		{"bad sex", func(d *export.Document) { d.Patient.Sex = "F" }, "sex"},
		{"bad code", func(d *export.Document) { d.AcceptedCodes[0].Code = "J189" }, "not an ICD-10-CM code"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := sample.French()
			c.change(&d)
			err := d.Validate()
			if domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want EInvalid naming %q", err, c.want)
			}
			// Messages name fields, never patient text.
			if strings.Contains(err.Error(), "Lefèvre") || strings.Contains(err.Error(), "1958") {
				t.Errorf("error holds patient text: %v", err)
			}
		})
	}
}

func TestNames(t *testing.T) {
	p := export.Patient{Name: "Jean-Marc de la Tour"}
	if p.DisplayName() != "Jean-Marc de la Tour" {
		t.Errorf("display %q", p.DisplayName())
	}
	f, g := export.NameParts("", "", p.Name)
	if f != "Tour" || g != "Jean-Marc de la" {
		t.Errorf("parts %q %q", f, g)
	}
	f, g = export.NameParts("Lefèvre", "Hélène", "ignored")
	if f != "Lefèvre" || g != "Hélène" {
		t.Errorf("structured parts %q %q", f, g)
	}
}

func TestTypeAndKey(t *testing.T) {
	fr, en := sample.French(), sample.English()
	if fr.Type().LOINC != "11506-3" || en.Type().LOINC != "34117-2" {
		t.Errorf("LOINC %s %s", fr.Type().LOINC, en.Type().LOINC)
	}
	if fr.Key("composition") != "enc-42/v3/composition" {
		t.Errorf("key %s", fr.Key("composition"))
	}
}
