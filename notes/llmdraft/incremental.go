package llmdraft

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"greffier/domain"
	"greffier/llm"
	"greffier/notes/draft"
	"greffier/notes/schema"
	"greffier/notes/templates"
)

// Prefiller fills a llama-server's prompt cache; *llm.Client implements it.
type Prefiller interface {
	ApplyTemplate(ctx context.Context, msgs []llm.Message) (string, error)
	Prefill(ctx context.Context, prompt string) (llm.Prefill, error)
}

// Incremental drafts a note while the visit goes on: as transcript windows become
// final (Add), it has the server process the prompt the drafter will send at the
// end (instructions, then the numbered transcript so far) into its slot's cache, so
// that at Stop (Finish) only the last window and the note itself remain to compute.
//
// One prefill runs at a time, in a goroutine the Incremental owns from
// NewIncremental until Finish or Close; windows added while one runs are taken
// together by the next. Prefill failures (a crashed server) are counted, not fatal:
// the cache is only a head start, and Finish drafts the whole transcript anyway.
type Incremental struct {
	d    Drafter
	p    Prefiller
	tmpl templates.Template
	lang string
	// wait, if set, waits until the server is back after a crash.
	wait func(context.Context) error

	mu     sync.Mutex
	segs   []domain.Segment
	stats  IncrementalStats
	early  *earlyDraft        // the note drafted before Stop, if any
	noRoom bool               // the conversation outgrew the context: no more early drafts
	halt   context.CancelFunc // cancels a running early draft (Stop does not wait for one)
	wake   chan struct{}      // buffered 1: a prefill is wanted
	end    chan struct{}      // closed by stop
	once   sync.Once
	cancel context.CancelFunc
	done   chan struct{} // closed when the worker has ended
}

// IncrementalStats says what the prefills did, for benchmarks and diagnostics.
type IncrementalStats struct {
	Prefills   int           // prefill requests that succeeded
	Failures   int           // prefill requests that failed
	Evaluated  int           // prompt tokens the prefills processed
	Busy       time.Duration // time spent in prefill requests
	Prefilling bool          // a prefill is running now
	Segments   int           // segments covered by the last successful prefill
	TooLong    bool          // the transcript outgrew the context: prefills stopped
	attempted  int           // segments the last prefill tried to cover

	// Drafts before Stop (Drafter.EarlyDraftTokens).
	EarlyDrafts   int           // drafts and patches made during the visit
	EarlyFailures int           // ones that failed (a cancelled one at Stop is not counted)
	EarlyBusy     time.Duration // time spent making them
	Drafting      bool          // one is running now
	EarlySegments int           // segments the note drafted before Stop covers
	Revised       bool          // Finish patched the early note instead of drafting anew
}

// NewIncremental starts the prefill worker for a visit drafted by d with tmpl in
// lang. p is the server d's LLM talks to (usually the same *llm.Client). wait, if
// not nil, blocks until the server is healthy (llamaserver.Server.WaitHealthy): it
// is called after a failure, before the next try. Call Finish or Close.
func NewIncremental(d Drafter, p Prefiller, tmpl templates.Template, lang string, wait func(context.Context) error) *Incremental {
	ctx, cancel := context.WithCancel(context.Background())
	inc := &Incremental{d: d, p: p, tmpl: tmpl, lang: lang, wait: wait,
		wake: make(chan struct{}, 1), end: make(chan struct{}), cancel: cancel, done: make(chan struct{})}
	go inc.run(ctx)
	return inc
}

// Add appends final transcript segments and schedules a prefill; it does not wait
// for it.
func (inc *Incremental) Add(segs ...domain.Segment) {
	inc.mu.Lock()
	inc.segs = append(inc.segs, segs...)
	inc.mu.Unlock()
	inc.poke()
}

// Stats returns what the prefills did so far.
func (inc *Incremental) Stats() IncrementalStats {
	inc.mu.Lock()
	defer inc.mu.Unlock()
	return inc.stats
}

// Idle waits until every added segment has been prefilled (or a prefill failed),
// or ctx ends.
func (inc *Incremental) Idle(ctx context.Context) error {
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		inc.mu.Lock()
		idle := !inc.stats.Prefilling && !inc.stats.Drafting && inc.stats.attempted >= len(inc.segs)
		inc.mu.Unlock()
		if idle {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-inc.done:
			return nil
		case <-t.C:
		}
	}
}

// Finish ends the prefills (a running one completes: its work is what the draft
// needs; a running early draft is cancelled) and drafts the note: as a patch to the
// note drafted before Stop if there is one, else anew. segs is the final
// transcript; nil drafts the added segments. A server that crashed is waited for
// and the draft tried again (three times at most).
func (inc *Incremental) Finish(ctx context.Context, segs []domain.Segment) (schema.Note, error) {
	inc.stop(false)
	inc.mu.Lock()
	if segs == nil {
		segs = inc.segs
	}
	e := inc.early
	if inc.noRoom {
		e = nil
	}
	inc.mu.Unlock()
	req := draft.Request{Template: inc.tmpl, Language: inc.lang, Segments: segs}
	if e != nil && e.continues(segs) && len(segs) > 0 {
		next, err := inc.d.step(ctx, inc.tmpl, inc.lang, e, segs)
		if err == nil {
			inc.mu.Lock()
			inc.stats.Revised = true
			inc.mu.Unlock()
			return inc.d.finish(ctx, inc.d.newNote(req), req, result{answers: []answer{next.base}, chunks: 1})
		}
		if ctx.Err() != nil {
			return schema.Note{}, draftError(err)
		}
		// The patch failed (garbage twice, a crash, no room left): the note is
		// drafted anew, the early one is only a head start.
	}
	note, err := inc.d.Draft(ctx, req)
	for try := 1; try <= 3 && err != nil && errors.Is(err, llm.ErrUnavailable) && inc.wait != nil; try++ {
		if werr := inc.recover(ctx, try); werr != nil {
			return schema.Note{}, err
		}
		note, err = inc.d.Draft(ctx, req)
	}
	return note, err
}

// recover waits for a crashed server to be back: a moment first, because a server
// killed an instant ago may still look healthy until its supervisor reaps it.
func (inc *Incremental) recover(ctx context.Context, try int) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(time.Duration(try) * 300 * time.Millisecond):
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	return inc.wait(ctx)
}

// Close ends the prefills without drafting (a cancelled visit). It cancels a
// running prefill.
func (inc *Incremental) Close() { inc.stop(true) }

func (inc *Incremental) stop(cancel bool) {
	if cancel {
		inc.cancel()
	}
	inc.once.Do(func() { close(inc.end) })
	// After end is closed: an early draft starting now sees it and does not start.
	inc.mu.Lock()
	if inc.halt != nil {
		inc.halt()
	}
	inc.mu.Unlock()
	<-inc.done
	inc.cancel()
}

// run is the worker: one prefill at a time, of everything added so far.
func (inc *Incremental) run(ctx context.Context) {
	defer close(inc.done)
	for {
		select {
		case <-inc.end:
			return
		case <-inc.wake:
		}
		inc.mu.Lock()
		segs := inc.segs[:len(inc.segs):len(inc.segs)]
		fresh := len(segs) > inc.stats.Segments && !inc.stats.TooLong
		inc.stats.Prefilling = fresh
		inc.stats.attempted = len(segs)
		inc.mu.Unlock()
		if !fresh {
			continue
		}
		start := time.Now()
		pf, err := inc.prefill(ctx, segs)
		inc.mu.Lock()
		inc.stats.Prefilling = false
		inc.stats.Busy += time.Since(start)
		switch {
		case errors.Is(err, llm.ErrContextExceeded):
			// The transcript outgrew the context: Draft will draft it in parts,
			// whose prompts differ from this one. Prefilling more is wasted work.
			inc.stats.TooLong = true
		case err != nil:
			inc.stats.Failures++
		default:
			inc.stats.Prefills++
			inc.stats.Evaluated += pf.Evaluated
			inc.stats.Segments = len(segs)
		}
		inc.mu.Unlock()
		if err == nil && inc.wantEarly(len(segs)) {
			inc.draftEarly(ctx, segs)
		}
		if errors.Is(err, llm.ErrUnavailable) && ctx.Err() == nil && inc.wait != nil {
			// The server may be restarting: wait for it, then try again with
			// whatever has been added by then.
			if inc.recover(ctx, 1) == nil {
				inc.poke()
			}
		}
	}
}

func (inc *Incremental) poke() {
	select {
	case inc.wake <- struct{}{}:
	default:
	}
}

// sentinel marks where the transcript ends in the rendered prompt: what follows it
// (the end of the user turn, the assistant's header) is not known yet and must not
// be cached.
const sentinel = "@@GREFFIER-END-OF-TRANSCRIPT@@"

// prefill has the server process the prompt Draft will send for segs, up to the end
// of the transcript. The tokens at the cut may differ from the final prompt's, which
// only costs re-processing those few.
func (inc *Incremental) prefill(ctx context.Context, segs []domain.Segment) (llm.Prefill, error) {
	inc.mu.Lock()
	e := inc.early
	if inc.noRoom {
		e = nil // Finish will draft anew: prefill what it will send
	}
	inc.mu.Unlock()
	msgs := conversation(systemPrompt(inc.tmpl, inc.lang), e, segs)
	msgs[len(msgs)-1].Content += sentinel
	full, err := inc.p.ApplyTemplate(ctx, msgs)
	if err != nil {
		return llm.Prefill{}, err
	}
	cut := strings.Index(full, sentinel)
	if cut < 0 {
		return llm.Prefill{}, fmt.Errorf("the chat template changed the transcript: cannot prefill")
	}
	return inc.p.Prefill(ctx, full[:cut])
}

// wantEarly reports whether to draft before Stop now that n segments are
// prefilled: drafts are on, nothing newer waits for a prefill (the transcript comes
// first), and enough transcript came since the last draft.
func (inc *Incremental) wantEarly(n int) bool {
	if inc.d.EarlyDraftTokens <= 0 {
		return false
	}
	inc.mu.Lock()
	defer inc.mu.Unlock()
	if inc.stats.TooLong || inc.noRoom || len(inc.segs) != n {
		return false
	}
	from := 0
	if inc.early != nil {
		from = len(inc.early.segs)
	}
	added := 0
	for _, s := range inc.segs[from:n] {
		added += inc.d.defaults().tokens(segmentLine(s))
	}
	return added >= inc.d.EarlyDraftTokens
}

// draftEarly drafts the note (or patches the early one) for segs. Finish cancels it:
// the physician does not wait for a draft of less than the whole visit.
func (inc *Incremental) draftEarly(ctx context.Context, segs []domain.Segment) {
	ctx, halt := context.WithCancel(ctx)
	defer halt()
	inc.mu.Lock()
	select {
	case <-inc.end:
		inc.mu.Unlock()
		return
	default:
	}
	inc.halt = halt
	e := inc.early
	inc.stats.Drafting = true
	inc.mu.Unlock()
	start := time.Now()
	next, err := inc.d.step(ctx, inc.tmpl, inc.lang, e, segs)
	inc.mu.Lock()
	defer inc.mu.Unlock()
	inc.halt = nil
	inc.stats.Drafting = false
	inc.stats.EarlyBusy += time.Since(start)
	switch {
	case err == nil:
		inc.early = next
		inc.stats.EarlyDrafts++
		inc.stats.EarlySegments = len(segs)
	case errors.Is(err, errConversationTooLong):
		inc.noRoom = true
	case ctx.Err() == nil:
		inc.stats.EarlyFailures++
	}
}
