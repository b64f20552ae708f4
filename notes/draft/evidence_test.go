package draft_test

import (
	"reflect"
	"testing"

	"greffier/domain"
	"greffier/notes/draft"
	"greffier/notes/schema"
)

func TestCheckEvidence(t *testing.T) {
	segs := []domain.Segment{{ID: 0, Text: "a"}, {ID: 1, Text: "b"}, {ID: 5, Text: "c"}}
	n := schema.Note{
		Sections: []schema.Section{{Key: "plan", Sentences: []schema.Sentence{
			{Text: "ok", Evidence: schema.Evidence{5, 0, 0}},
			{Text: "partly invented", Evidence: schema.Evidence{1, 9}},
			{Text: "all invented", Evidence: schema.Evidence{7}},
			{Text: "uncited"},
		}}},
		Medications:    []schema.Medication{{Name: "x", Action: "start", Evidence: schema.Evidence{2}}},
		ReferralLetter: &schema.ReferralLetter{Sentences: []schema.Sentence{{Text: "dear", Evidence: schema.Evidence{1}}}},
	}
	if got := draft.CheckEvidence(&n, segs); got != 4 {
		t.Errorf("flagged %d, want 4", got)
	}
	// A second check (drafter, then caller) still counts the uncited items but adds no warning.
	before := len(n.Warnings)
	if got := draft.CheckEvidence(&n, segs); got != 3 || len(n.Warnings) != before {
		t.Errorf("second check flagged %d (want 3), warnings %d → %d", got, before, len(n.Warnings))
	}
	s := n.Sections[0].Sentences
	if !reflect.DeepEqual(s[0].Evidence, schema.Evidence{0, 5}) || !reflect.DeepEqual(s[1].Evidence, schema.Evidence{1}) || len(s[2].Evidence) != 0 {
		t.Errorf("evidence after check: %+v", s)
	}
	want := []struct{ kind, path string }{
		{schema.WarnInvalidEvidence, "/sections/0/sentences/1"},
		{schema.WarnNoEvidence, "/sections/0/sentences/2"},
		{schema.WarnNoEvidence, "/sections/0/sentences/3"},
		{schema.WarnNoEvidence, "/medications/0"},
	}
	if len(n.Warnings) != len(want) {
		t.Fatalf("warnings %+v", n.Warnings)
	}
	for i, w := range want {
		if n.Warnings[i].Kind != w.kind || n.Warnings[i].Path != w.path {
			t.Errorf("warning %d = %+v, want %v", i, n.Warnings[i], w)
		}
	}
}
