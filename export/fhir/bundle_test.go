package fhir_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"greffier/export"
	"greffier/export/fhir"
	"greffier/export/internal/sample"
	"greffier/export/text"
)

func build(t *testing.T, doc export.Document) (*fhir.Bundle, []byte) {
	t.Helper()
	b, err := fhir.Build(doc, fhir.Options{SoftwareVersion: "0.1.0-test"})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := fhir.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	return b, raw
}

func resources(t *testing.T, b *fhir.Bundle) map[string][]map[string]any {
	t.Helper()
	out := map[string][]map[string]any{}
	for _, e := range b.Entry {
		var r map[string]any
		if err := json.Unmarshal(e.Resource, &r); err != nil {
			t.Fatal(err)
		}
		out[r["resourceType"].(string)] = append(out[r["resourceType"].(string)], r)
	}
	return out
}

// The must-show: exported Bundles validate against the official R4 schema, made
// strict, both as a whole and entry by entry.
func TestBundleValidatesAgainstR4Schema(t *testing.T) {
	s := strictSchema(t)
	for name, doc := range map[string]export.Document{"french soap": sample.French(), "english h&p": sample.English()} {
		t.Run(name, func(t *testing.T) {
			b, raw := build(t, doc)
			if err := validate(t, s, raw); err != nil {
				t.Fatalf("bundle does not validate against FHIR R4:\n%v", err)
			}
			for _, e := range b.Entry {
				if err := validate(t, s, e.Resource); err != nil {
					t.Errorf("%s does not validate:\n%v", e.Request.URL, err)
				}
			}
		})
	}
}

// The strict schema catches what the published one lets through, in a real Bundle.
func TestSchemaCatchesBrokenBundle(t *testing.T) {
	s := strictSchema(t)
	_, raw := build(t, sample.French())
	breakages := map[string]func(r map[string]any){
		"string as Reference": func(r map[string]any) {
			if r["resourceType"] == "Composition" {
				r["subject"] = "Patient/1"
			}
		},
		"string as CodeableConcept": func(r map[string]any) {
			if r["resourceType"] == "Condition" {
				r["code"] = "J18.9"
			}
		},
		"unknown element": func(r map[string]any) {
			if r["resourceType"] == "Provenance" {
				r["identifier"] = []any{map[string]any{"value": "x"}} // Provenance has none in R4
			}
		},
		"bad date": func(r map[string]any) {
			if r["resourceType"] == "Patient" {
				r["birthDate"] = "14/03/1958"
			}
		},
	}
	for name, breakIt := range breakages {
		t.Run(name, func(t *testing.T) {
			var bundle map[string]any
			json.Unmarshal(raw, &bundle)
			for _, e := range bundle["entry"].([]any) {
				breakIt(e.(map[string]any)["resource"].(map[string]any))
			}
			broken, _ := json.Marshal(bundle)
			if err := validate(t, s, broken); err == nil {
				t.Fatal("the broken bundle validates")
			}
		})
	}
}

func TestBundleContent(t *testing.T) {
	doc := sample.French()
	b, _ := build(t, doc)
	if b.Type != "transaction" {
		t.Fatalf("type %q", b.Type)
	}
	// Every entry is a conditional create whose urn:uuid is unique, and every
	// reference inside the Bundle points at an entry.
	full := map[string]bool{}
	var order []string
	for _, e := range b.Entry {
		if !strings.HasPrefix(e.FullURL, "urn:uuid:") || full[e.FullURL] {
			t.Errorf("fullUrl %q: want a unique urn:uuid", e.FullURL)
		}
		full[e.FullURL] = true
		order = append(order, e.Request.URL)
		if e.Request.Method != "POST" || e.Request.IfNoneExist == "" {
			t.Errorf("%s: want a conditional create, got %+v", e.Request.URL, e.Request)
		}
		q, err := url.ParseQuery(e.Request.IfNoneExist)
		if err != nil || (q.Get("identifier") == "" && q.Get("_tag") == "") {
			t.Errorf("%s: ifNoneExist %q", e.Request.URL, e.Request.IfNoneExist)
		}
	}
	want := "Organization Practitioner Device Patient Encounter Condition Condition Composition DocumentReference Provenance Provenance"
	if got := strings.Join(order, " "); got != want {
		t.Errorf("entries %q, want %q", got, want)
	}
	for _, e := range b.Entry {
		for _, ref := range refs(e.Resource) {
			if !full[ref] {
				t.Errorf("%s refers to %s, which is not in the bundle", e.Request.URL, ref)
			}
		}
	}

	r := resources(t, b)
	// Patient: matched on the MRN.
	if q := b.Entry[3].Request.IfNoneExist; q != "identifier="+url.QueryEscape("urn:greffier:clinique-du-parc:mrn|MRN-00421") {
		t.Errorf("patient ifNoneExist %q", q)
	}
	if got := r["Patient"][0]["name"].([]any)[0].(map[string]any)["family"]; got != "Lefèvre" {
		t.Errorf("patient family %v", got)
	}
	// Conditions: one per accepted code, ICD-10-CM.
	for i, c := range r["Condition"] {
		coding := c["code"].(map[string]any)["coding"].([]any)[0].(map[string]any)
		if coding["system"] != fhir.SystemICD10CM || coding["code"] != doc.AcceptedCodes[i].Code {
			t.Errorf("condition %d coding %v", i, coding)
		}
	}
	// Composition: LOINC progress note, one section per block, the diagnoses section
	// pointing at the Conditions.
	comp := r["Composition"][0]
	typ := comp["type"].(map[string]any)["coding"].([]any)[0].(map[string]any)
	if typ["system"] != fhir.SystemLOINC || typ["code"] != "11506-3" {
		t.Errorf("composition type %v", typ)
	}
	sections := comp["section"].([]any)
	blocks := doc.Blocks()
	if len(sections) != len(blocks) {
		t.Fatalf("%d sections for %d blocks", len(sections), len(blocks))
	}
	for i, s := range sections {
		sec := s.(map[string]any)
		if sec["title"] != blocks[i].Title {
			t.Errorf("section %d title %v, want %q", i, sec["title"], blocks[i].Title)
		}
		div := sec["text"].(map[string]any)["div"].(string)
		if !strings.HasPrefix(div, `<div xmlns="http://www.w3.org/1999/xhtml">`) {
			t.Errorf("section %d narrative %q", i, div)
		}
		if blocks[i].Key == "diagnoses" && len(sec["entry"].([]any)) != 2 {
			t.Errorf("diagnoses section entries %v", sec["entry"])
		}
	}
	// The objective sentence holds & and a backslash: & is escaped for XHTML.
	objective := sections[1].(map[string]any)["text"].(map[string]any)["div"].(string)
	if !strings.Contains(objective, `SpO2 95 % &amp; crépitants\base droite`) {
		t.Errorf("objective narrative not escaped as XHTML: %s", objective)
	}
	// DocumentReference: the note as text/plain and as application/pdf.
	content := r["DocumentReference"][0]["content"].([]any)
	var types []string
	for _, c := range content {
		a := c.(map[string]any)["attachment"].(map[string]any)
		types = append(types, a["contentType"].(string))
		data, err := base64.StdEncoding.DecodeString(a["data"].(string))
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case strings.HasPrefix(a["contentType"].(string), "text/plain"):
			if string(data) != text.Render(doc) {
				t.Error("text attachment differs from the rendered note")
			}
		case a["contentType"] == "application/pdf":
			if !bytes.HasPrefix(data, []byte("%PDF-")) {
				t.Error("pdf attachment is not a PDF")
			}
		}
	}
	if strings.Join(types, ",") != "text/plain; charset=utf-8,application/pdf" {
		t.Errorf("attachments %v", types)
	}
	// Provenance: the physician as author, Greffier's Device as an AI-assisted assembler.
	prov := r["Provenance"][0]
	agents := prov["agent"].([]any)
	who := func(i int) string {
		return agents[i].(map[string]any)["who"].(map[string]any)["reference"].(string)
	}
	if who(0) != b.Entry[1].FullURL || who(1) != b.Entry[2].FullURL {
		t.Errorf("provenance agents %v", agents)
	}
	if len(prov["target"].([]any)) != 4 { // composition, document, 2 conditions
		t.Errorf("provenance targets %v", prov["target"])
	}
}

// The approval: a Provenance naming the signer as legal authenticator of this
// version's Composition and DocumentReference, at the signing time, whose signature
// element carries the store's seal as it was given.
func TestBundleCarriesTheSignature(t *testing.T) {
	doc := sample.French()
	b, _ := build(t, doc)
	r := resources(t, b)
	if len(r["Provenance"]) != 2 {
		t.Fatalf("%d Provenance, want the export's and the approval's", len(r["Provenance"]))
	}
	ap := r["Provenance"][1]
	signer := b.Entry[1].FullURL // the Practitioner
	if got := ap["recorded"]; got != doc.Signature.SignedAt.Format(time.RFC3339) {
		t.Errorf("recorded %v, want the signing time", got)
	}
	targets := ap["target"].([]any)
	if len(targets) != 2 || targets[0].(map[string]any)["reference"] != b.Entry[7].FullURL ||
		targets[1].(map[string]any)["reference"] != b.Entry[8].FullURL {
		t.Errorf("targets %v, want the Composition and the DocumentReference", targets)
	}
	agent := ap["agent"].([]any)[0].(map[string]any)
	if agent["who"].(map[string]any)["reference"] != signer ||
		agent["type"].(map[string]any)["coding"].([]any)[0].(map[string]any)["code"] != "legal" {
		t.Errorf("agent %v, want the signer as legal authenticator", agent)
	}
	sigs := ap["signature"].([]any)
	if len(sigs) != 1 {
		t.Fatalf("signature %v", ap["signature"])
	}
	sig := sigs[0].(map[string]any)
	data, err := base64.StdEncoding.DecodeString(sig["data"].(string))
	if err != nil || !bytes.Equal(data, doc.Signature.Seal) {
		t.Errorf("signature data %q, want the seal", data)
	}
	if sig["sigFormat"] != "application/jose" || sig["when"] != ap["recorded"] ||
		sig["who"].(map[string]any)["reference"] != signer {
		t.Errorf("signature %v", sig)
	}
	typ := sig["type"].([]any)[0].(map[string]any)
	if typ["system"] != fhir.SystemSignatureType || typ["code"] != "1.2.840.10065.1.12.1.1" {
		t.Errorf("signature type %v", typ)
	}
	// The identifier of the approval is per version, like the Composition's.
	if !strings.Contains(b.Entry[10].Request.IfNoneExist, url.QueryEscape(doc.Key("approval"))) {
		t.Errorf("approval ifNoneExist %q", b.Entry[10].Request.IfNoneExist)
	}

	// Without a signature (an export from before signatures) there is no approval.
	doc.Signature = nil
	b, _ = build(t, doc)
	if n := len(resources(t, b)["Provenance"]); n != 1 {
		t.Errorf("%d Provenance without a signature", n)
	}
}

func TestBundleDeterministic(t *testing.T) {
	_, a := build(t, sample.French())
	_, b := build(t, sample.French())
	if !bytes.Equal(a, b) {
		t.Fatal("same document, different bundles")
	}
	doc := sample.French()
	doc.NoteVersion++
	nb, _ := build(t, doc)
	ob, _ := build(t, sample.French())
	// A new approved version keeps patient, encounter and conditions, and makes a new
	// composition, document and provenance.
	for i := range nb.Entry {
		same := nb.Entry[i].FullURL == ob.Entry[i].FullURL
		wantSame := i < 7
		if same != wantSame {
			t.Errorf("entry %d (%s): same fullUrl=%v, want %v", i, nb.Entry[i].Request.URL, same, wantSame)
		}
	}
}

// refs lists the urn:uuid references in a resource.
func refs(raw json.RawMessage) []string {
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if r, ok := x["reference"].(string); ok && strings.HasPrefix(r, "urn:uuid:") {
				out = append(out, r)
			}
			for _, c := range x {
				walk(c)
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	var v any
	json.Unmarshal(raw, &v)
	walk(v)
	return out
}
