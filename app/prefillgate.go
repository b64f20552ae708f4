package app

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"greffier/llm"
	"greffier/transcribe"
)

// gatedPrefiller keeps prefills off whisper's way, so that live transcription keeps
// real time on a machine whose cores both serve: each prefill request takes the
// whisper scheduler's turn at the lowest priority (it runs only while no window is
// transcribed), is cancelled as soon as a live window waits for the engine, and
// then tried again once the window is done. Long prompts (the first one, or the
// whole transcript again after a server crash) go in steps of prefillStep bytes, each
// a prefix of the next, so that a step fits between two windows and what a step did
// stays cached.
type gatedPrefiller struct {
	p     *llm.Client
	sched *transcribe.Scheduler
	step  int           // bytes per request
	poll  time.Duration // how often a running prefill looks for waiting windows
	// epoch, if set, changes when the server is restarted (its cache is then
	// empty, though no request failed).
	epoch func() int

	mu      sync.Mutex
	prev    string // the longest prompt known to be in the server's cache
	prevAt  int    // epoch when prev was cached
	preempt int    // prefills cancelled for a window
	quitCh  chan struct{}
	once    sync.Once
}

// prefillStep is about 128 tokens (BPE vocabularies average 3–4 bytes a token):
// a second or two of prompt processing for a 1B–3B model on two laptop cores. A step
// already sent cannot always be stopped (llama-server finishes the batch it is
// computing), so it is kept short: the first prompt, or the whole transcript again
// after a crash, goes in many steps, each between two windows.
const prefillStep = 512

// maxPreemptions bounds how often one step is tried again: a server too slow to
// process a step between two windows gives up rather than fight whisper for ever.
const maxPreemptions = 20

func newGatedPrefiller(p *llm.Client, sched *transcribe.Scheduler) *gatedPrefiller {
	return &gatedPrefiller{p: p, sched: sched, step: prefillStep, poll: 50 * time.Millisecond, quitCh: make(chan struct{})}
}

// ApplyTemplate renders the chat template (no prompt processing: not gated).
func (g *gatedPrefiller) ApplyTemplate(ctx context.Context, msgs []llm.Message) (string, error) {
	return g.p.ApplyTemplate(ctx, msgs)
}

// quit makes waiting prefills give up (the draft is starting); one already sent
// completes.
func (g *gatedPrefiller) quit() { g.once.Do(func() { close(g.quitCh) }) }

func (g *gatedPrefiller) preemptions() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.preempt
}

// Prefill processes prompt into the server's cache, in steps, between windows.
func (g *gatedPrefiller) Prefill(ctx context.Context, prompt string) (llm.Prefill, error) {
	at := g.now()
	g.mu.Lock()
	if at != g.prevAt {
		g.prev = ""
	}
	end := commonPrefix(g.prev, prompt)
	g.mu.Unlock()
	var total llm.Prefill
	for {
		end = min(end+g.step, len(prompt))
		for end < len(prompt) && !utf8.RuneStart(prompt[end]) {
			end++
		}
		pf, err := g.stepOnce(ctx, prompt[:end])
		g.mu.Lock()
		if err != nil {
			g.prev = "" // a crashed server forgot everything: start again from the top
		} else {
			g.prev, g.prevAt = prompt[:end], at
		}
		g.mu.Unlock()
		if err != nil {
			return total, err
		}
		total.Evaluated += pf.Evaluated
		total.Cached = pf.Cached
		if end >= len(prompt) {
			return total, nil
		}
	}
}

// stepOnce sends one prefill request when whisper is idle, again if a window
// pre-empted it. Once quit, a step still waiting for its turn gives up.
func (g *gatedPrefiller) stepOnce(ctx context.Context, prompt string) (llm.Prefill, error) {
	for try := 0; ; try++ {
		var pf llm.Prefill
		var preempted atomic.Bool
		wctx, wcancel := context.WithCancel(ctx)
		go func() {
			select {
			case <-g.quitCh:
				wcancel()
			case <-wctx.Done():
			}
		}()
		err := g.sched.Run(wctx, transcribe.PriorityImport, func(context.Context) error {
			// The request itself is not ended by quit: the draft reads its cache.
			rctx, cancel := context.WithCancel(ctx)
			defer cancel()
			watched := make(chan struct{})
			go func() {
				defer close(watched)
				g.watch(rctx, cancel, &preempted)
			}()
			var err error
			pf, err = g.p.Prefill(rctx, prompt)
			cancel()
			<-watched
			return err
		})
		wcancel()
		if err == nil || !preempted.Load() || try >= maxPreemptions {
			return pf, err
		}
		g.mu.Lock()
		g.preempt++
		g.mu.Unlock()
	}
}

// watch cancels the running prefill when whisper has a window waiting; it returns
// when ctx ends.
func (g *gatedPrefiller) watch(ctx context.Context, cancel context.CancelFunc, preempted *atomic.Bool) {
	t := time.NewTicker(g.poll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		w := g.sched.Waiting()
		if w[transcribe.PriorityLive]+w[transcribe.PriorityPartial] > 0 {
			preempted.Store(true)
			cancel()
			return
		}
	}
}

func (g *gatedPrefiller) now() int {
	if g.epoch == nil {
		return 0
	}
	return g.epoch()
}

func commonPrefix(a, b string) int {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}
