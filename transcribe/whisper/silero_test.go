package whisper_test

import (
	"os"
	"path/filepath"
	"testing"

	"greffier/audio"
	"greffier/domain"
	"greffier/transcribe"
	"greffier/transcribe/transcribetest"
	"greffier/transcribe/whisper"
)

func TestSileroVAD(t *testing.T) {
	dir := t.TempDir()
	if _, err := whisper.LoadSileroVAD(filepath.Join(dir, "none.bin"), 1); domain.ErrorCode(err) != domain.ENotFound {
		t.Errorf("missing model: %v", err)
	}
	bad := filepath.Join(dir, "bad.bin")
	os.WriteFile(bad, []byte("not a model at all, just some text"), 0o600)
	if _, err := whisper.LoadSileroVAD(bad, 1); domain.ErrorCode(err) != domain.EInvalid {
		t.Errorf("garbage model: %v", err)
	}
	path := os.Getenv("GREFFIER_SILERO_VAD")
	if path == "" {
		t.Skip("set GREFFIER_SILERO_VAD to a ggml-silero-v5.1.2.bin to test the real detector (no package ships it; it cannot be downloaded here)")
	}
	v, err := whisper.LoadSileroVAD(path, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	x, err := audio.Importer{}.LoadFile(transcribetest.JFKPath(t))
	if err != nil {
		t.Fatal(err)
	}
	x = append(x, make([]float32, 2*transcribe.SampleRate)...)
	d := transcribetest.VADFrames(v, x)
	if f := transcribetest.SpeechFraction(d[:len(d)-60]); f < 0.5 {
		t.Errorf("Silero heard speech in %.0f%% of jfk.wav", 100*f)
	}
	if f := transcribetest.SpeechFraction(d[len(d)-30:]); f != 0 {
		t.Errorf("Silero heard speech in silence (%.2f)", f)
	}
}
