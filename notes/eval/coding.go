package eval

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"greffier/icd10"
	"greffier/notes/draft"
	"greffier/notes/schema"
	"greffier/notes/templates"
	"greffier/notes/transcript"
)

// CodingRow scores the extractive drafter's ICD-10-CM suggestions on one split.
type CodingRow struct {
	Dataset        string
	N              int // dialogues
	Suggested      int // codes suggested, all dialogues
	Gold           int // gold codes (from the reference assessments)
	CatP, CatR     float64
	CatPDocumented float64 // precision counting any condition the reference affirms
	CodeP, CodeR   float64
	// The same for the suggestions at or above draft.SureCodeConfidence (equal to
	// the above while draft.MinCodeConfidence is as high).
	Sure                 int
	SureCatP, SureCatR   float64
	SureCodeP, SureCodeR float64
	MustNot              int // conditions the references only deny, doubt, or give to someone else
	MustNotSuggested     int // of which suggested
	NegatedSuggestion    []string
	// MTS-Dialog only: dialogues whose section is the patient's history (every code
	// suggested there counts as wrong) and their suggestions; dialogues whose section
	// does not say what was assessed (CC, HPI, ROS, exam...: only their must-not
	// conditions count) and their suggestions, which no column above includes.
	History, HistorySuggested   int
	Unjudged, UnjudgedSuggested int
}

// starterSuggester answers exact codes from the ICD-10-CM starter set that Greffier
// ships (the table a fresh install codes with), without opening SQLite.
type starterSuggester map[string]schema.CodeRef

func newStarterSuggester() (starterSuggester, error) {
	codes, err := icd10.StarterCodes()
	if err != nil {
		return nil, err
	}
	s := starterSuggester{}
	for _, c := range codes {
		s[c.Code] = schema.CodeRef{Code: c.Code, Title: c.Title}
	}
	return s, nil
}

func (s starterSuggester) Suggest(_ context.Context, q string, _ int) ([]schema.CodeRef, error) {
	if c, ok := s[strings.ToUpper(q)]; ok {
		return []schema.CodeRef{c}, nil
	}
	return nil, nil
}

// assessmentHeaders start the part of an ACI-Bench note a coder codes from.
var assessmentHeaders = map[string]bool{"ASSESSMENT AND PLAN": true, "ASSESSMENT": true, "PLAN": true, "IMPRESSION": true}

// assessmentOf returns the assessment and plan of a reference note.
func assessmentOf(note string) string {
	var b strings.Builder
	in := false
	for _, line := range strings.Split(note, "\n") {
		t := strings.TrimSpace(line)
		if noteHeader.MatchString(t) {
			in = assessmentHeaders[strings.TrimSuffix(t, ":")]
			continue
		}
		if in {
			b.WriteString(t + "\n")
		}
	}
	return b.String()
}

func category(code string) string { return strings.ToUpper(code[:min(3, len(code))]) }

func cats(codes map[string]bool) map[string]bool {
	out := map[string]bool{}
	for c := range codes {
		out[category(c)] = true
	}
	return out
}

// runCoding drafts each dialogue with codes and compares them with the gold set read
// from its reference note.
func runCoding(ctx context.Context, exs []Example, t templates.Template, name string) (CodingRow, error) {
	return runCodingWith(ctx, exs, t, name, assessmentOf, func(note string) string { return note })
}

// runCodingWith is runCoding with the gold read from assess(reference) and the
// documented and must-not conditions from whole(reference).
func runCodingWith(ctx context.Context, exs []Example, t templates.Template, name string, assess, whole func(string) string) (CodingRow, error) {
	sc, err := newCodingScorer(name)
	if err != nil {
		return CodingRow{}, err
	}
	for _, ex := range exs {
		if err := sc.score(ctx, ex, t, assess(ex.Reference), whole(ex.Reference), true); err != nil {
			return sc.row, err
		}
	}
	return sc.finish(), nil
}

// codingScorer accumulates one split's coding counts.
type codingScorer struct {
	d                                                             draft.Extractive
	row                                                           CodingRow
	catHit, catDoc, catPred, catGold, codeHit, codePred, codeGold int
	sureCatHit, sureCatPred, sureCodeHit                          int
}

func newCodingScorer(name string) (*codingScorer, error) {
	cs, err := newStarterSuggester()
	if err != nil {
		return nil, err
	}
	return &codingScorer{d: draft.Extractive{Codes: cs}, row: CodingRow{Dataset: name}}, nil
}

// suggestedCodes drafts a dialogue and returns its suggested codes, and those at or
// above draft.SureCodeConfidence.
func (sc *codingScorer) suggestedCodes(ctx context.Context, ex Example, t templates.Template) (pred, sure map[string]bool, err error) {
	segs, _ := transcript.ParseDialogue(ex.Dialogue)
	note, err := sc.d.Draft(ctx, draft.Request{Segments: segs, Template: t, Language: "en"})
	if err != nil {
		return nil, nil, fmt.Errorf("draft %s: %w", ex.ID, err)
	}
	pred, sure = map[string]bool{}, map[string]bool{}
	for _, p := range note.Problems {
		if p.ICD10 != nil {
			pred[p.ICD10.Code] = true
			if p.ICD10.Confidence >= draft.SureCodeConfidence {
				sure[p.ICD10.Code] = true
			}
		}
	}
	return pred, sure, nil
}

// score drafts one dialogue and compares its codes with the gold read from
// assessText; documented and must-not conditions are read from wholeText. When
// judged is false (the reference does not say what the visit assessed) only the
// must-not conditions count; the suggestions are counted apart.
func (sc *codingScorer) score(ctx context.Context, ex Example, t templates.Template, assessText, wholeText string, judged bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	gold, _, err := draft.CodesIn(assessText)
	if err != nil {
		return err
	}
	documented, mustNot, err := draft.CodesIn(wholeText)
	if err != nil {
		return err
	}
	pred, sure, err := sc.suggestedCodes(ctx, ex, t)
	if err != nil {
		return err
	}
	row := &sc.row
	pc, gc, dc, mc := cats(pred), cats(gold), cats(documented), cats(mustNot)
	for c := range pc {
		if mc[c] && !dc[c] {
			row.MustNotSuggested++
			row.NegatedSuggestion = append(row.NegatedSuggestion, ex.ID+":"+c)
		}
	}
	for c := range mc {
		if !dc[c] {
			row.MustNot++
		}
	}
	if !judged {
		row.Unjudged++
		row.UnjudgedSuggested += len(pred)
		return nil
	}
	row.Sure += len(sure)
	for c := range cats(sure) {
		sc.sureCatPred++
		if gc[c] {
			sc.sureCatHit++
		}
	}
	for c := range sure {
		if gold[c] {
			sc.sureCodeHit++
		}
	}
	row.N++
	row.Suggested += len(pred)
	row.Gold += len(gold)
	sc.catPred += len(pc)
	sc.catGold += len(gc)
	for c := range pc {
		if gc[c] {
			sc.catHit++
		}
		if dc[c] {
			sc.catDoc++
		}
	}
	sc.codePred += len(pred)
	sc.codeGold += len(gold)
	for c := range pred {
		if gold[c] {
			sc.codeHit++
		}
	}
	return nil
}

func (sc *codingScorer) finish() CodingRow {
	row := sc.row
	row.CatP, row.CatR, row.CatPDocumented = ratio(sc.catHit, sc.catPred), ratio(sc.catHit, sc.catGold), ratio(sc.catDoc, sc.catPred)
	row.CodeP, row.CodeR = ratio(sc.codeHit, sc.codePred), ratio(sc.codeHit, sc.codeGold)
	row.SureCatP, row.SureCatR = ratio(sc.sureCatHit, sc.sureCatPred), ratio(sc.sureCatHit, sc.catGold)
	row.SureCodeP, row.SureCodeR = ratio(sc.sureCodeHit, row.Sure), ratio(sc.sureCodeHit, sc.codeGold)
	return row
}

func ratio(a, b int) float64 {
	if b == 0 {
		return nan
	}
	return float64(a) / float64(b)
}

// WriteCoding prints the coding table with its definitions.
func WriteCoding(w io.Writer, rows []CodingRow) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "data set\tn\tsuggested\tgold\tcat.P\tcat.P(doc)\tcat.R\tcode.P\tcode.R\tsure\tsure cat.P\tsure cat.R\tsure code.P\tsure code.R\tmust-not\tmust-not coded\t")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\t%d\t%d\t\n", r.Dataset, r.N, r.Suggested, r.Gold,
			pct(r.CatP), pct(r.CatPDocumented), pct(r.CatR), pct(r.CodeP), pct(r.CodeR),
			r.Sure, pct(r.SureCatP), pct(r.SureCatR), pct(r.SureCodeP), pct(r.SureCodeR), r.MustNot, r.MustNotSuggested)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "Gold set: the codes of the conditions (notes/draft/lexicon/conditions.tsv and the sprain table) that the reference note's")
	fmt.Fprintln(w, "  ASSESSMENT/PLAN (ACI-Bench) or Imp: line (PriMock57, \"?X\" read as possible X) affirms, read with the same context rules")
	fmt.Fprintln(w, "  (draft.CodesIn) — built by rule from the references, not by a coder: a condition outside the lexicon is in neither the gold nor")
	fmt.Fprintln(w, "  the suggestions, and a reference sentence the rules misread misleads both.")
	fmt.Fprintln(w, "cat.P, cat.R: precision and recall of 3-character categories against that gold; cat.P(doc): a suggestion counts as right when")
	fmt.Fprintln(w, "  the reference note affirms it anywhere (history, exam...). code.P, code.R: the same on full codes.")
	fmt.Fprintf(w, "sure: suggestions with confidence >= %.2f (the clinician names the problem while assessing or planning); the drafter suggests none under %.2f\n", draft.SureCodeConfidence, draft.MinCodeConfidence)
	fmt.Fprintln(w, "  (draft.MinCodeConfidence): a condition it did not see assessed is listed without a code.")
	fmt.Fprintln(w, "must-not: conditions a reference names but only denies, doubts, plans to test, or gives to someone else; must-not coded: of them, suggested.")
	fmt.Fprintln(w, "MTS-Dialog (one note section per dialogue): gold from ASSESSMENT, DIAGNOSIS and PLAN sections; on history sections (past medical,")
	fmt.Fprintln(w, "  surgical, family/social, medications, allergies...) every code counts as wrong (history is not assessed in the visit); other")
	fmt.Fprintln(w, "  sections (CC, HPI, ROS, exam...) say nothing of what was assessed: their codes are left out of P/R, their must-nots count.")
	for _, r := range rows {
		if r.History+r.Unjudged > 0 {
			fmt.Fprintf(w, "  %s: %d assessment/plan dialogues, %d history dialogues (%d codes suggested on them, all wrong), %d not judged (%d codes, not counted)\n",
				r.Dataset, r.N-r.History, r.History, r.HistorySuggested, r.Unjudged, r.UnjudgedSuggested)
		}
	}
	for _, r := range rows {
		if len(r.NegatedSuggestion) > 0 {
			fmt.Fprintf(w, "  %s must-not coded: %s\n", r.Dataset, strings.Join(r.NegatedSuggestion, " "))
		}
	}
	return nil
}
