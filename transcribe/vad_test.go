package transcribe_test

import (
	"math"
	"testing"

	"greffier/audio"
	"greffier/transcribe"
	"greffier/transcribe/transcribetest"
)

func signal(ms int, f func(i int) float64) []float32 {
	x := make([]float32, ms*transcribe.SampleRate/1000)
	for i := range x {
		x[i] = float32(f(i))
	}
	return x
}

func TestEnergyVAD(t *testing.T) {
	noise := func(amp float64) func(int) float64 {
		seed := uint32(7)
		return func(int) float64 {
			seed = seed*1664525 + 1013904223
			return (float64(seed>>8)/float64(1<<24) - 0.5) * 2 * amp
		}
	}
	tone := func(amp float64) func(int) float64 {
		return func(i int) float64 { return amp * math.Sin(2*math.Pi*220*float64(i)/transcribe.SampleRate) }
	}
	t.Run("silence and faint room noise are not speech", func(t *testing.T) {
		x := append(signal(1000, func(int) float64 { return 0 }), signal(2000, noise(0.003))...)
		if f := transcribetest.SpeechFraction(transcribetest.VADFrames(transcribe.NewEnergyVAD(), x)); f != 0 {
			t.Errorf("speech fraction %.2f", f)
		}
	})
	t.Run("a voice over room noise is speech, the noise after it is not", func(t *testing.T) {
		x := append(signal(1000, noise(0.003)), signal(2000, tone(0.2))...)
		x = append(x, signal(2000, noise(0.003))...)
		d := transcribetest.VADFrames(transcribe.NewEnergyVAD(), x)
		if f := transcribetest.SpeechFraction(d[34:100]); f < 0.95 {
			t.Errorf("voice heard as speech in %.0f%% of frames", 100*f)
		}
		if f := transcribetest.SpeechFraction(d[:33]) + transcribetest.SpeechFraction(d[110:]); f != 0 {
			t.Errorf("noise heard as speech (%.2f)", f)
		}
	})
	t.Run("hysteresis bridges a short dip, not a pause", func(t *testing.T) {
		x := signal(1000, tone(0.2))
		x = append(x, signal(120, noise(0.003))...) // between two words
		x = append(x, signal(1000, tone(0.2))...)
		x = append(x, signal(800, noise(0.003))...) // a pause
		x = append(x, signal(500, tone(0.2))...)
		d := transcribetest.VADFrames(transcribe.NewEnergyVAD(), x)
		if f := transcribetest.SpeechFraction(d[33:37]); f != 1 {
			t.Errorf("120 ms dip split the speech (%.2f)", f)
		}
		if f := transcribetest.SpeechFraction(d[80:97]); f > 0.5 {
			t.Errorf("800 ms pause heard as speech (%.2f)", f)
		}
	})
	t.Run("marginal hiss does not start speech", func(t *testing.T) {
		x := append(signal(1000, noise(0.002)), signal(1000, noise(0.008))...)
		if f := transcribetest.SpeechFraction(transcribetest.VADFrames(transcribe.NewEnergyVAD(), x)); f != 0 {
			t.Errorf("hiss a little louder than the room heard as speech (%.2f)", f)
		}
	})
}

func TestEnergyVADOnRealSpeech(t *testing.T) {
	x, err := audio.Importer{}.LoadFile(transcribetest.JFKPath(t))
	if err != nil {
		t.Fatal(err)
	}
	d := transcribetest.VADFrames(transcribe.NewEnergyVAD(), x)
	// jfk.wav is mostly speech with short pauses between phrases.
	if f := transcribetest.SpeechFraction(d); f < 0.5 || f > 0.98 {
		t.Errorf("speech in %.0f%% of jfk.wav's frames", 100*f)
	}
	runs := 0
	for i := 1; i < len(d); i++ {
		if !d[i] && d[i-1] {
			runs++
		}
	}
	if runs < 2 {
		t.Errorf("%d pauses found in jfk.wav, want its phrase breaks", runs)
	}
}
