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
	starts int // servers started
	closed bool
	// pmu guards parked: not mu, which is held while a server starts.
	pmu sync.Mutex
	// parked is the last recording's incremental drafter, waiting for its draft
	// (incremental.go); one at a time, as the server has one slot to keep.
	parked      *liveDraft
	parkedTimer *time.Timer
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
	r.starts++
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
	r.park(nil)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stopLocked()
}

// close ends the server for good (the app is closing).
func (r *llmRunner) close() {
	r.park(nil)
	r.cancel()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
	r.stopLocked()
}

// waitHealthy waits until the managed server answers (after a crash, its
// supervisor restarts it).
func (r *llmRunner) waitHealthy(ctx context.Context) error {
	r.mu.Lock()
	srv := r.srv
	r.mu.Unlock()
	if srv == nil {
		return domain.Errorf(domain.EUnavailable, "llama-server is not running")
	}
	return srv.WaitHealthy(ctx)
}

// epoch changes whenever the managed server's cache is lost: a new server, or the
// same one restarted after a crash.
func (r *llmRunner) epoch() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.srv == nil {
		return -r.starts
	}
	return r.starts<<20 + r.srv.Restarts()
}

// park keeps ld for its encounter's draft (nil: none), closing the one parked
// before; ld is closed if no draft takes it within parkedFor.
func (r *llmRunner) park(ld *liveDraft) {
	r.pmu.Lock()
	old := r.parked
	r.parked = ld
	if r.parkedTimer != nil {
		r.parkedTimer.Stop()
		r.parkedTimer = nil
	}
	if ld != nil {
		r.parkedTimer = time.AfterFunc(parkedFor, func() {
			if r.takeIf(ld) {
				ld.close()
			}
		})
	}
	r.pmu.Unlock()
	old.close()
}

// take returns the drafter parked for encID, if any; the caller closes it.
func (r *llmRunner) take(encID int64) *liveDraft {
	r.pmu.Lock()
	defer r.pmu.Unlock()
	ld := r.parked
	if ld == nil || ld.encID != encID {
		return nil
	}
	r.parked = nil
	if r.parkedTimer != nil {
		r.parkedTimer.Stop()
		r.parkedTimer = nil
	}
	return ld
}

func (r *llmRunner) takeIf(ld *liveDraft) bool {
	r.pmu.Lock()
	defer r.pmu.Unlock()
	if r.parked != ld {
		return false
	}
	r.parked = nil
	return true
}
