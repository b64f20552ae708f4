package transcript_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"greffier/domain"
	"greffier/notes/transcript"
)

func TestReadFileFormats(t *testing.T) {
	cases := []struct {
		file     string
		format   string
		minSegs  int
		wantText string // some segment contains it
		wantRole domain.Role
	}{
		{"dialogue_en.txt", transcript.FormatDialogue, 19, "allergic to penicillin, it gives me a rash.", domain.RolePatient},
		{"consultation_fr.txt", transcript.FormatDialogue, 13, "Je pense qu'il s'agit d'une hypertension", domain.RoleClinician},
		{"segments.jsonl", transcript.FormatJSONL, 4, "ibuprofen 400 mg", ""},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			tr, err := transcript.ReadFile(filepath.Join("testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if tr.Format != tc.format {
				t.Errorf("format %q, want %q", tr.Format, tc.format)
			}
			if len(tr.Segments) < tc.minSegs {
				t.Errorf("%d segments, want at least %d", len(tr.Segments), tc.minSegs)
			}
			found := false
			ids := map[int]bool{}
			for _, s := range tr.Segments {
				if ids[s.ID] {
					t.Errorf("duplicate id %d", s.ID)
				}
				ids[s.ID] = true
				if strings.Contains(s.Text, tc.wantText) {
					found = true
					if tc.wantRole != "" && s.Role != tc.wantRole {
						t.Errorf("segment %q has role %q, want %q", s.Text, s.Role, tc.wantRole)
					}
				}
			}
			if !found {
				t.Errorf("no segment contains %q", tc.wantText)
			}
		})
	}
}

func TestJSONArrayOfSegments(t *testing.T) {
	in := `[
  {"id": 3, "start_ms": 0, "end_ms": 900, "text": "Any allergies?", "turn": 0},
  {"id": 4, "start_ms": 900, "end_ms": 2000, "text": "Penicillin.", "turn": 1}
]`
	tr, err := transcript.Parse(strings.NewReader(in), "segs.json")
	if err != nil {
		t.Fatal(err)
	}
	if tr.Format != transcript.FormatJSONL || len(tr.Segments) != 2 || tr.Segments[1].ID != 4 || tr.Segments[1].Text != "Penicillin." {
		t.Fatalf("got %+v", tr)
	}
	_, err = transcript.Parse(strings.NewReader(`[{"id": 1, "text": "a"}, {"id": "x"}]`), "bad.json")
	if err == nil || !strings.Contains(err.Error(), "bad.json line 2") {
		t.Fatalf("bad element: %v", err)
	}
}

func TestDialogueSplitsTurnsIntoSentences(t *testing.T) {
	segs, tagged := transcript.ParseDialogue("[doctor] hi , martha . how are you ? i see you had the flu .\n" +
		"[patient] okay .\n[patient_guest] she was very tired\nand she slept a lot .\nDoctor_2: Her labs were normal.")
	if !tagged {
		t.Fatal("tags not recognised")
	}
	want := []struct {
		text string
		turn int
		role domain.Role
	}{
		{"hi, martha. how are you?", 0, domain.RoleClinician},
		{"i see you had the flu.", 0, domain.RoleClinician},
		{"okay.", 1, domain.RolePatient},
		{"she was very tired and she slept a lot.", 2, domain.RoleOther},
		{"Her labs were normal.", 3, domain.RoleClinician},
	}
	if len(segs) != len(want) {
		t.Fatalf("got %d segments %+v, want %d", len(segs), segs, len(want))
	}
	for i, w := range want {
		s := segs[i]
		if s.ID != i || s.Text != w.text || s.Turn != w.turn || s.Role != w.role {
			t.Errorf("segment %d = %+v, want %+v", i, s, w)
		}
	}
}

func TestSplitSentencesKeepsAbbreviations(t *testing.T) {
	got := transcript.SplitSentences("I saw Dr. Smith at 10 a.m. yesterday morning. It went well for me. Ok.")
	want := []string{"I saw Dr. Smith at 10 a.m. yesterday morning.", "It went well for me. Ok."}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestUntaggedTextIsOneTurnPerLine(t *testing.T) {
	tr, err := transcript.Parse(strings.NewReader("The patient reports a sore throat for two days.\nNo fever was measured at home.\n"), "notes.txt")
	if err != nil {
		t.Fatal(err)
	}
	if tr.Format != transcript.FormatText || len(tr.Segments) != 2 || tr.Segments[1].Turn != 1 || tr.Segments[1].Role != "" {
		t.Fatalf("got %+v", tr)
	}
}

func TestBadInputNamesTheFile(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.txt")
	os.WriteFile(empty, []byte("\n  \n"), 0o644)
	bin := filepath.Join(dir, "audio.wav")
	os.WriteFile(bin, []byte("RIFF\x00\x00WAVE"), 0o644)
	cases := []struct {
		path, want, code string
	}{
		{filepath.Join("testdata", "bad.jsonl"), "bad.jsonl line 2", domain.EInvalid},
		{filepath.Join("testdata", "duplicate.jsonl"), "segment id 0 already used on line 1", domain.EInvalid},
		{empty, "empty.txt holds no speech", domain.EInvalid},
		{bin, "audio.wav is a binary file", domain.EInvalid},
		{filepath.Join(dir, "missing.txt"), "missing.txt", domain.ENotFound},
	}
	for _, tc := range cases {
		t.Run(filepath.Base(tc.path), func(t *testing.T) {
			_, err := transcript.ReadFile(tc.path)
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
			if got := domain.ErrorCode(err); got != tc.code {
				t.Errorf("code %q, want %q", got, tc.code)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, name := range []string{"dialogue_en.txt", "consultation_fr.txt", "segments.jsonl", "bad.jsonl"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(data))
	}
	f.Fuzz(func(t *testing.T, in string) {
		tr, err := transcript.Parse(strings.NewReader(in), "fuzz")
		if err != nil {
			return
		}
		ids := map[int]bool{}
		for _, s := range tr.Segments {
			if ids[s.ID] || strings.TrimSpace(s.Text) == "" {
				t.Fatalf("bad segment %+v", s)
			}
			ids[s.ID] = true
		}
	})
}
