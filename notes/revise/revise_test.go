package revise_test

import (
	"testing"

	"greffier/domain"
	"greffier/notes/revise"
	"greffier/notes/schema"
)

func note(subjective, plan string) schema.Note {
	return schema.Note{Sections: []schema.Section{
		{Key: "subjective", Sentences: []schema.Sentence{{Text: subjective}}},
		{Key: "plan", Sentences: []schema.Sentence{{Text: plan}}},
	}}
}

func TestSection(t *testing.T) {
	base := note("Cough.", "Rest.")
	for _, tc := range []struct {
		name          string
		latest        schema.Note
		key, text     string
		wantSub, wPln string
		conflict      bool
	}{
		{"nothing saved since", base, "subjective", "Dry cough.", "Dry cough.", "Rest.", false},
		{"another section edited", note("Cough.", "Fluids."), "subjective", "Dry cough.", "Dry cough.", "Fluids.", false},
		{"same section edited", note("Wet cough.", "Rest."), "subjective", "Dry cough.", "Wet cough.", "Rest.", true},
		{"same text arrived twice", note("Dry  cough.", "Rest."), "subjective", "Dry cough.", "Dry cough.", "Rest.", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := tc.latest.Sections[0].Sentences[0].Text
			got, conflict, err := revise.Section(base, tc.latest, tc.key, []schema.Sentence{{Text: tc.text}}, schema.AltRedraft)
			if err != nil || conflict != tc.conflict {
				t.Fatalf("conflict %v, %v; want %v", conflict, err, tc.conflict)
			}
			if s := got.Sections[0].Sentences[0].Text; s != tc.wantSub {
				t.Errorf("subjective %q, want %q", s, tc.wantSub)
			}
			if s := got.Sections[1].Sentences[0].Text; s != tc.wPln {
				t.Errorf("plan %q, want %q", s, tc.wPln)
			}
			if tc.latest.Sections[0].Sentences[0].Text != before || len(tc.latest.Sections[0].Alternatives) != 0 {
				t.Error("the latest note given was modified")
			}
			alts := got.Sections[0].Alternatives
			if tc.conflict != (len(alts) == 1 && alts[0].Sentences[0].Text == tc.text && len(got.Warnings) == 1 && got.Warnings[0].Path == "/sections/0") {
				t.Errorf("alternatives %+v warnings %+v", alts, got.Warnings)
			}
			if keys := revise.Pending(got); tc.conflict != (len(keys) == 1) {
				t.Errorf("pending %v", keys)
			}
		})
	}
}

func TestChoose(t *testing.T) {
	base := note("Cough.", "Rest.")
	flagged, _, _ := revise.Section(base, note("Wet cough.", "Rest."), "subjective", []schema.Sentence{{Text: "Dry cough."}}, schema.AltEdit)
	for _, tc := range []struct {
		choice int
		want   string
	}{{-1, "Wet cough."}, {0, "Dry cough."}} {
		got, err := revise.Choose(flagged, "subjective", tc.choice)
		if err != nil || got.Sections[0].Sentences[0].Text != tc.want || len(got.Sections[0].Alternatives) != 0 || len(got.Warnings) != 0 {
			t.Errorf("choice %d: %+v, %v", tc.choice, got, err)
		}
	}
	if _, err := revise.Choose(flagged, "subjective", 1); domain.ErrorCode(err) != domain.EInvalid {
		t.Errorf("choice out of range: %v", err)
	}
	if _, err := revise.Choose(flagged, "objective", 0); domain.ErrorCode(err) != domain.ENotFound {
		t.Errorf("missing section: %v", err)
	}
}
