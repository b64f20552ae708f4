package llamaserver

import (
	"errors"
	"net"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"testing"
)

func TestChildEnv(t *testing.T) {
	env := []string{"PATH=/usr/bin", "HOME=/home/dr", "LANG=fr_FR.UTF-8", "AWS_SECRET_ACCESS_KEY=x",
		"http_proxy=http://p:1", "LLAMA_ARG_HOST=0.0.0.0", "LLAMA_API_KEY=inherited", "GREFFIER_LLM_API_KEY=k", "TMPDIR=/tmp/u"}
	got := childEnv(env, "fresh")
	want := []string{"PATH=/usr/bin", "HOME=/home/dr", "LANG=fr_FR.UTF-8", "TMPDIR=/tmp/u", "LLAMA_API_KEY=fresh"}
	if !slices.Equal(got, want) {
		t.Errorf("childEnv = %q, want %q", got, want)
	}
}

// ownsPort finds a listening socket among a process's descriptors: this test
// process's own listener, and not a port nobody (or another process) listens on.
func TestOwnsPort(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("socket owners are read from /proc (Linux)")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	if err := ownsPort(os.Getpid(), port); err != nil {
		t.Errorf("own listener: %v", err)
	}
	// Another process (a sleeping child) does not hold our port.
	cmd := exec.Command("sleep", "5")
	if err := cmd.Start(); err != nil {
		t.Skipf("no sleep: %v", err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	if err := ownsPort(cmd.Process.Pid, port); !errors.Is(err, ErrNotOurs) {
		t.Errorf("another process's claim: %v, want ErrNotOurs", err)
	}
	free, _ := freePort()
	if err := ownsPort(os.Getpid(), free); !errors.Is(err, ErrNotOurs) {
		t.Errorf("a port nobody listens on: %v, want ErrNotOurs", err)
	}
}
