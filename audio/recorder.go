package audio

import (
	"context"
	"crypto/cipher"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"greffier/domain"
)

// EventKind says what an Event reports.
type EventKind string

const (
	EventStarted  EventKind = "started"   // the first audio arrived: the recording is live
	EventLevel    EventKind = "level"     // RMS and peak of the last window
	EventClipping EventKind = "clipping"  // samples at full scale in the last window
	EventNoSignal EventKind = "no_signal" // digital silence for SilenceAfter: muted or wrong input
	EventSignal   EventKind = "signal"    // signal back after a no_signal warning
	EventPaused   EventKind = "paused"
	EventResumed  EventKind = "resumed"
	EventBookmark EventKind = "bookmark"
	EventError    EventKind = "error" // the recording stopped on a failure; what was captured is kept
	EventStopped  EventKind = "stopped"
)

// Event is something a running Recorder reports. At is the recorded time (pauses
// removed) when it happened.
type Event struct {
	Kind     EventKind
	At       time.Duration
	RMSdBFS  float64 // level events; -inf dB is reported as -120
	PeakdBFS float64
	Clipped  int // clipping events: samples at full scale
	Message  string
	Err      error
}

// EventFunc receives a Recorder's events on its capture goroutine: it must return
// quickly (hand the event to a channel or a UI queue).
type EventFunc func(Event)

// Options configure a Recorder. Zero values are the documented defaults.
type Options struct {
	Dir    string // where the spool and the finished recording go (required)
	Name   string // base name of the files; default rec-YYYYMMDDTHHMMSSZ
	Device string // the input's name, kept in the recording's metadata
	// OnEvent receives events; OnAudio receives each block of recorded 16 kHz mono
	// audio (for live transcription), not while paused. Both run on the capture
	// goroutine and may be nil.
	OnEvent EventFunc
	OnAudio func([]float32)
	// SyncEvery is how often the spool is fsynced (default 500 ms; at most 1 s of
	// audio is lost if the power goes). LevelEvery is the level event interval
	// (default 50 ms). SilenceAfter is the digital-silence warning delay (default 10 s).
	SyncEvery    time.Duration
	LevelEvery   time.Duration
	SilenceAfter time.Duration
	Now          func() time.Time
	// Seal, if set, encrypts the spool's audio and bookmarks from the first block
	// (seal.go), under the file key KeyID names (kept in the header). Run then
	// leaves the finished spool for the caller to keep, instead of a clear WAV.
	Seal  cipher.AEAD
	KeyID int64
}

// Recording is a finished (or recovered) recording.
type Recording struct {
	WAV   string // 16 kHz mono 16-bit WAV; empty if it could not be written
	Meta  string // JSON metadata beside it
	Spool string // set when the spool was kept because the WAV could not be written
	// Samples at 16 kHz; Duration is the same as a time.
	Samples   int64
	Duration  time.Duration
	Bookmarks []Bookmark
	Recovered bool
}

// Source delivers captured audio: interleaved float32 frames at its native rate.
// Read blocks until the next buffer is captured and returns it; the slice is only
// valid until the next Read. Read and Close are called from one goroutine.
type Source interface {
	Rate() int
	Channels() int
	Read() ([]float32, error)
	Close() error
}

// Recorder captures one recording from a Source into a crash-safe spool, then
// turns it into a WAV. Run it once; Pause, Resume, Bookmark and Stop may be called
// from any goroutine while it runs.
type Recorder struct {
	consent Consent
	src     Source
	o       Options
	name    string

	mu        sync.Mutex
	paused    bool
	stopped   bool
	spool     *spoolWriter
	written   int64 // samples in the spool
	bookmarks []Bookmark
	stopCh    chan struct{}
	running   bool
}

// blockSamples is the audio per spool block: 100 ms.
const blockSamples = TargetRate / 10

// NewRecorder prepares a recording from src. Consent is required: without who
// agreed and when, there is no recorder.
func NewRecorder(c Consent, src Source, o Options) (*Recorder, error) {
	if strings.TrimSpace(c.By) == "" || c.At.IsZero() {
		return nil, domain.Errorf(domain.EForbidden, "recording needs the patient's consent: who recorded it (By) and when (At)")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if c.At.After(o.Now().Add(5 * time.Minute)) {
		return nil, domain.Errorf(domain.EInvalid, "consent time %s is in the future", c.At.Format(time.RFC3339))
	}
	if src == nil {
		return nil, fmt.Errorf("new recorder: nil source")
	}
	if o.Dir == "" {
		return nil, domain.Errorf(domain.EInvalid, "recording needs an output folder")
	}
	if o.SyncEvery <= 0 {
		o.SyncEvery = 500 * time.Millisecond
	}
	if o.LevelEvery <= 0 {
		o.LevelEvery = 50 * time.Millisecond
	}
	if o.SilenceAfter <= 0 {
		o.SilenceAfter = 10 * time.Second
	}
	name := o.Name
	if name == "" {
		name = "rec-" + o.Now().UTC().Format("20060102T150405Z")
	}
	if strings.ContainsAny(name, `/\`) || name == "." || name == ".." {
		return nil, domain.Errorf(domain.EInvalid, "bad recording name %q", name)
	}
	return &Recorder{consent: c, src: src, o: o, name: name, stopCh: make(chan struct{})}, nil
}

// Pause stops recording audio until Resume; paused time is not in the recording.
func (r *Recorder) Pause() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.paused = true
}

// Resume continues a paused recording.
func (r *Recorder) Resume() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.paused = false
}

// Bookmark marks the current moment of the recording.
func (r *Recorder) Bookmark(label string) (Bookmark, error) {
	r.mu.Lock()
	if !r.running || r.spool == nil {
		r.mu.Unlock()
		return Bookmark{}, domain.Errorf(domain.EConflict, "no recording is running")
	}
	b := Bookmark{AtMS: r.written * 1000 / TargetRate, Label: label}
	err := r.spool.block(kindBookmark, r.written, mustJSON(b))
	if err == nil {
		r.bookmarks = append(r.bookmarks, b)
	}
	at := samplesToDuration(r.written)
	r.mu.Unlock()
	if err != nil {
		return Bookmark{}, domain.Wrap(domain.EUnavailable, err, "cannot save bookmark")
	}
	r.emit(Event{Kind: EventBookmark, At: at, Message: label})
	return b, nil
}

// Stop ends the recording; Run then finishes and returns it.
func (r *Recorder) Stop() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.stopped {
		r.stopped = true
		close(r.stopCh)
	}
}

// emit hands an event to OnEvent. It is never called with r.mu held, so the
// handler may call Pause, Resume, Bookmark or Stop.
func (r *Recorder) emit(e Event) {
	if r.o.OnEvent != nil {
		r.o.OnEvent(e)
	}
}

// Run records until Stop, ctx's end, or a failure, then writes the WAV and its
// metadata and removes the spool. It closes the source. A failure mid-recording
// (device lost, disk full) still returns the Recording of what was captured, with
// the error. Run may be called only once.
func (r *Recorder) Run(ctx context.Context) (*Recording, error) {
	wav := filepath.Join(r.o.Dir, r.name+".wav")
	r.mu.Lock()
	again := r.spool != nil
	r.mu.Unlock()
	if again {
		return nil, fmt.Errorf("recorder %s: Run called twice", r.name)
	}
	if _, err := os.Stat(wav); err == nil {
		r.src.Close()
		return nil, domain.Errorf(domain.EConflict, "recording %s already exists", wav)
	}
	hdr := SpoolHeader{Version: 1, Rate: TargetRate, Consent: r.consent, Device: r.o.Device, StartedAt: r.o.Now().UTC(), KeyID: r.o.KeyID}
	sw, err := createSpool(filepath.Join(r.o.Dir, r.name+spoolExt), hdr, r.o.Seal, r.o.SyncEvery, r.o.Now)
	if err != nil {
		r.src.Close()
		return nil, domain.Wrap(domain.EUnavailable, err, "cannot record into folder %s", r.o.Dir)
	}
	r.mu.Lock()
	r.spool, r.running = sw, true
	r.mu.Unlock()

	runErr := r.capture(ctx)
	r.src.Close()

	r.mu.Lock()
	r.running = false
	closeErr := sw.finish(r.written)
	r.mu.Unlock()
	defer sw.release()
	if runErr == nil && closeErr != nil {
		runErr = domain.Wrap(domain.EUnavailable, closeErr, "recording stopped: cannot write to disk")
		r.emit(Event{Kind: EventError, At: samplesToDuration(r.written), Message: runErr.Error(), Err: runErr})
	}
	if r.o.Seal != nil {
		rec := &Recording{Spool: sw.path, Samples: r.written, Duration: samplesToDuration(r.written), Bookmarks: r.bookmarks}
		r.emit(Event{Kind: EventStopped, At: rec.Duration})
		return rec, runErr
	}
	rec, ferr := finalize(sw.path, false)
	if ferr != nil {
		rec = &Recording{Spool: sw.path, Samples: r.written, Duration: samplesToDuration(r.written), Bookmarks: r.bookmarks}
		if runErr == nil {
			runErr = domain.Wrap(domain.EUnavailable, ferr, "recording kept in %s but the WAV could not be written", sw.path)
		}
	}
	r.emit(Event{Kind: EventStopped, At: rec.Duration, Message: rec.WAV})
	return rec, runErr
}

// capture is the read loop. It returns why capture ended badly, or nil.
func (r *Recorder) capture(ctx context.Context) error {
	rs, err := NewResampler(r.src.Rate(), TargetRate)
	if err != nil {
		return domain.Wrap(domain.EInvalid, err, "audio input")
	}
	lv := newLevels(r.src.Rate(), r.src.Channels(), r.o.LevelEvery, r.o.SilenceAfter)
	var mono, out []float32
	wasPaused, started := false, false
	// On stop, what the device has already captured is still read (up to what
	// was there when the stop came), so the last words are not lost.
	drain := -1 // frames left to read after a stop; -1 while running
	for {
		if drain < 0 {
			select {
			case <-ctx.Done():
				drain = r.available()
			case <-r.stopCh:
				drain = r.available()
			default:
			}
		}
		if drain == 0 {
			return r.flushTail(rs, out)
		}
		buf, err := r.src.Read()
		if err != nil {
			if ferr := r.flushTail(rs, out); ferr != nil {
				return ferr
			}
			r.emit(Event{Kind: EventError, At: samplesToDuration(r.written), Message: "recording stopped: audio input failed", Err: err})
			return err
		}
		if drain > 0 {
			drain = max(0, drain-len(buf)/r.src.Channels())
		}
		if !started {
			started = true
			r.emit(Event{Kind: EventStarted})
		}
		r.mu.Lock()
		paused := r.paused
		r.mu.Unlock()
		if paused != wasPaused {
			wasPaused = paused
			if paused {
				// Keep everything up to the pause, then start the filter afresh.
				if err := r.flushTail(rs, out); err != nil {
					return err
				}
				out = out[:0]
				rs.Reset()
			}
			if err := r.marker(paused); err != nil {
				return err
			}
		}
		if paused {
			continue
		}
		for _, e := range lv.add(buf, samplesToDuration(r.written+int64(len(out)))) {
			r.emit(e)
		}
		mono = toMono(mono[:0], buf, r.src.Channels())
		out = rs.Process(out, mono)
		if len(out) >= blockSamples {
			if err := r.write(out); err != nil {
				return err
			}
			out = out[:0]
		}
	}
}

func (r *Recorder) marker(paused bool) error {
	kind, ev := kindResume, EventResumed
	if paused {
		kind, ev = kindPause, EventPaused
	}
	r.mu.Lock()
	err := r.spool.block(kind, r.written, nil)
	at := samplesToDuration(r.written)
	r.mu.Unlock()
	if err != nil {
		return r.diskFailure(err, at)
	}
	r.emit(Event{Kind: ev, At: at})
	return nil
}

// available is how many captured frames a source holds unread, for sources that
// can tell (PortAudio); others are not drained.
func (r *Recorder) available() int {
	if a, ok := r.src.(interface{ Available() int }); ok {
		return max(0, a.Available())
	}
	return 0
}

// flushTail writes what the resampler still holds and the pending block.
func (r *Recorder) flushTail(rs *Resampler, out []float32) error {
	return r.write(rs.Flush(out))
}

func (r *Recorder) write(samples []float32) error {
	if len(samples) == 0 {
		return nil
	}
	r.mu.Lock()
	err := r.spool.audio(r.written, samples)
	if err == nil {
		r.written += int64(len(samples))
	}
	at := samplesToDuration(r.written)
	r.mu.Unlock()
	if err != nil {
		return r.diskFailure(err, at)
	}
	if r.o.OnAudio != nil {
		r.o.OnAudio(samples)
	}
	return nil
}

// diskFailure reports a spool write failure (disk full, folder gone).
func (r *Recorder) diskFailure(err error, at time.Duration) error {
	e := domain.Wrap(domain.EUnavailable, err, "recording stopped: cannot write to disk; the %s recorded so far is kept", at.Round(time.Millisecond))
	r.emit(Event{Kind: EventError, At: at, Message: e.Message, Err: e})
	return e
}

func samplesToDuration(n int64) time.Duration {
	return time.Duration(n) * time.Second / TargetRate
}
