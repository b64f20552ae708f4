package app_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"greffier/domain"
)

// The documents in the app: drafted from the note with evidence, a part edited (the
// checkers run again), a stale edit refused, signed only by a physician with the
// password, exported as PDF and FHIR once signed, and not after an unsigned edit.
func TestDocumentsDraftEditSignExport(t *testing.T) {
	s, dirs := services(t)
	enc, doc, sec := drafted(t, s, dirs)
	act(t, s, sec)

	if _, err := s.Documents.Draft(enc, "poem", "", ""); code(t, err) != domain.EInvalid {
		t.Fatalf("unknown kind: %v", err)
	}
	v, err := s.Documents.Draft(enc, "instructions", "", "")
	if err != nil {
		t.Fatal(err)
	}
	if v.Version != 1 || v.Author != "greffier" || len(v.Document.Parts) == 0 {
		t.Fatalf("drafted: version %d by %q, %d parts", v.Version, v.Author, len(v.Document.Parts))
	}
	cited := 0
	var text strings.Builder
	for _, p := range v.Document.Parts {
		for _, st := range p.Sentences {
			text.WriteString(st.Text + " ")
			if len(st.Evidence) > 0 {
				cited++
			}
		}
	}
	if cited == 0 || !strings.Contains(strings.ToLower(text.String()), "paracetamol") {
		t.Fatalf("the instructions cite nothing or miss the medicine: %q", text.String())
	}
	list, err := s.Documents.List(enc)
	if err != nil || len(list) != 1 || list[0].Kind != "instructions" || list[0].Signer != "" {
		t.Fatalf("list: %+v %v", list, err)
	}

	// An edit that states a dose the transcript does not: saved, and flagged.
	part := v.Document.Parts[0]
	var old []string
	for _, st := range part.Sentences {
		old = append(old, st.Text)
	}
	edited, err := s.Documents.SavePart(enc, "instructions", part.Key, strings.Join(old, " ")+" Take paracetamol 4 g at once.", v.Version)
	if err != nil {
		t.Fatal(err)
	}
	if edited.Version != 2 || edited.Author != sec || len(edited.ToCheck) <= len(v.ToCheck) {
		t.Fatalf("edit: version %d by %q, to check %v (before %v)", edited.Version, edited.Author, edited.ToCheck, v.ToCheck)
	}
	if _, err := s.Documents.SavePart(enc, "instructions", part.Key, "Rest.", v.Version); code(t, err) != domain.EConflict {
		t.Fatalf("stale edit: %v", err)
	}
	if _, err := s.Documents.SavePart(enc, "instructions", "nope", "Rest.", edited.Version); code(t, err) != domain.ENotFound {
		t.Fatalf("unknown part: %v", err)
	}

	out := t.TempDir()
	if _, err := s.Documents.Export(enc, "instructions", "pdf", out); code(t, err) != domain.EConflict {
		t.Fatalf("export before signature: %v", err)
	}
	if _, err := s.Documents.Sign(enc, "instructions", edited.Version, testPassword); code(t, err) != domain.EForbidden {
		t.Fatalf("a secretary signs: %v", err)
	}
	act(t, s, doc)
	if _, err := s.Documents.Sign(enc, "instructions", edited.Version, "not my password"); code(t, err) != domain.EForbidden {
		t.Fatalf("wrong password: %v", err)
	}
	signed, err := s.Documents.Sign(enc, "instructions", edited.Version, testPassword)
	if err != nil || signed.Signer != doc || signed.SignedAt == 0 {
		t.Fatalf("sign: %+v %v", signed.DocumentInfo, err)
	}
	pdf, err := s.Documents.Export(enc, "instructions", "pdf", out)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(pdf.Path); !bytes.HasPrefix(b, []byte("%PDF-")) || filepath.Dir(pdf.Path) != out {
		t.Fatalf("PDF at %s: %.8q", pdf.Path, b)
	}
	fhir, err := s.Documents.Export(enc, "instructions", "fhir", out)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(fhir.Path); !bytes.Contains(b, []byte("DocumentReference")) || !bytes.Contains(b, []byte("69730-0")) {
		t.Fatalf("FHIR export lacks its DocumentReference or LOINC type: %.300s", b)
	}
	// Edited after the signature: a new, unsigned version, which does not export.
	if _, err := s.Documents.SavePart(enc, "instructions", part.Key, "Rest and drink water.", signed.Version); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Documents.Export(enc, "instructions", "pdf", out); code(t, err) != domain.EConflict {
		t.Fatalf("export of an unsigned edit: %v", err)
	}
}
