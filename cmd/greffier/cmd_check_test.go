package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"greffier/notes/schema"
)

const checkDialogue = "[doctor] how is the blood pressure medicine going ?\n" +
	"[patient] fine , i take the lisinopril twenty milligrams every morning .\n" +
	"[doctor] good , your blood pressure is 128 over 76 today .\n"

func writeCheckFiles(t *testing.T, note string) (tr, nt string) {
	t.Helper()
	dir := t.TempDir()
	tr, nt = filepath.Join(dir, "visit.txt"), filepath.Join(dir, "note.json")
	if err := os.WriteFile(tr, []byte(checkDialogue), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(nt, []byte(note), 0o600); err != nil {
		t.Fatal(err)
	}
	return tr, nt
}

const checkNoteJSON = `{"schema_version":"1","template":"soap","language":"en","drafter":{"kind":"llm","model":"test"},
 "sections":[{"key":"subjective","title":"Subjective","sentences":[
   {"text":"Takes lisinopril 40 mg every morning.","evidence":[1]},
   {"text":"Blood pressure 128/76 today.","evidence":[2]}]}],
 "problems":[],"medications":[{"name":"lisinopril","dose":"20 mg","action":"continue","evidence":[1]}],
 "allergies":[],"vitals":[],"orders":[],"follow_up":[],"patient_instructions":[],"warnings":[]}`

// TestCheckFlagsChangedDose: a note that says 40 mg where the patient said twenty
// gets an unsupported_fact warning on that sentence only.
func TestCheckFlagsChangedDose(t *testing.T) {
	tr, nt := writeCheckFiles(t, checkNoteJSON)
	code, out, stderr := runCLI(t, "check", "--transcript", tr, "--note", nt)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	note, err := schema.Parse([]byte(out))
	if err != nil {
		t.Fatalf("output is not a note: %v\n%s", err, out)
	}
	var flagged []string
	for _, w := range note.Warnings {
		if w.Kind == schema.WarnUnsupportedFact {
			flagged = append(flagged, w.Path+" "+w.Message)
		}
	}
	if len(flagged) != 1 || !strings.HasPrefix(flagged[0], "/sections/0/sentences/0 ") || !strings.Contains(flagged[0], "40") {
		t.Errorf("unsupported_fact warnings %q, want one on /sections/0/sentences/0 naming 40", flagged)
	}
}

func TestCheckBadInput(t *testing.T) {
	tr, nt := writeCheckFiles(t, `{"schema_version":"1"`)
	for _, c := range []struct {
		args []string
		want int
	}{
		{[]string{"check", "--transcript", tr, "--note", nt}, exitUsage},                                     // truncated JSON
		{[]string{"check", "--transcript", tr}, exitUsage},                                                   // no note
		{[]string{"check", "--transcript", filepath.Join(t.TempDir(), "x.txt"), "--note", nt}, exitNotFound}, // no transcript
	} {
		if code, _, stderr := runCLI(t, c.args...); code != c.want {
			t.Errorf("%q: exit %d, want %d (%s)", c.args, code, c.want, stderr)
		}
	}
}
