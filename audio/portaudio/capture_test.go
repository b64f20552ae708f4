package portaudio_test

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"greffier/audio"
	"greffier/audio/audiotest"
	"greffier/audio/portaudio"
	"greffier/domain"
)

// jfk returns the whisper binding's speech sample as 16-bit samples.
func jfk(t testing.TB) []int16 {
	t.Helper()
	return toInt16(loadJFK(t))
}

func loadJFK(t testing.TB) []float32 {
	t.Helper()
	p := jfkPath(t)
	s, err := audio.Importer{}.LoadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func toInt16(s []float32) []int16 {
	out := make([]int16, len(s))
	for i, v := range s {
		out[i] = int16(max(-32768, min(32767, math.Round(float64(v)*32768))))
	}
	return out
}

// recordUntil records from a real device until stop says so (checked after each
// spool block, on the capture goroutine) and returns the finished recording.
func recordUntil(t *testing.T, dev portaudio.DeviceOptions, o audio.Options, stop func(written int64, r *audio.Recorder) bool) (*audio.Recording, []audio.Event, error) {
	t.Helper()
	src, err := portaudio.OpenDevice(dev)
	if err != nil {
		t.Fatalf("open %q: %v", dev.Name, err)
	}
	if sel := src.Selection(); sel.Fallback {
		src.Close()
		t.Fatalf("%s (the PulseAudio device needs libasound2-plugins)", sel.Notice)
	}
	if o.Dir == "" {
		o.Dir = t.TempDir()
	}
	var mu sync.Mutex
	var events []audio.Event
	user := o.OnEvent
	o.OnEvent = func(e audio.Event) {
		mu.Lock()
		events = append(events, e)
		mu.Unlock()
		if user != nil {
			user(e)
		}
	}
	var rec *audio.Recorder
	written := int64(0)
	o.OnAudio = func(s []float32) {
		written += int64(len(s))
		if stop(written, rec) {
			rec.Stop()
		}
	}
	rec, err = audio.NewRecorder(audio.Consent{By: "Dr Test", At: time.Now()}, src, o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	r, err := rec.Run(ctx)
	if ctx.Err() != nil {
		t.Fatal("recording did not stop within 60 s")
	}
	mu.Lock()
	defer mu.Unlock()
	return r, events, err
}

func wavInt16(t testing.TB, path string) []int16 {
	t.Helper()
	s, err := audio.Importer{}.LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return toInt16(s)
}

func firstDiff(a, b []int16) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return -1
}

func TestInputDevices(t *testing.T) {
	devs, err := portaudio.InputDevices()
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]portaudio.Device{}
	for _, d := range devs {
		byName[d.Name] = d
	}
	f16, ok := byName[audiotest.File16]
	if !ok {
		t.Fatalf("device %s not listed in %+v", audiotest.File16, devs)
	}
	if f16.HostAPI != "ALSA" || f16.MaxInputChannels < 1 || f16.DefaultSampleRate != 16000 {
		t.Errorf("%s: %+v", audiotest.File16, f16)
	}
	if d := byName[audiotest.File48]; d.DefaultSampleRate != 48000 {
		t.Errorf("%s default rate %v, want 48000", audiotest.File48, d.DefaultSampleRate)
	}
	defaults := 0
	for _, d := range devs {
		if d.IsDefault {
			defaults++
		}
	}
	if defaults != 1 {
		t.Errorf("%d default inputs, want 1", defaults)
	}
	if v := portaudio.PortAudioVersion(); !strings.Contains(v, "PortAudio") {
		t.Errorf("version %q", v)
	}
}

// Capture through PortAudio from the ALSA file device gives back the fed samples
// exactly, from the first one.
func TestCaptureSampleExactALSA(t *testing.T) {
	feed := jfk(t)
	if err := sound.WriteFeed16(feed); err != nil {
		t.Fatal(err)
	}
	rec, _, err := recordUntil(t, portaudio.DeviceOptions{Name: audiotest.File16, Channels: 1}, audio.Options{},
		func(n int64, _ *audio.Recorder) bool { return n >= int64(len(feed)) })
	if err != nil {
		t.Fatal(err)
	}
	got := wavInt16(t, rec.WAV)
	if len(got) < len(feed) {
		t.Fatalf("recorded %d samples, fed %d", len(got), len(feed))
	}
	if i := firstDiff(got, feed); i >= 0 {
		t.Fatalf("sample %d: recorded %d, fed %d", i, got[i], feed[i])
	}
	for i, v := range got[len(feed):] {
		if v != 0 {
			t.Fatalf("after the feed ended, sample %d is %d, want silence", len(feed)+i, v)
		}
	}
}

// At the device's native 48 kHz stereo, the recording equals the offline
// downmix + resampling of the fed frames.
func TestCaptureNativeRateStereo(t *testing.T) {
	const n = 48000 * 2
	feed := make([]int16, 2*n)
	mono := make([]float32, n)
	for i := range n {
		l := int16(12000 * math.Sin(2*math.Pi*440*float64(i)/48000))
		r := int16(8000 * math.Sin(2*math.Pi*1250*float64(i)/48000))
		feed[2*i], feed[2*i+1] = l, r
		mono[i] = (float32(l)/32768 + float32(r)/32768) * 0.5
	}
	if err := sound.WriteFeed48(feed); err != nil {
		t.Fatal(err)
	}
	// No rate asked: the device's own (48 kHz).
	rec, _, err := recordUntil(t, portaudio.DeviceOptions{Name: audiotest.File48, Channels: 2}, audio.Options{},
		func(w int64, _ *audio.Recorder) bool { return w >= 2*16000+1600 })
	if err != nil {
		t.Fatal(err)
	}
	rs, _ := audio.NewResampler(48000, 16000)
	want := toInt16(rs.Process(nil, mono))
	got := wavInt16(t, rec.WAV)
	if len(got) < len(want) {
		t.Fatalf("recorded %d samples, want ≥ %d", len(got), len(want))
	}
	if i := firstDiff(got, want); i >= 0 {
		t.Fatalf("sample %d: recorded %d, offline %d", i, got[i], want[i])
	}
}

// Through a PulseAudio null sink the device is paced like a microphone: audio
// arrives in real time, and what paplay plays is what is recorded.
func TestCapturePacedPulse(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	pulse, err := sound.StartPulse(ctx)
	if errors.Is(err, audiotest.ErrNoPulse) {
		t.Skipf("paced capture cannot be tested: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer pulse.Stop()

	speech := loadJFK(t)[:3*16000]
	wav := filepath.Join(t.TempDir(), "play.wav")
	if err := audio.WriteWAV(wav, speech, 16000); err != nil {
		t.Fatal(err)
	}
	var start time.Time
	var elapsed time.Duration
	played := make(chan error, 1)
	rec, _, err := recordUntil(t, portaudio.DeviceOptions{Name: audiotest.PulseDev, SampleRate: 16000, Channels: 1}, audio.Options{},
		func(n int64, _ *audio.Recorder) bool {
			if start.IsZero() {
				start = time.Now()
				go func() { played <- pulse.Play(ctx, wav) }()
			}
			select {
			case err := <-played:
				played <- err
				if elapsed == 0 {
					elapsed = time.Since(start)
				}
				return true
			default:
				return false
			}
		})
	if err != nil {
		t.Fatal(err)
	}
	if err := <-played; err != nil {
		t.Fatal(err)
	}
	got := wavInt16(t, rec.WAV)
	// Pacing: the samples recorded match the wall time taken (a file device would
	// deliver them thousands of times faster).
	wall := elapsed.Seconds()
	audioSec := float64(rec.Samples) / 16000
	t.Logf("recorded %.2f s of audio in %.2f s", audioSec, wall)
	if audioSec > wall*1.15+0.3 || audioSec < wall*0.85-0.3 {
		t.Errorf("recorded %.2f s of audio in %.2f s of wall time: not paced", audioSec, wall)
	}
	// Content: the speech appears intact somewhere in the recording.
	want := toInt16(speech)
	// Align on a loud stretch (the start of jfk.wav is near silence, ambiguous).
	off := findSeq(got, want[16000:16200]) - 16000
	if off < 0 {
		t.Fatalf("the played speech is not in the recording (%d samples)", len(got))
	}
	n := min(len(want), len(got)-off)
	if n < len(want)-1600 {
		t.Errorf("only %d of %d played samples recorded", n, len(want))
	}
	if i := firstDiff(got[off:off+n], want[:n]); i >= 0 {
		ndiff, maxd := 0, 0
		for j := range n {
			if d := abs(int(got[off+j]) - int(want[j])); d > 0 {
				ndiff++
				maxd = max(maxd, d)
			}
		}
		t.Errorf("played sample %d: recorded %d, played %d (%d of %d differ, by at most %d)", i, got[off+i], want[i], ndiff, n, maxd)
	}
}

// findSeq returns where needle first occurs in hay, or -1.
func findSeq(hay, needle []int16) int {
	for i := 0; i+len(needle) <= len(hay); i++ {
		if firstDiff(hay[i:i+len(needle)], needle) < 0 {
			return i
		}
	}
	return -1
}

func TestRecorderLevelsClippingSilence(t *testing.T) {
	var feed []int16
	for i := range 16000 { // 1 s of a tone at half scale
		feed = append(feed, int16(16384*math.Sin(2*math.Pi*440*float64(i)/16000)))
	}
	for i := range 8000 { // 0.5 s of a full-scale square wave
		feed = append(feed, []int16{32767, -32768}[i/20%2])
	}
	feed = append(feed, make([]int16, 16000*11)...) // then digital silence
	feed = append(feed, feed[:8000]...)             // and the tone again
	if err := sound.WriteFeed16(feed); err != nil {
		t.Fatal(err)
	}
	_, events, err := recordUntil(t, portaudio.DeviceOptions{Name: audiotest.File16, Channels: 1}, audio.Options{},
		func(n int64, _ *audio.Recorder) bool { return n >= int64(len(feed)) })
	if err != nil {
		t.Fatal(err)
	}
	var levels, clip int
	var noSignal, signal time.Duration
	for _, e := range events {
		switch e.Kind {
		case audio.EventLevel:
			levels++
			if e.At > 200*time.Millisecond && e.At < 900*time.Millisecond {
				if math.Abs(e.RMSdBFS-(-9.03)) > 0.2 || math.Abs(e.PeakdBFS-(-6.02)) > 0.2 {
					t.Errorf("tone level at %v: RMS %.2f peak %.2f dBFS, want -9.03 / -6.02", e.At, e.RMSdBFS, e.PeakdBFS)
				}
			}
		case audio.EventClipping:
			clip++
			if e.At < time.Second || e.At > 1600*time.Millisecond {
				t.Errorf("clipping reported at %v, outside the square wave", e.At)
			}
		case audio.EventNoSignal:
			noSignal = e.At
		case audio.EventSignal:
			signal = e.At
		}
	}
	seconds := float64(len(feed)) / 16000
	if float64(levels)/seconds < 10 {
		t.Errorf("%d level events in %.1f s, want ≥ 10 per second", levels, seconds)
	}
	if clip < 5 {
		t.Errorf("%d clipping events, want one per window of the square wave", clip)
	}
	// Silence starts at 1.5 s: the warning comes 10 s later, the all-clear at 12.5 s.
	if noSignal < 11400*time.Millisecond || noSignal > 11700*time.Millisecond {
		t.Errorf("no-signal warning at %v, want about 11.5 s", noSignal)
	}
	if signal < 12400*time.Millisecond || signal > 12600*time.Millisecond {
		t.Errorf("signal-back event at %v, want about 12.5 s", signal)
	}
}

func TestRecorderPauseResumeBookmark(t *testing.T) {
	feed := noise(20*16000, 3)
	if err := sound.WriteFeed16(feed); err != nil {
		t.Fatal(err)
	}
	var paused bool
	var pausedAt int64
	var marks []audio.Bookmark
	var bmErr error
	var rec *audio.Recorder
	r, events, err := recordUntil(t, portaudio.DeviceOptions{Name: audiotest.File16, Channels: 1}, audio.Options{
		// Resuming as soon as the pause is reported: the capture goroutine drops
		// exactly the one buffer it read while paused.
		OnEvent: func(e audio.Event) {
			if e.Kind == audio.EventPaused {
				rec.Resume()
			}
		},
	}, func(n int64, r *audio.Recorder) bool {
		rec = r
		switch {
		case len(marks) == 0 && n >= 16000:
			b, err := r.Bookmark("allergy mentioned")
			marks, bmErr = append(marks, b), err
		case !paused && n >= 3*16000:
			paused, pausedAt = true, n
			r.Pause()
		}
		return n >= 6*16000
	})
	if err != nil || bmErr != nil {
		t.Fatal(err, bmErr)
	}
	got := wavInt16(t, r.WAV)
	// Up to the pause, the recording is the feed.
	if i := firstDiff(got[:pausedAt], feed[:pausedAt]); i >= 0 {
		t.Fatalf("before the pause, sample %d differs", i)
	}
	// After it, the feed resumes further on: the paused stretch is not recorded.
	after := got[pausedAt : pausedAt+800]
	skip := findSeq(feed[pausedAt:], after)
	if skip <= 0 || skip > 1600 {
		t.Fatalf("audio after resume found %d samples past the pause, want the one buffer read while paused", skip)
	}
	t.Logf("pause skipped %d samples of input", skip)
	var kinds []audio.EventKind
	for _, e := range events {
		if e.Kind != audio.EventLevel {
			kinds = append(kinds, e.Kind)
		}
	}
	want := []audio.EventKind{audio.EventStarted, audio.EventBookmark, audio.EventPaused, audio.EventResumed, audio.EventStopped}
	if strings.Join(kindStrings(kinds), ",") != strings.Join(kindStrings(want), ",") {
		t.Errorf("events %v, want %v", kinds, want)
	}
	if len(r.Bookmarks) != 1 || r.Bookmarks[0].Label != "allergy mentioned" || r.Bookmarks[0].AtMS < 1000 || r.Bookmarks[0].AtMS > 1200 {
		t.Errorf("bookmarks %+v, want one near 1 s", r.Bookmarks)
	}
	meta, err := os.ReadFile(r.Meta)
	if err != nil || !strings.Contains(string(meta), `"allergy mentioned"`) || !strings.Contains(string(meta), `"by": "Dr Test"`) {
		t.Errorf("metadata %s (%v) lacks the bookmark or the consent", meta, err)
	}
}

func kindStrings(k []audio.EventKind) []string {
	s := make([]string, len(k))
	for i, v := range k {
		s[i] = string(v)
	}
	return s
}

func TestRecorderNeedsConsent(t *testing.T) {
	for _, c := range []audio.Consent{{}, {By: "  ", At: time.Now()}, {By: "Dr A"}} {
		if _, err := audio.NewRecorder(c, nil, audio.Options{Dir: t.TempDir()}); domain.ErrorCode(err) != domain.EForbidden {
			t.Errorf("consent %+v: %v, want EForbidden", c, err)
		}
	}
}

func TestOpenDeviceFallback(t *testing.T) {
	src, err := portaudio.OpenDevice(portaudio.DeviceOptions{Name: "USB mic unplugged", Channels: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	sel := src.Selection()
	if !sel.Fallback || sel.Device.Name != "default" || !strings.Contains(sel.Notice, "USB mic unplugged") {
		t.Errorf("selection %+v: want a fallback to the default input with a notice", sel)
	}
	src2, err := portaudio.OpenDevice(portaudio.DeviceOptions{Name: "file48", Channels: 2}) // unambiguous part of a name
	if err != nil {
		t.Fatal(err)
	}
	defer src2.Close()
	if s := src2.Selection(); s.Fallback || s.Device.Name != audiotest.File48 || src2.Rate() != 48000 || src2.Channels() != 2 {
		t.Errorf("selection %+v at %d Hz × %d", s, src2.Rate(), src2.Channels())
	}
}

func TestRecorderUnwritableFolder(t *testing.T) {
	notDir := filepath.Join(t.TempDir(), "file")
	os.WriteFile(notDir, []byte("x"), 0o600)
	for _, dir := range []string{notDir, filepath.Join(t.TempDir(), "missing")} {
		src, err := portaudio.OpenDevice(portaudio.DeviceOptions{Name: audiotest.File16, Channels: 1})
		if err != nil {
			t.Fatal(err)
		}
		rec, err := audio.NewRecorder(audio.Consent{By: "Dr Test", At: time.Now()}, src, audio.Options{Dir: dir})
		if err != nil {
			t.Fatal(err)
		}
		_, err = rec.Run(context.Background())
		if domain.ErrorCode(err) != domain.EUnavailable || !strings.Contains(err.Error(), dir) {
			t.Errorf("%s: %v, want EUnavailable naming the folder", dir, err)
		}
	}
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
