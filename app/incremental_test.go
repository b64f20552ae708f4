package app_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"greffier/app"
	"greffier/audio/audiotest"
	"greffier/llm/llmtest"
	"greffier/store/crypt"
	"greffier/transcribe/whisper"
)

// visitSpeech is said by espeak-ng, sentence by sentence: with short windows, each
// sentence or two makes a final window.
const visitSpeech = "Good morning, what brings you in today? I have had a cough for three days. " +
	"Any fever? A little, last night, thirty eight degrees. My throat hurts when I swallow. " +
	"Do you take any medication? Only paracetamol, twice a day. Any allergies? None that I know of. " +
	"Let me listen to your chest. Your lungs are clear. It looks like a viral infection."

// logBuffer collects the services' log lines (JSON), safe for concurrent writes.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// records returns the log records whose message is msg.
func (b *logBuffer) records(msg string) []map[string]any {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(b.buf.Bytes()))
	for sc.Scan() {
		var m map[string]any
		if json.Unmarshal(sc.Bytes(), &m) == nil && m["msg"] == msg {
			out = append(out, m)
		}
	}
	return out
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// liveVisit is a recording drafted by the managed llama-server: the services,
// a physician's encounter, the model, the log, the microphone and the speech.
type liveVisit struct {
	s     *app.Services
	enc   int64
	model string
	logs  *logBuffer
	pulse *audiotest.Pulse
	wav   string
}

// liveLLM starts the app's services for a recording drafted by the managed
// llama-server on model ("" is the tiny random model): whisper on the empty tiny.en
// model wrapped by wordy (a segment per window), windows of at least 2 s, events to
// p (nil: a recorder), incremental drafting on or off, llmThreads for llama-server.
func liveLLM(t testing.TB, ctx context.Context, speech, model string, incremental bool, p app.Platform, llmThreads int) liveVisit {
	t.Helper()
	llmtest.RequireServer(t)
	pulse, dirs, _ := liveSetup(t, ctx, "")
	// A second of silence between sentences: each pause can end a window.
	wav := filepath.Join(t.TempDir(), "visit.wav")
	ssml := "<speak>" + strings.ReplaceAll(speech, ". ", `. <break time="1000ms"/> `) + "</speak>"
	if out, err := exec.Command("espeak-ng", "-m", "-w", wav, ssml).CombinedOutput(); err != nil {
		t.Fatalf("espeak-ng: %v: %s", err, out)
	}
	if model == "" {
		model = llmtest.Model(t)
	}
	w, err := whisper.Load(filepath.Join(dirs.Models(), "ggml-tiny.en.bin"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	logs := &logBuffer{}
	s := app.New(app.Config{Dirs: dirs, Threads: 2, LLMThreads: llmThreads, LiveEngine: wordy{w}, KDF: crypt.TestKDF(),
		Log: slog.New(slog.NewJSONHandler(logs, nil))})
	app.SetLiveMinWindow(s, 2*time.Second)
	app.SetLiveDraft(s, incremental)
	if p == nil {
		p = &recorder{}
	}
	if err := s.Start(ctx, p); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	setUp(t, s)
	addUser(t, s, "Dr Inc", "physician")
	if _, err := savePrefs(t, s, app.Preferences{LLMModel: model}, "Dr Inc"); err != nil {
		t.Fatal(err)
	}
	enc, err := s.Encounters.Create(app.NewEncounter{PatientLabel: "INC-1", Language: "en", Consent: true})
	if err != nil {
		t.Fatal(err)
	}
	return liveVisit{s: s, enc: enc.ID, model: model, logs: logs, pulse: pulse, wav: wav}
}

// stopAndWait stops the recording and waits for its transcription job.
func stopAndWait(t testing.TB, ctx context.Context, s *app.Services) {
	t.Helper()
	job, err := s.Recording.Stop()
	if err != nil {
		t.Fatal(err)
	}
	for job.State == "running" {
		if ctx.Err() != nil {
			t.Fatal("the transcription job did not end")
		}
		time.Sleep(100 * time.Millisecond)
		if job, err = s.Encounters.Job(job.ID); err != nil {
			t.Fatal(err)
		}
	}
	if job.State != "done" {
		t.Fatalf("transcription job ended %s: %+v", job.State, job.Error)
	}
}

// draftLine returns the one "incremental draft" log line, as numbers.
func draftLine(t *testing.T, logs *logBuffer) map[string]float64 {
	t.Helper()
	recs := logs.records("incremental draft")
	if len(recs) != 1 {
		t.Fatalf("%d incremental draft log lines, want 1; log:\n%s", len(recs), logs)
	}
	out := map[string]float64{}
	for k, v := range recs[0] {
		if f, ok := v.(float64); ok {
			out[k] = f
		}
	}
	if recs[0]["ok"] != true {
		t.Errorf("the incremental draft failed: %v", recs[0])
	}
	return out
}

// TestIncrementalRecordingDraft: a recording made through the app (PulseAudio,
// whisper live) with the managed llama-server chosen has its windows prefilled as
// they come, and the draft after Stop finds most of its prompt in the server's
// cache.
func TestIncrementalRecordingDraft(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Second)
	defer cancel()
	lv := liveLLM(t, ctx, visitSpeech, "", true, nil, 1)
	s, enc, model, logs, pulse, wav := lv.s, lv.enc, lv.model, lv.logs, lv.pulse, lv.wav
	if _, err := s.Recording.Start(enc, audiotest.PulseDev); err != nil {
		t.Fatal(err)
	}
	if err := pulse.Play(ctx, wav); err != nil {
		t.Fatal(err)
	}
	if pids := llamaPIDs(t, model); len(pids) != 1 {
		t.Fatalf("llama-server processes during the recording: %v (want one, started with it)", pids)
	}
	stopAndWait(t, ctx, s)
	v, err := s.Drafts.Generate(enc, "", "en")
	if err != nil {
		t.Fatal(err)
	}
	checkLLMNote(t, v, 1)
	st := draftLine(t, logs)
	t.Logf("incremental draft: %v", st)
	if st["prefills"] < 2 {
		t.Errorf("%v prefills: want one at least per window but the last", st["prefills"])
	}
	if st["prompt_tokens"] == 0 || st["cached_tokens"] < 0.8*st["prompt_tokens"] {
		t.Errorf("at Stop %v of %v prompt tokens were cached: want most", st["cached_tokens"], st["prompt_tokens"])
	}
	if strings.Contains(logs.String(), "cough") {
		t.Error("patient text in the log")
	}
}

// TestIncrementalRecordingServerKilled: the llama-server killed in the middle of
// the recording does not stop the recording nor its transcript; its supervisor
// restarts it, and the draft after Stop still comes from the language model.
func TestIncrementalRecordingServerKilled(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Second)
	defer cancel()
	lv := liveLLM(t, ctx, visitSpeech, "", true, nil, 1)
	s, enc, model, logs, pulse, wav := lv.s, lv.enc, lv.model, lv.logs, lv.pulse, lv.wav
	if _, err := s.Recording.Start(enc, audiotest.PulseDev); err != nil {
		t.Fatal(err)
	}
	if err := pulse.Play(ctx, wav); err != nil {
		t.Fatal(err)
	}
	before := llamaPIDs(t, model)
	if len(before) != 1 {
		t.Fatalf("llama-server processes during the recording: %v", before)
	}
	pid, _ := strconv.Atoi(before[0])
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if err := pulse.Play(ctx, wav); err != nil {
		t.Fatal(err)
	}
	if st, err := s.Recording.Status(); err != nil || !st.Active {
		t.Fatalf("after the kill the recording is %+v, %v: want still active", st, err)
	}
	stopAndWait(t, ctx, s)
	x, err := s.Encounters.Get(enc)
	if err != nil || len(x.Segments) < 4 {
		t.Fatalf("transcript after the kill: %d segments, %v", len(x.Segments), err)
	}
	v, err := s.Drafts.Generate(enc, "", "en")
	if err != nil {
		t.Fatalf("draft after the server was killed: %v", err)
	}
	checkLLMNote(t, v, 1)
	after := llamaPIDs(t, model)
	if len(after) != 1 || slices.Equal(after, before) {
		t.Errorf("llama-server pids %v then %v: want it restarted", before, after)
	}
	t.Logf("incremental draft: %v", draftLine(t, logs))
}
