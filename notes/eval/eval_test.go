package eval_test

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"greffier/domain"
	"greffier/notes/eval"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestRouge(t *testing.T) {
	ref := eval.Tokenize("The cat sat on the mat.")
	cand := eval.Tokenize("the cat, on THE mat")
	// Unigrams: the×2, cat, on, mat overlap = 5 of 5 (cand) and 6 (ref).
	if s := eval.RougeN(ref, cand, 1); !near(s.P, 1) || !near(s.R, 5.0/6) || !near(s.F, 2*(5.0/6)/(1+5.0/6)) {
		t.Errorf("ROUGE-1 %+v", s)
	}
	// Bigrams: the-cat, on-the, the-mat = 3 of 4 and 5.
	if s := eval.RougeN(ref, cand, 2); !near(s.P, 0.75) || !near(s.R, 0.6) {
		t.Errorf("ROUGE-2 %+v", s)
	}
	// LCS: the cat on the mat = 5.
	if s := eval.RougeL(ref, cand); !near(s.P, 1) || !near(s.R, 5.0/6) {
		t.Errorf("ROUGE-L %+v", s)
	}
	// Clipping: a repeated word counts once per occurrence in the reference.
	if s := eval.RougeN(eval.Tokenize("a b"), eval.Tokenize("a a a a"), 1); !near(s.P, 0.25) || !near(s.R, 0.5) {
		t.Errorf("clipped %+v", s)
	}
	if s := eval.RougeL(eval.Tokenize("a b c d"), eval.Tokenize("d c b a")); !near(s.P, 0.25) {
		t.Errorf("reversed LCS %+v", s)
	}
	if s := eval.RougeN(nil, cand, 1); s.F != 0 {
		t.Errorf("empty reference %+v", s)
	}
	if got := strings.Join(eval.Tokenize("Tension 120/80, fièvre à 38,5°C"), "|"); got != "tension|120|80|fièvre|à|38|5|c" {
		t.Errorf("tokens %s", got)
	}
}

func TestRunOnMiniDataSets(t *testing.T) {
	rep, err := eval.Run(context.Background(), eval.Options{Data: filepath.Join("testdata", "mini")})
	if err != nil {
		t.Fatal(err)
	}
	// Each data set gives a train and a valid pair of rows (extractive, copy).
	if len(rep.Rows) != 8 || len(rep.Skipped) != 0 {
		t.Fatalf("rows %+v skipped %v", rep.Rows, rep.Skipped)
	}
	aciExt, aciCopy, aciValidCopy, mtsExt := rep.Rows[0], rep.Rows[1], rep.Rows[3], rep.Rows[4]
	if aciExt.N != 1 || mtsExt.N != 2 || rep.Rows[6].N != 1 || !strings.Contains(rep.Rows[2].Dataset, "held out") {
		t.Errorf("example counts or split names: %+v", rep.Rows)
	}
	for _, r := range rep.Rows {
		if r.R1 <= 0 || r.R1 > 1 || r.RL <= 0 || r.R2 > r.R1 {
			t.Errorf("implausible ROUGE %+v", r)
		}
	}
	if aciExt.EvidenceCover != 1 || !math.IsNaN(aciCopy.EvidenceCover) || !math.IsNaN(aciCopy.SectionCoverage) {
		t.Errorf("evidence/section columns: %+v / %+v", aciExt, aciCopy)
	}
	// References name lisinopril, amoxicillin, ibuprofen; the transcripts name all three.
	if aciCopy.MedRefs+aciValidCopy.MedRefs != 3 || aciCopy.MedRecall != 1 || aciValidCopy.MedRecall != 1 {
		t.Errorf("copy medication recall %+v %+v", aciCopy, aciValidCopy)
	}
	// Coding rows: ACI-Bench train and valid, MTS-Dialog train (2 dialogues) and valid.
	if len(rep.Coding) != 4 || rep.Coding[0].N != 1 || rep.Coding[2].N+rep.Coding[2].Unjudged != 2 || len(rep.Checker) == 0 {
		t.Errorf("coding %+v checker %+v", rep.Coding, rep.Checker)
	}
	if aciExt.SectionCoverage <= 0.5 || mtsExt.SectionCoverage != 1 {
		t.Errorf("section coverage aci %v mts %v", aciExt.SectionCoverage, mtsExt.SectionCoverage)
	}
	var b strings.Builder
	if err := eval.WriteTable(&b, rep); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"copy the transcript", "extractive (hp template)", "ROUGE-L", "Lin 2004", "n/a"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, b.String())
		}
	}
}

func TestRunWithoutData(t *testing.T) {
	_, err := eval.Run(context.Background(), eval.Options{Data: t.TempDir()})
	if domain.ErrorCode(err) != domain.ENotFound {
		t.Fatalf("got %v, want not found", err)
	}
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "aci-bench"), 0o755)
	os.WriteFile(filepath.Join(dir, "aci-bench", "train.csv"), []byte("dataset,encounter_id\nx,y\n"), 0o644)
	if _, err := eval.Run(context.Background(), eval.Options{Data: dir}); err == nil || !strings.Contains(err.Error(), `no column "dialogue"`) {
		t.Fatalf("bad CSV: %v", err)
	}
}

// TestRunOnSharedData runs a few real examples of ../shared/eval when present.
func TestRunOnSharedData(t *testing.T) {
	data := filepath.Join("..", "..", "..", "shared", "eval")
	if _, err := os.Stat(filepath.Join(data, "aci-bench", "train.csv")); err != nil {
		t.Skipf("ACI-Bench not available at %s: %v", data, err)
	}
	rep, err := eval.Run(context.Background(), eval.Options{Data: data, Limit: 5})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rep.Rows {
		if r.N != 5 || r.R1 <= 0.05 {
			t.Errorf("row %+v", r)
		}
		if r.System == eval.SystemExtractive && r.EvidenceCover != 1 {
			t.Errorf("evidence coverage %v on real dialogues", r.EvidenceCover)
		}
	}
}

func BenchmarkRougeL(b *testing.B) {
	words := strings.Fields(strings.Repeat("the patient reports cough and fever for five days with no chest pain ", 80))
	ref, cand := words[:900], words[100:]
	for b.Loop() {
		eval.RougeL(ref, cand)
	}
	b.ReportMetric(float64(len(ref)*len(cand)), "cells/op")
}

// TestTrainSelectorOnMiniDataSets: training writes a selector the drafter can use.
func TestTrainSelectorOnMiniDataSets(t *testing.T) {
	out := filepath.Join(t.TempDir(), "selector.json")
	var log strings.Builder
	if err := eval.TrainSelector(context.Background(), filepath.Join("testdata", "mini"), out, &log); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"weights":[`) || !strings.Contains(log.String(), "threshold") {
		t.Errorf("selector %.200s\nlog %s", b, log.String())
	}
}

func TestRunOnlyOneDataSetRougeOnly(t *testing.T) {
	rep, err := eval.Run(context.Background(), eval.Options{Data: filepath.Join("testdata", "mini"), Only: []string{"mts-dialog"}, RougeOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Rows) != 4 || len(rep.Coding) != 0 || len(rep.Checker) != 0 {
		t.Fatalf("rows %d coding %d checker %d, want 4 MTS-Dialog rows only", len(rep.Rows), len(rep.Coding), len(rep.Checker))
	}
	for _, r := range rep.Rows {
		if !strings.HasPrefix(r.Dataset, "MTS-Dialog") {
			t.Errorf("row of %s", r.Dataset)
		}
	}
}
