package app

import (
	"context"
	"strings"
	"sync"
	"time"

	"greffier/domain"
	"greffier/llm/llamaserver"
	"greffier/pipeline/llmsetup"
)

// llmSettings is the language model chosen in Settings: a GGUF file that Greffier
// serves itself with llama-server (Model), or the URL of a server the clinic runs
// (Endpoint). Model wins when both are set: it keeps the transcript on this machine.
type llmSettings struct {
	Endpoint string
	Model    string
}

func (c llmSettings) configured() bool { return c.Endpoint != "" || c.Model != "" }

// llmSettings reads the language model settings.
func (s *Services) llmSettings(ctx context.Context) (llmSettings, error) {
	var c llmSettings
	var err error
	if c.Endpoint, _, err = s.db.Setting(ctx, settingLLM); err != nil {
		return c, err
	}
	c.Model, _, err = s.db.Setting(ctx, settingLLMModel)
	c.Endpoint, c.Model = strings.TrimSpace(c.Endpoint), strings.TrimSpace(c.Model)
	return c, err
}

// llmRunner keeps the managed llama-server between drafts: started on first use,
// restarted after a crash by its supervisor, stopped when the setting changes and
// when the app closes.
type llmRunner struct {
	// ctx ends pending starts when the app closes.
	ctx    context.Context
	cancel context.CancelFunc

	mu     sync.Mutex
	model  string // the GGUF srv serves
	srv    *llamaserver.Server
	closed bool
}

func newLLMRunner() *llmRunner {
	ctx, cancel := context.WithCancel(context.Background())
	return &llmRunner{ctx: ctx, cancel: cancel}
}

// healthyWait bounds the wait for a server that the supervisor is restarting.
const healthyWait = 2 * time.Minute

// Server returns the running server for m.Model, starting it if needed (or again, if
// its supervisor gave up after repeated crashes). It is the app's pipeline.ServerPool.
func (r *llmRunner) Server(ctx context.Context, m llmsetup.Managed) (*llamaserver.Server, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(r.ctx, cancel)
	defer stop()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, domain.Errorf(domain.EUnavailable, "Greffier is closing")
	}
	if r.srv != nil && r.model == m.Model {
		wctx, wcancel := context.WithTimeout(ctx, healthyWait)
		err := r.srv.WaitHealthy(wctx)
		wcancel()
		if err == nil {
			return r.srv, nil
		}
		if ctx.Err() != nil {
			return nil, domain.Wrap(domain.EUnavailable, err, "llama-server is not ready")
		}
	}
	r.stopLocked()
	srv, err := llmsetup.StartManaged(ctx, m)
	if err != nil {
		return nil, err
	}
	r.srv, r.model = srv, m.Model
	return srv, nil
}

func (r *llmRunner) stopLocked() {
	if r.srv != nil {
		_ = r.srv.Stop()
		r.srv, r.model = nil, ""
	}
}

// stop ends the managed server, if any; the next draft starts it again.
func (r *llmRunner) stop() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stopLocked()
}

// close ends the server for good (the app is closing).
func (r *llmRunner) close() {
	r.cancel()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
	r.stopLocked()
}
