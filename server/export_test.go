package server_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"slices"
	"testing"

	"greffier/store"
)

type servedExport struct {
	Format      string `json:"format"`
	File        string `json:"file"`
	ContentType string `json:"content_type"`
	Data        string `json:"data"`
	Text        string `json:"text"`
}

// signNote has the secretary mark encounter id ready and the physician sign it.
func signNote(t *testing.T, c *clinic, sec, doc *browser, id int64) {
	t.Helper()
	var d draftView
	st, code := sec.do("POST", fmt.Sprintf("/api/encounters/%d/ready", id), nil, &d)
	mustStatus(t, "mark ready", st, code, http.StatusOK)
	st, code = doc.do("POST", fmt.Sprintf("/api/encounters/%d/approve", id), map[string]any{"version": d.Version, "password": docPW}, nil)
	mustStatus(t, "sign", st, code, http.StatusOK)
}

func TestSecretaryDownloadsTheSignedNote(t *testing.T) {
	c := startClinic(t, 1)
	id := c.enc[0]
	sec, doc := c.browser(t), c.browser(t)
	sec.mustLogin("Camille", secPW)
	doc.mustLogin("Dr House", docPW)
	path := fmt.Sprintf("/api/encounters/%d/export", id)

	var formats []string
	st, code := sec.do("GET", "/api/export/formats", nil, &formats)
	mustStatus(t, "formats", st, code, http.StatusOK)
	if !slices.Equal(formats, []string{"pdf", "txt", "fhir", "hl7"}) {
		t.Errorf("formats with no policy set: %v", formats)
	}
	st, code = sec.do("POST", path, map[string]string{"format": "pdf"}, nil)
	mustStatus(t, "export before signature", st, code, http.StatusConflict)

	signNote(t, c, sec, doc, id)
	var pdf servedExport
	st, code = sec.do("POST", path, map[string]string{"format": "pdf"}, &pdf)
	mustStatus(t, "export the signed note as PDF", st, code, http.StatusOK)
	raw, err := base64.StdEncoding.DecodeString(pdf.Data)
	if err != nil || !bytes.HasPrefix(raw, []byte("%PDF-")) {
		t.Fatalf("PDF export: %v, starts %q", err, raw[:min(len(raw), 8)])
	}
	if pdf.File != fmt.Sprintf("encounter-%d.pdf", id) || pdf.ContentType != "application/pdf" {
		t.Errorf("PDF export named %q as %q", pdf.File, pdf.ContentType)
	}
	var fhir servedExport
	st, code = sec.do("POST", path, map[string]string{"format": "fhir"}, &fhir)
	mustStatus(t, "export as FHIR", st, code, http.StatusOK)
	if !bytes.Contains([]byte(fhir.Text), []byte(`"resourceType": "Bundle"`)) && !bytes.Contains([]byte(fhir.Text), []byte(`"resourceType":"Bundle"`)) {
		t.Errorf("FHIR export is not a Bundle: %.200s", fhir.Text)
	}
	var list []struct{ ID int64 }
	sec.do("GET", "/api/encounters?state=exported", nil, &list)
	if len(list) != 1 || list[0].ID != id {
		t.Errorf("exported list after the download: %+v", list)
	}
	st, code = sec.do("POST", path, map[string]string{"format": "docx"}, nil)
	mustStatus(t, "unknown format", st, code, http.StatusBadRequest)
	// Without the CSRF token (a page of another site cannot read the answer, but the
	// export would be recorded): refused.
	sec.csrf = ""
	st, code = sec.do("POST", path, map[string]string{"format": "pdf"}, nil)
	mustStatus(t, "export without the CSRF token", st, code, http.StatusForbidden)
}

func TestClinicPolicyLimitsDownloads(t *testing.T) {
	c := startClinicWith(t, 1, nil, func(dir string, opt store.Options) {
		db, admin := asAdmin(t, dir, opt)
		if err := db.SetSetting(context.Background(), store.SettingServerExport, "pdf", admin.User().ID); err != nil {
			t.Fatal(err)
		}
		db.Close() // before the server opens it
	})
	id := c.enc[0]
	sec, doc := c.browser(t), c.browser(t)
	sec.mustLogin("Camille", secPW)
	doc.mustLogin("Dr House", docPW)
	signNote(t, c, sec, doc, id)
	var formats []string
	sec.do("GET", "/api/export/formats", nil, &formats)
	if !slices.Equal(formats, []string{"pdf"}) {
		t.Errorf("formats with the policy pdf: %v", formats)
	}
	path := fmt.Sprintf("/api/encounters/%d/export", id)
	st, code := sec.do("POST", path, map[string]string{"format": "fhir"}, nil)
	mustStatus(t, "FHIR when the policy allows only PDF", st, code, http.StatusForbidden)
	st, code = sec.do("POST", path, map[string]string{"format": "pdf"}, nil)
	mustStatus(t, "PDF", st, code, http.StatusOK)
}
