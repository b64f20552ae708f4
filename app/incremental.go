package app

import (
	"context"
	"path/filepath"
	"sync"
	"time"

	"greffier/domain"
	"greffier/llm"
	"greffier/notes/draft"
	"greffier/notes/llmdraft"
	"greffier/notes/schema"
	"greffier/pipeline"
	"greffier/pipeline/llmsetup"
	"greffier/store"
)

// Incremental drafting during the visit. When a language model drafts the notes
// (a managed llama-server, or a llama-server endpoint on this machine), a live
// recording hands each final transcript window to an llmdraft.Incremental, which
// has the server process the prompt of the coming draft (instructions, then the
// numbered transcript so far) into its slot's cache. At Stop the drafter is parked
// with the encounter; the draft (Drafts.Generate) then takes it, and only the last
// window and the note itself remain to compute. Everything here is a head start:
// a failure (no server yet, a crash, settings changed) is logged with counts only,
// and the draft is made from scratch as before. The recording never waits for it.

// liveDraft is one recording's incremental drafter. Its setup goroutine (which may
// start the managed llama-server) is owned by the recording: stop ends it.
type liveDraft struct {
	s     *Services
	encID int64
	x     store.Encounter
	cfg   llmSettings

	cancel context.CancelFunc
	done   chan struct{} // closed when setup has ended
	wake   chan struct{} // buffered 1: segments were added

	mu   sync.Mutex
	segs []domain.Segment // final segments, kept until inc exists
	inc  *llmdraft.Incremental
	// closeIdx closes the code table the drafter validates with.
	closeIdx func()
	gate     *gatedPrefiller
	tall     *tally
	tmpl     string
	lang     string
	gone     bool // closed: nothing more is added
}

// startLiveDraft starts incremental drafting for a recording of x, or returns nil
// when no language model drafts (or only one off this machine: the transcript
// leaves the machine only when the user asks for a draft).
func (s *Services) startLiveDraft(x store.Encounter) *liveDraft {
	cfg, err := s.llmSettings(s.ctx)
	if err != nil || !cfg.configured() {
		return nil
	}
	if cfg.Model == "" && pipeline.DraftDestination(cfg.Endpoint).Leaves {
		return nil
	}
	ctx, cancel := context.WithCancel(s.ctx)
	ld := &liveDraft{s: s, encID: x.ID, x: x, cfg: cfg, cancel: cancel,
		done: make(chan struct{}), wake: make(chan struct{}, 1)}
	go ld.setup(ctx)
	return ld
}

// setup chooses the drafter (starting the managed server if needed), waits for the
// first window when the note's language depends on what is said, then starts the
// Incremental with what was added so far.
func (ld *liveDraft) setup(ctx context.Context) {
	defer close(ld.done)
	fail := func(what string, err error) {
		ld.s.log.Warn("incremental drafting unavailable; the draft will start from scratch",
			"encounter", ld.encID, "step", what, "code", domain.ErrorCode(err))
	}
	tmpl, err := pipeline.Template(ld.s.cfg.Dirs, ld.x.Template)
	if err != nil {
		fail("template", err)
		return
	}
	ldr, client, closeIdx, err := ld.drafter(ctx)
	if err != nil {
		fail("drafter", err)
		return
	}
	tall := &tally{Completer: client}
	ldr.LLM = tall
	var wait func(context.Context) error
	if ld.cfg.Model != "" {
		wait = ld.s.llm.waitHealthy
	}
	for {
		ld.mu.Lock()
		n, gone := len(ld.segs), ld.gone
		ld.mu.Unlock()
		if gone {
			closeIdx()
			return
		}
		if n > 0 || ld.x.Language.NoteLanguage() {
			break
		}
		select {
		case <-ctx.Done():
			closeIdx()
			return
		case <-ld.wake:
		}
	}
	ld.mu.Lock()
	defer ld.mu.Unlock()
	if ld.gone {
		closeIdx()
		return
	}
	segs := ld.segs
	lang := string(pipeline.NoteLanguage("", ld.x.Language, segs))
	gate := newGatedPrefiller(client, &ld.s.sched)
	if ld.cfg.Model != "" {
		gate.epoch = ld.s.llm.epoch
	}
	ld.inc = llmdraft.NewIncremental(ldr, gate, tmpl, lang, wait)
	ld.closeIdx, ld.gate, ld.tall, ld.tmpl, ld.lang = closeIdx, gate, tall, tmpl.Key, lang
	ld.segs = nil
	if len(segs) > 0 {
		ld.inc.Add(segs...)
	}
}

// drafter is the LLM drafter of the settings, made as pipeline.ChooseDrafter makes
// it, on the managed server (started now if it is not running: at Stop it is warm)
// or the endpoint; closeIdx closes its code table.
func (ld *liveDraft) drafter(ctx context.Context) (d llmdraft.Drafter, client *llm.Client, closeIdx func(), err error) {
	s := ld.s
	var model string
	if ld.cfg.Model != "" {
		srv, err := s.llm.Server(ctx, llmsetup.Managed{Model: ld.cfg.Model, Threads: s.cfg.LLMThreads,
			LogFile: filepath.Join(s.cfg.Dirs.Logs(), "llama-server.log")})
		if err != nil {
			return d, nil, nil, err
		}
		client, model = llmsetup.ManagedClient(srv, ld.cfg.Model)
	} else {
		var remote bool
		if client, model, remote, err = llmsetup.Endpoint(ld.cfg.Endpoint, s.cfg.LLMAPIKey); err != nil {
			return d, nil, nil, err
		}
		if remote {
			return d, nil, nil, domain.Errorf(domain.EForbidden, "the endpoint is not on this machine")
		}
	}
	closeIdx = func() {}
	var codes llmdraft.CodeValidator
	if ix, err := pipeline.OpenCodeIndex(ctx, s.cfg.Dirs); err == nil {
		codes, closeIdx = ix, func() { ix.Close() }
	}
	return llmsetup.Drafter(ctx, client, model, codes), client, closeIdx, nil
}

// add hands final segments over; it never waits.
func (ld *liveDraft) add(segs []domain.Segment) {
	if ld == nil || len(segs) == 0 {
		return
	}
	ld.mu.Lock()
	defer ld.mu.Unlock()
	switch {
	case ld.gone:
	case ld.inc != nil:
		ld.inc.Add(segs...)
	default:
		ld.segs = append(ld.segs, segs...)
		select {
		case ld.wake <- struct{}{}:
		default:
		}
	}
}

// end ends the setup goroutine (a server still starting is abandoned) and tells
// whether an Incremental runs: the recording is over.
func (ld *liveDraft) end() bool {
	if ld == nil {
		return false
	}
	ld.cancel()
	<-ld.done
	ld.mu.Lock()
	defer ld.mu.Unlock()
	return ld.inc != nil && !ld.gone
}

// close ends everything: the setup, the prefills, the drafter.
func (ld *liveDraft) close() {
	if ld == nil {
		return
	}
	ld.cancel()
	<-ld.done
	ld.mu.Lock()
	inc, closeIdx, gone := ld.inc, ld.closeIdx, ld.gone
	ld.gone = true
	ld.mu.Unlock()
	if gone {
		return
	}
	if inc != nil {
		ld.gate.quit()
		inc.Close()
	}
	if closeIdx != nil {
		closeIdx()
	}
}

// matches tells whether the parked drafter drafts what req asks, with the
// settings in force now.
func (ld *liveDraft) matches(req draft.Request, cfg llmSettings) bool {
	ld.mu.Lock()
	defer ld.mu.Unlock()
	return ld.inc != nil && !ld.gone && cfg == ld.cfg && req.Template.Key == ld.tmpl && req.Language == ld.lang
}

// Draft implements draft.Drafter: it ends the prefills (one running completes: it
// is the cache the draft reads) and drafts req's transcript.
func (ld *liveDraft) Draft(ctx context.Context, req draft.Request) (schema.Note, error) {
	ld.gate.quit()
	note, err := ld.inc.Finish(ctx, req.Segments)
	st := ld.inc.Stats()
	prompt, cached, calls := ld.tall.totals()
	ld.s.log.Info("incremental draft", "encounter", ld.encID, "prefills", st.Prefills,
		"prefill_failures", st.Failures, "prefill_tokens", st.Evaluated, "prefill_busy_ms", st.Busy.Milliseconds(),
		"preempted", ld.gate.preemptions(), "completions", calls, "prompt_tokens", prompt, "cached_tokens", cached,
		"ok", err == nil)
	return note, err
}

// fromLive drafts with the encounter's parked incremental drafter, if there is one
// for this request; ok is false when there is none (the caller drafts from
// scratch).
func (d *Drafts) fromLive(ctx context.Context, encID int64, req draft.Request) (note schema.Note, ok bool, err error) {
	ld := d.s.llm.take(encID)
	if ld == nil {
		return schema.Note{}, false, nil
	}
	defer ld.close()
	cfg, err := d.s.llmSettings(ctx)
	if err != nil || !ld.matches(req, cfg) {
		return schema.Note{}, false, nil
	}
	note, err = pipeline.Draft(ctx, ld, req)
	return note, true, err
}

// tally passes completions through and adds up how much of their prompts the
// server found in its cache.
type tally struct {
	llmdraft.Completer
	mu                    sync.Mutex
	prompt, cached, calls int
}

func (t *tally) CompleteJSON(ctx context.Context, req llm.Request, check func([]byte) error) (llm.Response, error) {
	resp, err := t.Completer.CompleteJSON(ctx, req, check)
	t.mu.Lock()
	t.prompt += resp.PromptTokens
	t.cached += resp.CachedTokens
	t.calls++
	t.mu.Unlock()
	return resp, err
}

func (t *tally) totals() (prompt, cached, calls int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.prompt, t.cached, t.calls
}

// parkedFor bounds how long a recording's drafter waits for its draft.
const parkedFor = 30 * time.Minute
