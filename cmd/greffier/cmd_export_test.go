package main

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"greffier/domain"
	"greffier/export/hl7"
	"greffier/notes/schema"
	"greffier/store"
)

// exportFixture makes a real store with a French note for encounter 1: drafted,
// codes suggested and one accepted, not yet approved.
func exportFixture(t *testing.T) (dbp string, encID int64) {
	t.Helper()
	ctx := context.Background()
	dbp = filepath.Join(t.TempDir(), "greffier.db")
	db, err := store.Open(ctx, dbp)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	doc, err := db.CreateUser(ctx, "Dr Éloïse Durand", domain.UserPhysician)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateUser(ctx, "Léa", domain.UserSecretary); err != nil {
		t.Fatal(err)
	}
	p, err := db.CreatePatient(ctx, store.Patient{LocalID: "P-7", MRN: "MRN-00421", Name: "Hélène Lefèvre", BirthDate: "1958-03-14"})
	if err != nil {
		t.Fatal(err)
	}
	e, err := db.CreateEncounter(ctx, store.NewEncounter{PatientID: p.ID, Language: "fr", Template: "soap",
		StartedAt: time.Date(2026, 11, 20, 9, 15, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	note := schema.Note{SchemaVersion: schema.Version, Template: "soap", Language: "fr",
		Drafter: schema.DrafterInfo{Kind: schema.DrafterLLM},
		Sections: []schema.Section{
			{Key: "subjective", Title: "Subjectif", Sentences: []schema.Sentence{{Text: "Toux fébrile depuis 3 jours.", Evidence: schema.Evidence{1}}}},
			{Key: "assessment", Title: "Évaluation", Sentences: []schema.Sentence{{Text: "Pneumopathie probable | à confirmer.", Evidence: schema.Evidence{1}}}},
		}}
	body, err := json.Marshal(note)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.SaveDraftVersion(ctx, store.DraftInput{EncounterID: e.ID, By: store.System, Body: body}); err != nil {
		t.Fatal(err)
	}
	if err := db.SuggestCodes(ctx, e.ID, store.System, []store.CodeSuggestion{
		{Code: "J18.9", Display: "Pneumonia, unspecified organism"}, {Code: "R50.9", Display: "Fever, unspecified"}}); err != nil {
		t.Fatal(err)
	}
	if err := db.SetCodeStatus(ctx, e.ID, "", "J18.9", store.CodeAccepted, doc.ID); err != nil {
		t.Fatal(err)
	}
	if err := db.SetCodeStatus(ctx, e.ID, "", "R50.9", store.CodeRejected, doc.ID); err != nil {
		t.Fatal(err)
	}
	return dbp, e.ID
}

func encounterState(t *testing.T, dbp string, id int64) (domain.EncounterState, []store.AuditEntry) {
	t.Helper()
	ctx := context.Background()
	l, err := store.OpenLocked(ctx, dbp, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	db, _, err := l.Login(ctx, "Root", "root password 1") // the admin of protectDB
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	e, err := db.GetEncounter(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	audit, err := db.Audit(ctx, store.AuditFilter{EncounterID: id})
	if err != nil {
		t.Fatal(err)
	}
	return e.State, audit
}

// mllpListener is a real MLLP receiver on loopback that answers code to every message.
func mllpListener(t *testing.T, code, text string) string {
	t.Helper()
	return mllpListenerOn(t, "127.0.0.1:0", code, text)
}

func mllpListenerOn(t *testing.T, addr, code, text string) string {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			conn.SetDeadline(time.Now().Add(10 * time.Second))
			if msg, err := hl7.ReadFrame(bufio.NewReader(conn)); err == nil {
				if ack, err := hl7.Reply(msg, code, text, time.Now()); err == nil {
					conn.Write(hl7.Frame(ack))
				}
			}
			conn.Close()
		}
	}()
	t.Cleanup(func() { ln.Close(); <-done })
	return ln.Addr().String()
}

func TestExportCLI(t *testing.T) {
	dbp, id := exportFixture(t)
	sid := "1"
	if id != 1 {
		t.Fatalf("fixture encounter %d", id)
	}
	auth := protectDB(t, dbp, "Dr Éloïse Durand", "Léa")
	runAs := func(args ...string) (int, string, string) {
		t.Helper()
		return runCLI(t, append(args, "--as", "Dr Éloïse Durand", "--auth-file", auth["Dr Éloïse Durand"])...)
	}

	// Not approved: refused with exit 5 (conflict), whatever the format.
	for _, f := range []string{"txt", "pdf", "fhir", "hl7"} {
		code, out, errs := runAs("export", sid, "--format", f, "--db", dbp)
		if code != exitConflict || !strings.Contains(errs, "approved") || out != "" {
			t.Fatalf("export %s before approval: exit %d, out %q, err %q; want 5, nothing out", f, code, out, errs)
		}
	}
	if code, _, errs := runAs("approve", sid, "--db", dbp); code != 0 {
		t.Fatalf("approve: %d %s", code, errs)
	}

	// A receiver that refuses: exit 2 with its reason; the note is not marked exported.
	refusing := mllpListener(t, "AE", "unknown patient")
	code, _, errs := runAs("export", sid, "--format", "hl7", "--post", refusing, "--db", dbp)
	if code != 2 || !strings.Contains(errs, "unknown patient") {
		t.Fatalf("hl7 to a refusing receiver: exit %d %q", code, errs)
	}
	if st, _ := encounterState(t, dbp, id); st != domain.StateApproved {
		t.Fatalf("state after a refused export: %s, want approved", st)
	}

	// Text to stdout: only the accepted code, the note's text, the patient.
	code, out, errs := runAs("export", sid, "--format", "txt", "--db", dbp)
	if code != 0 {
		t.Fatalf("txt: %d %s", code, errs)
	}
	for _, want := range []string{"Hélène Lefèvre", "Pneumopathie probable | à confirmer.", "J18.9 Pneumonia", "Dr Éloïse Durand"} {
		if !strings.Contains(out, want) {
			t.Errorf("txt export lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "R50.9") {
		t.Error("txt export shows a rejected code")
	}
	st, audit := encounterState(t, dbp, id)
	if st != domain.StateExported || audit[len(audit)-1].Action != store.ActionExport || audit[len(audit)-1].Detail != "format=txt" {
		t.Fatalf("after export: state %s, last audit %+v", st, audit[len(audit)-1])
	}

	// HL7 over MLLP, accepted.
	code, out, errs = runAs("export", sid, "--format", "hl7", "--post", "mllp://"+mllpListener(t, "AA", ""), "--db", dbp)
	if code != 0 || !strings.Contains(out, "acknowledged AA") {
		t.Fatalf("hl7 post: %d %q %q", code, out, errs)
	}

	// PDF and FHIR to files.
	dir := t.TempDir()
	pdfPath := filepath.Join(dir, "note.pdf")
	if code, _, errs := runAs("export", sid, "--format", "pdf", "--out", pdfPath, "--db", dbp); code != 0 {
		t.Fatalf("pdf: %d %s", code, errs)
	}
	raw, _ := os.ReadFile(pdfPath)
	if !strings.HasPrefix(string(raw), "%PDF-") {
		t.Fatal("pdf export is not a PDF")
	}
	if pt, err := exec.LookPath("pdftotext"); err == nil {
		txt, err := exec.Command(pt, pdfPath, "-").Output()
		if err != nil || !strings.Contains(string(txt), "Hélène Lefèvre") {
			t.Errorf("pdftotext: %v %q", err, txt)
		}
	}
	fhirPath := filepath.Join(dir, "bundle.json")
	if code, _, errs := runAs("export", sid, "--format", "fhir", "--out", fhirPath, "--db", dbp); code != 0 {
		t.Fatalf("fhir: %d %s", code, errs)
	}
	var bundle struct {
		Type  string `json:"type"`
		Entry []struct {
			Request struct{ URL string } `json:"request"`
		} `json:"entry"`
	}
	raw, _ = os.ReadFile(fhirPath)
	if err := json.Unmarshal(raw, &bundle); err != nil || bundle.Type != "transaction" || len(bundle.Entry) != 10 {
		t.Fatalf("fhir bundle: %v, type %q, %d entries (want 10: one Condition, the approval)", err, bundle.Type, len(bundle.Entry))
	}
	checkSignature(t, dbp, raw, pdfPath)
	if code, out, errs := runAs("verify-signature", fhirPath, "--db", dbp); code != 0 || !strings.Contains(out, "seal verified") ||
		!strings.Contains(out, "password given at signing") || !strings.Contains(out, "it is the approved version") {
		t.Fatalf("verify-signature: %d %q %q", code, out, errs)
	}
	forged := filepath.Join(dir, "forged.jws")
	parts := strings.Split(sealOf(t, raw), ".")
	parts[1] = base64.RawURLEncoding.EncodeToString([]byte(`{"signer":"Eve"}`)) // the header and MAC kept
	os.WriteFile(forged, []byte(strings.Join(parts, ".")), 0o600)
	if code, _, errs := runAs("verify-signature", forged, "--db", dbp); code != exitUsage {
		t.Fatalf("verify-signature of a forged seal: %d %q, want 2", code, errs)
	}

	// FHIR post: the token reaches the server. This receiver is a double (httptest)
	// checking only the CLI's wiring; the FHIR client is tested against a real FHIR
	// server in export/fhir.
	var gotAuth string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotAuth = r.Header.Get("Authorization")
		body, _ := io.ReadAll(r.Body)
		var in struct{ Entry []any }
		json.Unmarshal(body, &in)
		resp := `{"resourceType":"Bundle","type":"transaction-response","entry":[`
		for i := range in.Entry {
			if i > 0 {
				resp += ","
			}
			resp += `{"response":{"status":"201 Created"}}`
		}
		w.Write([]byte(resp + `]}`))
	}))
	defer srv.Close()
	t.Setenv("GREFFIER_FHIR_TOKEN", "from-env")
	code, out, errs = runAs("export", sid, "--format", "fhir", "--post", srv.URL, "--db", dbp)
	if code != 0 || gotAuth != "Bearer from-env" || !strings.Contains(out, "10 resources created") {
		t.Fatalf("fhir post: %d %q %q, auth %q", code, out, errs, gotAuth)
	}

	// Usage errors.
	for _, args := range [][]string{
		{"export", sid, "--db", dbp},
		{"export", sid, "--format", "docx", "--db", dbp},
		{"export", sid, "--format", "pdf", "--post", srv.URL, "--db", dbp},
		{"export", sid, "--format", "txt", "--out", "x", "--post", "y", "--db", dbp},
		{"export", "abc", "--format", "txt", "--db", dbp},
	} {
		if code, _, errs := runAs(args...); code != exitUsage {
			t.Errorf("%v: exit %d (%s), want 2", args, code, errs)
		}
	}
	if code, _, errs := runAs("export", "99", "--format", "txt", "--db", dbp); code != exitNotFound {
		t.Errorf("export of a missing encounter: exit %d (%s), want 3", code, errs)
	}

	// A code decided after the export sends the note back to review: the seal still
	// verifies, but it no longer names the approved version (exit 5).
	ctx := context.Background()
	l, err := store.OpenLocked(ctx, dbp, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	db, sess, err := l.Login(ctx, "Dr Éloïse Durand", "password of user 0")
	if err != nil {
		t.Fatal(err)
	}
	err = db.SetCodeStatus(ctx, id, "", "R50.9", store.CodeAccepted, sess.User().ID)
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	if code, out, errs := runAs("verify-signature", fhirPath, "--db", dbp); code != exitConflict || !strings.Contains(out, "seal verified") {
		t.Fatalf("verify-signature after the note changed: %d %q %q, want 5", code, out, errs)
	}
}

// checkSignature: the bundle's approval Provenance carries a seal that this
// database verifies (the physician's password was checked when signing), and the
// PDF prints the signed version's SHA-256.
func checkSignature(t *testing.T, dbp string, bundle []byte, pdfPath string) {
	t.Helper()
	var b struct {
		Entry []struct {
			Resource struct {
				ResourceType string `json:"resourceType"`
				Signature    []struct {
					SigFormat string `json:"sigFormat"`
					Data      []byte `json:"data"`
				} `json:"signature"`
			} `json:"resource"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(bundle, &b); err != nil {
		t.Fatal(err)
	}
	var seal []byte
	for _, e := range b.Entry {
		if e.Resource.ResourceType == "Provenance" && len(e.Resource.Signature) == 1 && e.Resource.Signature[0].SigFormat == "application/jose" {
			seal = e.Resource.Signature[0].Data
		}
	}
	if seal == nil {
		t.Fatal("no Provenance with a signature in the bundle")
	}
	ctx := context.Background()
	l, err := store.OpenLocked(ctx, dbp, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	db, _, err := l.Login(ctx, "Root", "root password 1")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c, err := db.VerifySeal(string(seal))
	if err != nil || !c.PasswordChecked || c.Signer != "Dr Éloïse Durand" || len(c.SHA256) != 64 {
		t.Fatalf("seal: %+v %v", c, err)
	}
	if pt, err := exec.LookPath("pdftotext"); err == nil {
		txt, err := exec.Command(pt, pdfPath, "-").Output()
		if err != nil || !strings.Contains(strings.Join(strings.Fields(string(txt)), ""), c.SHA256) {
			t.Errorf("the PDF does not print the signed version's SHA-256 %s: %v", c.SHA256, err)
		}
	}
}

// sealOf is the approval seal in an exported bundle.
func sealOf(t *testing.T, bundle []byte) string {
	t.Helper()
	s, err := sealIn(bundle)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
