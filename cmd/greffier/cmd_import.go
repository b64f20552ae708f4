package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"greffier/audio"
	"greffier/domain"
	"greffier/pipeline"
)

func importCommand() command {
	return command{
		name:    "import",
		summary: "convert an audio file (WAV, FLAC, MP3, Ogg Vorbis/Opus) to a 16 kHz mono WAV",
		run:     runImport,
	}
}

func runImport(_ context.Context, c *cli, args []string) error {
	fs := newFlags(c, "import", "import FILE --out DIR [--name NAME]")
	out := fs.String("out", "", "folder for the converted recording (required)")
	name := fs.String("name", "", "base name of the output file (default: the input's)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("need exactly one audio FILE, got %d", len(pos))
	}
	if *out == "" {
		return usagef("--out DIR is required")
	}
	in := pos[0]
	base := *name
	if base == "" {
		base = strings.TrimSuffix(filepath.Base(in), filepath.Ext(in))
	}
	if base == "" || strings.ContainsAny(base, `/\`) || base == "." || base == ".." {
		return usagef("bad output name %q", base)
	}
	samples, err := pipeline.LoadAudio(in)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o700); err != nil {
		return domain.Wrap(domain.EInvalid, err, "cannot create output folder %s", *out)
	}
	dst := filepath.Join(*out, base+".wav")
	if _, err := os.Stat(dst); err == nil {
		return domain.Errorf(domain.EConflict, "%s already exists; choose another --name or --out", dst)
	}
	if err := audio.WriteWAV(dst, samples, audio.TargetRate); err != nil {
		return domain.Wrap(domain.EUnavailable, err, "cannot write %s", dst)
	}
	fmt.Fprintf(c.stdout, "%s\t%.1f s\n", dst, float64(len(samples))/audio.TargetRate)
	return nil
}
