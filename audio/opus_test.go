//go:build cgo

package audio_test

import (
	"bytes"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"greffier/domain"
)

// opusFile encodes the WAV bytes with the real opusenc (opus-tools) and returns the
// Ogg Opus file's path.
func opusFile(t *testing.T, wav []byte, args ...string) string {
	t.Helper()
	enc, err := exec.LookPath("opusenc")
	if err != nil {
		t.Skip("opusenc (Debian package opus-tools) is not installed: cannot make Ogg Opus test files")
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "src.wav")
	if err := os.WriteFile(in, wav, 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "src.opus")
	cmd := exec.Command(enc, append(append([]string{"--quiet"}, args...), in, out)...)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("opusenc: %v\n%s", err, b)
	}
	return out
}

func dB(x float64) float64 { return 20 * math.Log10(x) }

func TestLoadOpus(t *testing.T) {
	t.Run("mono16k", func(t *testing.T) {
		src := sine(440, 16000, 1.5, 0.5)
		p := opusFile(t, makeWAV(t, wavSpec{tag: 1, channels: 1, rate: 16000, bits: 16}, [][]float64{src}))
		got, err := importer.LoadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if d := len(got) - len(src); d < -320 || d > 320 {
			t.Errorf("%d samples, want %d ± 320 (20 ms)", len(got), len(src))
		}
		if a, _ := toneStats(got, 440, 16000); math.Abs(dB(a/0.5)) > 1 {
			t.Errorf("440 Hz amplitude %.4f, want 0.5 within 1 dB", a)
		}
		want := 0.5 / math.Sqrt2
		if r := rms32(got[len(got)/4 : 3*len(got)/4]); math.Abs(dB(r/want)) > 1 {
			t.Errorf("RMS %.4f, want %.4f within 1 dB", r, want)
		}
		if a, _ := toneStats(got, 1000, 16000); a > 0.01 {
			t.Errorf("energy at 1 kHz %.4f: decoded to the wrong pitch or rate", a)
		}
		// Sample by sample against the source (Opus keeps the phase: its delay is
		// removed by the pre-skip).
		n := min(len(got), len(src))
		var num, es, eg float64
		for i := n / 4; i < 3*n/4; i++ {
			num += float64(got[i]) * src[i]
			es += src[i] * src[i]
			eg += float64(got[i]) * float64(got[i])
		}
		if c := num / math.Sqrt(es*eg); c < 0.98 {
			t.Errorf("correlation with the source %.4f, want ≥ 0.98", c)
		}
	})
	t.Run("stereo48k", func(t *testing.T) {
		// Left 440 Hz, right 1 kHz: the mono mix holds both at half amplitude, so
		// both channels were read and de-interleaved at the right rate.
		l, r := sine(440, 48000, 2, 0.5), sine(1000, 48000, 2, 0.3)
		p := opusFile(t, makeWAV(t, wavSpec{tag: 1, channels: 2, rate: 48000, bits: 16}, [][]float64{l, r}))
		got, err := importer.LoadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if d := len(got) - 32000; d < -320 || d > 320 {
			t.Errorf("%d samples, want 32000 ± 320 (20 ms)", len(got))
		}
		if a, _ := toneStats(got, 440, 16000); math.Abs(dB(a/0.25)) > 1 {
			t.Errorf("440 Hz amplitude %.4f, want 0.25 within 1 dB", a)
		}
		if a, _ := toneStats(got, 1000, 16000); math.Abs(dB(a/0.15)) > 1 {
			t.Errorf("1 kHz amplitude %.4f, want 0.15 within 1 dB", a)
		}
	})
}

func TestLoadOpusBroken(t *testing.T) {
	src := sine(440, 16000, 2, 0.5)
	good := mustRead(t, opusFile(t, makeWAV(t, wavSpec{tag: 1, channels: 1, rate: 16000, bits: 16}, [][]float64{src})))
	// Flip bytes in the middle of the audio: the page's CRC no longer matches.
	corrupt := bytes.Clone(good)
	for i := len(corrupt) / 2; i < len(corrupt)/2+16; i++ {
		corrupt[i] ^= 0x5A
	}
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"cut-half.opus", good[:len(good)/2], "truncated Ogg Opus"},
		{"cut-last-byte.opus", good[:len(good)-1], "truncated Ogg Opus"},
		{"cut-in-header.opus", good[:40], "Ogg Opus"},
		{"corrupt.opus", corrupt, "corrupt Ogg Opus"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := writeTemp(t, c.name, c.data)
			s, err := importer.LoadFile(p)
			if domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), p) {
				t.Errorf("got %d samples, error %v; want EInvalid naming %s and saying %q", len(s), err, p, c.want)
			}
		})
	}
	// Every cut of the file is refused cleanly: no panic, no partial import.
	for n := 1; n < len(good); n += 1 + n/8 {
		_, err := importer.Decode(bytes.NewReader(good[:n]), int64(n))
		if domain.ErrorCode(err) != domain.EInvalid {
			t.Errorf("cut at %d of %d: %v, want EInvalid", n, len(good), err)
		}
	}
	// Junk appended after the last page (a tag block) is ignored.
	if got, err := importer.Decode(bytes.NewReader(append(bytes.Clone(good), "TAG junk after the end"...)), int64(len(good)+22)); err != nil || len(got) < 31000 {
		t.Errorf("trailing junk: %d samples, %v", len(got), err)
	}
}

// Hand-made Ogg Opus heads (no opusenc needed): each is refused as EInvalid with a
// message about Opus, never decoded or routed to the Vorbis reader.
func TestLoadOpusHeaderOnly(t *testing.T) {
	page := func(crc bool) []byte {
		b := []byte("OggS\x00\x02")
		b = append(b, make([]byte, 20)...) // granule, serial, sequence, CRC
		b = append(b, 1, 19)               // one segment of 19 bytes
		b = append(b, "OpusHead\x01\x01\x38\x01\x80\xbb\x00\x00\x00\x00\x00"...)
		if crc {
			// The Ogg CRC (polynomial 0x04c11db7, MSB first) of the page.
			var c uint32
			for _, x := range b {
				c ^= uint32(x) << 24
				for range 8 {
					if c&0x80000000 != 0 {
						c = c<<1 ^ 0x04c11db7
					} else {
						c <<= 1
					}
				}
			}
			b[22], b[23], b[24], b[25] = byte(c), byte(c>>8), byte(c>>16), byte(c>>24)
		}
		return b
	}
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"bad-crc.opus", page(false), "corrupt Ogg Opus header"},
		{"head-only.opus", page(true), "truncated Ogg Opus"},
		{"three-channels-no-map.opus", bytes.Replace(page(true), []byte("OpusHead\x01\x01"), []byte("OpusHead\x01\x03"), 1), "Ogg Opus"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := writeTemp(t, c.name, c.data)
			_, err := importer.LoadFile(p)
			if domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), p) {
				t.Errorf("got %v, want EInvalid naming %s and saying %q", err, p, c.want)
			}
		})
	}
}
