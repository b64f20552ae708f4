package documents

import (
	"fmt"
	"regexp"
	"strings"

	"greffier/domain"
	"greffier/notes/draft"
	"greffier/notes/schema"
)

// WarnCourtesyFact flags a greeting or closing that states a clinical fact: facts
// belong in sentences, where they cite evidence.
const WarnCourtesyFact = "courtesy_fact"

// WarnIncomplete says a part the document needs found nothing in the note.
const WarnIncomplete = "incomplete"

// checked are the warning kinds Check recomputes on every run (an edit may have
// fixed or caused them); the others (language, incomplete…) are kept.
var checked = map[string]bool{schema.WarnNoEvidence: true, schema.WarnInvalidEvidence: true,
	schema.WarnUnsupportedFact: true, schema.WarnLowConfidence: true, WarnCourtesyFact: true}

var sectionPathRE = regexp.MustCompile(`^/sections/(\d+)/sentences/(\d+)$`)

// Check verifies every sentence against the transcript with the note's checkers:
// evidence present and in the transcript (draft.CheckEvidence: invalid ids are
// removed), stated facts in the cited segments (draft.CheckFacts), low-confidence
// segments (draft.FlagLowConfidence). Greeting and closing must state no fact. The
// checkers' earlier warnings are replaced, the others kept. It returns the number of
// warnings the checkers raised.
func Check(d *Document, segs []domain.Segment) int {
	var kept []schema.Warning
	for _, w := range d.Warnings {
		if !checked[w.Kind] {
			kept = append(kept, w)
		}
	}
	d.Warnings = kept
	// The checkers speak schema.Note: each part is checked as a section, and the
	// warnings' paths are mapped back to the document's.
	n := schema.Note{SchemaVersion: schema.Version, Language: d.Language}
	for _, p := range d.Parts {
		n.Sections = append(n.Sections, schema.Section{Key: p.Key, Title: p.Title, Sentences: p.Sentences})
	}
	draft.CheckEvidence(&n, segs)
	draft.CheckFacts(&n, segs)
	draft.FlagLowConfidence(&n, segs)
	for i := range d.Parts {
		d.Parts[i].Sentences = n.Sections[i].Sentences
	}
	raised := 0
	for _, w := range n.Warnings {
		if m := sectionPathRE.FindStringSubmatch(w.Path); m != nil {
			w.Path = "/parts/" + m[1] + "/sentences/" + m[2]
		}
		d.Warnings = append(d.Warnings, w)
		raised++
	}
	for _, c := range []struct{ path, text string }{{"/greeting", d.Greeting}, {"/closing", d.Closing}} {
		if c.text == "" {
			continue
		}
		if facts, err := draft.UnsupportedFacts(c.text, ""); err == nil && len(facts) > 0 {
			d.Warnings = append(d.Warnings, schema.Warning{Kind: WarnCourtesyFact, Path: c.path,
				Message: draft.Label(d.Language, "States a clinical fact outside a sentence with evidence: "+strings.Join(facts, "; "),
					"Énonce un fait clinique hors d'une phrase sourcée : "+strings.Join(facts, " ; "))})
			raised++
		}
	}
	return raised
}

// Unsupported returns the sentences a warning of the checkers points at, as
// "part/sentence" paths: what a reviewer must look at before signing.
func Unsupported(d Document) []string {
	var out []string
	for _, w := range d.Warnings {
		if checked[w.Kind] && w.Path != "" {
			out = append(out, fmt.Sprintf("%s %s", w.Kind, w.Path))
		}
	}
	return out
}
