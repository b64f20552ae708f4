package llamaserver_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"greffier/llm"
	"greffier/llm/llamaserver"
	"greffier/llm/llmtest"
)

// status sends a request to the server with an optional bearer token.
func status(t *testing.T, method, url, key string) int {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(`{"prompt":"hi","n_predict":1}`))
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{Proxy: nil}}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// The managed server needs its per-launch key, which is in its environment and not
// on its command line, and it inherits none of Greffier's secrets or proxies.
func TestServerIsFenced(t *testing.T) {
	t.Setenv("HF_TOKEN", "hf_secret_token")
	t.Setenv("GREFFIER_LLM_API_KEY", "sk-user-secret")
	t.Setenv("HTTPS_PROXY", "http://proxy.example:3128")
	t.Setenv("LLAMA_ARG_HOST", "0.0.0.0") // would move the server off loopback
	t.Setenv("LANG", "C.UTF-8")
	srv := llmtest.Start(t, llamaserver.Config{})
	other := llmtest.Start(t, llamaserver.Config{})
	key := srv.APIKey()
	if len(key) < 32 || key == other.APIKey() {
		t.Fatalf("API keys %q and %q: want long random keys, one per server", key, other.APIKey())
	}
	for _, c := range []struct {
		key  string
		want int
	}{{"", http.StatusUnauthorized}, {"wrong", http.StatusUnauthorized}, {other.APIKey(), http.StatusUnauthorized}, {key, http.StatusOK}} {
		if got := status(t, http.MethodPost, srv.URL()+"/completion", c.key); got != c.want {
			t.Errorf("POST /completion with key %q: HTTP %d, want %d", c.key, got, c.want)
		}
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", srv.PID()))
	if err != nil {
		t.Skipf("no /proc here: %v", err)
	}
	if bytes.Contains(cmdline, []byte(key)) {
		t.Error("the API key is on the command line, where ps shows it")
	}
	environ, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", srv.PID()))
	if err != nil {
		t.Fatal(err)
	}
	vars := strings.Split(string(environ), "\x00")
	has := func(kv string) bool {
		for _, v := range vars {
			if v == kv || strings.HasPrefix(v, kv+"=") {
				return true
			}
		}
		return false
	}
	if !has("LLAMA_API_KEY=" + key) {
		t.Error("the child's environment lacks LLAMA_API_KEY")
	}
	for _, secret := range []string{"HF_TOKEN", "GREFFIER_LLM_API_KEY", "HTTPS_PROXY", "LLAMA_ARG_HOST"} {
		if has(secret) {
			t.Errorf("the child inherited %s", secret)
		}
	}
	if !has("LANG=C.UTF-8") || !has("PATH") {
		t.Errorf("the child lacks LANG or PATH: %q", vars)
	}
	if err := srv.CheckOwner(); err != nil {
		t.Errorf("CheckOwner on a healthy server: %v", err)
	}
	// The client sends the key: a real completion goes through.
	c := llmtest.Client(srv)
	if _, err := c.Complete(context.Background(), llm.Request{Messages: []llm.Message{{Role: "user", Content: "hi"}}, MaxTokens: 4}); err != nil && !errors.Is(err, llm.ErrTruncated) {
		t.Errorf("completion with the key: %v", err)
	}
	if n, err := c.ContextSize(context.Background()); err != nil || n <= 0 {
		t.Errorf("ContextSize with the key = %d, %v", n, err)
	}
}

// When the child dies and another process takes its port before the restart, the
// server does not take the impostor for its child, and a guarded client sends it
// nothing: not the transcript, not the key.
func TestImpostorOnThePortGetsNothing(t *testing.T) {
	var mu sync.Mutex
	var events []string
	failed := make(chan struct{})
	var once sync.Once
	srv := llmtest.Start(t, llamaserver.Config{MaxRestarts: 1, Notify: func(e llamaserver.Event) {
		mu.Lock()
		events = append(events, e.Kind)
		mu.Unlock()
		if e.Kind == "failed" {
			once.Do(func() { close(failed) })
		}
	}})
	c := llmtest.Client(srv)
	addr := strings.TrimPrefix(srv.URL(), "http://")
	pid := srv.PID()
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitGone(t, pid)
	// The impostor binds the port the moment it is free, and answers everything.
	var l net.Listener
	var err error
	for i := 0; i < 200; i++ {
		if l, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("could not take the port: %v", err)
	}
	var got atomic.Int32
	var leaked atomic.Bool
	imp := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/health" {
			got.Add(1)
		}
		body, _ := io.ReadAll(r.Body)
		if r.Header.Get("Authorization") != "" || bytes.Contains(body, []byte("cough")) {
			leaked.Store(true)
		}
		io.WriteString(w, `{"status":"ok"}`)
	})}
	go imp.Serve(l)
	defer imp.Close()
	select {
	case <-failed:
	case <-time.After(60 * time.Second):
		t.Fatal("the supervisor never gave up on the taken port")
	}
	if err := srv.CheckOwner(); !errors.Is(err, llamaserver.ErrNotOurs) {
		t.Errorf("CheckOwner with an impostor on the port: %v, want ErrNotOurs", err)
	}
	_, err = c.Complete(context.Background(), llm.Request{Messages: []llm.Message{{Role: "user", Content: "cough for three weeks"}}, MaxTokens: 4})
	if !errors.Is(err, llamaserver.ErrNotOurs) || !errors.Is(err, llm.ErrUnavailable) {
		t.Errorf("completion with an impostor on the port: %v, want ErrNotOurs", err)
	}
	if got.Load() != 0 || leaked.Load() {
		t.Errorf("the impostor got %d requests (key or transcript leaked: %v)", got.Load(), leaked.Load())
	}
	mu.Lock()
	defer mu.Unlock()
	t.Logf("events: %v", events)
}
