package app_test

import (
	"runtime"
	"testing"

	llmmodels "greffier/llm/models"
)

// Settings says which model sizes fit this machine, as doctor does, and advises one.
func TestModelFitSaysWhichSizesFitHere(t *testing.T) {
	s, _ := services(t)
	f, err := s.Settings.ModelFit()
	if err != nil {
		t.Fatal(err)
	}
	want := llmmodels.FitHere()
	if len(f.Sizes) != len(want) || f.Cores != runtime.NumCPU() || f.BudgetMiB <= 0 {
		t.Fatalf("fit: %+v", f)
	}
	for i, s := range f.Sizes {
		if s.Key != want[i].Shape.Key || s.Fits != want[i].Fits || s.NeedMiB <= 0 {
			t.Errorf("size %d: %+v, doctor's %+v", i, s, want[i])
		}
	}
	if f.Suggested == "" && want[0].Fits {
		t.Errorf("the 1B fits but nothing is advised: %+v", f)
	}
}
