package transcribe

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"greffier/domain"
)

// Streaming, in short. The Streamer is fed the recording's audio as it arrives —
// only recorded audio: paused time is never fed, so the timeline it builds is the
// recording with pauses removed, as domain.Segment says; the caller marks each pause
// with Pause(). It classifies 30 ms frames with a VAD and cuts the audio into
// windows that never overlap and leave no gap: window i+1 starts at the sample where
// window i ends. A window is cut
//   - in the middle of the first pause of at least MinPause once it is MinWindow
//     long ("pause" cut: the cut point has MinPause/2 of silence on each side, so no
//     word straddles it);
//   - at MaxWindow (30 s, whisper's input size) in the middle of the longest pause
//     of its second half, or, in unbroken speech, at its quietest frame ("forced"
//     cut: a word there may be split between two windows; this is the only place
//     words can be damaged, and the windows report it);
//   - at Pause() and Stop().
// Because windows neither overlap nor leave gaps, no audio is transcribed twice or
// skipped. Segment timestamps are clamped into their window and made monotonic:
// a segment never starts before the previous one ended, so segments cannot overlap;
// between segments lie the stretches where whisper heard no words. How close a
// segment's timestamps are to its words is whisper's own precision (10 ms steps;
// this package does not correct them).
//
// Windows with no speech frames are not sent to the engine (counted in
// GuardStats.SilentWindows). Final windows are transcribed in order by one worker
// goroutine per Streamer; engine calls of all Streamers sharing a Scheduler run one
// at a time, live before imports. Stop cuts the last window and returns once it is
// transcribed: if transcription kept up with the audio, that is one window's compute.

// StreamConfig configures a Streamer. Only Engine is required.
type StreamConfig struct {
	Engine  Engine
	Options Options
	// Scheduler shares the engine between encounters; nil gives this Streamer its own.
	Scheduler *Scheduler
	// Import queues this stream's work behind live encounters.
	Import bool

	MaxWindow time.Duration // default and upper bound 30 s
	MinWindow time.Duration // default 20 s: whisper pads every window to 30 s, so short windows cost as much as long ones
	MinPause  time.Duration // default 300 ms
	// PartialEvery, when > 0, transcribes the window being filled every time it has
	// grown by that much and the engine is otherwise idle (provisional text for the
	// screen). Partials are cancelled as soon as a final window is waiting.
	PartialEvery time.Duration

	VAD       VAD           // nil: NewEnergyVAD()
	Guard     *Guard        // nil: NewGuard() with the built-in phrases
	Glossary  Glossary      // becomes each window's initial prompt (BuildPrompt)
	TurnPause time.Duration // pause that starts a new speaker turn; default 1 s

	// OnUpdate receives each window's result, partial or final, from the worker
	// goroutine, one call at a time. It must not block for long.
	OnUpdate func(Update)
	// Logger gets one line per window with counts only (never text). Nil: no log.
	Logger *slog.Logger
}

// Update is what one transcription of a window produced. Partial updates carry
// provisional segments (ID -1) that the next partial or the final window replaces.
type Update struct {
	Final bool
	// Window covers [StartMS, EndMS) of the recording. For a partial it is the
	// audio gathered so far for the next final window.
	Window   Window
	Segments []domain.Segment
	Stats    StreamStats // totals so far (final updates)
}

// Window describes one stretch of audio sent (or not) to the engine.
type Window struct {
	Index        int
	StartMS      int64
	EndMS        int64
	Cut          string // "pause", "forced", "paused", "stop"
	SpeechFrames int
	Frames       int
	Compute      time.Duration // engine time; 0 if skipped as silent
	Skipped      bool          // no speech: not sent to the engine
}

// StreamStats are the running totals of a Streamer.
type StreamStats struct {
	Guard      GuardStats
	Windows    int
	ForcedCuts int
	Partials   int
	AudioMS    int64
	Compute    time.Duration
	Errors     int
}

// Streamer transcribes one recording while it is being made. Write and Pause may be
// called from the capture goroutine while the worker transcribes.
type Streamer struct {
	cfg   StreamConfig
	sched *Scheduler
	prio  Priority
	vad   VAD
	guard *Guard

	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
	kick   chan struct{}

	mu          sync.Mutex
	pending     []float32 // audio since the last cut
	pendStart   int64     // its first sample's index in the recording
	flags       []bool    // VAD decision per classified frame of pending
	dbs         []float64 // level per classified frame of pending
	silences    []span    // silent runs of the whole recording, in ms
	silentSince int64     // start (ms) of the current silent run, -1 in speech
	queue       []job
	windows     int
	stopping    bool
	sincePart   int // samples since the last partial was queued
	partCancel  context.CancelFunc
	finals      []domain.Segment
	history     []string // normalised text of the last kept segments, for the guard
	turns       Turns
	stats       StreamStats
	err         error
	lastEnd     int64
	busy        bool // the worker is transcribing a final window
}

type span struct{ start, end int64 }

type job struct {
	partial bool
	win     Window
	start   int64 // first sample
	samples []float32
	flags   []bool
}

// NewStreamer starts a Streamer whose worker lives until Stop or Close, or until
// ctx ends (then the engine call in progress is cancelled and Stop returns ctx's
// error).
func NewStreamer(ctx context.Context, cfg StreamConfig) (*Streamer, error) {
	if cfg.Engine == nil {
		return nil, errors.New("streamer: no engine")
	}
	if cfg.MaxWindow <= 0 || cfg.MaxWindow > 30*time.Second {
		cfg.MaxWindow = 30 * time.Second
	}
	if cfg.MinWindow <= 0 {
		cfg.MinWindow = 20 * time.Second
	}
	if cfg.MinWindow > cfg.MaxWindow {
		cfg.MinWindow = cfg.MaxWindow
	}
	if cfg.MinPause <= 0 {
		cfg.MinPause = 300 * time.Millisecond
	}
	s := &Streamer{cfg: cfg, sched: cfg.Scheduler, prio: PriorityLive, vad: cfg.VAD, guard: cfg.Guard,
		done: make(chan struct{}), kick: make(chan struct{}, 1), silentSince: -1}
	if s.sched == nil {
		s.sched = &Scheduler{}
	}
	if cfg.Import {
		s.prio = PriorityImport
	}
	if s.vad == nil {
		s.vad = NewEnergyVAD()
	}
	if s.guard == nil {
		g, err := NewGuard()
		if err != nil {
			return nil, err
		}
		s.guard = g
	}
	s.turns.PauseMS = cfg.TurnPause.Milliseconds()
	s.ctx, s.cancel = context.WithCancel(ctx)
	go s.work()
	return s, nil
}

// Write appends recorded audio (16 kHz mono). It never waits for the engine.
func (s *Streamer) Write(samples []float32) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopping {
		return domain.Errorf(domain.EConflict, "streamer: write after stop")
	}
	s.pending = append(s.pending, samples...)
	s.sincePart += len(samples)
	s.classifyLocked()
	if s.cfg.PartialEvery > 0 && s.sincePart >= int(s.cfg.PartialEvery.Seconds()*SampleRate) &&
		len(s.queue) == 0 && s.partCancel == nil {
		s.sincePart = 0
		s.queue = append(s.queue, job{partial: true, start: s.pendStart,
			samples: append([]float32(nil), s.pending...), flags: append([]bool(nil), s.flags...),
			win: Window{Index: s.windows, StartMS: s.pendStart * 1000 / SampleRate,
				EndMS: (s.pendStart + int64(len(s.pending))) * 1000 / SampleRate}})
		s.wake()
	}
	return nil
}

// Pause marks a pause in the recording: the audio before and after it are not
// continuous, so the window is cut here and the next segment starts a new turn.
func (s *Streamer) Pause() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.stopping && len(s.pending) > 0 {
		s.cutLocked(len(s.pending), "paused")
	}
	s.endSilenceLocked((s.pendStart + int64(len(s.pending))) * 1000 / SampleRate)
	s.queue = append(s.queue, job{win: Window{Cut: "turn-break"}, partial: false, samples: nil})
	s.wake()
}

// Stop cuts the last window, waits until every window is transcribed and returns
// the final transcript. It returns early with ctx's error if ctx ends first (the
// work goes on until Close).
func (s *Streamer) Stop(ctx context.Context) ([]domain.Segment, error) {
	s.mu.Lock()
	if !s.stopping {
		if len(s.pending) > 0 {
			s.cutLocked(len(s.pending), "stop")
		}
		s.stopping = true
		s.wake()
	}
	s.mu.Unlock()
	select {
	case <-s.done:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err == nil && s.ctx.Err() != nil {
		return append([]domain.Segment(nil), s.finals...), s.ctx.Err()
	}
	return append([]domain.Segment(nil), s.finals...), s.err
}

// Close cancels the work in progress and waits for the worker to end.
func (s *Streamer) Close() {
	s.cancel()
	<-s.done
}

// Stats returns the running totals.
func (s *Streamer) Stats() StreamStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// Backlog is the number of final windows cut but not yet transcribed (queued or
// being computed). When it stays above one, transcription is not keeping up.
func (s *Streamer) Backlog() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, j := range s.queue {
		if !j.partial && j.samples != nil {
			n++
		}
	}
	if s.busy {
		n++
	}
	return n
}

// Transcript returns the final segments so far.
func (s *Streamer) Transcript() []domain.Segment {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]domain.Segment(nil), s.finals...)
}

func (s *Streamer) wake() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// work is the worker goroutine: it transcribes queued windows in order.
func (s *Streamer) work() {
	defer close(s.done)
	for {
		s.mu.Lock()
		var j job
		have := len(s.queue) > 0
		if have {
			j = s.queue[0]
			s.queue = s.queue[1:]
			s.busy = !j.partial && j.samples != nil
		}
		stop := !have && s.stopping
		s.mu.Unlock()
		if stop || s.ctx.Err() != nil {
			return
		}
		if !have {
			select {
			case <-s.kick:
			case <-s.ctx.Done():
				return
			}
			continue
		}
		switch {
		case j.win.Cut == "turn-break":
			s.mu.Lock()
			s.turns.Break()
			s.mu.Unlock()
		case j.partial:
			s.partial(j)
		default:
			s.final(j)
		}
		s.mu.Lock()
		s.busy = false
		s.mu.Unlock()
	}
}

func (s *Streamer) options() Options {
	o := s.cfg.Options
	if len(s.cfg.Glossary.Terms) > 0 {
		o.InitialPrompt = BuildPrompt(s.cfg.Glossary, "").Text
	}
	return o
}

func (s *Streamer) transcribe(ctx context.Context, prio Priority, j job) ([]domain.Segment, time.Duration, error) {
	var segs []domain.Segment
	var compute time.Duration
	err := s.sched.Run(ctx, prio, func(ctx context.Context) error {
		t0 := time.Now()
		var err error
		segs, err = s.cfg.Engine.Transcribe(ctx, j.samples, s.options())
		compute = time.Since(t0)
		return err
	})
	// Whisper reports times relative to the window and may run past its end
	// (padding): place them in the recording, inside the window.
	startMS := j.start * 1000 / SampleRate
	endMS := startMS + int64(len(j.samples))*1000/SampleRate
	for i := range segs {
		segs[i].StartMS = clamp(segs[i].StartMS+startMS, startMS, endMS)
		segs[i].EndMS = clamp(segs[i].EndMS+startMS, segs[i].StartMS, endMS)
	}
	return segs, compute, err
}

func (s *Streamer) partial(j job) {
	if j.win.EndMS-j.win.StartMS < 1000 || countTrue(j.flags) == 0 {
		return
	}
	ctx, cancel := context.WithCancel(s.ctx)
	s.mu.Lock()
	if j.start != s.pendStart || len(s.queue) > 0 {
		// A window was cut since this snapshot, or one waits: the partial is stale.
		s.mu.Unlock()
		cancel()
		return
	}
	s.partCancel = cancel
	s.mu.Unlock()
	segs, _, err := s.transcribe(ctx, PriorityPartial, j)
	s.mu.Lock()
	s.partCancel = nil
	s.mu.Unlock()
	cancel()
	if err != nil {
		return // cancelled for a final window, or failed: the final will tell
	}
	segs, _ = s.guard.Filter(segs, nil, windowSpeech(j))
	s.mu.Lock()
	s.stats.Partials++
	turn := s.turns.cur
	s.mu.Unlock()
	for i := range segs {
		segs[i].ID, segs[i].Turn = -1, turn
	}
	if s.cfg.OnUpdate != nil {
		s.cfg.OnUpdate(Update{Final: false, Window: j.win, Segments: segs})
	}
}

func (s *Streamer) final(j job) {
	var segs []domain.Segment
	var err error
	minSpeech := 150 / FrameMS // less than 150 ms of speech is not a word
	if j.win.SpeechFrames >= minSpeech {
		segs, j.win.Compute, err = s.transcribe(s.ctx, s.prio, j)
	} else {
		j.win.Skipped = true
	}
	s.mu.Lock()
	if err != nil {
		if s.ctx.Err() == nil {
			s.stats.Errors++
			if s.err == nil {
				s.err = fmt.Errorf("transcribe window %d (%d–%d ms): %w", j.win.Index, j.win.StartMS, j.win.EndMS, err)
			}
		}
		s.mu.Unlock()
		return
	}
	kept, gs := s.guard.Filter(segs, s.history, windowSpeech(j))
	if j.win.Skipped {
		gs.SilentWindows++
	}
	for i := range kept {
		if kept[i].StartMS < s.lastEnd {
			kept[i].StartMS = s.lastEnd
		}
		if kept[i].EndMS < kept[i].StartMS {
			kept[i].EndMS = kept[i].StartMS
		}
		s.lastEnd = kept[i].EndMS
		kept[i].ID = len(s.finals) + i
		s.history = append(s.history, normalize(kept[i].Text))
	}
	if len(s.history) > 4 {
		s.history = append([]string(nil), s.history[len(s.history)-4:]...)
	}
	s.turns.Assign(kept, s.silenceLocked)
	s.finals = append(s.finals, kept...)
	s.stats.Guard = s.stats.Guard.Add(gs)
	s.stats.Windows++
	s.stats.AudioMS += j.win.EndMS - j.win.StartMS
	s.stats.Compute += j.win.Compute
	stats := s.stats
	s.mu.Unlock()
	if l := s.cfg.Logger; l != nil {
		l.Info("transcribed window", "index", j.win.Index, "audio_ms", j.win.EndMS-j.win.StartMS,
			"cut", j.win.Cut, "compute_ms", j.win.Compute.Milliseconds(), "segments", len(kept),
			"dropped_no_speech", gs.NoSpeech, "dropped_hallucination", gs.Hallucination,
			"dropped_repetition", gs.Repetition, "collapsed", gs.Collapsed, "silent", j.win.Skipped)
	}
	if s.cfg.OnUpdate != nil {
		s.cfg.OnUpdate(Update{Final: true, Window: j.win, Segments: kept, Stats: stats})
	}
}
