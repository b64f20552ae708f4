package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"greffier/domain"
	"greffier/pipeline"
	"greffier/transcribe"
	"greffier/transcribe/whisper"
)

func transcribeCommand() command {
	return command{
		name:    "transcribe",
		summary: "transcribe an audio file with a whisper model",
		run:     runTranscribe,
	}
}

func runTranscribe(ctx context.Context, c *cli, args []string) error {
	fs := newFlags(c, "transcribe", "transcribe [--model PATH] [--lang en|fr|auto] [--threads N] [--prompt TEXT] [--stream [--speed X] [--glossary F] [--phrases F]] [--json] FILE")
	model := fs.String("model", "", "whisper.cpp ggml model file (default: $GREFFIER_MODEL, else the models folder's default)")
	lang := fs.String("lang", "auto", "spoken language: en, fr or auto")
	threads := fs.Int("threads", 0, "compute threads (0: one per core, at most 8)")
	prompt := fs.String("prompt", "", "initial prompt: vocabulary to expect (drug names, clinic terms)")
	asJSON := fs.Bool("json", false, "print one JSON object per segment")
	stream := fs.Bool("stream", false, "feed the file at real-time pace through the live streaming path, printing segments as they become final")
	streamOpts := addStreamFlags(fs)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("need exactly one audio FILE, got %d", len(pos))
	}
	if !domain.Language(*lang).Spoken() {
		return usagef("--lang must be en, fr or auto, not %q", *lang)
	}
	if *threads < 0 {
		return usagef("--threads must be 0 or more")
	}

	samples, err := pipeline.LoadAudio(pos[0])
	if err != nil {
		return err
	}
	if *model == "" {
		*model = c.env.WhisperModel
	}
	if *model, err = pipeline.WhisperModel(c.env.Dirs, *model); err != nil {
		return err
	}
	eng, err := whisper.Load(*model)
	if err != nil {
		return err
	}
	defer eng.Close()
	spoken := pipeline.SpokenLanguage(domain.Language(*lang), eng.Multilingual())
	opts := transcribe.Options{Language: string(spoken), Threads: *threads, InitialPrompt: *prompt}
	if *stream {
		return streamFile(ctx, c, eng, samples, opts, *asJSON, *streamOpts)
	}
	segs, err := eng.Transcribe(ctx, samples, opts)
	if err != nil {
		if ctx.Err() != nil {
			return domain.Wrap(domain.EInvalid, err, "transcription of %s cancelled", pos[0])
		}
		return err
	}
	return printSegments(c.stdout, segs, *asJSON)
}

// printSegments writes segments as JSON lines or as readable timestamped text.
func printSegments(w io.Writer, segs []domain.Segment, asJSON bool) error {
	enc := json.NewEncoder(w)
	for _, s := range segs {
		var err error
		if asJSON {
			err = enc.Encode(s)
		} else {
			_, err = fmt.Fprintf(w, "[%s --> %s] %s\n", clock(s.StartMS), clock(s.EndMS), s.Text)
		}
		if err != nil {
			return fmt.Errorf("write segments: %w", err)
		}
	}
	return nil
}

// clock formats milliseconds as mm:ss.mmm (h:mm:ss.mmm past an hour).
func clock(ms int64) string {
	h, m, s, rest := ms/3600000, ms/60000%60, ms/1000%60, ms%1000
	if h > 0 {
		return fmt.Sprintf("%d:%02d:%02d.%03d", h, m, s, rest)
	}
	return fmt.Sprintf("%02d:%02d.%03d", m, s, rest)
}
