package whisper_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"greffier/audio"
	"greffier/transcribe"
	"greffier/transcribe/transcribetest"
	"greffier/transcribe/whisper"
)

// The streaming benchmarks run the real whisper engine on empty tiny.en and base.en
// models (full compute, no weights: timings equal a real model's of the same size),
// 2 threads. `make bench` runs each once:
//
//	go test -run '^$' -bench . -benchtime 1x ./transcribe/
//
// GREFFIER_BENCH_MINUTES shortens the synthetic consultation (default 10).

var benchKinds = []string{"tiny.en", "base.en"}

const benchThreads = 2

// BenchmarkStreamConsultation streams a synthetic two-voice consultation through the
// streaming path and reports the real-time factor (engine time / audio time), the
// stop-to-final-transcript latency and the process's peak RSS. The audio arrives as
// fast as the worker can take it; before the last stretch the benchmark waits for the
// worker to catch up, as it does in a live visit when transcription is faster than
// speech, so the latency is what a physician waits after pressing stop.
func BenchmarkStreamConsultation(b *testing.B) {
	minutes := 10.0
	if v := os.Getenv("GREFFIER_BENCH_MINUTES"); v != "" {
		if f, err := strconv.ParseFloat(v, 64); err == nil && f > 0 {
			minutes = f
		}
	}
	x := consultation(b, minutes)
	audioSec := float64(len(x)) / transcribe.SampleRate
	var rows []string
	for _, kind := range benchKinds {
		b.Run(kind, func(b *testing.B) {
			eng, err := whisper.Load(transcribetest.EmptyModel(b, kind))
			if err != nil {
				b.Fatal(err)
			}
			defer eng.Close()
			for range b.N {
				st, latency, lastWin := streamOnce(b, eng, x)
				rtf := st.Compute.Seconds() / audioSec
				rss := peakRSSMiB(syscall.RUSAGE_SELF)
				b.ReportMetric(rtf, "RTF")
				b.ReportMetric(latency.Seconds(), "stop-s")
				b.ReportMetric(float64(st.Windows), "windows")
				b.ReportMetric(st.Compute.Seconds()/float64(st.Windows), "s/window")
				b.ReportMetric(rss, "peakRSS-MiB")
				rows = append(rows, fmt.Sprintf("%-8s %6.0f s audio  %3d windows (%d forced)  RTF %.3f  %.2f s/window  stop→final %.2f s (last window %.1f s of audio)  peak RSS %.0f MiB",
					kind, audioSec, st.Windows, st.ForcedCuts, rtf, st.Compute.Seconds()/float64(st.Windows), latency.Seconds(), lastWin.Seconds(), rss))
			}
		})
	}
	fmt.Printf("\nstreaming a %.1f-minute two-voice consultation, %d threads:\n%s\n\n", minutes, benchThreads, strings.Join(rows, "\n"))
}

func streamOnce(b *testing.B, eng transcribe.Engine, x []float32) (transcribe.StreamStats, time.Duration, time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Minute)
	defer cancel()
	var lastWin time.Duration
	st, err := transcribe.NewStreamer(ctx, transcribe.StreamConfig{Engine: eng,
		Options: transcribe.Options{Language: "en", Threads: benchThreads},
		OnUpdate: func(u transcribe.Update) {
			if u.Final {
				lastWin = time.Duration(u.Window.EndMS-u.Window.StartMS) * time.Millisecond
			}
		}})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	if err := transcribe.Feed(ctx, st, x, 0, 100*time.Millisecond); err != nil {
		b.Fatal(err)
	}
	for st.Backlog() > 0 {
		time.Sleep(50 * time.Millisecond)
	}
	t0 := time.Now()
	if _, err := st.Stop(ctx); err != nil {
		b.Fatal(err)
	}
	return st.Stats(), time.Since(t0), lastWin
}

// BenchmarkVersusWhisperCLI compares our engine (load + transcribe, as one CLI run
// does) with whisper.cpp's own whisper-cli on the same model, audio (jfk.wav) and
// threads. whisper-cli is timed twice: exactly as `whisper-cli -m M -f F -t 2`
// (its defaults: beam search of 5) and with greedy decoding (-bs 1 -bo 1) like ours.
// Each side runs twice and the faster run counts, to damp a loaded machine's noise.
func BenchmarkVersusWhisperCLI(b *testing.B) {
	cli, err := exec.LookPath("whisper-cli")
	if err != nil {
		b.Skip("whisper-cli not found (it is in Debian's whisper.cpp-tools)")
	}
	wav := transcribetest.JFKPath(b)
	x, err := audio.Importer{}.LoadFile(wav)
	if err != nil {
		b.Fatal(err)
	}
	var rows []string
	for _, kind := range benchKinds {
		b.Run(kind, func(b *testing.B) {
			model := transcribetest.EmptyModel(b, kind)
			for range b.N {
				ours, cliDefault, cliGreedy := time.Duration(1<<62), time.Duration(1<<62), time.Duration(1<<62)
				for range 2 {
					ours = min(ours, timeOurs(b, model, x))
					cliDefault = min(cliDefault, timeCLI(b, cli, model, wav))
					cliGreedy = min(cliGreedy, timeCLI(b, cli, model, wav, "-bs", "1", "-bo", "1"))
				}
				rtf := ours.Seconds() / (float64(len(x)) / transcribe.SampleRate)
				b.ReportMetric(rtf, "RTF")
				b.ReportMetric(ours.Seconds()/cliDefault.Seconds(), "ratio-vs-cli")
				b.ReportMetric(ours.Seconds()/cliGreedy.Seconds(), "ratio-vs-cli-greedy")
				b.ReportMetric(peakRSSMiB(syscall.RUSAGE_CHILDREN), "cli-peakRSS-MiB")
				rows = append(rows, fmt.Sprintf("%-8s ours %.2f s (RTF %.3f)  whisper-cli %.2f s (ratio %.2f)  whisper-cli greedy %.2f s (ratio %.2f)",
					kind, ours.Seconds(), rtf, cliDefault.Seconds(), ours.Seconds()/cliDefault.Seconds(),
					cliGreedy.Seconds(), ours.Seconds()/cliGreedy.Seconds()))
			}
		})
	}
	fmt.Printf("\njfk.wav (11 s), %d threads, model load included on both sides:\n%s\n\n", benchThreads, strings.Join(rows, "\n"))
}

func timeOurs(b *testing.B, model string, x []float32) time.Duration {
	t0 := time.Now()
	eng, err := whisper.Load(model)
	if err != nil {
		b.Fatal(err)
	}
	defer eng.Close()
	if _, err := eng.Transcribe(context.Background(), x, transcribe.Options{Language: "en", Threads: benchThreads}); err != nil {
		b.Fatal(err)
	}
	return time.Since(t0)
}

func timeCLI(b *testing.B, cli, model, wav string, extra ...string) time.Duration {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	args := append([]string{"-m", model, "-f", wav, "-t", strconv.Itoa(benchThreads), "-l", "en", "-np"}, extra...)
	cmd := exec.CommandContext(ctx, cli, args...)
	t0 := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("whisper-cli: %v\n%s", err, out)
	}
	return time.Since(t0)
}

func peakRSSMiB(who int) float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(who, &ru); err != nil {
		return 0
	}
	return float64(ru.Maxrss) / 1024 // kilobytes on Linux
}

// consultation makes a two-voice clinical conversation of about the given length
// with espeak-ng (a male voice for the clinician, a female one for the patient) and
// sox (joining the turns with pauses), and returns it as 16 kHz mono samples.
func consultation(b *testing.B, minutes float64) []float32 {
	for _, tool := range []string{"espeak-ng", "sox"} {
		if _, err := exec.LookPath(tool); err != nil {
			b.Skipf("%s not found: the synthetic consultation needs espeak-ng and sox", tool)
		}
	}
	dir := b.TempDir()
	var parts []string
	var total float64
	silence := filepath.Join(dir, "pause.wav")
	mustRun(b, "sox", "-n", "-r", "22050", "-c", "1", silence, "trim", "0", "0.8")
	for i := 0; total < minutes*60; i++ {
		voice, line := "en-us", clinicianLines[i/2%len(clinicianLines)]
		if i%2 == 1 {
			voice, line = "en+f3", patientLines[i/2%len(patientLines)]
		}
		p := filepath.Join(dir, fmt.Sprintf("turn%04d.wav", i))
		mustRun(b, "espeak-ng", "-v", voice, "-s", "160", "-w", p, line)
		st, err := os.Stat(p)
		if err != nil {
			b.Fatal(err)
		}
		total += float64(st.Size()-44)/2/22050 + 0.8
		parts = append(parts, p, silence)
	}
	// The recording stops as the last word ends, as when the physician presses stop
	// while the patient is still talking: the last window then holds speech.
	parts = parts[:len(parts)-1]
	out := filepath.Join(dir, "consultation.wav")
	mustRun(b, "sox", append(parts, "-r", "16000", "-c", "1", "-b", "16", out)...)
	x, err := audio.Importer{}.LoadFile(out)
	if err != nil {
		b.Fatal(err)
	}
	return x
}

func mustRun(b *testing.B, name string, args ...string) {
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		b.Fatalf("%s: %v\n%s", name, err, out)
	}
}

var clinicianLines = []string{
	"Good morning. What brings you in today?",
	"How long have you had the cough, and is it dry or do you bring anything up?",
	"Have you had any fever, chills or night sweats?",
	"Any shortness of breath when you climb stairs or walk quickly?",
	"Do you smoke, or have you smoked in the past?",
	"Are you taking any medication at the moment, including inhalers?",
	"Any allergies to medication, such as penicillin?",
	"Let me listen to your chest. Take a deep breath in, and out.",
	"Your temperature is thirty seven point eight and your oxygen saturation is ninety six percent.",
	"I can hear some crackles at the right base. I think this is a chest infection.",
	"I will prescribe amoxicillin five hundred milligrams three times a day for five days.",
	"If you get more breathless or the fever does not settle in three days, come back or call us.",
}

var patientLines = []string{
	"I have had this cough for about two weeks now and it is not getting better.",
	"It started dry, but now I bring up some yellow phlegm, mostly in the morning.",
	"I had a fever last weekend, thirty eight and a half, and I felt shivery at night.",
	"A little. I get out of breath on the stairs, which is not normal for me.",
	"I stopped smoking five years ago. Before that, about ten a day for twenty years.",
	"Only my blood pressure tablet, ramipril five milligrams in the morning.",
	"No allergies that I know of.",
	"It hurts a bit on the right side when I breathe in deeply.",
	"Is it serious? My husband had pneumonia last winter.",
	"Should I stay off work for a few days?",
	"Can I take paracetamol for the fever as well?",
	"Thank you, doctor. I will call if it gets worse.",
}
