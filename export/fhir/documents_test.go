package fhir_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"greffier/export"
	"greffier/export/fhir"
	"greffier/export/internal/sample"
	"greffier/notes/documents"
)

func draftDocument(t *testing.T, env export.Document, kind documents.Kind) documents.Document {
	t.Helper()
	d, err := documents.Draft(kind, env.Note, nil, documents.Options{NoteVersion: env.NoteVersion})
	if err != nil {
		t.Fatal(err)
	}
	if d.Sentences() == 0 {
		t.Fatalf("%s: nothing drafted from the sample note", kind)
	}
	return d
}

// Documents export as their own DocumentReference, typed with their LOINC code, in a
// Bundle that validates against the strict R4 schema as a whole and entry by entry.
func TestDocumentBundleValidatesAgainstR4Schema(t *testing.T) {
	s := strictSchema(t)
	env := sample.French()
	for _, c := range []struct {
		kind          documents.Kind
		code, display string
	}{{documents.KindInstructions, "69730-0", "Instructions"}, {documents.KindReferral, "57133-1", "Referral note"}} {
		t.Run(string(c.kind), func(t *testing.T) {
			d := draftDocument(t, env, c.kind)
			b, err := fhir.BuildDocument(env, d, 2, fhir.Options{SoftwareVersion: "0.1.0-test"})
			if err != nil {
				t.Fatal(err)
			}
			raw, err := fhir.Marshal(b)
			if err != nil {
				t.Fatal(err)
			}
			if err := validate(t, s, raw); err != nil {
				t.Fatalf("bundle does not validate against FHIR R4:\n%v", err)
			}
			for _, e := range b.Entry {
				if err := validate(t, s, e.Resource); err != nil {
					t.Errorf("%s does not validate:\n%v", e.Request.URL, err)
				}
			}
			res := resources(t, b)
			if len(res["DocumentReference"]) != 1 || len(res["Composition"]) != 0 || len(res["Condition"]) != 0 {
				t.Fatalf("resources: %v", keys(res))
			}
			var ref fhir.DocumentReference
			for _, e := range b.Entry {
				if e.Request.URL == "DocumentReference" {
					if err := json.Unmarshal(e.Resource, &ref); err != nil {
						t.Fatal(err)
					}
				}
			}
			if ref.Type == nil || ref.Type.Coding[0].System != fhir.SystemLOINC || ref.Type.Coding[0].Code != c.code || ref.Type.Coding[0].Display != c.display {
				t.Errorf("type %+v, want LOINC %s", ref.Type, c.code)
			}
			if want := "enc-42/" + string(c.kind) + "/v2"; ref.MasterIdentifier == nil || ref.MasterIdentifier.Value != want {
				t.Errorf("identifier %+v, want %s", ref.MasterIdentifier, want)
			}
			if len(ref.Content) != 2 || !bytes.HasPrefix(ref.Content[1].Attachment.Data, []byte("%PDF-")) || ref.Content[0].Attachment.Language != "fr" {
				t.Fatalf("content: %d attachments", len(ref.Content))
			}
			txt := string(ref.Content[0].Attachment.Data)
			for _, p := range d.Parts {
				for _, s := range p.Sentences {
					if !strings.Contains(txt, s.Text) {
						t.Errorf("text attachment lacks %q", s.Text)
					}
				}
			}
			again, _ := fhir.BuildDocument(env, d, 2, fhir.Options{SoftwareVersion: "0.1.0-test"})
			raw2, _ := fhir.Marshal(again)
			if !bytes.Equal(raw, raw2) {
				t.Error("same document, different Bundle")
			}
		})
	}
}

func keys(m map[string][]map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// On a real FHIR server (Medplum's engine), the documents join the note's patient and
// encounter without duplicating them: one DocumentReference each, and a re-export
// creates nothing.
func TestPostDocumentsJoinTheNotesPatient(t *testing.T) {
	const token = "test-token-9d2e"
	base := startFHIRServer(t, token)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	client := fhir.Client{BaseURL: base, Token: token}
	env := sample.French()
	note, _ := build(t, env)
	if _, err := client.Post(ctx, note); err != nil {
		t.Fatalf("note: %v", err)
	}
	for _, k := range documents.Kinds() {
		d := draftDocument(t, env, k)
		for round := 0; round < 2; round++ {
			b, err := fhir.BuildDocument(env, d, 1, fhir.Options{})
			if err != nil {
				t.Fatal(err)
			}
			res, err := client.Post(ctx, b)
			if err != nil {
				t.Fatalf("%s: %v", k, err)
			}
			want := 2 // the DocumentReference and its Provenance; the rest exists
			if round == 1 {
				want = 0
			}
			if got := res.Created(); got != want {
				t.Errorf("%s export %d created %d entries, want %d: %+v", k, round+1, got, want, res.Entries)
			}
		}
	}
	for typ, want := range map[string]int{"Patient": 1, "Encounter": 1, "Practitioner": 1, "DocumentReference": 3} {
		if got := len(search(t, base, token, typ)); got != want {
			t.Errorf("%d %s on the server, want %d", got, typ, want)
		}
	}
	refs := search(t, base, token, "DocumentReference?type=http://loinc.org|57133-1")
	if len(refs) != 1 {
		t.Errorf("%d referral letters found by LOINC type, want 1", len(refs))
	}
}
