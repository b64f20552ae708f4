package app_test

import (
	"context"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"greffier/app"
	"greffier/appdirs"
	"greffier/audio/audiotest"
	"greffier/domain"
	"greffier/store/crypt"
	"greffier/transcribe/emptymodel"
)

// TestRecordingLive records through the Recording service from a real PortAudio
// device: a private PulseAudio null sink, paced like a microphone, playing speech
// made by espeak-ng. Whisper runs live on an empty tiny.en model (no weights can be
// fetched here: its text is meaningless), so the test checks the workflow — levels,
// bookmark, pause, the transcript saved, the audio kept encrypted — not the words.
func TestRecordingLive(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	pulse, dirs, wav := liveSetup(t, ctx, "I have had a cough for three days and my throat hurts.")

	rec := &recorder{}
	s := app.New(app.Config{Dirs: dirs, Threads: 2, KDF: crypt.TestKDF()})
	if err := s.Start(ctx, rec); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	setUp(t, s)
	addUser(t, s, "Dr Live", "physician")
	act(t, s, "Dr Live")
	enc, err := s.Encounters.Create(app.NewEncounter{PatientLabel: "LIVE-1", Consent: true})
	if err != nil {
		t.Fatal(err)
	}

	st, err := s.Recording.Start(enc.ID, audiotest.PulseDev)
	if err != nil {
		t.Fatal(err)
	}
	if !st.Active || st.EncounterID != enc.ID || !st.LiveText {
		t.Fatalf("status after start: %+v", st)
	}
	if _, err := s.Recording.Start(enc.ID, audiotest.PulseDev); err == nil {
		t.Fatal("a second recording started while one runs")
	}
	if err := pulse.Play(ctx, wav); err != nil {
		t.Fatal(err)
	}
	b, err := s.Recording.Bookmark("cough")
	if err != nil || b.AtMS <= 0 {
		t.Fatalf("bookmark %+v, %v", b, err)
	}
	if st, err := s.Recording.Pause(); err != nil || !st.Paused {
		t.Fatalf("pause: %+v, %v", st, err)
	}
	if st, err := s.Recording.Resume(); err != nil || st.Paused {
		t.Fatalf("resume: %+v, %v", st, err)
	}
	stopAndWait(t, ctx, s)
	v, err := s.Encounters.Get(enc.ID)
	if err != nil || v.State != domain.StateTranscribed {
		t.Fatalf("after stop: %+v, %v", v.EncounterSummary, err)
	}

	// The speech reached the level meter: some level well above silence.
	rec.mu.Lock()
	loudest := -200.0
	for _, e := range rec.events {
		if l, ok := e.Data.(app.LevelEvent); ok && l.RMS > loudest {
			loudest = l.RMS
		}
	}
	rec.mu.Unlock()
	if loudest < -40 {
		t.Errorf("loudest level %.1f dBFS: the played speech did not show on the meter", loudest)
	}

	db := openDB(t, dirs)
	recs, err := db.Recordings(ctx, enc.ID)
	if err != nil || len(recs) != 1 || !recs[0].Encrypted || recs[0].Size == 0 {
		t.Fatalf("recordings %+v, %v: want one encrypted file", recs, err)
	}
	if left, _ := filepath.Glob(filepath.Join(dirs.Recordings(), "*", "*.wav")); len(left) != 0 {
		t.Errorf("clear audio left on disk: %v", left)
	}
}

// liveSetup is what a live recording test needs: the private PulseAudio server
// (stopped at the end), a data folder with an empty tiny.en whisper model (no weights
// can be fetched here: its text is meaningless), and speech by espeak-ng in a WAV.
// It skips the test where the tools are missing.
func liveSetup(t testing.TB, ctx context.Context, speech string) (*audiotest.Pulse, appdirs.Dirs, string) {
	t.Helper()
	if testing.Short() {
		t.Skip("live recording skipped in -short mode")
	}
	if _, err := exec.LookPath("espeak-ng"); err != nil {
		t.Skip("espeak-ng not found: run inside the build root")
	}
	pulse, err := sound.StartPulse(ctx)
	if errors.Is(err, audiotest.ErrNoPulse) {
		t.Skip("pulseaudio is not installed: live capture cannot be tested")
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pulse.Stop)
	dirs := appdirs.Dirs{Data: t.TempDir()}
	if err := os.MkdirAll(dirs.Models(), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := emptymodel.Write(filepath.Join(dirs.Models(), "ggml-tiny.en.bin"), "tiny.en"); err != nil {
		t.Fatal(err)
	}
	wav := filepath.Join(t.TempDir(), "speech.wav")
	if out, err := exec.Command("espeak-ng", "-w", wav, speech).CombinedOutput(); err != nil {
		t.Fatalf("espeak-ng: %v: %s", err, out)
	}
	return pulse, dirs, wav
}

// TestDeviceMeter reads a real PortAudio device (the ALSA file-backed input of the
// private sound setup, fed a 440 Hz tone at half scale) and checks the level events.
func TestDeviceMeter(t *testing.T) {
	tone := make([]int16, 16000)
	for i := range tone {
		tone[i] = int16(16384 * math.Sin(2*math.Pi*440*float64(i)/16000))
	}
	if err := sound.WriteFeed16(tone); err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	s := app.New(app.Config{Dirs: appdirs.Dirs{Data: t.TempDir()}, KDF: crypt.TestKDF()})
	if err := s.Start(context.Background(), rec); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	setUp(t, s)
	job, err := s.Settings.TestDevice(audiotest.File16, 300)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for job.State == "running" && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
		job, _ = s.Encounters.Job(job.ID)
	}
	if job.State != "done" {
		t.Fatalf("device test %+v", job)
	}
	time.Sleep(100 * time.Millisecond) // the last batch of events
	rec.mu.Lock()
	defer rec.mu.Unlock()
	loudest := -200.0
	for _, e := range rec.events {
		if l, ok := e.Data.(app.LevelEvent); ok && l.RMS > loudest {
			loudest = l.RMS
		}
	}
	// A sine at half scale has an RMS of -9 dBFS; averaged with silence after the
	// feed's end it can only be lower, but well above the noise floor.
	if loudest < -30 || loudest > -8 {
		t.Fatalf("loudest level %.1f dBFS for a -9 dBFS tone", loudest)
	}
}
