package llamaserver_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"greffier/domain"
	"greffier/llm/gguf"
	"greffier/llm/llamaserver"
	"greffier/llm/llmtest"
	"greffier/llm/models"
)

func get(t *testing.T, url string) int {
	t.Helper()
	hc := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{Proxy: nil}}
	resp, err := hc.Get(url)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

func alive(pid int) bool { return syscall.Kill(pid, 0) == nil }

// waitGone waits until pid has been reaped (by the server's supervisor).
func waitGone(t *testing.T, pid int) {
	t.Helper()
	for i := 0; alive(pid); i++ {
		if i > 500 {
			t.Fatalf("process %d still there after SIGKILL", pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestStartRestartStop(t *testing.T) {
	var mu sync.Mutex
	var events []string
	logFile := filepath.Join(t.TempDir(), "server.log")
	srv := llmtest.Start(t, llamaserver.Config{LogFile: logFile, Notify: func(e llamaserver.Event) {
		mu.Lock()
		events = append(events, e.Kind)
		mu.Unlock()
	}})
	if !strings.HasPrefix(srv.URL(), "http://127.0.0.1:") {
		t.Errorf("URL %s is not on loopback", srv.URL())
	}
	if code := get(t, srv.URL()+"/health"); code != http.StatusOK {
		t.Fatalf("/health = %d after Start", code)
	}
	pid := srv.PID()

	// A crash: the supervisor starts a new process on the same URL.
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitGone(t, pid)
	// The supervisor notices the exit a moment after the process is reaped: until
	// it has started the new one, the old state still reads healthy.
	for i := 0; srv.PID() == pid; i++ {
		if i > 3000 {
			t.Fatal("the supervisor never started a new llama-server")
		}
		time.Sleep(10 * time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.WaitHealthy(ctx); err != nil {
		t.Fatalf("no restart: %v", err)
	}
	if srv.PID() == pid || srv.Restarts() != 1 {
		t.Errorf("after a crash: pid %d (was %d), restarts %d", srv.PID(), pid, srv.Restarts())
	}
	if code := get(t, srv.URL()+"/health"); code != http.StatusOK {
		t.Errorf("/health = %d after restart", code)
	}

	pid = srv.PID()
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	if alive(pid) {
		t.Errorf("llama-server %d still running after Stop", pid)
	}
	if code := get(t, srv.URL()+"/health"); code != 0 {
		t.Errorf("/health answered %d after Stop", code)
	}
	if err := srv.Stop(); err != nil {
		t.Errorf("second Stop: %v", err)
	}
	mu.Lock()
	got := strings.Join(events, ",")
	mu.Unlock()
	if got != "started,crashed,restarted" {
		t.Errorf("events = %s", got)
	}
	// The child's output went to the log file and the ring, not to our stdout.
	data, err := os.ReadFile(logFile)
	if err != nil || !strings.Contains(string(data), "model") {
		t.Errorf("log file: %v, %d bytes", err, len(data))
	}
	if !strings.Contains(srv.Logs(), "model") {
		t.Error("no child output in Logs()")
	}
}

func TestRestartsAreBounded(t *testing.T) {
	srv := llmtest.Start(t, llamaserver.Config{MaxRestarts: -1})
	pid := srv.PID()
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitGone(t, pid)
	// The process is reaped a moment before the server marks it exited.
	for i := 0; srv.Healthy() && i < 500; i++ {
		time.Sleep(10 * time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := srv.WaitHealthy(ctx)
	if err == nil || errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("WaitHealthy = %v, want the server reported stopped (restarts disabled)", err)
	}
	if srv.Restarts() != 0 {
		t.Errorf("restarts = %d with restarts disabled", srv.Restarts())
	}
}

func TestStartFailures(t *testing.T) {
	llmtest.RequireServer(t)
	bad := filepath.Join(t.TempDir(), "bad.gguf")
	if err := os.WriteFile(bad, []byte("not a gguf file at all"), 0o600); err != nil {
		t.Fatal(err)
	}
	// A truncated model: its header is whole, its tensors are not.
	cut := llmtest.Model(t)
	if err := os.Truncate(cut, 100_000); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, tc := range []struct {
		name string
		cfg  llamaserver.Config
		want string
		is   error
	}{
		{"not a model", llamaserver.Config{Model: bad, Threads: 1}, "not a GGUF model", gguf.ErrNotGGUF},
		{"truncated model", llamaserver.Config{Model: cut, Threads: 1}, "exited during start-up", nil},
		{"missing model", llamaserver.Config{Model: "/nonexistent/model.gguf"}, "no such file", nil},
		{"missing binary", llamaserver.Config{Model: bad, Binary: "/nonexistent/llama-server"}, "not found", llamaserver.ErrNotFound},
		{"no model", llamaserver.Config{}, "no model", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, err := llamaserver.Start(ctx, tc.cfg)
			if err == nil {
				srv.Stop()
				t.Fatal("started")
			}
			if !strings.Contains(err.Error(), tc.want) || (tc.is != nil && !errors.Is(err, tc.is)) {
				t.Errorf("error = %v, want %q", err, tc.want)
			}
		})
	}
}

// The server gets a sized context, never the model's trained one (16k for the tiny
// model, 128k for Llama 3), and a model that cannot fit is refused before starting.
func TestContextAndMemory(t *testing.T) {
	model := llmtest.Model(t)
	h, err := gguf.ReadHeaderFile(model)
	if err != nil {
		t.Fatal(err)
	}
	small, err := models.PlanFor(h, models.Request{Context: 4096, Budget: 1 << 40})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		cfg  llamaserver.Config
		ctx  int
	}{
		{"default", llamaserver.Config{Model: model}, models.DefaultContext},
		{"asked", llamaserver.Config{Model: model, ContextSize: 3072}, 3072},
		{"reduced to fit", llamaserver.Config{Model: model, MemoryBudget: small.Need.Total()}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := llmtest.Start(t, tc.cfg)
			p := srv.Plan()
			n, err := llmtest.Client(srv).ContextSize(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if n != p.Context || (tc.ctx != 0 && n != tc.ctx) || (tc.ctx == 0 && (!p.Reduced || n >= models.DefaultContext)) {
				t.Errorf("server context %d, plan %+v, want %d", n, p, tc.ctx)
			}
			cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", srv.PID()))
			if err == nil && !strings.Contains(string(cmdline), "\x00-c\x00"+strconv.Itoa(p.Context)+"\x00") {
				t.Errorf("command line %q lacks -c %d", cmdline, p.Context)
			}
		})
	}
	llmtest.RequireServer(t)
	srv, err := llamaserver.Start(context.Background(), llamaserver.Config{Model: model, MemoryBudget: 1 << 20})
	if err == nil {
		srv.Stop()
		t.Fatal("a model larger than the memory budget was started")
	}
	if domain.ErrorCode(err) != domain.EUnavailable || !strings.Contains(err.Error(), "memory") {
		t.Errorf("refusal = %v, want EUnavailable about memory", err)
	}
}
