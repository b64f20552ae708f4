package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"greffier/llm/gguf"
	"greffier/notes/schema"
)

const llmDialogue = `[doctor] Good morning, what brings you in today?
[patient] I have had a cough and a fever for three days.
[doctor] Your temperature is 38.5 and your lungs are clear.
[patient] I am allergic to penicillin.
[doctor] It is a viral infection. Take acetaminophen 500 mg every six hours and come back in a week if it is not better.
`

// processesWith lists the pids whose command line mentions s.
func processesWith(t *testing.T, s string) []string {
	t.Helper()
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	var pids []string
	for _, d := range dirs {
		cmd, err := os.ReadFile(filepath.Join(d, "cmdline"))
		if err == nil && strings.Contains(string(cmd), s) {
			pids = append(pids, filepath.Base(d))
		}
	}
	return pids
}

// greffier draft --llama-model runs the real llama-server on a tiny random-weight
// model, prints a schema-valid note and stops the server.
func TestDraftWithLlamaModel(t *testing.T) {
	if _, err := exec.LookPath("llama-server"); err != nil {
		t.Skip("llama-server is not on PATH (Debian llama.cpp-tools): run in the build root")
	}
	dir := t.TempDir()
	t.Setenv("GREFFIER_DATA", filepath.Join(dir, "data"))
	t.Setenv("GREFFIER_LLAMA_THREADS", "1")
	model := filepath.Join(dir, "tiny-random.gguf")
	if err := gguf.WriteFile(model, gguf.Tiny()); err != nil {
		t.Fatal(err)
	}
	tr := filepath.Join(dir, "visit.txt")
	if err := os.WriteFile(tr, []byte(llmDialogue), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "draft", "--transcript", tr, "--llama-model", model, "--lang", "en")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	note, err := schema.Parse([]byte(out))
	if err != nil {
		t.Fatalf("not a schema-valid note: %v\n%.1500s", err, out)
	}
	if note.Drafter.Kind != schema.DrafterLLM || note.Drafter.Model != "tiny-random.gguf" || len(note.Sections) != 4 {
		t.Errorf("drafter %+v, %d sections", note.Drafter, len(note.Sections))
	}
	if pids := processesWith(t, model); len(pids) > 0 {
		t.Errorf("llama-server still running after the command: pids %v", pids)
	}
	if strings.Contains(errOut, "notice") {
		t.Errorf("a local model printed a notice: %s", errOut)
	}
	// The server's log is kept, and holds no patient text.
	logData, err := os.ReadFile(filepath.Join(dir, "data", "logs", "llama-server.log"))
	if err != nil || !strings.Contains(string(logData), "model loaded") {
		t.Errorf("server log: %v, %d bytes", err, len(logData))
	}
	for _, w := range []string{"cough", "penicillin", "acetaminophen"} {
		if strings.Contains(string(logData), w) {
			t.Errorf("patient text %q in the server log", w)
		}
	}
}

func TestDraftLLMFlags(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("GREFFIER_DATA", filepath.Join(dir, "data"))
	tr := filepath.Join(dir, "visit.txt")
	if err := os.WriteFile(tr, []byte(llmDialogue), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stderr []string
	}{
		// 0.0.0.0 is not loopback for the check, but nothing listens there here: the
		// user is told the transcript leaves the machine, then that the server is down.
		{"remote endpoint is announced", []string{"--llm", "https://0.0.0.0:1"}, exitUnavailable,
			[]string{"notice: sending the transcript to https://0.0.0.0:1", "connection refused"}},
		// Patient text leaves the machine only over TLS: plain http off loopback is refused
		// before anything is sent.
		{"plain http off loopback refused", []string{"--llm", "http://0.0.0.0:1"}, 2, []string{"https"}},
		{"local endpoint down", []string{"--llm", "http://127.0.0.1:1"}, exitUnavailable, []string{"connection refused", "previous draft is kept"}},
		{"not a URL", []string{"--llm", "ftp://x"}, 2, []string{"want an http(s) URL"}},
		{"missing model", []string{"--llama-model", filepath.Join(dir, "none.gguf")}, exitNotFound, []string{"none.gguf"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, append([]string{"draft", "--transcript", tr, "--lang", "en"}, tc.args...)...)
			if code != tc.code || out != "" {
				t.Errorf("exit %d (want %d), stdout %q, stderr %s", code, tc.code, out, errOut)
			}
			for _, s := range tc.stderr {
				if !strings.Contains(errOut, s) {
					t.Errorf("stderr %q lacks %q", errOut, s)
				}
			}
			if strings.Contains(errOut, "cough") {
				t.Error("patient text in the error output")
			}
		})
	}
}
