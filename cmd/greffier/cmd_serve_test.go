package main

import (
	"path/filepath"
	"strings"
	"testing"

	"greffier/server"
)

func TestServeInitMakesACertificateAndPrintsItsFingerprint(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "srv")
	code, out, errOut := runCLI(t, "serve", "init", "--dir", dir, "--host", "greffier.clinic.lan,192.168.1.10")
	if code != 0 {
		t.Fatalf("serve init: %d %s", code, errOut)
	}
	_, fp, err := server.LoadTLS(dir, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, fp) {
		t.Errorf("serve init printed %q, not the certificate's fingerprint %s", out, fp)
	}
	if code, _, _ := runCLI(t, "serve", "init", "--dir", dir); code != exitConflict {
		t.Errorf("a second init over the certificate: exit %d, want %d (an existing certificate is kept)", code, exitConflict)
	}
	if code, _, errOut := runCLI(t, "serve", "--dir", dir, "--http", "--listen", "0.0.0.0:0"); code != 2 || !strings.Contains(errOut, "loopback") {
		t.Errorf("plain HTTP off loopback: exit %d %s", code, errOut)
	}
}
