package audio_test

import (
	"bytes"
	"math"
	"testing"
	"time"

	"greffier/domain"
)

// FuzzLoad feeds arbitrary bytes to the import front door. Whatever the input, it
// returns samples or an EInvalid error: no panic, no other error, no NaN, and no
// more audio than the format could hold. The seed corpus is testdata/fuzz/FuzzLoad
// (small WAVs of every variant, heads of FLAC/MP3/Ogg files, M4A, text); CI runs
//
//	go test -run '^$' -fuzz '^FuzzLoad$' -fuzztime 60s -fuzzminimizetime 1s ./audio
func FuzzLoad(f *testing.F) {
	tone := [][]float64{sine(440, 8000, 0.01, 0.5)}
	for _, s := range []wavSpec{
		{tag: 1, channels: 1, rate: 8000, bits: 16},
		{tag: 1, channels: 2, rate: 8000, bits: 24},
		{tag: 3, channels: 1, rate: 8000, bits: 32},
		{tag: 1, extensible: true, channels: 3, rate: 8000, bits: 32},
	} {
		f.Add(makeWAV(f, s, tone))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var s []float32
		var err error
		done := make(chan struct{})
		go func() {
			defer close(done)
			s, err = importer.Decode(bytes.NewReader(b), int64(len(b)))
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("decoding %d bytes took over 10 s", len(b))
		}
		if err != nil {
			if domain.ErrorCode(err) != domain.EInvalid {
				t.Fatalf("error %v has code %q, want EInvalid", err, domain.ErrorCode(err))
			}
			return
		}
		// 6 h is the cap on what any file may decode to.
		if len(s) > 6*3600*16000 {
			t.Fatalf("%d bytes decoded to %d samples", len(b), len(s))
		}
		for i, v := range s {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				t.Fatalf("sample %d is %v", i, v)
			}
		}
	})
}
