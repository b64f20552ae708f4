package whisper_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"greffier/audio"
	"greffier/domain"
	"greffier/transcribe"
	"greffier/transcribe/transcribetest"
	"greffier/transcribe/whisper"
)

func TestInfoReportsDebianWhisper(t *testing.T) {
	info := whisper.Info()
	if !strings.HasPrefix(info.WhisperVersion, "1.") {
		t.Errorf("whisper version %q, want 1.x", info.WhisperVersion)
	}
	found := false
	for _, b := range info.Backends {
		found = found || strings.EqualFold(b, "CPU")
	}
	if !found {
		t.Errorf("no CPU backend among %v", info.Backends)
	}
}

// The real engine on real speech with an empty tiny.en model: the text is meaningless
// without weights, but the full compute runs and the segments must be well formed.
func TestWhisperTranscribesRealSpeechWithEmptyModel(t *testing.T) {
	samples, err := audio.Importer{}.LoadFile(transcribetest.JFKPath(t))
	if err != nil {
		t.Fatal(err)
	}
	eng, err := whisper.Load(transcribetest.EmptyModel(t, "tiny.en"))
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	durMS := int64(len(samples)) * 1000 / transcribe.SampleRate
	for run := 0; run < 2; run++ { // one model serves several calls
		segs, err := eng.Transcribe(context.Background(), samples, transcribe.Options{Language: "en", Threads: 2})
		if err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
		var prevEnd int64
		for i, s := range segs {
			if s.ID != i {
				t.Errorf("segment %d has id %d", i, s.ID)
			}
			if s.StartMS < prevEnd || s.EndMS < s.StartMS || s.EndMS > durMS+1000 {
				t.Errorf("segment %d [%d, %d] ms out of order or past the %d ms of audio", i, s.StartMS, s.EndMS, durMS)
			}
			if s.NoSpeechProb < 0 || s.NoSpeechProb > 1 || s.TokenProb < 0 || s.TokenProb > 1 {
				t.Errorf("segment %d confidences out of [0,1]: %+v", i, s)
			}
			prevEnd = s.StartMS
		}
	}
}

func TestWhisperCancelStopsMidWindow(t *testing.T) {
	eng, err := whisper.Load(transcribetest.EmptyModel(t, "base.en"))
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	samples := make([]float32, 30*transcribe.SampleRate)
	for i := range samples {
		samples[i] = float32(i%160) / 1600 // a buzz, so whisper does not skip it
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	_, err = eng.Transcribe(ctx, samples, transcribe.Options{Threads: 2})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("want context.Canceled, got %v", err)
	}
	// The engine is still usable after a cancelled call.
	if _, err := eng.Transcribe(context.Background(), samples[:transcribe.SampleRate], transcribe.Options{Threads: 2}); err != nil {
		t.Fatalf("after cancel: %v", err)
	}
}

func TestLoadWhisperErrors(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.bin")
	text := filepath.Join(dir, "notes.txt")
	os.WriteFile(empty, nil, 0o600)
	os.WriteFile(text, []byte("this is not a model"), 0o600)
	for _, tc := range []struct {
		name, path, code string
	}{
		{"missing", filepath.Join(dir, "nope.bin"), domain.ENotFound},
		{"zero-length", empty, domain.EInvalid},
		{"not a model", text, domain.EInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := whisper.Load(tc.path)
			if domain.ErrorCode(err) != tc.code {
				t.Fatalf("got %v (code %q), want code %q", err, domain.ErrorCode(err), tc.code)
			}
			if !strings.Contains(err.Error(), tc.path) {
				t.Errorf("error %q does not name the file", err)
			}
		})
	}
}

func TestEnglishOnlyModelRefusesFrench(t *testing.T) {
	eng, err := whisper.Load(transcribetest.EmptyModel(t, "tiny.en"))
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	_, err = eng.Transcribe(context.Background(), make([]float32, 16000), transcribe.Options{Language: "fr"})
	if domain.ErrorCode(err) != domain.EInvalid {
		t.Fatalf("want an invalid-input error, got %v", err)
	}
}
