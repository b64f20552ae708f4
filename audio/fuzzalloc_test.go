package audio_test

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"greffier/domain"
)

// What decoding a WAV may allocate, in all (runtime.MemStats.TotalAlloc, so every
// buffer counts, not only what is live at the end): a fixed part for the resampler's
// filter table (at most 1 MB of coefficients, its row headers and size-class
// rounding: 1.32 MB measured at 1001 Hz, the worst case) and the 64 KB read buffer;
// and per input byte, the worst expansion a valid file has, 8-bit mono at the lowest
// rate (1 kHz): 16 output samples of 4 bytes each, plus the chunk, the mono and the
// resampler buffers that hold each frame once.
const (
	wavAllocFixed   = 1792 << 10
	wavAllocPerByte = 4*16 + 1 + 4 + 4
)

// FuzzWAVAlloc decodes arbitrary WAV-like bytes and checks that the decoder's
// allocations stay within wavAllocFixed + wavAllocPerByte per input byte: no header
// can make it reserve memory the file's bytes do not pay for. The seeds include the
// worst legitimate case (8-bit mono at 1 kHz) and headers that claim far more data
// than the file holds. CI runs
//
//	go test -run '^$' -fuzz '^FuzzWAVAlloc$' -fuzztime 60s ./audio
func FuzzWAVAlloc(f *testing.F) {
	for _, s := range []struct {
		wavSpec
		secs float64
	}{
		{wavSpec{tag: 1, channels: 1, rate: 1000, bits: 8}, 1},
		{wavSpec{tag: 1, channels: 1, rate: 1001, bits: 8}, 0.01},
		{wavSpec{tag: 1, channels: 64, rate: 768000, bits: 32}, 0.0001},
		{wavSpec{tag: 3, channels: 2, rate: 44100, bits: 64}, 0.01},
		{wavSpec{tag: 3, channels: 64, rate: 44100, bits: 64}, 0.0001}, // a 2 MB chunk buffer for 4 frames, before
		{wavSpec{tag: 1, channels: 1, rate: 16000, bits: 16}, 0.1},
	} {
		f.Add(makeWAV(f, s.wavSpec, [][]float64{sine(100, s.rate, s.secs, 0.5)}))
	}
	// A header that says 4 GB of data, in a file of a few bytes (RIFF lengths of
	// 0xFFFFFFFF mean "to the end of the file" and are checked against its size).
	lying := makeWAV(f, wavSpec{tag: 1, channels: 1, rate: 1000, bits: 8}, [][]float64{sine(100, 1000, 0.01, 0.5)})
	for i := 40; i < 44; i++ {
		lying[i] = 0xFF
	}
	f.Add(lying)
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) < 12 || (string(b[:4]) != "RIFF" && string(b[:4]) != "RF64") || string(b[8:12]) != "WAVE" {
			return // other formats have their own decoders and fuzz tests
		}
		alloc := allocated(func() { importer.Decode(bytes.NewReader(b), int64(len(b))) })
		if limit := uint64(wavAllocFixed + wavAllocPerByte*len(b)); alloc > limit {
			t.Fatalf("decoding %d bytes allocated %d bytes, over %d (%d fixed + %d per byte)", len(b), alloc, limit, wavAllocFixed, wavAllocPerByte)
		}
	})
}

// allocated returns the bytes f allocates (the test runs nothing else meanwhile).
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// BenchmarkWAVAllocPerByte reports what decoding the worst legitimate WAV (8-bit mono
// at 1 kHz, one minute) allocates per input byte.
func BenchmarkWAVAllocPerByte(b *testing.B) {
	wav := makeWAV(b, wavSpec{tag: 1, channels: 1, rate: 1000, bits: 8}, [][]float64{sine(100, 1000, 60, 0.5)})
	var total uint64
	for b.Loop() {
		total += allocated(func() {
			if _, err := importer.Decode(bytes.NewReader(wav), int64(len(wav))); err != nil {
				b.Fatal(err)
			}
		})
	}
	b.ReportMetric(float64(total)/float64(b.N)/float64(len(wav)), "alloc-B/in-B")
}

// A WAV whose header is true to its size but says more than maxDecodedSeconds (6 h)
// of 8-bit mono at 1 kHz is refused before anything is reserved for it: decoding it
// would need 64 bytes per file byte, 1.6 GB for this 25 MB file (sparse: it takes no
// disk space).
func TestWAVDurationCap(t *testing.T) {
	const rate, secs = 1000, 7 * 3600
	head := makeWAV(t, wavSpec{tag: 1, channels: 1, rate: rate, bits: 8}, [][]float64{{0}})
	head = head[:len(head)-1]
	n := rate * secs
	head[len(head)-4], head[len(head)-3], head[len(head)-2], head[len(head)-1] = byte(n), byte(n>>8), byte(n>>16), byte(n>>24)
	path := filepath.Join(t.TempDir(), "long.wav")
	if err := os.WriteFile(path, head, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, int64(len(head)+n)); err != nil {
		t.Fatal(err)
	}
	var err error
	alloc := allocated(func() { _, err = importer.LoadFile(path) })
	if domain.ErrorCode(err) != domain.EInvalid {
		t.Fatalf("7 h file: %v", err)
	}
	if alloc > wavAllocFixed {
		t.Errorf("refusing a 7 h file allocated %d bytes", alloc)
	}
}
