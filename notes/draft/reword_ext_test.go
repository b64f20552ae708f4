package draft_test

import (
	"context"
	"testing"

	"greffier/notes/draft"
	"greffier/notes/schema"
)

// TestRewordedDraftPassesTheFactChecker drafts the English and French fixtures and
// asserts the reworded sentences state no fact their evidence lacks.
func TestRewordedDraftPassesTheFactChecker(t *testing.T) {
	for _, f := range []struct{ file, lang string }{{"dialogue_en.txt", "en"}, {"consultation_fr.txt", "fr"}} {
		t.Run(f.file, func(t *testing.T) {
			segs := mustTranscript(t, f.file)
			n, err := draft.Extractive{}.Draft(context.Background(), draft.Request{Segments: segs, Template: mustTemplate(t, "soap"), Language: f.lang})
			if err != nil {
				t.Fatal(err)
			}
			draft.CheckFacts(&n, segs)
			sentences := 0
			for _, s := range n.Sections {
				sentences += len(s.Sentences)
			}
			if sentences == 0 {
				t.Fatal("no sentence drafted")
			}
			for _, w := range n.Warnings {
				if w.Kind == schema.WarnUnsupportedFact {
					t.Errorf("%s: %s", w.Path, w.Message)
				}
			}
		})
	}
}
