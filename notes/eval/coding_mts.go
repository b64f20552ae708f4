package eval

import (
	"context"

	"greffier/notes/templates"
)

// MTS-Dialog pairs each short dialogue with one section of the note written from it,
// so what a coder would code is known only for some sections. The rule was fixed
// before the drafter's codes on MTS-Dialog were first looked at (notes/eval/README.md).
const (
	mtsUnjudged = iota // the section does not say what was assessed (CC, HPI, ROS, exam, ED course...)
	mtsAssessed        // the section is an assessment, diagnosis or plan: its affirmed conditions are the gold
	mtsHistory         // the section is the patient's history: the visit assessed none of it, no code is right
)

// mtsCodingKind says how an MTS-Dialog section header judges a dialogue's codes.
// PLAN is an assessment kind as in ACI-Bench ("ASSESSMENT AND PLAN"); a medication
// list is history (the patient says what they take, nobody manages it).
func mtsCodingKind(section string) int {
	switch section {
	case "ASSESSMENT", "DIAGNOSIS", "PLAN":
		return mtsAssessed
	case "PASTMEDICALHX", "PASTSURGICAL", "FAM/SOCHX", "GYNHX", "IMMUNIZATIONS", "OTHER_HISTORY", "MEDICATIONS", "ALLERGY":
		return mtsHistory
	}
	return mtsUnjudged
}

// runCodingMTS scores the codes suggested on MTS-Dialog dialogues: against the
// conditions their section affirms when it is an assessment; as wrong, every one,
// when it is history; and on every dialogue, a condition the section names only
// negated, doubted or someone else's ("denies chest pain", "mother had a stroke")
// is a must-not.
func runCodingMTS(ctx context.Context, exs []Example, t templates.Template, name string) (CodingRow, error) {
	sc, err := newCodingScorer(name)
	if err != nil {
		return CodingRow{}, err
	}
	for _, ex := range exs {
		kind := mtsCodingKind(ex.Section)
		gold := ""
		if kind == mtsAssessed {
			gold = ex.Reference
		}
		before := sc.row.Suggested
		if err := sc.score(ctx, ex, t, gold, ex.Reference, kind != mtsUnjudged); err != nil {
			return sc.row, err
		}
		if kind == mtsHistory {
			sc.row.History++
			sc.row.HistorySuggested += sc.row.Suggested - before
		}
	}
	return sc.finish(), nil
}
