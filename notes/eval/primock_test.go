package eval

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const textGrid = `File type = "ooTextFile"
Object class = "TextGrid"

xmin = 0 
xmax = 20 
tiers? <exists> 
size = 1 
item []: 
    item [1]:
        class = "IntervalTier" 
        name = "Speaker" 
        intervals: size = 3 
        intervals [1]:
            xmin = 0 
            xmax = 2 
            text = "" 
        intervals [2]:
            xmin = %A 
            xmax = 9 
            text = "%B" 
        intervals [3]:
            xmin = %C 
            xmax = 20 
            text = "%D" 
`

func writeGrid(t *testing.T, path string, a, b, c, d string) {
	t.Helper()
	s := strings.NewReplacer("%A", a, "%B", b, "%C", c, "%D", d).Replace(textGrid)
	if err := os.WriteFile(path, []byte(strings.ReplaceAll(s, "\n", "\r\n")), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestLoadPriMock57JoinsSpeakersByTime(t *testing.T) {
	dir := t.TempDir()
	for _, d := range []string{"notes", "transcripts"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	note := `{"day": 1, "consultation": 1, "presenting_complaint": "x", "note": "3/7 hx of cough.\nPMH: asthma\nImp: ?pneumonia, viral URTI\nPlan: rest", "highlights": []}`
	if err := os.WriteFile(filepath.Join(dir, "notes", "day1_consultation01.json"), []byte(note), 0o600); err != nil {
		t.Fatal(err)
	}
	writeGrid(t, filepath.Join(dir, "transcripts", "day1_consultation01_doctor.TextGrid"), "2", "How can I help?", "12", `<UNSURE>So</UNSURE> it's a ""chest"" infection.`)
	writeGrid(t, filepath.Join(dir, "transcripts", "day1_consultation01_patient.TextGrid"), "9.5", "I have a cough. <UNIN/>", "19", "Okay.")
	exs, err := LoadPriMock57(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := "[doctor] How can I help?\n[patient] I have a cough.\n[doctor] So it's a \"chest\" infection.\n[patient] Okay."
	if len(exs) != 1 || exs[0].ID != "primock57/day1_consultation01" || exs[0].Dialogue != want {
		t.Fatalf("examples %+v", exs)
	}
	if got := impressionOf(exs[0].Reference); got != " possible pneumonia, viral URTI\n" {
		t.Errorf("impression %q", got)
	}
	if got := impressionOf("Hx: wasp sting\nPlan : antihistamines, r/o anaphylaxis"); !strings.Contains(got, "antihistamines") {
		t.Errorf("a note without Imp: is coded from its plan, got %q", got)
	}
	if _, err := LoadPriMock57(t.TempDir()); err == nil {
		t.Error("an empty folder loads")
	}
}
