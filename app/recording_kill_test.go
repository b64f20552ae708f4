package app_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"greffier/app"
	"greffier/appdirs"
	"greffier/audio"
	"greffier/audio/audiotest"
	"greffier/domain"
	"greffier/store"
	"greffier/store/crypt"
	"greffier/transcribe"
	"greffier/transcribe/whisper"
)

const appChildEnv = "GREFFIER_APP_CHILD"

// lines is the child's Platform: it prints a line per transcript segment event.
type lines struct{ mu sync.Mutex }

func (l *lines) Emit(_ string, data any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, e := range data.([]app.Event) {
		switch d := e.Data.(type) {
		case app.WindowEvent:
			fmt.Println("window", d.Index, d.EndMS, d.Saved)
		case app.LevelEvent:
			fmt.Println("at", d.AtMS)
		}
	}
}

func (l *lines) OpenFile(string, []string) (string, error) { return "", nil }

// wordy runs the real whisper engine on each window (the full compute) and, since
// the empty model it has writes no words, answers one segment of its own per
// window, so that there is a transcript to lose. The only double in the test.
type wordy struct{ *whisper.Model }

func (w wordy) Transcribe(ctx context.Context, samples []float32, opts transcribe.Options) ([]domain.Segment, error) {
	segs, err := w.Model.Transcribe(ctx, samples, opts)
	if err != nil || len(segs) > 0 {
		return segs, err
	}
	ms := int64(len(samples)) * 1000 / transcribe.SampleRate
	return []domain.Segment{{StartMS: 0, EndMS: ms, Text: fmt.Sprintf("%d ms of speech.", ms), TokenProb: 1}}, nil
}

// appChild runs the app's services in this (child) process: a new encounter
// recorded from the PulseAudio microphone until the process is killed; or, mode
// "diskfull", from the file-backed input until the disk refuses the spool.
func appChild(mode string) int {
	if mode == "diskfull" {
		return diskFullChild()
	}
	dirs := appdirs.Dirs{Data: os.Getenv("GREFFIER_APP_TEST_DIR")}
	w, err := whisper.Load(filepath.Join(dirs.Models(), "ggml-tiny.en.bin"))
	if err != nil {
		fmt.Println("error", err)
		return 1
	}
	s := app.New(app.Config{Dirs: dirs, Threads: 2, LiveEngine: wordy{w}, KDF: crypt.TestKDF()})
	if err := s.Start(context.Background(), &lines{}); err != nil {
		fmt.Println("error", err)
		return 1
	}
	if _, err := s.Session.Setup(testAdmin, testPassword); err != nil {
		fmt.Println("error", err)
		return 1
	}
	if _, err := s.Settings.CreateUser("Dr Kill", "physician", testPassword); err != nil {
		fmt.Println("error", err)
		return 1
	}
	if _, err := s.Session.Login("Dr Kill", testPassword); err != nil {
		fmt.Println("error", err)
		return 1
	}
	enc, err := s.Encounters.Create(app.NewEncounter{PatientLabel: "KILL-1", Consent: true})
	if err != nil {
		fmt.Println("error", err)
		return 1
	}
	fmt.Println("encounter", enc.ID)
	if _, err := s.Recording.Start(enc.ID, audiotest.PulseDev); err != nil {
		fmt.Println("error", err)
		return 1
	}
	fmt.Println("started")
	select {} // until SIGKILL
}

// TestAppRecordingSurvivesKill: the app's services record from PulseAudio in a child
// process (speech made by espeak-ng played into the private PulseAudio server, whisper
// live on an empty tiny.en model, as no weights can be fetched here, wrapped to write
// a segment per window: see wordy), which is killed with SIGKILL once a transcript
// window is final. At the next start the services
// recover the encounter's audio (at most 1 s lost against the time it was recording)
// and its transcript windows, with nothing clear on disk; the kept audio is then
// transcribed again from its encrypted file.
func TestAppRecordingSurvivesKill(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Second)
	defer cancel()
	pulse, dirs, wav := liveSetup(t, ctx, "I have had a cough for three days. My throat hurts when I swallow.")

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), appChildEnv+"=record", "GREFFIER_APP_TEST_DIR="+dirs.Data)
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	got := make(chan string, 1024)
	var lastAt int64 // recorded time the child last reported (level events), ms
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			got <- sc.Text()
		}
		close(got)
	}()
	next := func(want string) string {
		t.Helper()
		for {
			select {
			case l, ok := <-got:
				if !ok {
					t.Fatalf("the child ended before %q", want)
				}
				if strings.HasPrefix(l, "error") {
					t.Fatalf("child: %s", l)
				}
				if ms, ok := strings.CutPrefix(l, "at "); ok {
					lastAt, _ = strconv.ParseInt(ms, 10, 64)
				}
				if strings.HasPrefix(l, want) {
					return l
				}
			case <-ctx.Done():
				t.Fatalf("no %q from the child", want)
			}
		}
	}
	enc, err := strconv.ParseInt(strings.TrimPrefix(next("encounter"), "encounter "), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	next("started")
	t0 := time.Now()
	if err := pulse.Play(ctx, wav); err != nil {
		t.Fatal(err)
	}
	// Wait for a final window (each is saved as it is final), then record on a while.
	saved, windows := 0, 0
	for saved <= 0 {
		f := strings.Fields(next("window"))
		windows++
		if saved, err = strconv.Atoi(f[3]); err != nil || saved < 0 {
			t.Fatalf("window line %v: saving the live transcript failed", f)
		}
	}
	for stop := time.Now().Add(1500 * time.Millisecond); time.Now().Before(stop); {
		next("at")
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	recorded := time.Since(t0)
	cmd.Wait()
	for l := range got { // what the child printed before it died
		if ms, ok := strings.CutPrefix(l, "at "); ok {
			lastAt, _ = strconv.ParseInt(ms, 10, 64)
		}
		if f := strings.Fields(l); len(f) == 4 && f[0] == "window" {
			saved, _ = strconv.Atoi(f[3])
		}
	}
	if lastAt == 0 {
		t.Fatal("the child never reported its recorded time")
	}
	t.Logf("%d segments saved live before the kill, %d final windows or more", saved, windows)
	spools, err := audio.FindSpools(dirs.Recordings())
	if err != nil || len(spools) != 1 {
		t.Fatalf("spools after the kill: %v, %v", spools, err)
	}
	noClearAudio(t, dirs.Data)

	// The next start.
	s := app.New(app.Config{Dirs: dirs, Threads: 2, KDF: crypt.TestKDF()})
	if err := s.Start(ctx, &recorder{}); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// Recovery runs once a user unlocks the database.
	act(t, s, "Dr Kill")
	var rec []app.RecoveredEvent
	for len(rec) == 0 && ctx.Err() == nil {
		time.Sleep(50 * time.Millisecond)
		rec, _ = s.Recording.Recovered()
	}
	if len(rec) != 1 || rec[0].EncounterID != enc || rec[0].Segments != saved {
		t.Fatalf("recovered %+v; %d segments were saved live", rec, saved)
	}
	db := openDB(t, dirs)
	recs, err := db.Recordings(ctx, enc)
	if err != nil || len(recs) != 1 || !recs[0].Encrypted || recs[0].KeyID == 0 {
		t.Fatalf("recordings %+v, %v: want one, under its own key", recs, err)
	}
	samples := decryptRecording(t, db, recs[0])
	kept := time.Duration(len(samples)) * time.Second / audio.TargetRate
	reported := time.Duration(lastAt) * time.Millisecond
	t.Logf("the child reported %v recorded (%v since it started) before SIGKILL; recovered %v (lost %v)",
		reported, recorded.Round(time.Millisecond), kept, (reported - kept).Round(time.Millisecond))
	if reported-kept > time.Second {
		t.Errorf("lost %v of audio, want at most 1 s", reported-kept)
	}
	if kept > recorded {
		t.Errorf("recovered %v from %v of recording", kept, recorded)
	}
	x, err := db.GetEncounter(ctx, enc)
	if err != nil || x.State != domain.StateTranscribed {
		t.Fatalf("encounter after recovery: %s, %v; want transcribed", x.State, err)
	}
	if segs, err := db.Segments(ctx, enc); err != nil || len(segs) != saved {
		t.Errorf("transcript after recovery: %d segments, %v; %d were saved live", len(segs), err, saved)
	}
	if left, _ := audio.FindSpools(dirs.Recordings()); len(left) != 0 {
		t.Errorf("spools left after recovery: %v", left)
	}
	noClearAudio(t, dirs.Data)

	// "Transcribe again" decrypts the kept recording and runs it as a job.
	job, err := s.Recording.Retranscribe(enc, "ggml-tiny.en.bin", "en")
	if err != nil {
		t.Fatal(err)
	}
	for job.State == "running" && ctx.Err() == nil {
		time.Sleep(100 * time.Millisecond)
		job, _ = s.Encounters.Job(job.ID)
	}
	if job.State != "done" {
		t.Fatalf("transcribe again: %+v %+v", job, job.Error)
	}
	if _, err := s.Recording.Retranscribe(enc, "", "fr"); err != nil {
		t.Fatal(err) // refused inside the job: tiny.en is English only
	}
}

// noClearAudio fails if any file under dir holds a clear WAV or a spool's clear
// audio: recordings are encrypted from their first block.
func noClearAudio(t *testing.T, dir string) {
	t.Helper()
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Dir(p) == filepath.Clean(filepath.Join(dir, "models")) {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil
		}
		switch {
		case bytes.HasPrefix(b, []byte("RIFF")):
			t.Errorf("clear WAV on disk: %s", p)
		case filepath.Ext(p) == audio.SpoolExt && !bytes.Contains(b[:min(len(b), 512)], []byte(`"sealed":true`)):
			t.Errorf("spool not sealed: %s", p)
		case strings.HasSuffix(p, ".enc") && !bytes.HasPrefix(b, []byte("GRFENC1\n")):
			t.Errorf("recording not encrypted: %s", p)
		}
		return nil
	})
}

func decryptRecording(t *testing.T, db *store.DB, r store.Recording) []float32 {
	t.Helper()
	dec, err := db.OpenRecording(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	b, err := io.ReadAll(dec)
	if err != nil {
		t.Fatal(err)
	}
	s, err := audio.Importer{}.Decode(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	return s
}
