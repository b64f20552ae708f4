package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"greffier/domain"
	"greffier/transcribe"
	"greffier/transcribe/transcribetest"
)

// windowEngine stands in for whisper in this test of the CLI's plumbing (printing,
// flags, guards' report): it says which stretch of audio it was given. The streaming
// path itself is tested against the real whisper engine in package transcribe.
type windowEngine struct{ prompts []string }

func (e *windowEngine) Transcribe(_ context.Context, x []float32, o transcribe.Options) ([]domain.Segment, error) {
	e.prompts = append(e.prompts, o.InitialPrompt)
	ms := int64(len(x)) * 1000 / transcribe.SampleRate
	return []domain.Segment{
		{StartMS: 0, EndMS: ms / 2, Text: "first half", TokenProb: 0.9},
		{StartMS: ms / 2, EndMS: ms, Text: "Sous-titres réalisés par la communauté d'Amara.org", TokenProb: 0.9},
	}, nil
}

func TestStreamFileCLI(t *testing.T) {
	t.Setenv("GREFFIER_DATA", t.TempDir()) // no Silero model there: our own VAD
	// 50 s of syllable-like sound with a pause at 25 s.
	x := make([]float32, 50*transcribe.SampleRate)
	for i := range x {
		amp := 0.3
		if (i/3200)%2 == 1 {
			amp = 0.05
		}
		if i >= 25*transcribe.SampleRate && i < 26*transcribe.SampleRate {
			amp = 0
		}
		x[i] = float32(amp * math.Sin(float64(i)*0.2))
	}
	gl := filepath.Join(t.TempDir(), "glossary.txt")
	os.WriteFile(gl, []byte("amoxicilline\nHbA1c\n"), 0o600)
	eng := &windowEngine{}
	var out, errb bytes.Buffer
	c := &cli{stdout: &out, stderr: &errb}
	err := streamFile(context.Background(), c, eng, x, transcribe.Options{Language: "fr"}, true,
		streamSettings{Speed: 0, Glossary: gl})
	if err != nil {
		t.Fatal(err)
	}
	var segs []domain.Segment
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var s domain.Segment
		if err := json.Unmarshal([]byte(line), &s); err != nil {
			t.Fatalf("bad JSON line %q: %v", line, err)
		}
		segs = append(segs, s)
	}
	if len(segs) != 2 || segs[0].Text != "first half" || segs[1].StartMS < 25000 {
		t.Fatalf("segments %+v, want one per window, the credits line dropped", segs)
	}
	if !strings.Contains(errb.String(), "2 windows") || !strings.Contains(errb.String(), "hallucination=2") {
		t.Errorf("stderr %q lacks the window and guard counts", errb.String())
	}
	if len(eng.prompts) != 2 || eng.prompts[0] != "amoxicilline, HbA1c." {
		t.Errorf("prompts %q, want the glossary", eng.prompts)
	}
	if strings.Contains(errb.String(), "first half") {
		t.Error("transcript text in the log")
	}
	err = streamFile(context.Background(), c, eng, x, transcribe.Options{}, true,
		streamSettings{VADModel: filepath.Join(t.TempDir(), "ggml-silero-v5.1.2.bin")})
	if domain.ErrorCode(err) != domain.ENotFound {
		t.Errorf("missing Silero model: %v, want ENotFound", err)
	}
}

// The CLI's --stream runs the real engine through the streaming path; --speed 0 feeds
// the file as fast as possible.
func TestTranscribeStreamCLI(t *testing.T) {
	t.Setenv("GREFFIER_DATA", t.TempDir())
	model := transcribetest.EmptyModel(t, "tiny.en")
	jfk := transcribetest.JFKPath(t)
	if code, _, errs := runCLI(t, "transcribe", "--stream", "--speed", "0", "--json", "--threads", "2", "--model", model, jfk); code != 0 {
		t.Fatalf("--stream: exit %d: %s", code, errs)
	}
	if code, _, errs := runCLI(t, "transcribe", "--stream", "--speed", "fast", "--model", model, jfk); code != 2 {
		t.Errorf("--speed fast: exit %d, want 2: %s", code, errs)
	}
}
