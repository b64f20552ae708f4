package server_test

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"greffier/domain"
)

// TestE2EClinicServerInChromium runs frontend/e2e/server.mjs in Debian's chromium
// (playwright-core) against the real server over HTTPS with the built frontend and a
// real SQLite database: a secretary in French edits and marks ready, a physician in
// English signs with the password. Then the API confirms what the browser did.
func TestE2EClinicServerInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end browser test skipped in -short mode")
	}
	chromium := "/usr/bin/chromium"
	for _, need := range []string{chromium, "node"} {
		if _, err := exec.LookPath(need); err != nil {
			t.Skipf("%s not found: run inside the build root (scripts/inroot go test ./server)", need)
		}
	}
	dist, _ := filepath.Abs("../frontend/dist")
	if _, err := os.Stat(filepath.Join(dist, "index.html")); err != nil {
		t.Skip("frontend/dist/index.html missing: run make frontend")
	}
	if _, err := os.Stat("../frontend/node_modules/playwright-core"); err != nil {
		t.Skip("frontend/node_modules missing: run make frontend (npm ci)")
	}
	c := startClinicWith(t, 3, os.DirFS(dist))
	cert, err := x509.ParseCertificate(c.cert)
	if err != nil {
		t.Fatal(err)
	}
	spki := sha256.Sum256(cert.RawSubjectPublicKeyInfo)
	// The newest encounter is first in the queue; the flow works on the oldest.
	id := c.enc[0]
	label := "PAT-00001"

	artifacts, _ := filepath.Abs("../build/artifacts")
	_ = os.MkdirAll(artifacts, 0o755)
	stale, _ := filepath.Glob(filepath.Join(artifacts, "server-*.png"))
	for _, f := range stale {
		os.Remove(f)
	}
	cmd := exec.CommandContext(t.Context(), "node", "e2e/server.mjs")
	cmd.Dir = "../frontend"
	cmd.Env = append(os.Environ(),
		"GREFFIER_URL="+strings.Replace(c.url, "127.0.0.1", "localhost", 1),
		"SPKI="+base64.StdEncoding.EncodeToString(spki[:]),
		"LABEL="+label,
		"SEC_USER=Camille", "SEC_PW="+secPW,
		"DOC_USER=Dr House", "DOC_PW="+docPW,
		"CHROMIUM="+chromium,
		"ARTIFACTS="+artifacts,
		"HOME="+t.TempDir(),
	)
	out, err := cmd.CombinedOutput()
	t.Logf("server.mjs:\n%s", out)
	if err != nil || !strings.Contains(string(out), "e2e server: passed") {
		t.Fatalf("e2e flow failed: %v", err)
	}

	b := c.browser(t)
	b.mustLogin("Dr House", docPW)
	var d draftView
	b.do("GET", fmt.Sprintf("/api/encounters/%d/draft", id), nil, &d)
	if d.State != domain.StateExported || d.Version != 2 {
		t.Errorf("after the browsers: state %s version %d, want version 2 approved then exported (the PDF download)", d.State, d.Version)
	}
	var others []struct{ ID int64 }
	st, _ := b.do("GET", "/api/encounters?state=drafted", nil, &others)
	if st != http.StatusOK || len(others) != 2 {
		t.Errorf("the other encounters should still be drafted: %d %+v", st, others)
	}
}
