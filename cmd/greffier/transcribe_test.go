package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"greffier/transcribe/transcribetest"
)

func TestTranscribeJSONWithEmptyModel(t *testing.T) {
	model := transcribetest.EmptyModel(t, "tiny.en")
	code, out, errs := runCLI(t, "transcribe", "--json", "--threads", "2", "--model", model, transcribetest.JFKPath(t))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	// With no weights the text may be empty, but every line must be a segment object.
	for i, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if line == "" {
			continue
		}
		var seg map[string]any
		if err := json.Unmarshal([]byte(line), &seg); err != nil {
			t.Fatalf("line %d is not JSON: %q", i, line)
		}
		for _, k := range []string{"start_ms", "end_ms", "text", "no_speech_prob", "token_prob"} {
			if _, ok := seg[k]; !ok {
				t.Errorf("line %d lacks %q: %s", i, k, line)
			}
		}
	}
}

func TestTranscribeBadInputExits2NamingTheFile(t *testing.T) {
	model := transcribetest.EmptyModel(t, "tiny.en")
	jfk, err := os.ReadFile(transcribetest.JFKPath(t))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	files := map[string][]byte{
		"truncated-header.wav": jfk[:30],
		"truncated-data.wav":   jfk[:len(jfk)/2+1],
		"notes.txt":            []byte("Patient reports chest pain since Monday.\n"),
		"zero.wav":             nil,
	}
	for name, data := range files {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name)
			if err := os.WriteFile(path, data, 0o600); err != nil {
				t.Fatal(err)
			}
			code, _, errs := runCLI(t, "transcribe", "--model", model, path)
			if code != 2 {
				t.Fatalf("exit %d, want 2; stderr: %s", code, errs)
			}
			if !strings.Contains(errs, path) {
				t.Errorf("message does not name %s: %s", path, errs)
			}
		})
	}
}

func TestTranscribeUsageErrors(t *testing.T) {
	model := transcribetest.EmptyModel(t, "tiny.en")
	for _, c := range []struct {
		args []string
		exit int
	}{
		{[]string{"transcribe"}, exitUsage},
		{[]string{"transcribe", "a.wav"}, exitNotFound},
		{[]string{"transcribe", "--model", model, "--lang", "de", "a.wav"}, exitUsage},
		{[]string{"transcribe", "--model", model, "--bogus", "a.wav"}, exitUsage},
		{[]string{"transcribe", "--model", filepath.Join(t.TempDir(), "missing.bin"), transcribetest.JFKPath(t)}, exitNotFound},
	} {
		if code, _, errs := runCLI(t, c.args...); code != c.exit {
			t.Errorf("%v: exit %d, want %d (%s)", c.args, code, c.exit, errs)
		}
	}
}

func TestDoctorPassesInBuildRoot(t *testing.T) {
	t.Setenv("GREFFIER_DATA", t.TempDir())
	code, out, errs := runCLI(t, "doctor", "--json")
	var checks []check
	if err := json.Unmarshal([]byte(out), &checks); err != nil {
		t.Fatalf("doctor --json: %v\n%s", err, out)
	}
	byName := map[string]check{}
	for _, c := range checks {
		byName[c.Name] = c
	}
	if v := byName["libwhisper"].Detail; !strings.HasPrefix(v, "1.9") {
		t.Errorf("libwhisper %q, want 1.9.x", v)
	}
	if !byName["sqlite"].OK {
		t.Errorf("sqlite check failed: %+v", byName["sqlite"])
	}
	if d := byName["llm sizes"].Detail; !strings.Contains(d, "1B") {
		t.Errorf("llm sizes %q: want which model sizes fit", d)
	}
	if code != 0 {
		t.Errorf("doctor exit %d: %s\n%s", code, errs, out)
	}
}
