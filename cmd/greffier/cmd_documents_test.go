package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"greffier/domain"
	"greffier/notes/documents"
	"greffier/notes/draft"
	"greffier/notes/templates"
	"greffier/notes/transcript"
	"greffier/store"
)

// documentsFixture stores a French consultation as Greffier would: patient,
// encounter, transcript segments and the extractive note drafted from them.
func documentsFixture(t *testing.T) (dbp string, files map[string]string) {
	t.Helper()
	ctx := context.Background()
	dbp = filepath.Join(t.TempDir(), "greffier.db")
	db, err := store.Open(ctx, dbp)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateUser(ctx, "Dr Éloïse Durand", domain.UserPhysician); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateUser(ctx, "Léa", domain.UserSecretary); err != nil {
		t.Fatal(err)
	}
	p, err := db.CreatePatient(ctx, store.Patient{LocalID: "P-7", Name: "Hélène Martin", BirthDate: "1958-03-14"})
	if err != nil {
		t.Fatal(err)
	}
	e, err := db.CreateEncounter(ctx, store.NewEncounter{PatientID: p.ID, Language: "fr", Template: "soap",
		StartedAt: time.Date(2026, 11, 20, 9, 15, 0, 0, time.UTC)})
	if err != nil || e.ID != 1 {
		t.Fatalf("encounter %d: %v", e.ID, err)
	}
	raw, err := os.ReadFile(filepath.Join("..", "..", "notes", "documents", "testdata", "consultation_fr.txt"))
	if err != nil {
		t.Fatal(err)
	}
	segs, _ := transcript.ParseDialogue(string(raw))
	if err := db.SaveSegments(ctx, e.ID, segs); err != nil {
		t.Fatal(err)
	}
	stored, err := db.Segments(ctx, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := templates.Loader{}.Get("soap")
	if err != nil {
		t.Fatal(err)
	}
	note, err := draft.Extractive{}.Draft(ctx, draft.Request{Segments: stored, Template: tpl, Language: "fr"})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(note)
	if _, err := db.SaveDraftVersion(ctx, store.DraftInput{EncounterID: e.ID, By: store.System, Body: body}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	return dbp, protectDB(t, dbp, "Dr Éloïse Durand", "Léa")
}

// The documents flow end to end through the CLI: draft from the stored note, edit
// (checked again), sign with the password, export PDF and FHIR; every refusal with
// its exit status.
func TestDocumentsCLI(t *testing.T) {
	dbp, auth := documentsFixture(t)
	as := func(user string, args ...string) (int, string, string) {
		t.Helper()
		return runCLI(t, append(args, "--db", dbp, "--as", user, "--auth-file", auth[user])...)
	}
	const doc, sec = "Dr Éloïse Durand", "Léa"

	if code, _, errs := as(doc, "documents", "draft", "1"); code != exitUsage || !strings.Contains(errs, "--kind") {
		t.Fatalf("no kind: %d %q", code, errs)
	}
	if code, _, _ := as(doc, "documents", "draft", "1", "--kind", "letter"); code != exitUsage {
		t.Fatalf("bad kind: %d", code)
	}
	code, out, errs := as(doc, "documents", "draft", "1", "--kind", "instructions")
	if code != 0 || !strings.Contains(out, "Commencez amlodipine : 5 mg") || !strings.Contains(out, "instructions version 1 drafted from note version 1") {
		t.Fatalf("draft: %d %q %q", code, out, errs)
	}
	// Not signed: no export.
	dir := t.TempDir()
	if code, _, errs := as(doc, "documents", "export", "1", "--kind", "instructions", "--format", "pdf", "--out", dir); code != exitConflict || !strings.Contains(errs, "not signed") {
		t.Fatalf("export unsigned: %d %q", code, errs)
	}

	// The secretary edits from the JSON: a dose nobody said is flagged, then fixed.
	code, js, errs := as(sec, "documents", "show", "1", "--kind", "instructions", "--json")
	if code != 0 {
		t.Fatalf("show --json: %d %q", code, errs)
	}
	edited := filepath.Join(t.TempDir(), "edit.json")
	if err := os.WriteFile(edited, []byte(strings.Replace(js, "amlodipine : 5 mg", "amlodipine : 10 mg", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errs = as(sec, "documents", "edit", "1", "--kind", "instructions", "--file", edited, "--base", "1")
	if code != 0 || !strings.Contains(out, "version 2 saved") || !strings.Contains(out, "1 to check") || !strings.Contains(out, "unsupported_fact") {
		t.Fatalf("edit with a wrong dose: %d %q %q", code, out, errs)
	}
	if code, _, errs := as(doc, "documents", "draft", "1", "--kind", "instructions"); code != exitConflict || !strings.Contains(errs, "edited by a user") {
		t.Fatalf("redraft over the secretary's edit: %d %q", code, errs)
	}
	if code, _, errs := as(sec, "documents", "edit", "1", "--kind", "instructions", "--file", edited, "--base", "1"); code != exitConflict {
		t.Fatalf("edit from a stale version: %d %q", code, errs)
	}
	if err := os.WriteFile(edited, []byte(js), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := as(sec, "documents", "edit", "1", "--kind", "instructions", "--file", edited, "--base", "2"); code != 0 || !strings.Contains(out, "version 3 saved") || !strings.Contains(out, "0 to check") {
		t.Fatalf("corrected edit: %d %q %q", code, out, errs)
	}
	if code, _, _ := as(doc, "documents", "edit", "1", "--kind", "referral", "--file", edited); code != exitUsage {
		t.Fatalf("instructions saved as a referral: %d", code)
	}

	// Signing: the secretary cannot; the physician signs with the password.
	if code, _, errs := as(sec, "documents", "approve", "1", "--kind", "instructions"); code != exitUsage || !strings.Contains(errs, "physician") {
		t.Fatalf("secretary signs: %d %q", code, errs)
	}
	if code, _, _ := runCLI(t, "documents", "approve", "1", "--kind", "instructions", "--db", dbp, "--as", doc, "--auth-file", auth[sec]); code != exitUsage {
		t.Fatalf("wrong password signs: %d", code)
	}
	if code, out, errs := as(doc, "documents", "approve", "1", "--kind", "instructions"); code != 0 || !strings.Contains(out, "instructions version 3 signed by Dr Éloïse Durand") {
		t.Fatalf("approve: %d %q %q", code, out, errs)
	}
	if code, out, _ := as(sec, "documents", "show", "1", "--kind", "instructions"); code != 0 || !strings.Contains(out, "signed by Dr Éloïse Durand") || !strings.Contains(out, "[10]") {
		t.Fatalf("show after signing: %d %q", code, out)
	}

	// PDF: the patient's sentences, no evidence ids.
	code, out, errs = as(doc, "documents", "export", "1", "--kind", "instructions", "--format", "pdf", "--out", dir)
	pdfPath := filepath.Join(dir, "encounter-1-instructions-v3.pdf")
	if code != 0 || !strings.Contains(out, pdfPath) {
		t.Fatalf("export pdf: %d %q %q", code, out, errs)
	}
	var d documents.Document
	if err := json.Unmarshal([]byte(js), &d); err != nil {
		t.Fatal(err)
	}
	if pt, err := exec.LookPath("pdftotext"); err == nil {
		txt, err := exec.Command(pt, "-enc", "UTF-8", pdfPath, "-").Output()
		if err != nil {
			t.Fatal(err)
		}
		flat := strings.Join(strings.Fields(string(txt)), " ")
		for _, p := range d.Parts {
			for _, s := range p.Sentences {
				if !strings.Contains(flat, strings.Join(strings.Fields(s.Text), " ")) {
					t.Errorf("PDF lacks %q", s.Text)
				}
			}
		}
		if !strings.Contains(flat, "Hélène Martin") {
			t.Error("PDF lacks the patient")
		}
	} else {
		t.Log("pdftotext not installed (poppler-utils): PDF text not checked")
	}

	// The referral letter, to a named specialty, exported as FHIR.
	if code, out, errs := as(doc, "documents", "draft", "1", "--kind", "referral", "--to", "Cardiologie"); code != 0 || !strings.Contains(out, "À : Cardiologie") {
		t.Fatalf("draft referral: %d %q %q", code, out, errs)
	}
	if code, _, errs := as(doc, "documents", "approve", "1", "--kind", "referral"); code != 0 {
		t.Fatalf("approve referral: %d %q", code, errs)
	}
	if code, _, errs := as(doc, "documents", "export", "1", "--kind", "referral", "--format", "fhir", "--out", dir); code != 0 {
		t.Fatalf("export fhir: %d %q", code, errs)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "encounter-1-referral-v1.json"))
	if err != nil {
		t.Fatal(err)
	}
	var bundle struct {
		Entry []struct {
			Resource struct {
				ResourceType string `json:"resourceType"`
				Type         struct {
					Coding []struct{ System, Code string } `json:"coding"`
				} `json:"type"`
				Content []struct {
					Attachment struct {
						ContentType string `json:"contentType"`
						Data        string `json:"data"`
					} `json:"attachment"`
				} `json:"content"`
			} `json:"resource"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(raw, &bundle); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range bundle.Entry {
		r := e.Resource
		if r.ResourceType != "DocumentReference" {
			continue
		}
		found = true
		if len(r.Type.Coding) != 1 || r.Type.Coding[0].Code != "57133-1" || r.Type.Coding[0].System != "http://loinc.org" {
			t.Errorf("type %+v", r.Type)
		}
		txt, _ := base64.StdEncoding.DecodeString(r.Content[0].Attachment.Data)
		if !strings.Contains(string(txt), "Cher confrère") || !strings.Contains(string(txt), "Amlodipine 5 mg") {
			t.Errorf("letter text %q", txt)
		}
	}
	if !found {
		t.Fatal("no DocumentReference in the Bundle")
	}

	// FHIR post: the token reaches the server. This receiver is a double (httptest)
	// checking only the CLI's wiring; the FHIR client and the document Bundle are
	// tested against a real FHIR server in export/fhir.
	var gotAuth, gotType string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotAuth = r.Header.Get("Authorization")
		body, _ := io.ReadAll(r.Body)
		var in struct {
			Entry []struct {
				Request struct{ URL string } `json:"request"`
			}
		}
		json.Unmarshal(body, &in)
		resp := `{"resourceType":"Bundle","type":"transaction-response","entry":[`
		for i, e := range in.Entry {
			if i > 0 {
				resp += ","
			}
			gotType += e.Request.URL + " "
			resp += `{"response":{"status":"201 Created"}}`
		}
		w.Write([]byte(resp + `]}`))
	}))
	defer srv.Close()
	t.Setenv("GREFFIER_FHIR_TOKEN", "from-env")
	code, out, errs = as(doc, "documents", "export", "1", "--kind", "referral", "--format", "fhir", "--post", srv.URL)
	if code != 0 || gotAuth != "Bearer from-env" || !strings.Contains(out, "7 resources created") || !strings.Contains(gotType, "DocumentReference") {
		t.Fatalf("fhir post: %d %q %q, auth %q, entries %q", code, out, errs, gotAuth, gotType)
	}
	for _, args := range [][]string{
		{"--format", "pdf", "--post", srv.URL},
		{"--format", "fhir", "--post", srv.URL, "--out", dir},
		{"--format", "fhir"},
		{"--format", "docx", "--out", dir},
	} {
		if code, _, errs := as(doc, append([]string{"documents", "export", "1", "--kind", "referral"}, args...)...); code != exitUsage {
			t.Errorf("%v: exit %d (%s), want 2", args, code, errs)
		}
	}

	// Exports and signatures are in the audit log.
	_, audit := encounterState(t, dbp, 1)
	var details []string
	for _, e := range audit {
		if e.Action == store.ActionExport || e.Action == store.ActionApprove {
			details = append(details, e.Action+" "+e.Detail)
		}
	}
	joined := strings.Join(details, "\n")
	for _, want := range []string{"export document=instructions version=3 format=pdf", "export document=referral version=1 format=fhir", "approve document=instructions version=3"} {
		if !strings.Contains(joined, want) {
			t.Errorf("audit lacks %q:\n%s", want, joined)
		}
	}
	code, out, _ = as(sec, "documents", "list", "1")
	if code != 0 || strings.Count(out, "instructions") != 3 || strings.Count(out, "signed by Dr Éloïse Durand") != 2 {
		t.Errorf("list: %d\n%s", code, out)
	}
	// An edit after signing needs a new signature before the next export.
	if code, _, _ := as(sec, "documents", "edit", "1", "--kind", "instructions", "--file", edited); code != 0 {
		t.Fatal("edit after signing refused")
	}
	if code, _, _ := as(doc, "documents", "export", "1", "--kind", "instructions", "--format", "fhir", "--out", dir); code != exitConflict {
		t.Fatalf("export of an unsigned edit: %d", code)
	}
}
