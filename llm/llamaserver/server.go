// Package llamaserver runs llama.cpp's llama-server as a child process on a loopback
// port with the user's GGUF model: it starts it, waits until /health answers, restarts
// it (boundedly) after a crash, and stops it with the app. The child's output goes to
// a ring buffer and optionally a log file, never to our stdout.
//
// The prompts it serves hold patient text, so the child is fenced: it gets a random
// API key for the server's life (in its environment, LLAMA_API_KEY, where `ps` does
// not show it), an environment reduced to what it needs (no tokens, no proxies, no
// LLAMA_ARG_* that could move it off loopback), and CheckOwner tells a client that
// the port it is about to send to is held by this child and not by another process
// that took it after a crash.
package llamaserver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"greffier/domain"
	"greffier/llm/gguf"
	"greffier/llm/models"
)

// Config says how to run the server. Zero fields take the documented defaults.
type Config struct {
	// Model is the GGUF file to serve (required).
	Model string
	// Binary is the llama-server executable; default "llama-server" on PATH.
	Binary string
	// ContextSize is the context window in tokens (-c); 0: models.DefaultContext.
	// Either is capped by the model's trained context and reduced to fit in memory
	// (Plan says what was chosen): the server never gets the trained 128k.
	ContextSize int
	// CacheType forces the KV cache type (-ctk/-ctv: f16, q8_0); "": chosen for
	// memory (q8_0 where the model's head size allows it).
	CacheType string
	// MemoryBudget is the memory the server may use, in bytes; 0: this machine's
	// available memory less a reserve (models.Budget). A model that cannot fit is
	// refused before it is started.
	MemoryBudget uint64
	// Threads is the number of CPU threads (-t); 0 lets the server choose.
	Threads int
	// Args are extra command-line arguments.
	Args []string
	// StartTimeout bounds one start (process launch to healthy); default 2 minutes
	// (a large model takes a while to load).
	StartTimeout time.Duration
	// MaxRestarts bounds restarts after crashes over the server's life; default 3.
	// Negative disables restarts.
	MaxRestarts int
	// LogFile, if set, receives the child's output (appended). It may hold prompt
	// text if the server is verbose: keep it in the app's private data folder.
	LogFile string
	// Notify, if set, is told about life events (started, crashed, restarted,
	// gave up). Messages hold no patient text.
	Notify func(Event)
}

// Event is a change in the server's life.
type Event struct {
	Kind string // "started", "crashed", "restarted", "failed", "stopped"
	Err  error  // for crashed and failed
}

// ErrNotFound: no llama-server executable.
var ErrNotFound = errors.New("llama-server not found")

// Server is a running llama-server. Its methods are safe for concurrent use.
type Server struct {
	cfg  Config
	plan models.Plan
	port int
	url  string
	logs *ring
	logf *os.File
	key  string // the API key every request needs (LLAMA_API_KEY)

	mu       sync.Mutex
	cmd      *exec.Cmd
	exited   chan struct{} // closed when cmd has been waited for
	stopping bool
	restarts int
	healthy  bool

	stop chan struct{} // closed by Stop: ends the supervisor
	done chan struct{} // closed when the supervisor has ended
}

// LookPath finds the llama-server executable (cfg.Binary or on PATH).
func LookPath(binary string) (string, error) {
	if binary == "" {
		binary = "llama-server"
	}
	p, err := exec.LookPath(binary)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrNotFound, err)
	}
	return p, nil
}

// Start launches the server and waits until it is healthy, ctx is done, or
// StartTimeout passes. The server outlives ctx: call Stop.
func Start(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.Model == "" {
		return nil, errors.New("llama-server: no model file")
	}
	if _, err := os.Stat(cfg.Model); err != nil {
		return nil, fmt.Errorf("llama-server model: %w", err)
	}
	bin, err := LookPath(cfg.Binary)
	if err != nil {
		return nil, err
	}
	cfg.Binary = bin
	plan, err := planFor(cfg)
	if err != nil {
		return nil, err
	}
	if cfg.StartTimeout <= 0 {
		cfg.StartTimeout = 2 * time.Minute
	}
	if cfg.MaxRestarts == 0 {
		cfg.MaxRestarts = 3
	}
	key, err := newKey()
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, plan: plan, key: key, logs: newRing(64 << 10), stop: make(chan struct{}), done: make(chan struct{})}
	if cfg.LogFile != "" {
		f, err := os.OpenFile(cfg.LogFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			return nil, fmt.Errorf("llama-server log: %w", err)
		}
		s.logf = f
	}
	// A port taken between our probe and the server's bind is retried on another.
	for attempt := 0; ; attempt++ {
		s.port, err = freePort()
		if err != nil {
			s.closeLog()
			return nil, err
		}
		s.url = "http://127.0.0.1:" + strconv.Itoa(s.port)
		err = s.launch(ctx)
		if err == nil || attempt == 2 || ctx.Err() != nil || !s.exitedNow() ||
			!strings.Contains(s.logs.String(), "bind") {
			break
		}
	}
	if err != nil {
		s.kill()
		s.closeLog()
		return nil, err
	}
	go s.supervise()
	s.notify(Event{Kind: "started"})
	return s, nil
}

// planFor reads the model's header and plans its memory: a file that is not a GGUF
// model, or a model that cannot fit, is refused with a *domain.Error.
func planFor(cfg Config) (models.Plan, error) {
	h, err := gguf.ReadHeaderFile(cfg.Model)
	if err != nil {
		return models.Plan{}, domain.Wrap(domain.EInvalid, err, "%s is not a usable GGUF model", filepath.Base(cfg.Model))
	}
	return models.PlanFor(h, models.Request{Context: cfg.ContextSize, CacheType: cfg.CacheType, Budget: cfg.MemoryBudget})
}

// Plan is how the server was sized: context, KV cache type, load mode, memory.
func (s *Server) Plan() models.Plan { return s.plan }

// URL is the server's root, e.g. http://127.0.0.1:41234. It stays the same across
// restarts.
func (s *Server) URL() string { return s.url }

// APIKey is the bearer token the server requires (random, for this Server's life:
// it stays the same across restarts so that clients keep working).
func (s *Server) APIKey() string { return s.key }

// Logs returns the tail of the child's output (for diagnostics; it may hold prompt
// text if the server is verbose, so do not log it blindly).
func (s *Server) Logs() string { return s.logs.String() }

// Restarts is how many times the server was restarted after a crash.
func (s *Server) Restarts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.restarts
}

// Healthy reports whether the child is running and passed its health check.
func (s *Server) Healthy() bool {
	s.mu.Lock()
	healthy := s.healthy
	s.mu.Unlock()
	// The supervisor may not have seen a fresh crash yet.
	return healthy && !s.exitedNow()
}

// PID is the current child's process id (0 if none), for tests and diagnostics.
func (s *Server) PID() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil || s.cmd.Process == nil {
		return 0
	}
	return s.cmd.Process.Pid
}

// WaitHealthy waits until the server is healthy (e.g. after a restart), ctx is done,
// or the server gave up.
func (s *Server) WaitHealthy(ctx context.Context) error {
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		if s.Healthy() {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-s.done:
			return errors.New("llama-server has stopped")
		case <-t.C:
		}
	}
}

// Stop ends the server: SIGTERM, then SIGKILL after a grace period, and waits for
// the process and the supervisor. It is safe to call more than once.
func (s *Server) Stop() error {
	s.mu.Lock()
	already := s.stopping
	s.stopping = true
	s.mu.Unlock()
	if !already {
		close(s.stop)
	}
	s.kill()
	<-s.done
	s.closeLog()
	return nil
}

// launch starts one child and waits for it to become healthy.
func (s *Server) launch(ctx context.Context) error {
	p := s.plan
	// One slot: its KV cache holds the prompt being drafted (incremental drafting
	// keeps it filled), and --cache-ram 0 stops the server from copying idle
	// prompts to a host cache of up to 8 GiB.
	args := []string{"-m", s.cfg.Model, "--host", "127.0.0.1", "--port", strconv.Itoa(s.port),
		"--parallel", "1", "--no-webui", "--cache-ram", "0",
		"-c", strconv.Itoa(p.Context), "-ctk", p.CacheType, "-ctv", p.CacheType, "--load-mode", p.LoadMode}
	if p.CacheType != "f16" {
		args = append(args, "-fa", "on") // a quantized V cache needs flash attention
	}
	if s.cfg.Threads > 0 {
		args = append(args, "-t", strconv.Itoa(s.cfg.Threads))
	}
	args = append(args, s.cfg.Args...)
	cmd := exec.Command(s.cfg.Binary, args...)
	cmd.Env = childEnv(os.Environ(), s.key)
	var out io.Writer = s.logs
	if s.logf != nil {
		out = io.MultiWriter(s.logs, s.logf)
	}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.Stdin = nil
	setProcAttr(cmd)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start llama-server: %w", err)
	}
	exited := make(chan struct{})
	s.mu.Lock()
	s.cmd, s.exited, s.healthy = cmd, exited, false
	s.mu.Unlock()
	go func() { // owned by this child: ends when it exits
		_ = cmd.Wait()
		close(exited)
	}()
	if err := s.waitHealth(ctx, exited); err != nil {
		return err
	}
	// Whatever answered /health must be our child, not a process that took the
	// port between our probe and the child's bind.
	if err := s.CheckOwner(); err != nil {
		return err
	}
	s.mu.Lock()
	s.healthy = true
	s.mu.Unlock()
	return nil
}

func (s *Server) exitedNow() bool {
	s.mu.Lock()
	ch := s.exited
	s.mu.Unlock()
	if ch == nil {
		return true
	}
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// waitHealth polls /health until it answers 200.
func (s *Server) waitHealth(ctx context.Context, exited <-chan struct{}) error {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.StartTimeout)
	defer cancel()
	hc := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}}
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.url+"/health", nil)
		if resp, err := hc.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-exited:
			return fmt.Errorf("llama-server exited during start-up; its last output:\n%s", tail(s.logs.String(), 1500))
		case <-s.stop:
			return errors.New("llama-server stopped during start-up")
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return fmt.Errorf("llama-server not healthy after %s", s.cfg.StartTimeout)
			}
			return fmt.Errorf("llama-server start: %w", ctx.Err())
		case <-t.C:
		}
	}
}

// supervise restarts the child when it dies unexpectedly, until Stop or too many
// restarts.
func (s *Server) supervise() {
	defer close(s.done)
	for {
		s.mu.Lock()
		exited := s.exited
		s.mu.Unlock()
		select {
		case <-s.stop:
			return
		case <-exited:
		}
		s.mu.Lock()
		s.healthy = false
		stopping := s.stopping
		code := s.cmd.ProcessState.String()
		s.mu.Unlock()
		if stopping {
			return
		}
		s.notify(Event{Kind: "crashed", Err: fmt.Errorf("llama-server %s", code)})
		if !s.restart() {
			return
		}
	}
}

// restart tries to bring the child back; false when it gave up.
func (s *Server) restart() bool {
	for {
		s.mu.Lock()
		if s.restarts >= s.cfg.MaxRestarts || s.cfg.MaxRestarts < 0 {
			s.mu.Unlock()
			s.notify(Event{Kind: "failed", Err: fmt.Errorf("llama-server crashed; gave up after %d restarts", s.cfg.MaxRestarts)})
			return false
		}
		s.restarts++
		n := s.restarts
		s.mu.Unlock()
		// Back off a little more each time: a crash loop must not eat the CPU.
		select {
		case <-s.stop:
			return false
		case <-time.After(time.Duration(n*n) * 200 * time.Millisecond):
		}
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			select {
			case <-s.stop:
				cancel()
			case <-ctx.Done():
			}
		}()
		err := s.launch(ctx)
		cancel()
		if err == nil {
			s.notify(Event{Kind: "restarted"})
			return true
		}
		s.kill()
		s.notify(Event{Kind: "crashed", Err: err})
	}
}

// kill ends the current child: SIGTERM, SIGKILL after the grace period, and waits.
func (s *Server) kill() {
	s.mu.Lock()
	cmd, exited := s.cmd, s.exited
	s.mu.Unlock()
	if cmd == nil || cmd.Process == nil {
		return
	}
	select {
	case <-exited:
		return
	default:
	}
	terminate(cmd.Process)
	select {
	case <-exited:
	case <-time.After(5 * time.Second):
		_ = cmd.Process.Kill()
		<-exited
	}
}

func (s *Server) notify(e Event) {
	if s.cfg.Notify != nil {
		s.cfg.Notify(e)
	}
}

func (s *Server) closeLog() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.logf != nil {
		s.logf.Close()
		s.logf = nil
	}
}

// freePort asks the kernel for a free loopback port.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}
