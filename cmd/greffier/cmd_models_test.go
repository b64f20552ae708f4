package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"greffier/transcribe/emptymodel"
)

func TestModelsCLI(t *testing.T) {
	dir := t.TempDir()
	mdir := filepath.Join(dir, "models")
	src := filepath.Join(dir, "clinic.bin")
	if err := emptymodel.Write(src, "tiny.en"); err != nil {
		t.Fatal(err)
	}

	code, out, errs := runCLI(t, "models", "list", "--dir", mdir)
	if code != 0 || !strings.Contains(out, "large-v3-turbo") || !strings.Contains(out, "suggested") {
		t.Fatalf("list: exit %d\n%s%s", code, out, errs)
	}
	code, out, errs = runCLI(t, "models", "import", src, "--dir", mdir)
	if code != 0 || !strings.Contains(out, "ggml-clinic.bin") {
		t.Fatalf("import: exit %d\n%s%s", code, out, errs)
	}
	code, out, _ = runCLI(t, "models", "verify", "--dir", mdir)
	if code != 0 || !strings.Contains(out, "clinic") || !strings.Contains(out, "OK") {
		t.Fatalf("verify: exit %d\n%s", code, out)
	}
	// An empty model is not upstream's tiny.en: importing it under that name fails.
	if code, _, errs = runCLI(t, "models", "import", src, "--name", "tiny.en", "--dir", mdir); code != 2 || !strings.Contains(errs, "checksum") {
		t.Fatalf("import as tiny.en: exit %d %s", code, errs)
	}
	os.WriteFile(filepath.Join(mdir, "ggml-broken.bin"), []byte("garbage"), 0o644)
	if code, out, _ = runCLI(t, "models", "verify", "--dir", mdir); code != 2 || !strings.Contains(out, "broken") || !strings.Contains(out, "BAD") {
		t.Fatalf("verify with a broken file: exit %d\n%s", code, out)
	}
	if code, out, _ = runCLI(t, "models", "rm", "broken", "clinic", "--dir", mdir); code != 0 {
		t.Fatalf("rm: exit %d %s", code, out)
	}
	if code, _, _ = runCLI(t, "models", "rm", "clinic", "--dir", mdir); code != exitNotFound {
		t.Fatalf("rm of a missing model: exit %d, want 3", code)
	}
	// A folder: every whisper model in it, the rest skipped.
	stick := filepath.Join(dir, "stick")
	os.MkdirAll(stick, 0o755)
	if err := emptymodel.Write(filepath.Join(stick, "ggml-ward.bin"), "base"); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(stick, "README"), []byte("for the clinic"), 0o644)
	code, out, errs = runCLI(t, "models", "import", stick, "--dir", mdir)
	if code != 0 || !strings.Contains(out, "imported") || !strings.Contains(out, "ggml-ward.bin") || !strings.Contains(out, "skipped") {
		t.Fatalf("import of a folder: exit %d\n%s%s", code, out, errs)
	}
	if _, err := os.Stat(filepath.Join(mdir, "ggml-ward.bin")); err != nil {
		t.Fatalf("folder import did not install the model: %v", err)
	}
	if code, _, _ = runCLI(t, "models", "import", stick, "--name", "x", "--dir", mdir); code != 2 {
		t.Fatalf("--name with a folder: exit %d, want 2", code)
	}
	if code, _, _ = runCLI(t, "models", "frobnicate", "--dir", mdir); code != 2 {
		t.Fatalf("unknown action: exit %d", code)
	}
}

// A local server hands out a file under upstream's name that is not upstream's
// file (an empty model): pull must reject it as corrupt and delete it.
func TestModelsPullRejectsWrongFile(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "srv", "ggml-tiny.en.bin")
	os.MkdirAll(filepath.Dir(src), 0o755)
	if err := emptymodel.Write(src, "tiny.en"); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(http.FileServer(http.Dir(filepath.Dir(src))))
	defer ts.Close()
	mdir := filepath.Join(dir, "models")
	code, _, errs := runCLI(t, "models", "pull", "tiny.en", "--dir", mdir, "--base-url", ts.URL)
	if code != 2 || !strings.Contains(errs, "corrupt") || !strings.Contains(errs, "MiB") {
		t.Fatalf("pull: exit %d\n%s", code, errs)
	}
	if ents, _ := os.ReadDir(mdir); len(ents) != 0 {
		t.Fatalf("files left after a rejected download: %v", ents)
	}
}
