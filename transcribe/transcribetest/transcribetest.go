// Package transcribetest gives tests real speech and empty whisper models without
// shipping either: the speech sample comes from the whisper binding's Go module, the
// models from emptymodel.
package transcribetest

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"greffier/transcribe/emptymodel"
)

// BindingModule is the Go module whose zip carries samples/jfk.wav.
const BindingModule = "github.com/ggerganov/whisper.cpp/bindings/go"

// JFKPath returns the path of samples/jfk.wav (11 s of real speech, 16 kHz mono) in the
// module cache, downloading the module through the Go proxy if needed.
func JFKPath(tb testing.TB) string {
	tb.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", BindingModule).Output()
	dir := strings.TrimSpace(string(out))
	if err != nil || dir == "" {
		// Not in the module cache yet: fetch it (the proxy is reachable here).
		if out, err := exec.Command("go", "mod", "download", BindingModule).CombinedOutput(); err != nil {
			tb.Fatalf("download %s: %v\n%s", BindingModule, err, out)
		}
		out, err = exec.Command("go", "list", "-m", "-f", "{{.Dir}}", BindingModule).Output()
		if err != nil {
			tb.Fatalf("locate %s: %v", BindingModule, err)
		}
		dir = strings.TrimSpace(string(out))
	}
	return filepath.Join(dir, "samples", "jfk.wav")
}

// EmptyModel writes an empty whisper model of the given kind ("tiny.en", "base", …)
// into a temporary folder and returns its path.
func EmptyModel(tb testing.TB, kind string) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "ggml-"+kind+"-empty.bin")
	if err := emptymodel.Write(path, kind); err != nil {
		tb.Fatal(err)
	}
	return path
}
