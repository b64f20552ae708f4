package eval

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestMutate: each kind changes what it names, as a drafter would write it, and
// declines what it cannot mutate.
func TestMutate(t *testing.T) {
	cases := []struct {
		kind, in, evidence, want string // want "" when the kind does not apply
	}{
		{MutAddNeg, "Left knee exam is normal", "your left knee exam is normal", "Left knee exam is not normal"},
		{MutAddNeg, "He reports fever since Monday", "i have had a fever since monday", "He reports no fever since Monday"},
		{MutAddNeg, "Physical therapy has also been beneficial", "physical therapy has helped", ""},
		{MutDropNeg, "She denies chest pain", "no chest pain", "She reports chest pain"},
		{MutDropNeg, "She is no longer smoking", "i quit smoking", ""},
		{MutSide, "Pain in the right knee", "my right knee hurts", "Pain in the left knee"},
		{MutDose, "Lisinopril 20 mg daily", "lisinopril twenty milligrams", "Lisinopril 40 mg daily"},
	}
	for _, tc := range cases {
		got, ok := mutate(tc.kind, tc.in, tc.evidence)
		if tc.want == "" {
			if ok {
				t.Errorf("%s %q: mutated to %q, want no mutation", tc.kind, tc.in, got)
			}
			continue
		}
		if !ok || got != tc.want {
			t.Errorf("%s %q: got %q (%v), want %q", tc.kind, tc.in, got, ok, tc.want)
		}
	}
}

// TestAlignSentenceKeepsTheReply: a question's reply is aligned with it, also
// without a question mark.
func TestAlignSentenceKeepsTheReply(t *testing.T) {
	turns := []string{"good morning", "have you had any fever or chills", "no", "my knee hurts when i climb stairs"}
	ev, ok := alignSentence("He denies fever or chills", turns)
	if !ok || !strings.Contains(ev, "any fever or chills\nno") {
		t.Errorf("evidence %q (%v), want the question with its reply", ev, ok)
	}
}

// TestAlignSentenceAddsTheQuestion: a reply is aligned with the question it
// answers, and a question inside a long turn keeps its reply.
func TestAlignSentenceAddsTheQuestion(t *testing.T) {
	turns := []string{"good morning", "and what did you take for the pain", "ibuprofen eight hundred milligrams three times a day", "okay"}
	ev, ok := alignSentence("He uses ibuprofen 800 mg 3 times daily", turns)
	if !ok || !strings.Contains(ev, "what did you take for the pain\nibuprofen") {
		t.Errorf("evidence %q (%v), want the reply with its question", ev, ok)
	}
	turns = []string{"speaking of family do you or anyone have a history of seasonal allergies", "nope not that i know", "okay"}
	ev, ok = alignSentence("Patient denies history of seasonal allergies", turns)
	if !ok || !strings.Contains(ev, "allergies\nnope") {
		t.Errorf("evidence %q (%v), want the question inside the turn with its reply", ev, ok)
	}
}

// TestAlignSentenceWeighsNumbers: with more turns sharing words than can be
// aligned, the one that holds the sentence's number is kept.
func TestAlignSentenceWeighsNumbers(t *testing.T) {
	turns := []string{"magnesium looked normal", "potassium holding steady", "creatinine is stable", "the last one was 3.9"}
	ev, ok := alignSentence("Magnesium normal, potassium steady, creatinine stable, BUN 3.9", turns)
	if !ok || !strings.Contains(ev, "3.9") {
		t.Errorf("evidence %q (%v), want the turn with 3.9", ev, ok)
	}
}

// TestPrintCheckerMisses prints the fact checker's misses on ACI-Bench train
// (mutations not flagged, unmutated sentences flagged) and its table, for reading
// only: it runs when GREFFIER_EVAL_DATA names the eval data folder, e.g.
//
//	GREFFIER_EVAL_DATA=/work/shared/eval GREFFIER_MISSES=reference go test -run TestPrintCheckerMisses -v ./notes/eval/
//
// GREFFIER_MISSES picks the source ("reference", "extractive" or "all"; default
// reference) and GREFFIER_MISS_KIND one kind ("dropped negation"...).
func TestPrintCheckerMisses(t *testing.T) {
	dir := os.Getenv("GREFFIER_EVAL_DATA")
	if dir == "" {
		t.Skip("GREFFIER_EVAL_DATA not set")
	}
	exs, err := LoadACIBench(filepath.Join(dir, "aci-bench"))
	if err != nil {
		t.Fatal(err)
	}
	var train []Example
	for _, ex := range exs {
		if strings.HasPrefix(ex.ID, "train/") {
			train = append(train, ex)
		}
	}
	hp, err := hpTemplate()
	if err != nil {
		t.Fatal(err)
	}
	drafted, refs, err := checkerSources(context.Background(), train, hp)
	if err != nil {
		t.Fatal(err)
	}
	which := os.Getenv("GREFFIER_MISSES")
	var rows []CheckerRow
	var buf strings.Builder
	for _, src := range []struct {
		name, key string
		sts       []statement
	}{{"extractive draft", "extractive", drafted}, {"reference note", "reference", refs}} {
		r, err := runChecker(src.name, src.sts)
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, r...)
		if which == "all" || which == src.key || which == "" && src.key == "reference" {
			misses, err := checkerMisses(src.name, src.sts)
			if err != nil {
				t.Fatal(err)
			}
			if k := os.Getenv("GREFFIER_MISS_KIND"); k != "" {
				misses = slices.DeleteFunc(misses, func(m CheckerMiss) bool { return m.Kind != k })
			}
			WriteCheckerMisses(&buf, misses)
		}
	}
	if err := WriteChecker(&buf, rows); err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + buf.String())
}

// TestAlignSentenceKeepsTheSideAnswer: "is it ..." asks, so the reply that names
// the side is aligned with it.
func TestAlignSentenceKeepsTheSideAnswer(t *testing.T) {
	turns := []string{"i ran into a tree and twisted my knee", "okay is it your left or your right knee", "it's my right", "okay"}
	ev, ok := alignSentence("She ran into a tree and twisted her right knee", turns)
	if !ok || !strings.Contains(ev, "right knee\nit's my right") {
		t.Errorf("evidence %q (%v), want the question with its reply", ev, ok)
	}
}
