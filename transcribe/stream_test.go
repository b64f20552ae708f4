package transcribe_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"greffier/domain"
	"greffier/transcribe"
	"greffier/transcribe/transcribetest"
)

// toneEngine is a test double for whisper used where the test needs to know which
// words the audio holds: an empty whisper model (no weights) produces no words, and
// no real model can be downloaded here. It is a perfect recogniser for the
// synthetic "speech" made by wordsAudio: each word is a tone burst whose frequency
// says which word it is; it reports one segment per burst it hears, with exact
// times, and sleeps delay per call to stand in for compute.
type toneEngine struct {
	delay time.Duration
	extra func(samples []float32) []domain.Segment // more segments to return (guards)

	mu        sync.Mutex
	calls     int
	running   int32
	overlap   bool
	cancelled int
	lengths   []int
}

func (e *toneEngine) Transcribe(ctx context.Context, samples []float32, _ transcribe.Options) ([]domain.Segment, error) {
	if atomic.AddInt32(&e.running, 1) > 1 {
		e.mu.Lock()
		e.overlap = true
		e.mu.Unlock()
	}
	defer atomic.AddInt32(&e.running, -1)
	e.mu.Lock()
	e.calls++
	e.lengths = append(e.lengths, len(samples))
	e.mu.Unlock()
	if e.delay > 0 {
		t := time.NewTimer(e.delay)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			e.mu.Lock()
			e.cancelled++
			e.mu.Unlock()
			return nil, ctx.Err()
		}
	}
	segs := detectBursts(samples)
	if e.extra != nil {
		segs = append(segs, e.extra(samples)...)
	}
	return segs, nil
}

// detectBursts finds tone bursts (10 ms blocks above -30 dBFS) and names each by
// its frequency: word k is at 300 + 10k Hz.
func detectBursts(x []float32) []domain.Segment {
	const blk = transcribe.SampleRate / 100
	var segs []domain.Segment
	start := -1
	flush := func(end int) {
		// Frequency from the first to the last zero crossing: exact whatever the
		// burst's alignment with the 10 ms blocks.
		cross, first, last := 0, -1, -1
		for i := max(start*blk, 3); i < end*blk-3; i++ {
			// skip the noise's own crossings around the burst
			if (x[i] >= 0) != (x[i-1] >= 0) && math.Abs(float64(x[i-3])) > 0.02 && math.Abs(float64(x[i+3])) > 0.02 {
				cross++
				if first < 0 {
					first = i
				}
				last = i
			}
		}
		freq := 0.0
		if last > first {
			freq = float64(cross-1) / 2 / (float64(last-first) / transcribe.SampleRate)
		}
		k := int(math.Round((freq - 300) / 10))
		segs = append(segs, domain.Segment{StartMS: int64(start * 10), EndMS: int64(end * 10),
			Text: fmt.Sprintf("w%d", k), TokenProb: 0.9, MinTokenProb: 0.8, NoSpeechProb: 0.01})
		start = -1
	}
	for b := 0; (b+1)*blk <= len(x); b++ {
		var e float64
		for _, s := range x[b*blk : (b+1)*blk] {
			e += float64(s) * float64(s)
		}
		loud := 10*math.Log10(e/blk+1e-12) > -30
		switch {
		case loud && start < 0:
			start = b
		case !loud && start >= 0:
			flush(b)
		}
	}
	if start >= 0 {
		flush(len(x) / blk)
	}
	return segs
}

type word struct{ startMS, endMS int64 }

// wordsAudio makes n "words": 400 ms tone bursts 150 ms apart, with a 700 ms pause
// after every 6th word, over faint noise. It returns the audio and each word's span.
func wordsAudio(n int) ([]float32, []word) {
	const sr = transcribe.SampleRate
	var x []float32
	var words []word
	seed := uint32(1)
	noise := func() float32 {
		seed = seed*1664525 + 1013904223
		return (float32(seed>>8)/float32(1<<24) - 0.5) * 0.002
	}
	add := func(ms int, freq float64) {
		for i := 0; i < ms*sr/1000; i++ {
			v := noise()
			if freq > 0 {
				v += float32(0.3 * math.Sin(2*math.Pi*freq*float64(i)/sr))
			}
			x = append(x, v)
		}
	}
	add(500, 0)
	for k := 0; k < n; k++ {
		start := int64(len(x) * 1000 / sr)
		add(400, 300+10*float64(k))
		words = append(words, word{start, start + 400})
		if k%6 == 5 {
			add(700, 0)
		} else {
			add(150, 0)
		}
	}
	add(500, 0)
	return x, words
}

func TestStreamNoWordLostOrDuplicated(t *testing.T) {
	audio, words := wordsAudio(160) // about 95 s
	eng := &toneEngine{}
	var col transcribetest.Collector
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	st, err := transcribe.NewStreamer(ctx, transcribe.StreamConfig{Engine: eng, OnUpdate: col.Add})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := transcribe.Feed(ctx, st, audio, 0, 100*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	segs, err := st.Stop(ctx)
	if err != nil {
		t.Fatal(err)
	}
	totalMS := int64(len(audio)) * 1000 / transcribe.SampleRate
	transcribetest.CheckWindows(t, col.Finals, totalMS)
	transcribetest.CheckSegments(t, col.Finals)
	if len(col.Finals) < 4 {
		t.Errorf("%d windows for %d ms of audio; want cuts at pauses", len(col.Finals), totalMS)
	}
	for _, u := range col.Finals[:len(col.Finals)-1] {
		if u.Window.Cut != "pause" {
			t.Errorf("window %d cut %q, want at a pause", u.Window.Index, u.Window.Cut)
		}
	}
	if len(segs) != len(words) {
		t.Fatalf("%d segments, want %d words", len(segs), len(words))
	}
	for k, s := range segs {
		if want := fmt.Sprintf("w%d", k); s.Text != want {
			t.Fatalf("segment %d is %q, want %q (a word lost, split or duplicated)", k, s.Text, want)
		}
		if d := s.StartMS - words[k].startMS; d < -10 || d > 10 {
			t.Errorf("word %d at %d ms, audio has it at %d ms", k, s.StartMS, words[k].startMS)
		}
	}
	if st := st.Stats(); st.Windows != len(col.Finals) || st.AudioMS != totalMS || st.ForcedCuts != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestStreamForcedCutInUnbrokenSound(t *testing.T) {
	// 75 s of unbroken "speech": a tone whose level alternates every 200 ms like
	// syllables, never falling silent, so there is no pause to cut at.
	audio := make([]float32, 75*transcribe.SampleRate)
	for i := range audio {
		amp := 0.4
		if (i/(transcribe.SampleRate/5))%2 == 1 {
			amp = 0.06
		}
		audio[i] = float32(amp * math.Sin(2*math.Pi*440*float64(i)/transcribe.SampleRate))
	}
	eng := &toneEngine{}
	var col transcribetest.Collector
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	st, err := transcribe.NewStreamer(ctx, transcribe.StreamConfig{Engine: eng, OnUpdate: col.Add})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := transcribe.Feed(ctx, st, audio, 0, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	transcribetest.CheckWindows(t, col.Finals, 75000)
	transcribetest.CheckSegments(t, col.Finals)
	if got := st.Stats().ForcedCuts; got < 2 {
		t.Errorf("%d forced cuts in 75 s of unbroken sound, want >= 2", got)
	}
	for _, n := range eng.lengths {
		if n > 30*transcribe.SampleRate {
			t.Errorf("engine got %d samples, more than 30 s", n)
		}
	}
}

func TestStreamSkipsSilence(t *testing.T) {
	audio := make([]float32, 50*transcribe.SampleRate) // digital silence
	eng := &toneEngine{}
	var col transcribetest.Collector
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	st, err := transcribe.NewStreamer(ctx, transcribe.StreamConfig{Engine: eng, OnUpdate: col.Add})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := transcribe.Feed(ctx, st, audio, 0, 0); err != nil {
		t.Fatal(err)
	}
	segs, err := st.Stop(ctx)
	if err != nil {
		t.Fatal(err)
	}
	transcribetest.CheckWindows(t, col.Finals, 50000)
	if eng.calls != 0 || len(segs) != 0 {
		t.Errorf("engine called %d times, %d segments, on silence", eng.calls, len(segs))
	}
	if got := st.Stats().Guard.SilentWindows; got != len(col.Finals) || got == 0 {
		t.Errorf("silent windows %d, windows %d", got, len(col.Finals))
	}
}

func TestStreamGuardsAndTurns(t *testing.T) {
	audio, words := wordsAudio(30)
	eng := &toneEngine{extra: func(x []float32) []domain.Segment {
		// whisper's favourite line, at the very end of each window
		n := int64(len(x)) * 1000 / transcribe.SampleRate
		return []domain.Segment{{StartMS: n, EndMS: n, Text: "Thanks for watching!", TokenProb: 0.9}}
	}}
	var col transcribetest.Collector
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var logs bytes.Buffer
	st, err := transcribe.NewStreamer(ctx, transcribe.StreamConfig{Engine: eng, OnUpdate: col.Add,
		MinWindow: 5 * time.Second, TurnPause: 600 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	// Pause in a 150 ms gap between two words of one sentence: only Pause() can
	// start a turn there.
	half := int(words[14].endMS+75) * transcribe.SampleRate / 1000
	if err := transcribe.Feed(ctx, st, audio[:half], 0, 0); err != nil {
		t.Fatal(err)
	}
	st.Pause()
	if err := transcribe.Feed(ctx, st, audio[half:], 0, 0); err != nil {
		t.Fatal(err)
	}
	segs, err := st.Stop(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(segs) != len(words) {
		t.Fatalf("%d segments, want %d (the hallucinated line must go)", len(segs), len(words))
	}
	stats := st.Stats()
	if stats.Guard.Hallucination != eng.calls || eng.calls == 0 {
		t.Errorf("hallucinations dropped %d, engine calls %d", stats.Guard.Hallucination, eng.calls)
	}
	// The log counts what the guards did and never holds the text.
	if n := strings.Count(logs.String(), "dropped_hallucination=1"); n != eng.calls {
		t.Errorf("log reports %d hallucination drops, want %d:\n%s", n, eng.calls, logs.String())
	}
	if strings.Contains(logs.String(), "w1") || strings.Contains(logs.String(), "watching") {
		t.Errorf("transcript text in the log:\n%s", logs.String())
	}
	// Words 150 ms apart share a turn; a 700 ms pause (every 6th word) starts one.
	pauseAt := -1
	for k := 1; k < len(segs); k++ {
		changed := segs[k].Turn != segs[k-1].Turn
		if segs[k].StartMS*int64(transcribe.SampleRate)/1000 >= int64(half) && pauseAt < 0 {
			pauseAt = k
			if !changed {
				t.Errorf("no new turn after Pause() at word %d", k)
			}
			continue
		}
		if want := k%6 == 0; changed != want {
			t.Errorf("word %d: turn changed=%v, want %v", k, changed, want)
		}
	}
	var paused bool
	for _, u := range col.Finals {
		paused = paused || u.Window.Cut == "paused"
	}
	if !paused {
		t.Error("no window cut at Pause()")
	}
}

func TestStreamStopWaitsForOneWindow(t *testing.T) {
	audio, _ := wordsAudio(80) // about 48 s
	eng := &toneEngine{delay: 150 * time.Millisecond}
	var col transcribetest.Collector
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	st, err := transcribe.NewStreamer(ctx, transcribe.StreamConfig{Engine: eng, OnUpdate: col.Add, MinWindow: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	// 16x real time: 3 s of feeding, slow enough for the worker (0.15 s per window)
	// to keep up, as it must with a live recording.
	if err := transcribe.Feed(ctx, st, audio, 16, 100*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	time.Sleep(400 * time.Millisecond) // let the last window cut before stop finish
	eng.mu.Lock()
	before := eng.calls
	eng.mu.Unlock()
	if _, err := st.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if after := eng.calls - before; after != 1 {
		t.Errorf("%d engine calls between stop and the final transcript, want 1", after)
	}
	transcribetest.CheckWindows(t, col.Finals, int64(len(audio))*1000/transcribe.SampleRate)
}

func TestStreamCancelStopsWithinOneWindow(t *testing.T) {
	audio, _ := wordsAudio(120)
	eng := &toneEngine{delay: 10 * time.Second} // a window that would take long
	ctx, cancel := context.WithCancel(context.Background())
	st, err := transcribe.NewStreamer(ctx, transcribe.StreamConfig{Engine: eng, MinWindow: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := transcribe.Feed(ctx, st, audio, 0, 0); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // the first window is being computed
	cancel()
	stopCtx, stopCancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer stopCancel()
	_, err = st.Stop(stopCtx)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Stop after cancel: %v, want context.Canceled", err)
	}
	st.Close()
	if eng.calls != 1 || eng.cancelled != 1 {
		t.Errorf("engine calls %d, cancelled %d; want the one running call cancelled and no more", eng.calls, eng.cancelled)
	}
}

func TestStreamPartials(t *testing.T) {
	audio, _ := wordsAudio(30) // about 17 s, shorter than MinWindow: one final window
	eng := &toneEngine{}
	var col transcribetest.Collector
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	st, err := transcribe.NewStreamer(ctx, transcribe.StreamConfig{Engine: eng, OnUpdate: col.Add, PartialEvery: 4 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := transcribe.Feed(ctx, st, audio, 40, 100*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	segs, err := st.Stop(ctx)
	if err != nil {
		t.Fatal(err)
	}
	col.Lock()
	defer col.Unlock()
	if len(col.Partials) < 2 {
		t.Fatalf("%d partial updates over 17 s with one every 4 s", len(col.Partials))
	}
	prev := 0
	for _, p := range col.Partials {
		if len(p.Segments) < prev {
			t.Errorf("a later partial has fewer words (%d) than an earlier one (%d)", len(p.Segments), prev)
		}
		prev = len(p.Segments)
		for i, s := range p.Segments {
			if s.Text != segs[i].Text {
				t.Errorf("partial word %d %q differs from final %q", i, s.Text, segs[i].Text)
			}
		}
	}
}

func TestSchedulerLiveBeforeImport(t *testing.T) {
	var s transcribe.Scheduler
	ctx := context.Background()
	hold := make(chan struct{})
	started := make(chan struct{})
	go s.Run(ctx, transcribe.PriorityImport, func(context.Context) error { close(started); <-hold; return nil })
	<-started
	var mu sync.Mutex
	var order []string
	var wg sync.WaitGroup
	for i, c := range []struct {
		name string
		p    transcribe.Priority
	}{{"import1", transcribe.PriorityImport}, {"partial", transcribe.PriorityPartial}, {"import2", transcribe.PriorityImport}, {"live", transcribe.PriorityLive}} {
		wg.Add(1)
		go s.Run(ctx, c.p, func(context.Context) error {
			mu.Lock()
			order = append(order, c.name)
			mu.Unlock()
			wg.Done()
			return nil
		})
		for { // queue them in this order
			n := 0
			for _, v := range s.Waiting() {
				n += v
			}
			if n == i+1 {
				break
			}
			time.Sleep(time.Millisecond)
		}
	}
	cctx, ccancel := context.WithCancel(ctx)
	gaveUp := make(chan error)
	go func() {
		gaveUp <- s.Run(cctx, transcribe.PriorityLive, func(context.Context) error { t.Error("cancelled waiter ran"); return nil })
	}()
	for s.Waiting()[transcribe.PriorityLive] != 2 {
		time.Sleep(time.Millisecond)
	}
	ccancel()
	if err := <-gaveUp; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled waiter: %v", err)
	}
	close(hold)
	wg.Wait()
	if got := strings.Join(order, ","); got != "live,partial,import1,import2" {
		t.Errorf("order %s, want live,partial,import1,import2", got)
	}
}

func TestStreamersShareOneEngine(t *testing.T) {
	audio, _ := wordsAudio(60)
	eng := &toneEngine{delay: 20 * time.Millisecond}
	var sched transcribe.Scheduler
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	results := make([][]domain.Segment, 3)
	for i := range results {
		st, err := transcribe.NewStreamer(ctx, transcribe.StreamConfig{Engine: eng, Scheduler: &sched, Import: i == 2, MinWindow: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := transcribe.Feed(ctx, st, audio, 0, 0); err != nil {
				t.Error(err)
			}
			segs, err := st.Stop(ctx)
			if err != nil {
				t.Error(err)
			}
			results[i] = segs
		}()
	}
	wg.Wait()
	if eng.overlap {
		t.Error("two engine calls ran at once")
	}
	for i, r := range results {
		if len(r) != 60 {
			t.Errorf("encounter %d: %d words, want 60", i, len(r))
		}
	}
}
