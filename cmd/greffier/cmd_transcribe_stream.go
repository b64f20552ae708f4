package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"sync"
	"time"

	"greffier/appdirs"
	"greffier/domain"
	"greffier/transcribe"
	"greffier/transcribe/whisper"
)

// streamSettings are the knobs of `transcribe --stream` beyond the engine options.
type streamSettings struct {
	// Speed feeds the file at Speed times real time (1: like a live microphone;
	// <= 0: as fast as possible). Tests use large values.
	Speed    float64
	Glossary string // glossary file (one term per line), optional
	Phrases  string // extra hallucination phrases file, optional
	// VADModel is a Silero VAD ggml file; "" looks for ggml-silero-*.bin in the
	// models folder and falls back to our energy VAD.
	VADModel string
}

// addStreamFlags registers --speed, --glossary and --phrases on fs.
func addStreamFlags(fs *flag.FlagSet) *streamSettings {
	s := &streamSettings{}
	fs.Float64Var(&s.Speed, "speed", 1, "with --stream: feed the file at this many times real time (0: as fast as possible)")
	fs.StringVar(&s.Glossary, "glossary", "", "with --stream: glossary file (one term per line) for the initial prompt")
	fs.StringVar(&s.Phrases, "phrases", "", "with --stream: extra hallucination phrases to drop (one per line)")
	fs.StringVar(&s.VADModel, "vad-model", "", "with --stream: Silero VAD model (default: ggml-silero-*.bin in the models folder, else the built-in VAD)")
	return s
}

// streamFile is `greffier transcribe --stream`: it feeds the file's samples at the
// pace s.Speed sets through the same streaming path as a live recording and prints
// each window's segments as they become final; the guards' counts go to stderr at the end.
func streamFile(ctx context.Context, c *cli, eng transcribe.Engine, samples []float32, opts transcribe.Options, asJSON bool, s streamSettings) error {
	guard, err := transcribe.NewGuard(optional(s.Phrases)...)
	if err != nil {
		return err
	}
	var gloss transcribe.Glossary
	if s.Glossary != "" {
		if _, err := os.Stat(s.Glossary); err != nil {
			return domain.Wrap(domain.ENotFound, err, "glossary %s", s.Glossary)
		}
		if gloss, err = transcribe.LoadGlossary(s.Glossary); err != nil {
			return err
		}
		if p := transcribe.BuildPrompt(gloss, ""); p.Omitted > 0 {
			fmt.Fprintf(c.stderr, "glossary: %d terms do not fit whisper's prompt and were left out (put the important ones first)\n", p.Omitted)
		}
	}
	vad, err := streamVAD(c.env.Dirs, s.VADModel, opts.Threads)
	if err != nil {
		return err
	}
	if sv, ok := vad.(*whisper.SileroVAD); ok {
		defer sv.Close()
	}
	var mu sync.Mutex // updates come from the streamer's worker
	var printErr error
	st, err := transcribe.NewStreamer(ctx, transcribe.StreamConfig{
		Engine: eng, Options: opts, Guard: guard, Glossary: gloss, VAD: vad,
		OnUpdate: func(u transcribe.Update) {
			if !u.Final {
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if err := printSegments(c.stdout, u.Segments, asJSON); err != nil && printErr == nil {
				printErr = err
			}
		},
	})
	if err != nil {
		return err
	}
	defer st.Close()
	start := time.Now()
	if err := transcribe.Feed(ctx, st, samples, s.Speed, 100*time.Millisecond); err != nil {
		return domain.Wrap(domain.EInvalid, err, "streaming cancelled")
	}
	fed := time.Now()
	if _, err := st.Stop(ctx); err != nil {
		if ctx.Err() != nil {
			return domain.Wrap(domain.EInvalid, err, "streaming cancelled")
		}
		return err
	}
	stats := st.Stats()
	fmt.Fprintf(c.stderr, "stream: %d windows (%d forced cuts), %.1f s of audio, engine %.1f s, final %.2f s after the end of the audio (total %.1f s); guards %s\n",
		stats.Windows, stats.ForcedCuts, float64(stats.AudioMS)/1000, stats.Compute.Seconds(),
		time.Since(fed).Seconds(), time.Since(start).Seconds(), stats.Guard)
	mu.Lock()
	defer mu.Unlock()
	return printErr
}

// streamVAD loads the Silero VAD when the user has its model, else our own.
func streamVAD(dirs appdirs.Dirs, path string, threads int) (transcribe.VAD, error) {
	if path == "" {
		path = transcribe.FindSileroVAD(dirs.Models())
	}
	if path == "" {
		return transcribe.NewEnergyVAD(), nil
	}
	return whisper.LoadSileroVAD(path, max(1, min(threads, 2)))
}

func optional(p string) []string {
	if p == "" {
		return nil
	}
	return []string{p}
}
