package audio_test

import (
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// findJFK locates the whisper binding's speech sample in the module cache, once.
var findJFK = sync.OnceValue(func() string {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/ggerganov/whisper.cpp/bindings/go").Output()
	if err != nil || len(strings.TrimSpace(string(out))) == 0 {
		return ""
	}
	return filepath.Join(strings.TrimSpace(string(out)), "samples", "jfk.wav")
})

// jfkPath is the real speech sample shipped in the whisper binding's module.
func jfkPath(t testing.TB) string {
	t.Helper()
	p := findJFK()
	if p == "" {
		t.Skip("whisper binding module not found (go list -m github.com/ggerganov/whisper.cpp/bindings/go): no speech sample")
	}
	return p
}
