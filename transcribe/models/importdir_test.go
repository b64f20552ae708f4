package models

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"greffier/domain"
	"greffier/transcribe/emptymodel"
)

// A USB stick as a clinic's IT prepares it: upstream's file under its own name, a
// local model listed in SHA256SUMS, one damaged on the way, one the list names but
// the stick lacks, and a README.
func TestImportDir(t *testing.T) {
	body, m := testModel(t)
	stick := t.TempDir()
	write := func(name string, b []byte) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(stick, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("ggml-tiny.en.bin", body)
	local := filepath.Join(stick, "clinic-base.bin")
	if err := emptymodel.Write(local, "base"); err != nil {
		t.Fatal(err)
	}
	localBody, _ := os.ReadFile(local)
	damaged := append([]byte(nil), localBody...)
	damaged[len(damaged)-1] ^= 1
	write("ggml-damaged.bin", damaged)
	write("README.txt", []byte("models for the clinic laptops"))
	sum := func(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }
	write("SHA256SUMS", []byte(fmt.Sprintf("%s  clinic-base.bin\n%s *usb/ggml-damaged.bin\n%s  ggml-lost.bin\n",
		sum(localBody), sum(localBody), sum(localBody))))

	mgr := &Manager{Dir: filepath.Join(t.TempDir(), "models"), Models: []Model{m}}
	res, err := mgr.ImportDir(stick)
	if domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), "2 of 4") {
		t.Fatalf("ImportDir error = %v, want 2 of 4 models not imported", err)
	}
	got := map[string]DirImport{}
	for _, r := range res {
		got[filepath.Base(r.Src)] = r
	}
	if r := got["ggml-tiny.en.bin"]; r.Err != nil || r.Checked != "upstream" || r.Path != mgr.Path("tiny.en") {
		t.Errorf("upstream model: %+v", r)
	}
	if r := got["clinic-base.bin"]; r.Err != nil || r.Checked != "list" || r.Path != mgr.Path("clinic-base") {
		t.Errorf("listed model: %+v", r)
	}
	if r := got["ggml-damaged.bin"]; r.Path != "" || r.Err == nil || !strings.Contains(r.Err.Error(), "checksum list") {
		t.Errorf("damaged model: %+v", r)
	}
	if r := got["ggml-lost.bin"]; r.Err == nil || domain.ErrorCode(r.Err) != domain.ENotFound {
		t.Errorf("model missing from the stick: %+v", r)
	}
	if r := got["README.txt"]; r.Skipped == "" || r.Path != "" || r.Err != nil {
		t.Errorf("README: %+v", r)
	}
	if _, ok := got["SHA256SUMS"]; ok {
		t.Error("the checksum list was treated as a model")
	}
	inst, err := mgr.Installed()
	if err != nil || len(inst) != 2 || inst[0].Name != "clinic-base" || inst[1].Name != "tiny.en" {
		t.Fatalf("installed: %+v, %v", inst, err)
	}
	assertInstalled(t, mgr, body)
	if b, _ := os.ReadFile(mgr.Path("clinic-base")); sum(b) != sum(localBody) {
		t.Error("clinic-base was not copied byte for byte")
	}
	if _, err := os.Stat(mgr.Path("damaged")); !os.IsNotExist(err) {
		t.Errorf("the damaged model was installed: %v", err)
	}
	if left, _ := filepath.Glob(filepath.Join(mgr.Dir, ".import-*")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func TestImportDirNothingToImport(t *testing.T) {
	mgr := &Manager{Dir: filepath.Join(t.TempDir(), "models")}
	empty := t.TempDir()
	os.WriteFile(filepath.Join(empty, "notes.txt"), []byte("no models here, only a text file"), 0o644)
	if _, err := mgr.ImportDir(empty); domain.ErrorCode(err) != domain.ENotFound {
		t.Errorf("folder without models: %v, want ENotFound", err)
	}
	if _, err := mgr.ImportDir(filepath.Join(empty, "nope")); domain.ErrorCode(err) != domain.ENotFound {
		t.Errorf("missing folder: %v, want ENotFound", err)
	}
	bad := t.TempDir()
	os.WriteFile(filepath.Join(bad, "SHA1SUMS"), []byte("not a checksum line\n"), 0o644)
	if _, err := mgr.ImportDir(bad); domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("malformed checksum list: %v", err)
	}
}
