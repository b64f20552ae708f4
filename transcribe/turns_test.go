package transcribe_test

import (
	"reflect"
	"testing"

	"greffier/domain"
	"greffier/transcribe"
)

func TestTurns(t *testing.T) {
	var tr transcribe.Turns // PauseMS 1000 by default
	turns := func(segs []domain.Segment) []int {
		var out []int
		for _, s := range segs {
			out = append(out, s.Turn)
		}
		return out
	}
	// Window 1: close segments, then a 1.2 s gap.
	w1 := []domain.Segment{seg(0, 2000, "a"), seg(2100, 4000, "b"), seg(5200, 6000, "c")}
	tr.Assign(w1, nil)
	if got := turns(w1); !reflect.DeepEqual(got, []int{0, 0, 1}) {
		t.Errorf("pause turns %v", got)
	}
	// Window 2 from a -tdrz model: the engine marks a speaker change after "e".
	w2 := []domain.Segment{seg(6100, 7000, "d"), seg(7000, 8000, "e"), seg(8000, 9000, "f"), seg(9000, 9500, "g")}
	w2[2].Turn, w2[3].Turn = 1, 1
	tr.Assign(w2, nil)
	if got := turns(w2); !reflect.DeepEqual(got, []int{1, 1, 2, 2}) {
		t.Errorf("tinydiarize turns %v", got)
	}
	// Timestamps touch, but the VAD heard a 1.5 s silence in between.
	w3 := []domain.Segment{seg(9500, 12000, "h")}
	tr.Assign(w3, func(from, to int64) int64 { return 1500 })
	if w3[0].Turn != 3 {
		t.Errorf("VAD pause turn %d, want 3", w3[0].Turn)
	}
	tr.Break()
	w4 := []domain.Segment{seg(12000, 13000, "i")}
	tr.Assign(w4, nil)
	if w4[0].Turn != 4 {
		t.Errorf("turn after a recording pause %d, want 4", w4[0].Turn)
	}
}
