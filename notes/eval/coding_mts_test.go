package eval

import (
	"context"
	"math"
	"testing"
)

// TestRunCodingMTS: the drafter really codes each dialogue; its code counts right
// under an assessment section, wrong under a history one, and not at all under a
// section that does not say what was assessed (whose negated conditions still count).
func TestRunCodingMTS(t *testing.T) {
	hp, err := hpTemplate()
	if err != nil {
		t.Fatal(err)
	}
	managed := "[doctor] okay , for your high blood pressure we'll continue the lisinopril ."
	exs := []Example{
		{ID: "TrainingSet/1", Section: "ASSESSMENT", Reference: "Hypertension.", Dialogue: managed},
		{ID: "TrainingSet/2", Section: "PASTMEDICALHX", Reference: "Hypertension.", Dialogue: managed},
		{ID: "TrainingSet/3", Section: "ROS", Reference: "She denies chest pain.", Dialogue: managed},
	}
	row, err := runCodingMTS(context.Background(), exs, hp, "test")
	if err != nil {
		t.Fatal(err)
	}
	if row.N != 2 || row.History != 1 || row.Unjudged != 1 {
		t.Fatalf("judged %d (history %d), unjudged %d; want 2 (1), 1", row.N, row.History, row.Unjudged)
	}
	if row.Suggested != 2 || row.HistorySuggested != 1 || row.UnjudgedSuggested != 1 {
		t.Errorf("suggested %d, on history %d, unjudged %d; want 2, 1, 1", row.Suggested, row.HistorySuggested, row.UnjudgedSuggested)
	}
	if math.Abs(row.CatP-0.5) > 1e-9 || math.Abs(row.CatR-1) > 1e-9 {
		t.Errorf("cat.P %v cat.R %v, want 0.5 and 1 (the history code is wrong)", row.CatP, row.CatR)
	}
	if row.MustNot != 1 || row.MustNotSuggested != 0 {
		t.Errorf("must-not %d (coded %d), want 1 (0): the denied chest pain", row.MustNot, row.MustNotSuggested)
	}
}

func TestMTSCodingKind(t *testing.T) {
	for section, want := range map[string]int{"ASSESSMENT": mtsAssessed, "DIAGNOSIS": mtsAssessed, "PLAN": mtsAssessed,
		"PASTMEDICALHX": mtsHistory, "FAM/SOCHX": mtsHistory, "MEDICATIONS": mtsHistory, "GENHX": mtsUnjudged, "ROS": mtsUnjudged, "CC": mtsUnjudged} {
		if got := mtsCodingKind(section); got != want {
			t.Errorf("%s: kind %d, want %d", section, got, want)
		}
	}
}
