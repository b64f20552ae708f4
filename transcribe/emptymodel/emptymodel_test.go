package emptymodel_test

import (
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"testing"

	"greffier/transcribe/emptymodel"
)

// parsed is what a ggml whisper file holds before its tensors.
type parsed struct {
	hyper   emptymodel.Hyper
	filters []float32
	tokens  []string
	rest    int // bytes after the vocabulary (tensors): 0 for an empty model
}

func parse(t *testing.T, path string) parsed {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	le := binary.LittleEndian
	if m := le.Uint32(data); m != emptymodel.Magic {
		t.Fatalf("%s: magic %#x", path, m)
	}
	var p parsed
	off := 4
	h := []*int32{&p.hyper.NVocab, &p.hyper.NAudioCtx, &p.hyper.NAudioState, &p.hyper.NAudioHead, &p.hyper.NAudioLayer,
		&p.hyper.NTextCtx, &p.hyper.NTextState, &p.hyper.NTextHead, &p.hyper.NTextLayer, &p.hyper.NMels, &p.hyper.FType}
	for _, v := range h {
		*v = int32(le.Uint32(data[off:]))
		off += 4
	}
	nMel, nFFT := int(le.Uint32(data[off:])), int(le.Uint32(data[off+4:]))
	off += 8
	for i := 0; i < nMel*nFFT; i++ {
		p.filters = append(p.filters, math.Float32frombits(le.Uint32(data[off:])))
		off += 4
	}
	n := int(le.Uint32(data[off:]))
	off += 4
	for i := 0; i < n; i++ {
		l := int(le.Uint32(data[off:]))
		off += 4
		p.tokens = append(p.tokens, string(data[off:off+l]))
		off += l
	}
	p.rest = len(data) - off
	return p
}

func TestWriteMatchesUpstreamEmptyModels(t *testing.T) {
	ref := filepath.Join("..", "..", "..", "shared", "testdata", "whisper-empty")
	if _, err := os.Stat(ref); err != nil {
		t.Skipf("upstream empty models not found at %s (only beside the project checkout): %v", ref, err)
	}
	for _, kind := range []string{"tiny", "tiny.en", "base.en"} {
		t.Run(kind, func(t *testing.T) {
			ours := filepath.Join(t.TempDir(), "m.bin")
			if err := emptymodel.Write(ours, kind); err != nil {
				t.Fatal(err)
			}
			got, want := parse(t, ours), parse(t, filepath.Join(ref, "for-tests-ggml-"+kind+".bin"))
			if got.hyper != want.hyper {
				t.Errorf("hyper-parameters: got %+v, want %+v", got.hyper, want.hyper)
			}
			if len(got.filters) != len(want.filters) {
				t.Fatalf("mel filters: %d values, want %d", len(got.filters), len(want.filters))
			}
			var maxDiff float64
			for i := range got.filters {
				maxDiff = math.Max(maxDiff, math.Abs(float64(got.filters[i]-want.filters[i])))
			}
			if maxDiff > 1e-6 {
				t.Errorf("mel filters differ from upstream by up to %g", maxDiff)
			}
			if len(got.tokens) != len(want.tokens) {
				t.Errorf("vocabulary: %d tokens, want %d", len(got.tokens), len(want.tokens))
			}
			if got.rest != 0 || want.rest != 0 {
				t.Errorf("tensor bytes after vocabulary: ours %d, upstream %d; want none", got.rest, want.rest)
			}
		})
	}
}

func TestWriteRejectsUnknownKind(t *testing.T) {
	err := emptymodel.Write(filepath.Join(t.TempDir(), "m.bin"), "huge")
	if err == nil {
		t.Fatal("want an error for an unknown kind")
	}
}

func TestMelFiltersAreNormalisedTriangles(t *testing.T) {
	f := emptymodel.MelFilters(80, 400, 16000)
	const bins = 201
	for m := 0; m < 80; m++ {
		row := f[m*bins : (m+1)*bins]
		var peak float32
		nonzero := 0
		for _, v := range row {
			if v < 0 {
				t.Fatalf("filter %d has a negative weight", m)
			}
			if v > 0 {
				nonzero++
			}
			peak = max(peak, v)
		}
		if nonzero == 0 || peak == 0 {
			t.Errorf("filter %d is empty", m)
		}
	}
}
