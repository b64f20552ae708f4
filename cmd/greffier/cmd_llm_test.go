package main

import (
	"path/filepath"
	"strings"
	"testing"

	"greffier/llm/gguf"
)

func TestLLMModelsCLI(t *testing.T) {
	dir := t.TempDir()
	mdir := filepath.Join(dir, "llm")
	src := filepath.Join(dir, "clinic.gguf")
	if err := gguf.WriteFile(src, gguf.Tiny()); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCLI(t, "llm", "models", "import", src, "--dir", mdir)
	if code != 0 || !strings.Contains(out, "imported clinic: llama") || !strings.Contains(out, "context 12288") {
		t.Fatalf("import: exit %d\n%s%s", code, out, errs)
	}
	code, out, _ = runCLI(t, "llm", "models", "list", "--dir", mdir)
	if code != 0 || !strings.Contains(out, "clinic: llama") || !strings.Contains(out, "F32") {
		t.Fatalf("list: exit %d\n%s", code, out)
	}
	if code, out, _ = runCLI(t, "llm", "models", "verify", "clinic", "--dir", mdir); code != 0 || !strings.Contains(out, "OK") {
		t.Fatalf("verify: exit %d\n%s", code, out)
	}
	if code, out, _ = runCLI(t, "llm", "models", "suggest"); code != 0 || !strings.Contains(out, "this machine:") {
		t.Fatalf("suggest: exit %d\n%s", code, out)
	}
	if code, _, errs = runCLI(t, "llm", "models", "import", filepath.Join(dir, "none.gguf"), "--dir", mdir); code != 2 {
		t.Errorf("import of a missing file: exit %d %s", code, errs)
	}
	if code, out, _ = runCLI(t, "llm", "models", "rm", "clinic", "--dir", mdir); code != 0 || !strings.Contains(out, "removed") {
		t.Fatalf("rm: exit %d\n%s", code, out)
	}
	if code, _, _ = runCLI(t, "llm", "models", "rm", "clinic", "--dir", mdir); code == 0 {
		t.Error("removing a removed model succeeded")
	}
}
