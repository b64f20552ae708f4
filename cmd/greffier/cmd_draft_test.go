package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"greffier/notes/schema"
	"greffier/notes/transcript"
)

// checkDraftOutput parses the JSON the CLI printed, validates it against the note
// schema and checks that every sentence and item cites segments of the transcript.
func checkDraftOutput(t *testing.T, path, out string) schema.Note {
	t.Helper()
	note, err := schema.Parse([]byte(out))
	if err != nil {
		t.Fatalf("%s: output is not a schema-valid note: %v\n%.2000s", path, err, out)
	}
	tr, err := transcript.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[int]bool{}
	for _, s := range tr.Segments {
		ids[s.ID] = true
	}
	cited := func(where string, ev schema.Evidence) {
		if len(ev) == 0 {
			t.Errorf("%s: %s cites no segment", path, where)
		}
		for _, id := range ev {
			if !ids[id] {
				t.Errorf("%s: %s cites segment %d, not in the transcript", path, where, id)
			}
		}
	}
	sentences := 0
	for _, s := range note.Sections {
		for _, x := range s.Sentences {
			cited("section "+s.Key, x.Evidence)
			sentences++
		}
	}
	for _, p := range note.Problems {
		cited("problem "+p.Title, p.Evidence)
	}
	for _, m := range note.Medications {
		cited("medication "+m.Name, m.Evidence)
	}
	for _, v := range note.Vitals {
		cited("vital "+v.Kind, v.Evidence)
	}
	for _, a := range note.Allergies {
		cited("allergy", a.Evidence)
	}
	for _, o := range note.Orders {
		cited("order", o.Evidence)
	}
	for _, x := range append(append([]schema.Sentence{}, note.FollowUp...), note.PatientInstructions...) {
		cited("follow-up/instruction", x.Evidence)
	}
	if sentences == 0 {
		t.Errorf("%s: the note quotes nothing", path)
	}
	if note.Drafter.Kind != schema.DrafterExtractive {
		t.Errorf("%s: drafter %q, want extractive", path, note.Drafter.Kind)
	}
	return note
}

func TestDraftOfflineFixtures(t *testing.T) {
	t.Setenv("GREFFIER_DATA", t.TempDir())
	cases := []struct {
		file, template, lang, wantTitle string
	}{
		{"dialogue_en.txt", "soap", "en", "Subjective"},
		{"dialogue_en.txt", "hp", "fr", "Motif de consultation"},
		{"consultation_fr.txt", "progress", "", "Évolution depuis la dernière visite"},
		{"segments.jsonl", "soap", "en", "Subjective"},
	}
	for _, tc := range cases {
		t.Run(tc.file+"/"+tc.template, func(t *testing.T) {
			path := filepath.Join("testdata", "draft", tc.file)
			args := []string{"draft", "--offline", "--transcript", path, "--template", tc.template}
			if tc.lang != "" {
				args = append(args, "--lang", tc.lang)
			}
			code, out, errs := runCLI(t, args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errs)
			}
			note := checkDraftOutput(t, path, out)
			if note.Sections[0].Title != tc.wantTitle {
				t.Errorf("first section %q, want %q", note.Sections[0].Title, tc.wantTitle)
			}
		})
	}
}

// TestDraftSuggestsCodes drafts with the real ICD-10-CM index (its starter set, in a
// fresh data folder).
func TestDraftSuggestsCodes(t *testing.T) {
	t.Setenv("GREFFIER_DATA", t.TempDir())
	path := filepath.Join("testdata", "draft", "dialogue_en.txt")
	code, out, errs := runCLI(t, "draft", path, "--template", "soap")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	note := checkDraftOutput(t, path, out)
	coded, listed := map[string]string{}, map[string]bool{}
	for _, p := range note.Problems {
		listed[p.Title] = true
		if p.ICD10 != nil {
			coded[p.Title] = p.ICD10.Code
		}
	}
	// The hypertension is affirmed but not assessed in this visit: listed, uncoded
	// (draft.MinCodeConfidence).
	if _, ok := coded["Hypertension"]; ok || !listed["Hypertension"] {
		t.Errorf("hypertension listed %v, coded %q: want it listed without a code (all: %v)", listed["Hypertension"], coded["Hypertension"], coded)
	}
	if !strings.HasPrefix(coded["Pneumonia"], "J18") {
		t.Errorf("pneumonia coded %q, want J18.x (all: %v)", coded["Pneumonia"], coded)
	}
	code, text, errs := runCLI(t, "draft", path, "--format", "text", "--no-codes")
	if code != 0 || !strings.Contains(text, "SOAP note — extractive draft") || strings.Contains(text, "ICD-10-CM") {
		t.Fatalf("text: exit %d %s\n%s", code, errs, text)
	}
}

// TestDraftOfflineACIBench is the must-show: drafting real ACI-Bench
// dialogues prints schema-valid notes whose sentences all cite existing segments.
func TestDraftOfflineACIBench(t *testing.T) {
	data := filepath.Join("..", "..", "..", "shared", "eval", "aci-bench")
	f, err := os.Open(filepath.Join(data, "valid.csv"))
	if err != nil {
		t.Skipf("ACI-Bench not available (%v): the self-made fixtures above still run", err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("GREFFIER_DATA", t.TempDir())
	dir := t.TempDir()
	for _, i := range []int{1, 5, 10, 15, 20} {
		if i >= len(recs) {
			break
		}
		rec := recs[i]
		path := filepath.Join(dir, rec[1]+".txt")
		if err := os.WriteFile(path, []byte(rec[2]), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Run(rec[1], func(t *testing.T) {
			code, out, errs := runCLI(t, "draft", "--offline", "--transcript", path, "--template", "hp", "--lang", "en")
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errs)
			}
			note := checkDraftOutput(t, path, out)
			filled := 0
			for _, s := range note.Sections {
				if len(s.Sentences) > 0 {
					filled++
				}
			}
			if filled < 3 {
				t.Errorf("only %d of %d sections filled", filled, len(note.Sections))
			}
		})
	}
}

func TestDraftFromStandardInput(t *testing.T) {
	t.Setenv("GREFFIER_DATA", t.TempDir())
	var out, errb bytes.Buffer
	in := "[doctor] your blood pressure is 150/95 today .\n[patient] i take amlodipine 5 mg every morning .\n"
	code := run(context.Background(), &cli{stdin: strings.NewReader(in), stdout: &out, stderr: &errb}, []string{"draft", "--transcript", "-", "--no-codes"})
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	note, err := schema.Parse(out.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if len(note.Vitals) != 1 || note.Vitals[0].Value != "150/95" || len(note.Medications) != 1 || note.Medications[0].Dose != "5 mg" {
		t.Fatalf("vitals %+v medications %+v", note.Vitals, note.Medications)
	}
}

func TestDraftErrors(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("GREFFIER_DATA", dir)
	good := filepath.Join("testdata", "draft", "dialogue_en.txt")
	bad := filepath.Join(dir, "bad.jsonl")
	os.WriteFile(bad, []byte("{\"id\": \"one\"}\n"), 0o644)
	cases := []struct {
		name string
		args []string
		want string
		exit int // 0: exitUsage
	}{
		{"no transcript", []string{"draft"}, "--transcript FILE is required", 0},
		{"missing file", []string{"draft", "--transcript", filepath.Join(dir, "nope.txt")}, "nope.txt", exitNotFound},
		{"bad jsonl", []string{"draft", "--transcript", bad}, "bad.jsonl line 1", 0},
		{"bad lang", []string{"draft", good, "--lang", "de"}, "--lang must be fr or en", 0},
		{"bad format", []string{"draft", good, "--format", "pdf"}, "--format must be json or text", 0},
		{"offline and llm", []string{"draft", good, "--offline", "--llm", "http://127.0.0.1:1"}, "--offline", 0},
		{"both backends", []string{"draft", good, "--llm", "http://127.0.0.1:1", "--llama-model", "x.gguf"}, "not both", 0},
		{"unknown template", []string{"draft", good, "--template", "cardio"}, `no template "cardio"`, exitNotFound},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := runCLI(t, tc.args...)
			if tc.exit == 0 {
				tc.exit = exitUsage
			}
			if code != tc.exit || out != "" || !strings.Contains(errs, tc.want) {
				t.Fatalf("exit %d, stdout %q, stderr %q; want exit %d and %q", code, out, errs, tc.exit, tc.want)
			}
		})
	}
}

func TestDraftUserTemplates(t *testing.T) {
	data := t.TempDir()
	t.Setenv("GREFFIER_DATA", data)
	code, out, errs := runCLI(t, "draft", "--copy-templates")
	if code != 0 || strings.Count(out, ".yaml") != 3 {
		t.Fatalf("copy: exit %d %q %s", code, out, errs)
	}
	p := filepath.Join(data, "templates", "soap.yaml")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(p, bytes.Replace(b, []byte(`en: "Plan"`), []byte(`en: "What we will do"`), 1), 0o644)
	path := filepath.Join("testdata", "draft", "dialogue_en.txt")
	code, out, errs = runCLI(t, "draft", path, "--no-codes")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	note := checkDraftOutput(t, path, out)
	if note.Sections[3].Title != "What we will do" {
		t.Errorf("edited template not used: %q", note.Sections[3].Title)
	}
	// A template given as a file path.
	code, out, errs = runCLI(t, "draft", path, "--no-codes", "--template", p)
	if code != 0 || !strings.Contains(out, "What we will do") {
		t.Fatalf("template file: exit %d %s", code, errs)
	}
}

func TestEvalCommand(t *testing.T) {
	code, out, errs := runCLI(t, "eval", "--data", filepath.Join("..", "..", "notes", "eval", "testdata", "mini"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"ROUGE-1", "copy the transcript", "extractive (hp template)", "ACI-Bench", "MTS-Dialog"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if code, _, errs := runCLI(t, "eval"); code != 2 || !strings.Contains(errs, "--data") {
		t.Errorf("no --data: exit %d %s", code, errs)
	}
	if code, _, errs := runCLI(t, "eval", "--data", t.TempDir()); code != exitNotFound || !strings.Contains(errs, "no data set") {
		t.Errorf("empty data: exit %d %s", code, errs)
	}
}
