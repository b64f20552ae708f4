package audio_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"greffier/audio"
	"greffier/domain"
)

// wavSpec describes a WAV for makeWAV to build.
type wavSpec struct {
	tag        uint16 // 1 PCM, 3 float
	extensible bool
	channels   int
	rate       int
	bits       int
}

// makeWAV builds a WAV file from per-channel samples in [-1, 1].
func makeWAV(t testing.TB, s wavSpec, chans [][]float64) []byte {
	t.Helper()
	var data bytes.Buffer
	for i := range chans[0] {
		for c := 0; c < s.channels; c++ {
			v := chans[c%len(chans)][i]
			switch {
			case s.tag == 3 && s.bits == 32:
				binary.Write(&data, binary.LittleEndian, math.Float32bits(float32(v)))
			case s.tag == 3 && s.bits == 64:
				binary.Write(&data, binary.LittleEndian, math.Float64bits(v))
			case s.bits == 8:
				data.WriteByte(byte(int(math.Round(v*127)) + 128))
			case s.bits == 16:
				binary.Write(&data, binary.LittleEndian, int16(math.Round(v*32767)))
			case s.bits == 24:
				x := int32(math.Round(v * 8388607))
				data.Write([]byte{byte(x), byte(x >> 8), byte(x >> 16)})
			case s.bits == 32:
				binary.Write(&data, binary.LittleEndian, int32(math.Round(v*2147483647)))
			}
		}
	}
	var fmtc bytes.Buffer
	tag := s.tag
	if s.extensible {
		tag = 0xFFFE
	}
	block := s.channels * s.bits / 8
	for _, v := range []any{tag, uint16(s.channels), uint32(s.rate), uint32(s.rate * block), uint16(block), uint16(s.bits)} {
		binary.Write(&fmtc, binary.LittleEndian, v)
	}
	if s.extensible {
		for _, v := range []any{uint16(22), uint16(s.bits), uint32(0), s.tag} {
			binary.Write(&fmtc, binary.LittleEndian, v)
		}
		fmtc.Write([]byte{0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71})
	}
	var out bytes.Buffer
	out.WriteString("RIFF")
	binary.Write(&out, binary.LittleEndian, uint32(4+8+fmtc.Len()+8+4+8+data.Len()))
	out.WriteString("WAVEfmt ")
	binary.Write(&out, binary.LittleEndian, uint32(fmtc.Len()))
	out.Write(fmtc.Bytes())
	out.WriteString("LIST") // an odd-length chunk to skip, with its pad byte
	binary.Write(&out, binary.LittleEndian, uint32(3))
	out.Write([]byte{'a', 'b', 'c', 0})
	out.WriteString("data")
	binary.Write(&out, binary.LittleEndian, uint32(data.Len()))
	out.Write(data.Bytes())
	return out.Bytes()
}

func sine(freq float64, rate int, seconds, amp float64) []float64 {
	n := int(float64(rate) * seconds)
	out := make([]float64, n)
	for i := range out {
		out[i] = amp * math.Sin(2*math.Pi*freq*float64(i)/float64(rate))
	}
	return out
}

func writeTemp(t testing.TB, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// toneStats measures amplitude and frequency of a steady tone away from the edges.
func toneStats(s []float32, freq float64, rate int) (amp, phaseErr float64) {
	s = s[len(s)/4 : 3*len(s)/4]
	var re, im float64
	for i, v := range s {
		w := 2 * math.Pi * freq * float64(i) / float64(rate)
		re += float64(v) * math.Cos(w)
		im += float64(v) * math.Sin(w)
	}
	amp = 2 * math.Hypot(re, im) / float64(len(s))
	return amp, 0
}

func rms32(s []float32) float64 {
	var e float64
	for _, v := range s {
		e += float64(v) * float64(v)
	}
	return math.Sqrt(e / float64(max(1, len(s))))
}

func TestLoadWAVVariants(t *testing.T) {
	cases := []wavSpec{
		{tag: 1, channels: 1, rate: 16000, bits: 16},
		{tag: 1, channels: 1, rate: 16000, bits: 8},
		{tag: 1, channels: 2, rate: 44100, bits: 16},
		{tag: 1, channels: 1, rate: 48000, bits: 24},
		{tag: 1, channels: 2, rate: 48000, bits: 32},
		{tag: 3, channels: 1, rate: 22050, bits: 32},
		{tag: 3, channels: 2, rate: 8000, bits: 64},
		{tag: 1, extensible: true, channels: 2, rate: 48000, bits: 24},
		{tag: 3, extensible: true, channels: 6, rate: 96000, bits: 32},
		{tag: 1, channels: 1, rate: 44056, bits: 16}, // odd rate: interpolated phases
	}
	for _, c := range cases {
		name := fmt.Sprintf("tag%d/ext=%v/%dch/%dHz/%dbit", c.tag, c.extensible, c.channels, c.rate, c.bits)
		t.Run(name, func(t *testing.T) {
			const freq, amp = 440.0, 0.5
			p := writeTemp(t, "in.wav", makeWAV(t, c, [][]float64{sine(freq, c.rate, 1, amp)}))
			got, err := importer.LoadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if want := 16000; abs(len(got)-want) > 1 {
				t.Fatalf("got %d samples, want %d", len(got), want)
			}
			a, _ := toneStats(got, freq, 16000)
			tol := 0.01
			if c.bits == 8 {
				tol = 0.02
			}
			if math.Abs(a-amp) > tol {
				t.Errorf("440 Hz amplitude %.4f, want %.2f", a, amp)
			}
			if off, _ := toneStats(got, 1000, 16000); off > 0.01 {
				t.Errorf("energy at 1 kHz %.4f: tone landed at the wrong frequency", off)
			}
		})
	}
}

func TestLoadWAVDownmixAverages(t *testing.T) {
	// Left holds a tone, right its negation plus a second tone: the mix keeps only
	// half of the second tone.
	l := sine(300, 16000, 1, 0.4)
	r := sine(300, 16000, 1, -0.4)
	for i, v := range sine(700, 16000, 1, 0.6) {
		r[i] += v
	}
	p := writeTemp(t, "st.wav", makeWAV(t, wavSpec{tag: 1, channels: 2, rate: 16000, bits: 16}, [][]float64{l, r}))
	got, err := importer.LoadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if a, _ := toneStats(got, 300, 16000); a > 0.001 {
		t.Errorf("cancelled tone left %.4f", a)
	}
	if a, _ := toneStats(got, 700, 16000); math.Abs(a-0.3) > 0.005 {
		t.Errorf("700 Hz amplitude %.4f, want 0.3", a)
	}
}

// A sweep entirely above 8 kHz, fed at 48 kHz, must all but vanish at 16 kHz:
// whatever comes out is aliasing.
func TestResampleSweepAntiAliasing(t *testing.T) {
	for _, inRate := range []int{48000, 44100, 96000} {
		t.Run(strconv.Itoa(inRate), func(t *testing.T) {
			const seconds = 2.0
			n := int(seconds * float64(inRate))
			in := make([]float32, n)
			f0, f1 := 8000.0, float64(inRate)/2
			var phase float64
			for i := range in {
				f := f0 + (f1-f0)*float64(i)/float64(n)
				phase += 2 * math.Pi * f / float64(inRate)
				in[i] = float32(0.9 * math.Sin(phase) * fade(i, n, inRate/20))
			}
			rs, err := audio.NewResampler(inRate, 16000)
			if err != nil {
				t.Fatal(err)
			}
			out := rs.Flush(rs.Process(nil, in))
			db := 20 * math.Log10(rms32(out)/rms32(in))
			t.Logf("%d Hz → 16 kHz: energy above 8 kHz attenuated %.1f dB", inRate, -db)
			if db > -40 {
				t.Errorf("sweep 8–%.0f kHz attenuated only %.1f dB, want ≥ 40", f1/1000, -db)
			}
			// The pass band is kept: a 3 kHz tone comes through at full level.
			tone := make([]float32, inRate)
			for i := range tone {
				tone[i] = float32(0.5 * math.Sin(2*math.Pi*3000*float64(i)/float64(inRate)))
			}
			rs.Reset()
			out = rs.Flush(rs.Process(nil, tone))
			if a, _ := toneStats(out, 3000, 16000); math.Abs(a-0.5) > 0.005 {
				t.Errorf("3 kHz amplitude after resampling %.4f, want 0.5", a)
			}
		})
	}
}

// Streaming in odd-sized pieces gives the same samples as one call.
func TestResampleChunkingInvariant(t *testing.T) {
	in := make([]float32, 48000)
	for i := range in {
		in[i] = float32(math.Sin(float64(i)*0.01) * math.Cos(float64(i)*0.0037))
	}
	for _, rate := range []int{48000, 44100, 8000, 16000} {
		a, _ := audio.NewResampler(rate, 16000)
		b, _ := audio.NewResampler(rate, 16000)
		whole := a.Flush(a.Process(nil, in))
		var parts []float32
		for i, step := 0, 1; i < len(in); i, step = i+step, step%997+13 {
			parts = b.Process(parts, in[i:min(i+step, len(in))])
		}
		parts = b.Flush(parts)
		if len(whole) != len(parts) {
			t.Fatalf("%d Hz: %d vs %d samples", rate, len(whole), len(parts))
		}
		for i := range whole {
			if math.Abs(float64(whole[i]-parts[i])) > 1e-6 {
				t.Fatalf("%d Hz: sample %d differs: %v vs %v", rate, i, whole[i], parts[i])
			}
		}
		if want := (len(in)*16000 + rate - 1) / rate; len(whole) != want {
			t.Errorf("%d Hz: %d output samples, want %d", rate, len(whole), want)
		}
	}
}

func TestWriteWAVRoundTrip(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "out.wav")
	in := make([]float32, 16000)
	for i := range in {
		in[i] = float32(0.8 * math.Sin(2*math.Pi*440*float64(i)/16000))
	}
	in[10], in[11] = 1.5, -1.5 // clamped, not wrapped
	if err := audio.WriteWAV(p, in, 16000); err != nil {
		t.Fatal(err)
	}
	got, err := importer.LoadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(in) {
		t.Fatalf("%d samples back, want %d", len(got), len(in))
	}
	for i := range in {
		want := max(-1, min(1, in[i]))
		if math.Abs(float64(got[i]-want)) > 1.0/16000 {
			t.Fatalf("sample %d: %v, want %v", i, got[i], want)
		}
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Errorf("folder holds %d entries, want only out.wav (no temporary left)", len(ents))
	}
	// Writing into a missing folder fails and creates nothing.
	if err := audio.WriteWAV(filepath.Join(dir, "nope", "x.wav"), in, 16000); err == nil {
		t.Error("WriteWAV into a missing folder succeeded")
	}
}

func TestLoadJFK(t *testing.T) {
	got, err := importer.LoadFile(jfkPath(t))
	if err != nil {
		t.Fatal(err)
	}
	// jfk.wav: 11 s at 16 kHz mono, 176000 samples, speech well above silence.
	if len(got) != 176000 {
		t.Errorf("%d samples, want 176000", len(got))
	}
	if r := rms32(got); r < 0.01 {
		t.Errorf("RMS %.4f: speech expected", r)
	}
}

func TestLoadBadFiles(t *testing.T) {
	good := makeWAV(t, wavSpec{tag: 1, channels: 1, rate: 16000, bits: 16}, [][]float64{sine(440, 16000, 0.1, 0.5)})
	patch := func(off int, v uint32) []byte {
		b := bytes.Clone(good)
		binary.LittleEndian.PutUint32(b[off:], v)
		return b
	}
	patch16 := func(off int, v uint16) []byte {
		b := bytes.Clone(good)
		binary.LittleEndian.PutUint16(b[off:], v)
		return b
	}
	// Offsets in good: fmt body at 20 (tag 20, channels 22, rate 24, byterate 28,
	// align 32, bits 34), LIST at 36, data header at 48, data size at 52.
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "empty file"},
		{"text", []byte("Patient notes: not audio at all, just some text\n"), "not a recognised audio file"},
		{"tiny", []byte("RIF"), "too short"},
		{"header only", good[:56], "truncated"},
		{"cut in chunk header", good[:40], "no data chunk"},
		{"truncated data", good[:len(good)-100], "truncated"},
		{"data size lie", patch(52, 0xFFFFFFF0), "truncated"},
		{"data size lie small", patch(52, 0x7FFFFFFF), "truncated"},
		{"zero channels", patch16(22, 0), "channel"},
		{"rate zero", patch(24, 0), "sample rate"},
		{"rate huge", patch(24, 4000000000), "sample rate"},
		{"byte rate lie", patch(28, 1), "byte rate"},
		{"block align lie", patch16(32, 7), "block align"},
		{"bits 12", patch16(34, 12), "sample size"},
		{"adpcm", patch16(20, 2), "unsupported WAV encoding"},
		{"fmt huge", patch(16, 0x7FFFFFFF), "fmt chunk"},
		{"chunk huge", patch(40, 0x7FFFFFF0), "truncated"},
		{"empty data", append(patch(52, 0)[:56:56], []byte{}...), "no audio"},
		{"m4a", append([]byte("\x00\x00\x00\x20ftypM4A "), make([]byte, 64)...), "ffmpeg -i"},
		{"ogg garbage", append([]byte("OggS"), make([]byte, 64)...), "Ogg"},
		{"flac garbage", append([]byte("fLaC"), make([]byte, 64)...), "FLAC"},
		{"mp3 garbage", append([]byte("ID3\x03\x00\x00\x00\x00\x00\x10"), make([]byte, 64)...), "MP3"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := writeTemp(t, "bad file.wav", c.data)
			s, err := importer.LoadFile(p)
			if err == nil {
				t.Fatalf("no error; %d samples", len(s))
			}
			var de *domain.Error
			if !errors.As(err, &de) || de.Code != domain.EInvalid {
				t.Fatalf("error %v (%T), want *domain.Error EInvalid", err, err)
			}
			if !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q should name the file and say %q", err, c.want)
			}
		})
	}
	// A streamed WAV marks its data length unknown (0xFFFFFFFF): read to the end.
	streamed := patch(52, 0xFFFFFFFF)
	if s, err := importer.LoadFile(writeTemp(t, "streamed.wav", streamed)); err != nil || len(s) != 1600 {
		t.Errorf("streamed WAV: %d samples (%v), want 1600", len(s), err)
	}
	if _, err := importer.LoadFile(filepath.Join(t.TempDir(), "missing.wav")); domain.ErrorCode(err) != domain.ENotFound {
		t.Errorf("missing file: %v, want ENotFound", err)
	}
}

// fade is a raised-cosine ramp over the first and last k of n samples, so that the
// test signal has no clicks (broadband transients) at its ends.
func fade(i, n, k int) float64 {
	d := min(i, n-1-i)
	if d >= k {
		return 1
	}
	return 0.5 - 0.5*math.Cos(math.Pi*float64(d)/float64(k))
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
