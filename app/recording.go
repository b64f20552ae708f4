package app

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"sync"
	"time"

	"greffier/audio"
	"greffier/audio/portaudio"
	"greffier/domain"
	"greffier/pipeline"
	"greffier/transcribe"
)

// Recording is the Recording screen's service: one live recording at a time, with a
// level meter and the transcript as it comes ("level", "segment" and "recording"
// events).
type Recording struct {
	s  *Services
	mu sync.Mutex
	// cur is the running recording, nil when idle. Its goroutine ends with Stop.
	cur *liveRecording
	// recovered lists the recordings recovered at start (spools.go).
	recovered []RecoveredEvent
	// minWindow is the live transcript's shortest window; 0 is transcribe's
	// default (tests shorten it to get many windows from a short recording).
	minWindow time.Duration
	// noLiveDraft turns incremental drafting off (benchmarks compare).
	noLiveDraft bool
}

type liveRecording struct {
	encID   int64
	rec     *audio.Recorder
	stream  *transcribe.Streamer // nil when no whisper model: record now, transcribe later
	started time.Time
	paused  bool
	notice  string
	done    chan recResult

	// live is the transcript so far: each final window is saved as it arrives.
	liveMu sync.Mutex
	live   []domain.Segment
	// draft prefills the coming draft's prompt window by window (incremental.go);
	// nil when no language model drafts.
	draft *liveDraft
}

type recResult struct {
	rec *audio.Recording
	err error
}

// RecordingStatus is what the Recording screen shows.
type RecordingStatus struct {
	Active      bool   `json:"active"`
	EncounterID int64  `json:"encounter_id"`
	Paused      bool   `json:"paused"`
	StartedAt   int64  `json:"started_at"`
	LiveText    bool   `json:"live_text"` // a whisper model transcribes while recording
	Notice      string `json:"notice,omitempty"`
}

// LevelEvent is the microphone level, about every 50 ms while recording.
type LevelEvent struct {
	RMS  float64 `json:"rms_dbfs"`
	Peak float64 `json:"peak_dbfs"`
	// AtMS is how much audio is recorded so far (pauses removed).
	AtMS int64 `json:"at_ms"`
}

func (r *Recording) status() RecordingStatus {
	c := r.cur
	if c == nil {
		return RecordingStatus{}
	}
	return RecordingStatus{Active: true, EncounterID: c.encID, Paused: c.paused, StartedAt: ms(c.started), LiveText: c.stream != nil, Notice: c.notice}
}

// Status returns the current recording, if any.
func (r *Recording) Status() (RecordingStatus, error) {
	if err := r.s.ready(); err != nil {
		return RecordingStatus{}, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.status(), nil
}

// Start records the encounter from device ("" for the default input). The encounter
// must carry the patient's consent.
func (r *Recording) Start(encID int64, device string) (RecordingStatus, error) {
	if err := r.s.ready(); err != nil {
		return RecordingStatus{}, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cur != nil {
		return r.status(), r.s.fail(domain.Errorf(domain.EConflict, "encounter %d is already being recorded", r.cur.encID))
	}
	c, err := r.start(encID, device)
	if err != nil {
		return RecordingStatus{}, r.s.fail(err)
	}
	r.cur = c
	st := r.status()
	r.s.emit("recording", st)
	return st, nil
}

func (r *Recording) start(encID int64, device string) (*liveRecording, error) {
	ctx := r.s.ctx
	x, err := r.s.db.GetEncounter(ctx, encID)
	if err != nil {
		return nil, err
	}
	if x.Consent == nil {
		return nil, domain.Errorf(domain.EConflict, "encounter %d has no recorded consent", encID)
	}
	c := &liveRecording{encID: encID, started: time.Now(), done: make(chan recResult, 1)}
	if w, err := r.s.liveEngine(); err == nil {
		lang := string(pipeline.SpokenLanguage(domain.LangAuto, w.Multilingual()))
		c.stream, err = transcribe.NewStreamer(ctx, transcribe.StreamConfig{
			Engine: w, Scheduler: &r.s.sched, Options: transcribe.Options{Language: lang, Threads: r.s.cfg.Threads},
			MinWindow: r.minWindow,
			OnUpdate: func(u transcribe.Update) {
				if u.Final {
					r.saveWindow(ctx, c, u)
				}
			},
		})
		if err != nil {
			return nil, err
		}
	} else {
		c.notice = r.s.userError(err).Message
	}
	// The spool is sealed from its first block under a key of its own.
	fk, err := r.s.db.NewFileKey(ctx, encID)
	if err != nil {
		c.closeStream()
		return nil, err
	}
	src, err := portaudio.OpenDevice(portaudio.DeviceOptions{Name: device})
	if err != nil {
		c.closeStream()
		return nil, domain.Wrap(domain.EUnavailable, err, "cannot open the microphone")
	}
	if sel := src.Selection(); sel.Fallback {
		c.notice = sel.Notice
	}
	dir := filepath.Join(r.s.cfg.Dirs.Recordings(), fmt.Sprintf("encounter-%d", encID))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		src.Close()
		c.closeStream()
		return nil, domain.Wrap(domain.EUnavailable, err, "cannot create %s", dir)
	}
	opts := audio.Options{Dir: dir, Name: fmt.Sprintf("rec-%d", time.Now().UnixNano()), Device: src.Selection().Device.Name,
		OnEvent: r.onEvent, Seal: fk.Spool, KeyID: fk.ID}
	if c.stream != nil {
		opts.OnAudio = func(b []float32) { _ = c.stream.Write(b) }
	}
	rec, err := audio.NewRecorder(audio.Consent{By: "patient (" + x.Consent.Kind + ")", At: x.Consent.At, Encounter: fmt.Sprint(encID)}, src, opts)
	if err != nil {
		src.Close()
		c.closeStream()
		return nil, err
	}
	c.rec = rec
	if c.stream != nil && !r.noLiveDraft {
		c.draft = r.s.startLiveDraft(x)
	}
	go func() {
		res, err := rec.Run(ctx)
		c.done <- recResult{res, err}
	}()
	return c, nil
}

// saveWindow saves the transcript so far when a window is final, so that a crash
// loses none of what was already transcribed; it does not wait for the end, nor
// depend on the audio being kept.
func (r *Recording) saveWindow(ctx context.Context, c *liveRecording, u transcribe.Update) {
	c.liveMu.Lock()
	c.live = append(c.live, u.Segments...)
	err := r.s.db.SaveLiveSegments(ctx, c.encID, c.live)
	total := len(c.live)
	c.liveMu.Unlock()
	c.draft.add(u.Segments)
	if err != nil {
		log.Printf("save live transcript of encounter %d: %v", c.encID, err)
		total = -1
	}
	for _, seg := range u.Segments {
		r.s.emit("segment", SegmentEvent{EncounterID: c.encID, Segment: seg})
	}
	r.s.emit("window", WindowEvent{EncounterID: c.encID, Index: u.Window.Index, EndMS: u.Window.EndMS, Saved: total})
}

// WindowEvent says that a window of the live transcript is final and saved: the
// transcript up to EndMS (recorded time) is safe. Saved is how many segments are
// saved in all, -1 if saving failed.
type WindowEvent struct {
	EncounterID int64 `json:"encounter_id"`
	Index       int   `json:"index"`
	EndMS       int64 `json:"end_ms"`
	Saved       int   `json:"saved"`
}

// LiveEngine transcribes live recordings: whisper, or Config.LiveEngine.
type LiveEngine interface {
	transcribe.Engine
	Multilingual() bool
}

func (s *Services) liveEngine() (LiveEngine, error) {
	if s.cfg.LiveEngine != nil {
		return s.cfg.LiveEngine, nil
	}
	return s.whisper()
}

func (c *liveRecording) closeStream() {
	if c.stream != nil {
		c.stream.Close()
	}
}

func (r *Recording) onEvent(e audio.Event) {
	switch e.Kind {
	case audio.EventLevel:
		r.s.emit("level", LevelEvent{RMS: e.RMSdBFS, Peak: e.PeakdBFS, AtMS: e.At.Milliseconds()})
	case audio.EventNoSignal, audio.EventError, audio.EventClipping:
		r.s.emit("audio", map[string]string{"kind": string(e.Kind), "message": e.Message})
	}
}

// Pause stops capturing until Resume; paused time is not recorded.
func (r *Recording) Pause() (RecordingStatus, error) {
	if err := r.s.ready(); err != nil {
		return RecordingStatus{}, err
	}
	return r.setPaused(true)
}

// Resume continues a paused recording.
func (r *Recording) Resume() (RecordingStatus, error) {
	if err := r.s.ready(); err != nil {
		return RecordingStatus{}, err
	}
	return r.setPaused(false)
}

func (r *Recording) setPaused(p bool) (RecordingStatus, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.cur
	if c == nil {
		return RecordingStatus{}, r.s.fail(domain.Errorf(domain.EConflict, "nothing is being recorded"))
	}
	if p {
		c.rec.Pause()
		if c.stream != nil {
			c.stream.Pause()
		}
	} else {
		c.rec.Resume()
	}
	c.paused = p
	st := r.status()
	r.s.emit("recording", st)
	return st, nil
}

// Bookmark marks the current moment of the recording.
func (r *Recording) Bookmark(label string) (audio.Bookmark, error) {
	if err := r.s.ready(); err != nil {
		return audio.Bookmark{}, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cur == nil {
		return audio.Bookmark{}, r.s.fail(domain.Errorf(domain.EConflict, "nothing is being recorded"))
	}
	b, err := r.cur.rec.Bookmark(label)
	return b, r.s.fail(err)
}

// Stop ends the recording, then (as a job) finishes the transcript and saves it.
func (r *Recording) Stop() (Job, error) {
	if err := r.s.ready(); err != nil {
		return Job{}, err
	}
	r.mu.Lock()
	c := r.cur
	r.cur = nil
	r.mu.Unlock()
	if c == nil {
		return Job{}, r.s.fail(domain.Errorf(domain.EConflict, "nothing is being recorded"))
	}
	c.rec.Stop()
	r.s.emit("recording", RecordingStatus{})
	return r.s.jobs.start("transcribe", c.encID, func(ctx context.Context, progress func(string, float64)) error {
		return r.finish(ctx, c, progress)
	}), nil
}

func (r *Recording) finish(ctx context.Context, c *liveRecording, progress func(string, float64)) error {
	defer c.closeStream()
	progress("save", 0.1)
	res := <-c.done
	// Keeping the audio and saving the transcript do not depend on each other: a
	// full disk that stops one still lets the other try.
	var errs []error
	keepErr := r.keepResult(ctx, res.rec)
	captured := time.Duration(0)
	if res.rec != nil {
		captured = res.rec.Duration.Round(time.Second)
	}
	switch {
	case res.err != nil && keepErr != nil:
		errs = append(errs, domain.Wrap(domain.EUnavailable, errors.Join(res.err, keepErr),
			"the recording stopped on a failure (is the disk full?); the %s captured is kept encrypted in its spool and filed with the encounter at the next start", captured))
	case res.err != nil:
		errs = append(errs, domain.Wrap(domain.EUnavailable, res.err, "the recording stopped on a failure; the %s captured is kept with the encounter", captured))
	case keepErr != nil:
		errs = append(errs, keepErr)
	}
	if c.stream != nil {
		progress("transcribe", 0.5)
		segs, err := c.stream.Stop(ctx)
		if err == nil {
			if segs == nil {
				segs = []domain.Segment{}
			}
			err = r.s.db.SaveSegments(ctx, c.encID, segs)
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	// The last window is in: the drafter waits, prefilling it, for this
	// encounter's draft.
	if c.draft.end() && len(errs) == 0 {
		r.s.llm.park(c.draft)
	} else {
		c.draft.close()
	}
	return errors.Join(errs...)
}

// keepResult keeps the sealed spool a recorder left (nil or none: nothing to do).
func (r *Recording) keepResult(ctx context.Context, rec *audio.Recording) error {
	if rec == nil || rec.Spool == "" {
		return nil
	}
	_, err := r.s.keepSpool(ctx, rec.Spool)
	return err
}

// stopAll ends a running recording when the window closes or the app quits: the
// audio is kept and filed with the encounter, with the transcript saved so far (the
// rest can be transcribed again from the kept audio). Whatever this cannot finish,
// the spool keeps for the next start.
func (r *Recording) stopAll() {
	r.mu.Lock()
	c := r.cur
	r.cur = nil
	r.mu.Unlock()
	if c == nil {
		return
	}
	c.rec.Stop()
	res := <-c.done
	c.closeStream()
	c.draft.close()
	// The window's context may already be cancelled: this work must still be done.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.s.ctx), 30*time.Second)
	defer cancel()
	if err := r.keepResult(ctx, res.rec); err != nil {
		log.Printf("keep the recording of encounter %d at exit: %v", c.encID, err)
	}
	if _, err := r.repairState(ctx, c.encID); err != nil {
		log.Printf("transcript of encounter %d at exit: %v", c.encID, err)
	}
}
