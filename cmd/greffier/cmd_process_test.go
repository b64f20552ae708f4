package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"greffier/transcribe/transcribetest"
)

// process runs the real chain: the audio decoder, whisper (an empty model: no words,
// real compute), the extractive drafter and the encrypted SQLite store.
func TestProcessStoresADraftForReview(t *testing.T) {
	data := t.TempDir()
	t.Setenv("GREFFIER_DATA", data)
	model := transcribetest.EmptyModel(t, "tiny.en")
	jfk := transcribetest.JFKPath(t)
	root := secretFile(t, "root password 1")
	if code, _, errs := runCLI(t, "users", "add", "Root", "--role", "admin", "--password-file", root); code != 0 {
		t.Fatalf("first user: %d %s", code, errs)
	}
	as := []string{"--as", "Root", "--auth-file", root}
	code, out, errs := runCLI(t, append([]string{"process", "--model", model, "--threads", "2", "--patient", "Zéphyrine Quintal", jfk}, as...)...)
	if code != 0 {
		t.Fatalf("process exit %d: %s", code, errs)
	}
	id, err := strconv.Atoi(strings.TrimSpace(out))
	if err != nil || id <= 0 {
		t.Fatalf("process printed %q, want an encounter id", out)
	}
	code, show, errs := runCLI(t, append([]string{"encounters", "show", strconv.Itoa(id)}, as...)...)
	if code != 0 {
		t.Fatalf("encounters show: exit %d: %s", code, errs)
	}
	if !strings.Contains(show, "drafted") {
		t.Errorf("encounter %d is not in state drafted:\n%s", id, show)
	}
	// The recording is kept, encrypted: no RIFF header, not the original bytes.
	recs, _ := filepath.Glob(filepath.Join(data, "recordings", "*.enc"))
	if len(recs) != 1 {
		t.Fatalf("recordings kept: %v", recs)
	}
	kept, _ := os.ReadFile(recs[0])
	orig, _ := os.ReadFile(jfk)
	if bytes.Contains(kept, []byte("RIFF")) || bytes.Contains(kept, orig[1000:1100]) {
		t.Error("the kept recording is not encrypted")
	}
	// The patient's name is not on disk in clear.
	db, _ := os.ReadFile(filepath.Join(data, "greffier.db"))
	if bytes.Contains(db, []byte("Quintal")) {
		t.Error("the patient's name is stored in clear")
	}
}

func TestProcessBadFileStoresNothing(t *testing.T) {
	data := t.TempDir()
	t.Setenv("GREFFIER_DATA", data)
	bad := filepath.Join(t.TempDir(), "consult.wav")
	os.WriteFile(bad, []byte("RIFF\x10\x00\x00\x00WAVEjunk"), 0o600)
	code, _, errs := runCLI(t, "process", "--model", transcribetest.EmptyModel(t, "tiny.en"), bad)
	if code != 2 || !strings.Contains(errs, bad) {
		t.Fatalf("exit %d, want 2 naming %s: %s", code, bad, errs)
	}
	if _, err := os.Stat(filepath.Join(data, "greffier.db")); err == nil {
		t.Error("a database was created for a file that could not be read")
	}
}

func TestProcessWithoutModelSaysHowToGetOne(t *testing.T) {
	t.Setenv("GREFFIER_DATA", t.TempDir())
	code, _, errs := runCLI(t, "process", transcribetest.JFKPath(t))
	if code != exitUnavailable || !strings.Contains(errs, "models import") {
		t.Fatalf("exit %d: %s", code, errs)
	}
}
