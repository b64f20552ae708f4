// Package llmtest starts a real llama-server on a tiny random-weight model for tests
// and benchmarks. The model is written by llm/gguf; nothing is downloaded.
package llmtest

import (
	"context"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"greffier/llm"
	"greffier/llm/gguf"
	"greffier/llm/llamaserver"
)

// Model writes the tiny random model into a temporary folder and returns its path.
func Model(tb testing.TB) string {
	tb.Helper()
	p := filepath.Join(tb.TempDir(), "tiny-random.gguf")
	if err := gguf.WriteFile(p, gguf.Tiny()); err != nil {
		tb.Fatal(err)
	}
	return p
}

// RequireServer skips the test when llama-server is not installed.
func RequireServer(tb testing.TB) {
	tb.Helper()
	if _, err := exec.LookPath("llama-server"); err != nil {
		tb.Skip("llama-server is not on PATH (Debian package llama.cpp-tools; run the tests in the build root: scripts/inroot go test ./notes/...)")
	}
}

// Start runs llama-server on the tiny model and stops it when the test ends. One
// thread: on a loaded 2-core machine more threads spin against each other and the
// tiny model gets 100 times slower.
func Start(tb testing.TB, cfg llamaserver.Config) *llamaserver.Server {
	tb.Helper()
	RequireServer(tb)
	if cfg.Model == "" {
		cfg.Model = Model(tb)
	}
	if cfg.Threads == 0 {
		cfg.Threads = 1
	}
	if cfg.StartTimeout == 0 {
		cfg.StartTimeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), cfg.StartTimeout)
	defer cancel()
	srv, err := llamaserver.Start(ctx, cfg)
	if err != nil {
		tb.Fatalf("start llama-server: %v", err)
	}
	tb.Cleanup(func() { _ = srv.Stop() })
	return srv
}

// Client returns a client for srv with a bounded timeout, its API key and its
// owner check.
func Client(srv *llamaserver.Server) *llm.Client {
	return &llm.Client{BaseURL: srv.URL(), APIKey: srv.APIKey(), Guard: srv.CheckOwner, Timeout: 60 * time.Second}
}
