package draft

import (
	"fmt"
	"slices"

	"greffier/domain"
	"greffier/notes/schema"
)

// CheckEvidence verifies that every sentence and item of the note cites at least one
// segment id present in segs. Invalid ids are removed from the item (keeping the
// valid ones) and each offending item gets a warning: no_evidence when nothing valid
// remains, invalid_evidence when some ids were dropped. Evidence is also sorted and
// deduplicated. It returns the number of items without valid evidence or with ids
// removed; running it again on the same note adds no duplicate warnings.
func CheckEvidence(note *schema.Note, segs []domain.Segment) int {
	ids := make(map[int]bool, len(segs))
	for _, s := range segs {
		ids[s.ID] = true
	}
	flagged := 0
	// Running the check twice (drafter, then caller) must not repeat warnings.
	warned := map[string]bool{}
	for _, w := range note.Warnings {
		warned[w.Kind+" "+w.Path] = true
	}
	warn := func(kind, path, msg string) {
		flagged++
		if !warned[kind+" "+path] {
			warned[kind+" "+path] = true
			note.AddWarning(kind, path, msg)
		}
	}
	check := func(path string, ev *schema.Evidence) {
		var kept, bad []int
		for _, id := range *ev {
			if ids[id] {
				kept = append(kept, id)
			} else {
				bad = append(bad, id)
			}
		}
		slices.Sort(kept)
		kept = slices.Compact(kept)
		*ev = kept
		switch {
		case len(kept) == 0 && len(bad) > 0:
			warn(schema.WarnNoEvidence, path, fmt.Sprintf(Label(note.Language, "cites segments %v, none of which is in the transcript",
				"cite les segments %v, dont aucun n'est dans la transcription"), bad))
		case len(kept) == 0:
			warn(schema.WarnNoEvidence, path, Label(note.Language, "cites no transcript segment", "ne cite aucun segment de la transcription"))
		case len(bad) > 0:
			warn(schema.WarnInvalidEvidence, path, fmt.Sprintf(Label(note.Language, "cited segments %v are not in the transcript and were removed",
				"les segments cités %v ne sont pas dans la transcription et ont été retirés"), bad))
		}
	}
	sentences := func(prefix string, ss []schema.Sentence) {
		for i := range ss {
			check(fmt.Sprintf("%s/%d", prefix, i), &ss[i].Evidence)
		}
	}
	for i := range note.Sections {
		sentences(fmt.Sprintf("/sections/%d/sentences", i), note.Sections[i].Sentences)
	}
	for i := range note.Problems {
		check(fmt.Sprintf("/problems/%d", i), &note.Problems[i].Evidence)
	}
	for i := range note.Medications {
		check(fmt.Sprintf("/medications/%d", i), &note.Medications[i].Evidence)
	}
	for i := range note.Allergies {
		check(fmt.Sprintf("/allergies/%d", i), &note.Allergies[i].Evidence)
	}
	for i := range note.Vitals {
		check(fmt.Sprintf("/vitals/%d", i), &note.Vitals[i].Evidence)
	}
	for i := range note.Orders {
		check(fmt.Sprintf("/orders/%d", i), &note.Orders[i].Evidence)
	}
	sentences("/follow_up", note.FollowUp)
	sentences("/patient_instructions", note.PatientInstructions)
	if note.ReferralLetter != nil {
		sentences("/referral_letter/sentences", note.ReferralLetter.Sentences)
	}
	return flagged
}
