package hl7_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"greffier/domain"
	"greffier/export"
	"greffier/export/hl7"
	"greffier/export/internal/sample"
)

func TestMDMStructure(t *testing.T) {
	doc := sample.French()
	now := time.Date(2026, 11, 20, 11, 0, 0, 0, time.UTC)
	raw, ctrl, err := hl7.MDM(doc, hl7.Options{ReceivingApplication: "DPI", ReceivingFacility: "HOPITAL", Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.ContainsAny(raw, "\n") || !bytes.HasSuffix(raw, []byte("\r")) {
		t.Fatalf("segments must end with CR only")
	}
	m, err := hl7.Parse(string(raw))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range m.Segments {
		names = append(names, s[0])
	}
	if got := strings.Join(names[:5], " "); got != "MSH EVN PID PV1 TXA" {
		t.Fatalf("segment order %q", got)
	}
	msh := m.Segment("MSH")
	checks := []struct{ what, got, want string }{
		{"MSH-2", hl7.Field(msh, 2), `^~\&`},
		{"MSH-3", hl7.Field(msh, 3), "GREFFIER"},
		{"MSH-4", hl7.Field(msh, 4), "CLINIQUE-DU-PARC"},
		{"MSH-5", hl7.Field(msh, 5), "DPI"},
		{"MSH-7", hl7.Field(msh, 7), "20261120110000+0000"},
		{"MSH-9", hl7.Field(msh, 9), "MDM^T02^MDM_T02"},
		{"MSH-10", hl7.Field(msh, 10), ctrl},
		{"MSH-12", hl7.Field(msh, 12), "2.5.1"},
		{"MSH-18", hl7.Field(msh, 18), "UNICODE UTF-8"},
		{"EVN-1", hl7.Field(m.Segment("EVN"), 1), "T02"},
		{"PID-3 MRN", m.Component(hl7.Field(m.Segment("PID"), 3), 1), "MRN-00421"},
		{"PID-3 local id", strings.Split(hl7.Field(m.Segment("PID"), 3), "~")[1], "pat-7^^^GREFFIER^PI"},
		{"PID-5 family", m.Component(hl7.Field(m.Segment("PID"), 5), 1), "Lefèvre"},
		{"PID-5 given", m.Component(hl7.Field(m.Segment("PID"), 5), 2), "Hélène"},
		{"PID-7", hl7.Field(m.Segment("PID"), 7), "19580314"},
		{"PID-8", hl7.Field(m.Segment("PID"), 8), "F"},
		{"PV1-19", hl7.Field(m.Segment("PV1"), 19), "enc-42"},
		{"PV1-44", hl7.Field(m.Segment("PV1"), 44), "20261120091500+0100"},
		{"TXA-2", hl7.Field(m.Segment("TXA"), 2), "PN"},
		{"TXA-3", hl7.Field(m.Segment("TXA"), 3), "FT"},
		{"TXA-12", hl7.Field(m.Segment("TXA"), 12), "enc-42/v3/document^GREFFIER"},
		{"TXA-17", hl7.Field(m.Segment("TXA"), 17), "AU"},
		{"TXA-22 who", m.Component(hl7.Field(m.Segment("TXA"), 22), 3), "Éloïse"},
		{"TXA-22 when", m.Component(hl7.Field(m.Segment("TXA"), 22), 15), "20261120100230+0100"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.what, c.got, c.want)
		}
	}
	if len(ctrl) == 0 || len(ctrl) > 20 {
		t.Errorf("control id %q: want 1..20 characters", ctrl)
	}

	// Every block comes back, unescaped, from the OBX segments, in order.
	blocks := doc.Blocks()
	obx := m.All("OBX")
	var texts []string
	var codes []string
	for i, o := range obx {
		if got := hl7.Field(o, 1); got != strconv.Itoa(i+1) {
			t.Errorf("OBX-1 = %s, want %d", got, i+1)
		}
		switch hl7.Field(o, 2) {
		case "FT":
			texts = append(texts, m.Component(hl7.Field(o, 3), 2)+"="+m.Delims.Unescape(hl7.Field(o, 5)))
		case "CE":
			codes = append(codes, m.Component(hl7.Field(o, 5), 1)+" "+m.Component(hl7.Field(o, 5), 3))
		default:
			t.Errorf("OBX-2 = %q", hl7.Field(o, 2))
		}
		if hl7.Field(o, 11) != "F" {
			t.Errorf("OBX-11 = %q, want F", hl7.Field(o, 11))
		}
	}
	var want []string
	for _, b := range blocks {
		if b.Key != "diagnoses" {
			want = append(want, b.Title+"="+b.Text())
		}
	}
	if strings.Join(texts, "\n") != strings.Join(want, "\n") {
		t.Errorf("OBX texts:\n%s\nwant:\n%s", strings.Join(texts, "\n"), strings.Join(want, "\n"))
	}
	if got := strings.Join(codes, ","); got != "J18.9 I10C,R05.9 I10C" {
		t.Errorf("coded OBX = %q", got)
	}
	// The sample's objective sentence holds every delimiter: the raw message shows
	// them escaped, never bare.
	if !bytes.Contains(raw, []byte(`TA 135/85 \F\ FC 98 \S\ T° 38,6 °C \R\ SpO2 95 % \T\ crépitants\E\base droite sans`)) {
		t.Errorf("objective OBX not escaped as expected:\n%s", raw)
	}
}

func TestMDMTextPresentation(t *testing.T) {
	doc := sample.English()
	raw, _, err := hl7.MDM(doc, hl7.Options{Presentation: hl7.TX})
	if err != nil {
		t.Fatal(err)
	}
	m, err := hl7.Parse(string(raw))
	if err != nil {
		t.Fatal(err)
	}
	if got := hl7.Field(m.Segment("TXA"), 3); got != "TX" {
		t.Errorf("TXA-3 = %q", got)
	}
	var lines []string
	for _, o := range m.All("OBX") {
		if hl7.Field(o, 2) == "TX" {
			lines = append(lines, hl7.Field(o, 4)+":"+m.Delims.Unescape(hl7.Field(o, 5)))
		}
	}
	// chief complaint, HPI, the empty Plan (said, empty), vitals; diagnoses are CE.
	want := []string{"1:Headaches for two weeks.", "2:Bifrontal, worse in the evening, relieved by ibuprofen 400 mg.", "3:", "5:Blood pressure: 128/82 mmHg"}
	if strings.Join(lines, "|") != strings.Join(want, "|") {
		t.Errorf("TX lines = %q, want %q", lines, want)
	}
	// Same approved note, same sending time: the same message (deterministic export).
	again, _, _ := hl7.MDM(doc, hl7.Options{Presentation: hl7.TX})
	if !bytes.Equal(raw, again) {
		t.Error("MDM is not deterministic")
	}
}

func TestMDMRefusesIncompleteDocument(t *testing.T) {
	doc := sample.French()
	doc.Author = export.Author{}
	_, _, err := hl7.MDM(doc, hl7.Options{})
	if domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), "approving physician") {
		t.Fatalf("err = %v, want EInvalid naming the approving physician", err)
	}
}

func TestWriteFile(t *testing.T) {
	raw, _, err := hl7.MDM(sample.French(), hl7.Options{})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "note.hl7")
	if err := export.WriteFile(path, raw); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, raw) {
		t.Fatal("file differs from message")
	}
	st, _ := os.Stat(path)
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600 (patient data)", st.Mode().Perm())
	}
}
