package portaudio_test

import (
	"context"
	"math"
	"syscall"
	"testing"
	"time"

	"greffier/audio"
	"greffier/audio/audiotest"
	"greffier/audio/portaudio"
)

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkCapture48kStereo measures the whole capture path — PortAudio read from
// the ALSA file device at 48 kHz stereo, downmix, level meter, resampling to
// 16 kHz, spool writes and fsyncs, and the final WAV — in CPU seconds (user +
// system, all threads) per second of audio. The file device delivers audio faster
// than real time, so the figure is pure cost with no idle waiting.
func BenchmarkCapture48kStereo(b *testing.B) {
	const seconds = 60
	feed := make([]int16, 2*48000*seconds)
	for i := range 48000 * seconds {
		v := 8000 * math.Sin(2*math.Pi*300*float64(i)/48000) * (1 + math.Sin(float64(i)/4800))
		feed[2*i], feed[2*i+1] = int16(v), int16(-v/2)
	}
	if err := sound.WriteFeed48(feed); err != nil {
		b.Fatal(err)
	}
	var total, audioSec float64
	for b.Loop() {
		src, err := portaudio.OpenDevice(portaudio.DeviceOptions{Name: audiotest.File48, Channels: 2})
		if err != nil {
			b.Fatal(err)
		}
		var rec *audio.Recorder
		written := int64(0)
		rec, err = audio.NewRecorder(audio.Consent{By: "bench", At: time.Now()}, src, audio.Options{
			Dir: b.TempDir(),
			OnAudio: func(s []float32) {
				if written += int64(len(s)); written >= seconds*16000 {
					rec.Stop()
				}
			},
		})
		if err != nil {
			b.Fatal(err)
		}
		start := cpuTime()
		r, err := rec.Run(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		total += (cpuTime() - start).Seconds()
		audioSec += float64(r.Samples) / 16000
	}
	b.ReportMetric(total/audioSec, "cpu-s/audio-s")
	b.ReportMetric(100*total/audioSec, "%core")
}
