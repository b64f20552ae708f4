package fhir_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"greffier/domain"
	"greffier/export/fhir"
	"greffier/export/internal/sample"
)

// The must-show: posting to a real FHIR server (Medplum's engine, see startFHIRServer)
// creates everything once; exporting again creates nothing; a new approved version
// adds only a new composition, document and provenance.
func TestPostConditionalCreateNeverDuplicates(t *testing.T) {
	const token = "test-token-4f1c"
	base := startFHIRServer(t, token)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	client := fhir.Client{BaseURL: base, Token: token}

	doc := sample.French()
	b, _ := build(t, doc)
	first, err := client.Post(ctx, b)
	if err != nil {
		t.Fatalf("first export: %v", err)
	}
	if got := first.Created(); got != len(b.Entry) {
		t.Fatalf("first export created %d of %d entries: %+v", got, len(b.Entry), first.Entries)
	}

	// Re-export: rebuilt from scratch, as the CLI would.
	b2, _ := build(t, doc)
	second, err := client.Post(ctx, b2)
	if err != nil {
		t.Fatalf("re-export: %v", err)
	}
	if got := second.Created(); got != 0 {
		t.Fatalf("re-export created %d entries, want 0: %+v", got, second.Entries)
	}
	for i := range first.Entries {
		if first.Entries[i].Location != second.Entries[i].Location {
			t.Errorf("entry %d: re-export points at %s, first at %s", i, second.Entries[i].Location, first.Entries[i].Location)
		}
	}
	counts := map[string]int{"Patient": 1, "Practitioner": 1, "Organization": 1, "Device": 1, "Encounter": 1,
		"Condition": 2, "Composition": 1, "DocumentReference": 1, "Provenance": 2} // the export's and the approval's
	for typ, want := range counts {
		if got := len(search(t, base, token, typ)); got != want {
			t.Errorf("%d %s on the server after re-export, want %d", got, typ, want)
		}
	}
	// The server resolved the bundle's urn:uuid references to its own ids.
	conds := search(t, base, token, "Condition")
	patientID := strings.TrimPrefix(first.Entries[3].Location, "Patient/")
	if i := strings.Index(patientID, "/"); i >= 0 {
		patientID = patientID[:i]
	}
	if ref := conds[0]["subject"].(map[string]any)["reference"]; ref != "Patient/"+patientID {
		t.Errorf("condition subject %v, want Patient/%s", ref, patientID)
	}

	// Edited and approved again: version 4.
	doc.NoteVersion = 4
	b3, _ := build(t, doc)
	third, err := client.Post(ctx, b3)
	if err != nil {
		t.Fatalf("export of the new version: %v", err)
	}
	if got := third.Created(); got != 4 {
		t.Errorf("new version created %d entries, want 4 (composition, document, 2 provenance): %+v", got, third.Entries)
	}
	if got := len(search(t, base, token, "Composition")); got != 2 {
		t.Errorf("%d compositions, want 2", got)
	}
	if got := len(search(t, base, token, "Patient")); got != 1 {
		t.Errorf("%d patients, want 1", got)
	}

	// A wrong token is refused, and said so.
	_, err = fhir.Client{BaseURL: base, Token: "wrong"}.Post(ctx, b)
	if domain.ErrorCode(err) != domain.EForbidden {
		t.Errorf("wrong token: err = %v, want EForbidden", err)
	}
}

// Client error handling, against a local httptest server that answers each case
// exactly as described in it (a double: these are failure answers a real server gives
// rarely and on no request of ours).
func TestPostErrors(t *testing.T) {
	b, _ := build(t, sample.English())
	cases := []struct {
		name     string
		handler  http.HandlerFunc
		wantCode string
		wantText string
	}{
		{"refused bundle", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(`{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"invalid","diagnostics":"Composition.subject: required"}]}`))
		}, domain.EInvalid, "Composition.subject: required"},
		{"server failure", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusBadGateway)
		}, domain.EUnavailable, "HTTP 502"},
		{"not a bundle", func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(`<html>login</html>`))
		}, domain.EUnavailable, "without a Bundle"},
		{"entry refused", func(w http.ResponseWriter, r *http.Request) {
			var sb strings.Builder
			sb.WriteString(`{"resourceType":"Bundle","type":"transaction-response","entry":[`)
			for i := range b.Entry {
				if i > 0 {
					sb.WriteString(",")
				}
				status := "201 Created"
				if i == 4 {
					status = "412 Precondition Failed"
				}
				sb.WriteString(`{"response":{"status":"` + status + `"}}`)
			}
			sb.WriteString(`]}`)
			w.Write([]byte(sb.String()))
		}, domain.EInvalid, "entry 4 (Encounter): 412"},
		{"token sent", func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") != "Bearer s3cret" || r.Header.Get("Content-Type") != "application/fhir+json" {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			w.WriteHeader(http.StatusTeapot)
		}, domain.EInvalid, "HTTP 418"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(c.handler)
			defer srv.Close()
			_, err := fhir.Client{BaseURL: srv.URL, Token: "s3cret"}.Post(context.Background(), b)
			if domain.ErrorCode(err) != c.wantCode || !strings.Contains(err.Error(), c.wantText) {
				t.Fatalf("err = %v (%s), want %s containing %q", err, domain.ErrorCode(err), c.wantCode, c.wantText)
			}
		})
	}
}

func TestPostRefusesCleartextToOtherHosts(t *testing.T) {
	b, _ := build(t, sample.English())
	for _, base := range []string{"http://ehr.example.org/fhir", "ftp://127.0.0.1/", "not a url"} {
		_, err := fhir.Client{BaseURL: base, Token: "t"}.Post(context.Background(), b)
		if domain.ErrorCode(err) != domain.EInvalid {
			t.Errorf("%s: err = %v, want EInvalid", base, err)
		}
	}
}

// A redirect is never followed, whatever its kind and wherever it points, with the
// client given or the default one: the note and the token stay where configured.
func TestPostNeverFollowsRedirects(t *testing.T) {
	b, _ := build(t, sample.English())
	var reached atomic.Int32
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached.Add(1)
		w.WriteHeader(http.StatusOK)
	}))
	defer elsewhere.Close()
	for _, code := range []int{http.StatusMovedPermanently, http.StatusFound, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, elsewhere.URL+"/fhir", code)
		}))
		for name, hc := range map[string]*http.Client{"default client": nil, "given client": {}} {
			_, err := fhir.Client{BaseURL: srv.URL, Token: "s3cret", HTTP: hc}.Post(context.Background(), b)
			if domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), "redirect") {
				t.Errorf("%d, %s: err = %v, want EInvalid naming the redirect", code, name, err)
			}
		}
		srv.Close()
	}
	if n := reached.Load(); n != 0 {
		t.Fatalf("the redirect target was reached %d times", n)
	}
}
