package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"greffier/audio"
)

func TestImportCommand(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"tone440.flac", "tone440.ogg", "tone440.mp3"} {
		in := filepath.Join("..", "..", "audio", "testdata", "import", f)
		code, out, errs := runCLI(t, "import", in, "--out", dir, "--name", strings.ReplaceAll(f, ".", "-"))
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", f, code, errs)
		}
		wav := filepath.Join(dir, strings.ReplaceAll(f, ".", "-")+".wav")
		if !strings.Contains(out, wav) {
			t.Errorf("%s: output %q does not name %s", f, out, wav)
		}
		s, err := audio.Importer{}.LoadFile(wav)
		if err != nil || len(s) < 15990 || len(s) > 17200 {
			t.Errorf("%s: %d samples at 16 kHz (%v), want about one second", f, len(s), err)
		}
	}
	// The default name is the input's; an existing output is not overwritten.
	in := filepath.Join("..", "..", "audio", "testdata", "import", "tone440.flac")
	if code, _, errs := runCLI(t, "import", in, "--out", dir); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if code, _, errs := runCLI(t, "import", in, "--out", dir); code != exitConflict || !strings.Contains(errs, "already exists") {
		t.Errorf("second import: exit %d %s, want 5 and 'already exists'", code, errs)
	}
}

func TestImportBadFilesExit2(t *testing.T) {
	dir := t.TempDir()
	good, err := os.ReadFile(filepath.Join("..", "..", "audio", "testdata", "import", "tone440.flac"))
	if err != nil {
		t.Fatal(err)
	}
	var wav bytes.Buffer
	wav.WriteString("RIFF\x24\x08\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x80\x3e\x00\x00\x00\x7d\x00\x00\x02\x00\x10\x00data\x00\x08\x00\x00")
	wav.Write(make([]byte, 100)) // declares 2048 bytes of data, holds 100
	cases := map[string][]byte{
		"notes.wav":     []byte("not audio, just a text file\n"),
		"empty.wav":     nil,
		"truncated.wav": wav.Bytes(),
		"cut.flac":      good[:len(good)/3],
		"voice.m4a":     append([]byte("\x00\x00\x00\x18ftypM4A "), make([]byte, 64)...),
	}
	for name, b := range cases {
		p := filepath.Join(dir, name)
		os.WriteFile(p, b, 0o600)
		code, _, errs := runCLI(t, "import", p, "--out", filepath.Join(dir, "out"))
		if code != 2 || !strings.Contains(errs, p) || strings.Contains(errs, "panic") {
			t.Errorf("%s: exit %d, stderr %q: want 2 and the file named", name, code, errs)
		}
	}
	if code, _, errs := runCLI(t, "import", "--out", dir); code != 2 {
		t.Errorf("no file: exit %d %s", code, errs)
	}
}
