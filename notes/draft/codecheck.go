package draft

import (
	"fmt"
	"strings"

	"greffier/domain"
	"greffier/notes/schema"
)

// CheckCodeContext applies the extractive coder's context rules to the codes
// another drafter (the LLM) suggested: a code whose condition the cited segments
// name, but never affirm as the patient's current problem (denied, doubted, ruled
// out, to be tested, hypothetical, past or someone else's; a question nobody
// answered yes), is removed with an invalid_code warning that says why. A condition
// the lexicon does not know, or that the segments do not name, is left to the
// other checks. It returns the number of codes removed.
func CheckCodeContext(note *schema.Note, segs []domain.Segment) int {
	lx, err := loadLexicon()
	if err != nil {
		return 0 // the embedded lexicon is tested; without it nothing can be checked
	}
	removed := 0
	for i := range note.Problems {
		p := &note.Problems[i]
		if p.ICD10 == nil {
			continue
		}
		cited := citedWithReplies(segs, p.Evidence)
		if len(cited) == 0 {
			continue
		}
		c, a, ok := unassertedCondition(lx, *p, cited)
		if !ok {
			continue
		}
		note.AddWarning(schema.WarnInvalidCode, fmt.Sprintf("/problems/%d/icd10", i), Label(note.Language,
			fmt.Sprintf("Suggested code %s removed: the cited segments do not affirm %s (%s there)", p.ICD10.Code, strings.ToLower(c.TitleEN), assertionLabel("en", a)),
			fmt.Sprintf("Code suggéré %s retiré : les segments cités n'affirment pas %s (%s)", p.ICD10.Code, strings.ToLower(c.TitleFR), assertionLabel("fr", a))))
		p.ICD10 = nil
		removed++
	}
	return removed
}

// citedWithReplies returns the cited segments in transcript order, each cited
// question with the reply that follows it ("any diabetes?" — "no").
func citedWithReplies(segs []domain.Segment, ev schema.Evidence) []domain.Segment {
	want := map[int]bool{}
	for _, id := range ev {
		want[id] = true
	}
	var out []domain.Segment
	for i, s := range segs {
		if !want[s.ID] {
			continue
		}
		out = append(out, s)
		if strings.HasSuffix(strings.TrimSpace(s.Text), "?") && i+1 < len(segs) && !want[segs[i+1].ID] {
			out = append(out, segs[i+1])
		}
	}
	return out
}

// unassertedCondition returns the problem's condition and how the segments present
// it when they name it but never affirm it (ok false otherwise). A mention the
// context rules read as affirmed but that is only asked, or part of a longer name,
// is reported as Possible.
func unassertedCondition(lx *lexicon, p schema.Problem, segs []domain.Segment) (c *condition, a Assertion, ok bool) {
	units := buildUnits(segs)
	affirmed := map[*condition]bool{}
	for _, f := range findProblems(lx, units) {
		if f.cond != nil {
			affirmed[f.cond] = true
		}
	}
	var parts []string
	for _, s := range segs {
		parts = append(parts, s.Text)
	}
	text := strings.Join(parts, "\n")
	for ci := range lx.conditions {
		c := &lx.conditions[ci]
		if !codeOf(c, p.ICD10.Code) && !strings.EqualFold(p.Title, c.TitleEN) && !strings.EqualFold(p.Title, c.TitleFR) {
			continue
		}
		if affirmed[c] {
			return nil, Affirmed, false
		}
		// A question and its short reply: a yes confirms it, a no denies it.
		answered := 0
		for _, u := range units {
			if q, _, ok := strings.Cut(u.text, " — "); ok && u.answer != 0 && anyCue(c.synonyms, normalize(q)) {
				answered = max(answered, u.answer)
				if u.answer < 0 && answered == 0 {
					answered = -1
				}
			}
		}
		if answered > 0 {
			return nil, Affirmed, false
		}
		found, seen, named := false, Possible, false
		if answered < 0 {
			found, seen, named = true, Negated, true
		}
		for _, syn := range c.synonyms {
			for _, m := range findMentions(text, syn.phrase, notThisCondition) {
				found = true
				if !named && m.assertion != Affirmed {
					seen, named = m.assertion, true
				}
			}
		}
		if found {
			return c, seen, true
		}
	}
	return nil, Affirmed, false
}

var assertionLabelsFR = [...]string{"affirmé", "nié", "possible", "hypothétique", "passé", "d'une autre personne"}

func assertionLabel(lang string, a Assertion) string {
	if lang == "fr" && a >= 0 && int(a) < len(assertionLabelsFR) {
		return assertionLabelsFR[a]
	}
	return a.String()
}

// codeOf reports whether code is the condition's (any side).
func codeOf(c *condition, code string) bool {
	for _, x := range []string{c.Code, c.Right, c.Left} {
		if x != "" && sameCode(x, code) {
			return true
		}
	}
	return false
}
