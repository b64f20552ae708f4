package main

import (
	"path/filepath"
	"testing"
)

// TestDraftOfflineCodesNoRuledOutCondition drafts a visit (written for this test)
// where the doctor rules out covid and pneumonia and diagnoses a right wrist sprain,
// with the real ICD-10-CM index of a fresh data folder: only the sprain is coded.
func TestDraftOfflineCodesNoRuledOutCondition(t *testing.T) {
	t.Setenv("GREFFIER_DATA", t.TempDir())
	path := filepath.Join("testdata", "draft", "ruled_out_en.txt")
	code, out, stderr := runCLI(t, "draft", "--offline", "--transcript", path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	note := checkDraftOutput(t, path, out)
	got := map[string]bool{}
	for _, p := range note.Problems {
		if p.ICD10 != nil {
			got[p.ICD10.Code] = true
			if p.ICD10.Confidence == 0 || p.ICD10.Reason == "" {
				t.Errorf("code %s has no confidence or reason", p.ICD10.Code)
			}
		}
	}
	for _, ruledOut := range []string{"U07.1", "J18.9", "R50.9", "R06.02", "M81.0"} {
		if got[ruledOut] {
			t.Errorf("suggested %s for a condition the doctor ruled out or the patient denied: %v", ruledOut, got)
		}
	}
	if !got["S63.501A"] {
		t.Errorf("the right wrist sprain is not coded S63.501A: %v", got)
	}
}
