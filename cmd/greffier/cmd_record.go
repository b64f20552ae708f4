package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"greffier/audio"
	"greffier/audio/portaudio"
	"greffier/domain"
)

func recordCommand() command {
	return command{
		name:    "record",
		summary: "record a consultation from a microphone into a 16 kHz WAV",
		run:     runRecord,
	}
}

func runRecord(ctx context.Context, c *cli, args []string) error {
	fs := newFlags(c, "record", "record --consent-by WHO --out DIR [--device NAME] [--seconds N] [--name NAME] [--encounter ID]")
	device := fs.String("device", "", "input device name, or part of it (default: the default input)")
	consentBy := fs.String("consent-by", "", "who obtained the patient's consent to record (required)")
	out := fs.String("out", "", "folder for the recording (required)")
	seconds := fs.Float64("seconds", 0, "stop after this much recorded audio (0: until Ctrl-C)")
	name := fs.String("name", "", "base name of the files (default rec-DATE)")
	encounter := fs.String("encounter", "", "encounter the recording belongs to")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usagef("record takes no arguments")
	}
	if strings.TrimSpace(*consentBy) == "" {
		return usagef("--consent-by is required: recording needs the patient's consent")
	}
	if *out == "" {
		return usagef("--out DIR is required")
	}
	if *seconds < 0 {
		return usagef("--seconds must be 0 or more")
	}
	if err := os.MkdirAll(*out, 0o700); err != nil {
		return domain.Wrap(domain.EInvalid, err, "cannot create output folder %s", *out)
	}
	// A previous run killed mid-recording left a spool: finish it first.
	recovered, err := audio.Recover(*out)
	for _, r := range recovered {
		fmt.Fprintf(c.stderr, "recovered an interrupted recording: %s (%.1f s)\n", r.WAV, r.Duration.Seconds())
	}
	if err != nil {
		fmt.Fprintf(c.stderr, "warning: %v\n", err)
	}

	src, err := portaudio.OpenDevice(portaudio.DeviceOptions{Name: *device})
	if err != nil {
		return err
	}
	sel := src.Selection()
	if sel.Fallback {
		fmt.Fprintln(c.stderr, "warning:", sel.Notice)
	}
	var rec *audio.Recorder
	limit := int64(*seconds * audio.TargetRate)
	written := int64(0)
	lastClip := time.Time{}
	rec, err = audio.NewRecorder(audio.Consent{By: *consentBy, At: time.Now(), Encounter: *encounter}, src, audio.Options{
		Dir: *out, Name: *name, Device: sel.Device.Name,
		OnAudio: func(s []float32) {
			written += int64(len(s))
			if limit > 0 && written >= limit {
				rec.Stop()
			}
		},
		OnEvent: func(e audio.Event) {
			switch e.Kind {
			case audio.EventStarted:
				fmt.Fprintf(c.stderr, "recording from %q at %d Hz, %d channel(s); Ctrl-C stops and keeps the recording\n",
					sel.Device.Name, src.Rate(), src.Channels())
			case audio.EventNoSignal, audio.EventSignal:
				fmt.Fprintf(c.stderr, "%s at %s: %s\n", e.Kind, e.At.Round(time.Second), e.Message)
			case audio.EventClipping:
				if time.Since(lastClip) > 5*time.Second {
					lastClip = time.Now()
					fmt.Fprintf(c.stderr, "clipping at %s: %s\n", e.At.Round(time.Second), e.Message)
				}
			}
		},
	})
	if err != nil {
		src.Close()
		return err
	}
	fmt.Fprintf(c.stderr, "opened %q; waiting for audio…\n", sel.Device.Name)
	r, err := rec.Run(ctx)
	if r != nil && r.WAV != "" {
		fmt.Fprintf(c.stdout, "%s\t%.1f s\n", r.WAV, r.Duration.Seconds())
	} else if r != nil && r.Spool != "" {
		fmt.Fprintf(c.stderr, "the recording is kept in %s; run 'greffier record' again with the same --out to recover it\n", r.Spool)
	}
	return err
}
