package whisper_test

import (
	"context"
	"testing"
	"time"

	"greffier/audio"
	"greffier/transcribe"
	"greffier/transcribe/transcribetest"
	"greffier/transcribe/whisper"
)

// jfkTimes is real speech long enough for several windows: jfk.wav n times with a
// second of room noise between (11 s each).
func jfkTimes(t testing.TB, n int) []float32 {
	jfk, err := audio.Importer{}.LoadFile(transcribetest.JFKPath(t))
	if err != nil {
		t.Fatal(err)
	}
	var x []float32
	gap := make([]float32, transcribe.SampleRate)
	for i := range gap {
		gap[i] = float32((i*7919)%200-100) * 1e-5 // faint noise, not digital silence
	}
	for i := range n {
		if i > 0 {
			x = append(x, gap...)
		}
		x = append(x, jfk...)
	}
	return x
}

// TestStreamRealSpeechWhisper streams real speech through the real whisper engine
// (an empty tiny.en model: full compute, meaningless text). An empty model writes
// few or no words, so coverage is asserted on the windows — the stretches of audio
// the engine was given, which must tile the recording exactly — and on whatever
// segments come back: monotonic, inside their windows, never overlapping.
func TestStreamRealSpeechWhisper(t *testing.T) {
	if testing.Short() {
		t.Skip("runs whisper on 35 s of audio")
	}
	eng, err := whisper.Load(transcribetest.EmptyModel(t, "tiny.en"))
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	x := jfkTimes(t, 3)
	var col transcribetest.Collector
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	st, err := transcribe.NewStreamer(ctx, transcribe.StreamConfig{Engine: eng, OnUpdate: col.Add,
		Options: transcribe.Options{Language: "en", Threads: 2}})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	// The whole recording arrives and the worker catches up with the windows cut so
	// far, as it does during a visit when transcription is faster than speech; the
	// audio since the last cut (the last jfk.wav) waits for stop.
	if err := transcribe.Feed(ctx, st, x, 0, 100*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	for st.Backlog() > 0 {
		select {
		case <-ctx.Done():
			t.Fatal("worker never caught up")
		case <-time.After(50 * time.Millisecond):
		}
	}
	before := st.Stats().Windows
	t0 := time.Now()
	segs, err := st.Stop(ctx)
	latency := time.Since(t0)
	if err != nil {
		t.Fatal(err)
	}
	totalMS := int64(len(x)) * 1000 / transcribe.SampleRate
	transcribetest.CheckWindows(t, col.Finals, totalMS)
	transcribetest.CheckSegments(t, col.Finals)
	if len(col.Finals) < 2 {
		t.Errorf("%d windows over %d ms", len(col.Finals), totalMS)
	}
	for _, u := range col.Finals[:len(col.Finals)-1] {
		if u.Window.Cut != "pause" {
			t.Errorf("window %d cut %q, want at a pause in real speech", u.Window.Index, u.Window.Cut)
		}
	}
	after := len(col.Finals) - before
	last := col.Finals[len(col.Finals)-1].Window
	if after != 1 || last.Cut != "stop" || last.Skipped {
		t.Fatalf("%d windows transcribed after stop (last %+v), want exactly the final one", after, last)
	}
	// Stop returned once that one window was computed: its engine time plus
	// bookkeeping, not a second window's worth.
	if latency > last.Compute+last.Compute/2+500*time.Millisecond {
		t.Errorf("stop took %v; the last window's compute was %v", latency, last.Compute)
	}
	var n int
	for _, u := range col.Finals {
		n += len(u.Segments)
	}
	if n != len(segs) {
		t.Errorf("Stop returned %d segments, updates carried %d", len(segs), n)
	}
	for _, u := range col.Finals {
		t.Logf("window %+v: %d segments", u.Window, len(u.Segments))
	}
	t.Logf("%d windows, %d segments, stop latency %v (last window %d ms of audio, compute %v), guard %v",
		len(col.Finals), len(segs), latency, last.EndMS-last.StartMS, last.Compute, st.Stats().Guard)
}
