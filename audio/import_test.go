package audio_test

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"greffier/domain"
)

// Fixtures in testdata/import were made with sox (see testdata/import/README):
// one second of a 440 Hz sine at half scale, in each format.
func TestLoadCompressedFormats(t *testing.T) {
	cases := []struct {
		file   string
		maxLen int // decoders of lossy formats add encoder delay and padding
		tol    float64
	}{
		{"tone440.flac", 16000, 0.002},
		{"tone440-24bit.flac", 16000, 0.002},
		{"tone440.mp3", 17200, 0.03},
		{"tone440.ogg", 16000, 0.03},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			got, err := importer.LoadFile(filepath.Join("testdata", "import", c.file))
			if err != nil {
				t.Fatal(err)
			}
			if len(got) < 15990 || len(got) > c.maxLen {
				t.Errorf("%d samples, want about 16000 (≤ %d)", len(got), c.maxLen)
			}
			if a, _ := toneStats(got, 440, 16000); math.Abs(a-0.5) > c.tol {
				t.Errorf("440 Hz amplitude %.4f, want 0.5 ± %.3f", a, c.tol)
			}
			if a, _ := toneStats(got, 1000, 16000); a > 0.01 {
				t.Errorf("energy at 1 kHz %.4f: decoded to the wrong pitch or rate", a)
			}
		})
	}
}

func TestLoadUnsupportedFormats(t *testing.T) {
	m4a := append([]byte("\x00\x00\x00\x18ftypM4A \x00\x00\x02\x00isomM4A "), make([]byte, 100)...)
	adts := append([]byte{0xFF, 0xF1, 0x50, 0x80, 0x02, 0x1F, 0xFC}, make([]byte, 100)...)
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"talk.m4a", m4a, "ffmpeg -i in.m4a out.wav"},
		{"talk.aac", adts, "ffmpeg -i in.m4a out.wav"},
		// go-mp3 garbles MPEG-2 Layer III: refused, not imported as noise.
		{"tone440-mono22k.mp3", mustRead(t, "testdata/import/tone440-mono22k.mp3"), "MPEG-2/2.5) is not supported"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := writeTemp(t, c.name, c.data)
			_, err := importer.LoadFile(p)
			if domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), p) {
				t.Errorf("got %v, want EInvalid naming %s and saying %q", err, p, c.want)
			}
		})
	}
}

// Every prefix of every fixture — truncation at any point — gives samples or a
// clean EInvalid, never a panic.
func TestLoadTruncatedCompressed(t *testing.T) {
	ents, err := os.ReadDir(filepath.Join("testdata", "import"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), "README") {
			continue
		}
		b, err := os.ReadFile(filepath.Join("testdata", "import", e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range []int{1, 4, 12, 30, 60, 100, 300, 1000, len(b) / 2, len(b) - 1} {
			if n >= len(b) {
				continue
			}
			_, err := importer.Decode(bytes.NewReader(b[:n]), int64(n))
			if err != nil && domain.ErrorCode(err) != domain.EInvalid {
				t.Errorf("%s cut at %d: %v (code %s), want EInvalid", e.Name(), n, err, domain.ErrorCode(err))
			}
		}
	}
}

func mustRead(t testing.TB, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
