package app_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"greffier/app"
	"greffier/audio/audiotest"
)

// lagPlatform notes when each final window's event arrives.
type lagPlatform struct {
	mu      sync.Mutex
	arrived []time.Time
	endMS   []int64
}

func (l *lagPlatform) Emit(_ string, data any) {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, e := range data.([]app.Event) {
		if w, ok := e.Data.(app.WindowEvent); ok {
			l.arrived = append(l.arrived, now)
			l.endMS = append(l.endMS, w.EndMS)
		}
	}
}

func (l *lagPlatform) OpenFile(string, []string) (string, error) { return "", nil }

// lags returns, per window, how long after its audio ended (wall clock from start)
// its final transcript reached the UI.
func (l *lagPlatform) lags(start time.Time) []time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]time.Duration, len(l.arrived))
	for i, at := range l.arrived {
		out[i] = at.Sub(start) - time.Duration(l.endMS[i])*time.Millisecond
	}
	return out
}

// BenchmarkTranscriptLag records a visit through the app (PulseAudio at real pace,
// whisper on the empty tiny.en model, 2 threads, the app's 20–30 s windows) with the managed llama-server
// chosen, with and without incremental drafting, and reports the transcript lag
// (how long after a window's audio ended its final text reached the UI) and the
// time from Stop to the saved LLM draft. BENCH_LLM_MODEL picks the GGUF (default
// the tiny random model; llm/benchmodel makes real shapes), BENCH_VISIT_PLAYS how
// many times the visit is played (default 4, about 25 s each), BENCH_LLM_THREADS
// llama-server's threads (default 2). One line per run:
//
//	transcript-lag model=<file> incremental=<yes|no> windows=<N> lag_mean_s=<X> lag_max_s=<Y> stop_to_note_s=<Z>
func BenchmarkTranscriptLag(b *testing.B) {
	model := os.Getenv("BENCH_LLM_MODEL")
	plays := envInt("BENCH_VISIT_PLAYS", 4)
	threads := envInt("BENCH_LLM_THREADS", 2)
	for _, inc := range []bool{false, true} {
		name := map[bool]string{false: "incremental=no", true: "incremental=yes"}[inc]
		b.Run(name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				lagRun(b, model, inc, plays, threads)
			}
		})
	}
}

func lagRun(b *testing.B, model string, inc bool, plays, threads int) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	lp := &lagPlatform{}
	v := liveLLM(b, ctx, visitSpeech, model, inc, lp, threads)
	app.SetLiveMinWindow(v.s, 0) // the app's windows (20–30 s)
	start := time.Now()
	if _, err := v.s.Recording.Start(v.enc, audiotest.PulseDev); err != nil {
		b.Fatal(err)
	}
	for range plays {
		if err := v.pulse.Play(ctx, v.wav); err != nil {
			b.Fatal(err)
		}
	}
	stop := time.Now()
	stopAndWait(b, ctx, v.s)
	if _, err := v.s.Drafts.Generate(v.enc, "", "en"); err != nil {
		b.Fatal(err)
	}
	toNote := time.Since(stop)
	lags := lp.lags(start)
	if len(lags) == 0 {
		b.Fatal("no window was transcribed")
	}
	var sum time.Duration
	for _, l := range lags {
		sum += l
	}
	mean, worst := sum/time.Duration(len(lags)), slices.Max(lags)
	yes := map[bool]string{false: "no", true: "yes"}[inc]
	fmt.Printf("transcript-lag model=%s incremental=%s windows=%d lag_mean_s=%.2f lag_max_s=%.2f stop_to_note_s=%.1f\n",
		filepath.Base(v.model), yes, len(lags), mean.Seconds(), worst.Seconds(), toNote.Seconds())
	fmt.Printf("  lag per window (s):")
	for _, l := range lags {
		fmt.Printf(" %.1f", l.Seconds())
	}
	fmt.Println()
	if inc {
		fmt.Printf("  %v\n", v.logs.records("incremental draft"))
	}
	b.ReportMetric(mean.Seconds(), "lag_mean_s")
	b.ReportMetric(worst.Seconds(), "lag_max_s")
	b.ReportMetric(toNote.Seconds(), "stop_to_note_s")
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}
