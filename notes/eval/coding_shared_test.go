package eval

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// sharedEval is the evaluation data next to the checkout (see DEVELOPERS.md).
var sharedEval = filepath.Join("..", "..", "..", "shared", "eval")

// TestCodingOnSharedData holds the coding figures reached on ACI-Bench valid,
// MTS-Dialog train and PriMock57: no condition a reference only denies, doubts or gives to someone else
// is coded, and the sure codes of ACI-Bench valid keep category precision >= 0.90
// (against the rule-built gold set, see README.md).
func TestCodingOnSharedData(t *testing.T) {
	if _, err := os.Stat(filepath.Join(sharedEval, "aci-bench")); errors.Is(err, fs.ErrNotExist) {
		t.Skipf("skipped: %s is absent (the shared evaluation data is not on this machine)", sharedEval)
	}
	hp, err := hpTemplate()
	if err != nil {
		t.Fatal(err)
	}
	exs, err := LoadACIBench(filepath.Join(sharedEval, "aci-bench"))
	if err != nil {
		t.Fatal(err)
	}
	_, valid := bySplit(exs, 0)
	row, err := runCoding(context.Background(), valid, hp, "valid")
	if err != nil {
		t.Fatal(err)
	}
	if row.MustNotSuggested != 0 {
		t.Errorf("ACI-Bench valid: %d denied or doubted conditions coded: %v", row.MustNotSuggested, row.NegatedSuggestion)
	}
	if row.Sure < 10 || row.SureCatP < 0.9 {
		t.Errorf("ACI-Bench valid: %d sure codes, category precision %.3f, want >= 0.90", row.Sure, row.SureCatP)
	}
	// MTS-Dialog train (its errors were read, December 2026); valid is never tuned on.
	if mdir := filepath.Join(sharedEval, "mts-dialog"); dirExists(mdir) {
		mts, err := LoadMTSDialog(mdir)
		if err != nil {
			t.Fatal(err)
		}
		mtrain, _ := bySplit(mts, 0)
		mrow, err := runCodingMTS(context.Background(), mtrain, hp, "mts train")
		if err != nil {
			t.Fatal(err)
		}
		if mrow.Sure < 8 || mrow.SureCatP < 0.8 || mrow.MustNotSuggested > 1 {
			t.Errorf("MTS-Dialog train: %d sure codes, category precision %.3f (want >= 0.80), %d must-nots coded (want <= 1): %v",
				mrow.Sure, mrow.SureCatP, mrow.MustNotSuggested, mrow.NegatedSuggestion)
		}
	}
	if !dirExists(filepath.Join(sharedEval, "primock57")) {
		return
	}
	pm, err := LoadPriMock57(filepath.Join(sharedEval, "primock57"))
	if err != nil {
		t.Fatal(err)
	}
	prow, err := runCodingWith(context.Background(), pm, hp, "primock57", impressionOf, func(n string) string { return doubtMark.ReplaceAllString(n, " possible ") })
	if err != nil {
		t.Fatal(err)
	}
	if prow.MustNotSuggested != 0 {
		t.Errorf("PriMock57: %d denied or doubted conditions coded: %v", prow.MustNotSuggested, prow.NegatedSuggestion)
	}
}
