package draft

import (
	"strings"

	"greffier/domain"
)

var (
	clinicianCues = cues([]string{"i m going to", "i am going to", "let me", "let s", "i ll", "we ll", "prescrib*", "exam*", "your blood pressure", "i want you to",
		"i d like you to", "what brings you", "how long", "do you", "have you", "are you", "any ", "your ", "i recommend", "take a look", "order",
		"je vais vous", "qu est ce qui vous amène", "avez vous", "vous avez", "votre", "je vous", "prenez vous", "depuis quand", "on va"})
	patientCues = cues([]string{"i have", "i ve been", "i ve had", "i had", "my ", "it hurts", "i feel", "i take", "i m taking", "i don t know", "i was", "i get",
		"j ai", "je prends", "mon", "ma", "mes", "je me sens", "ça me fait mal", "je suis"})
)

// inferRoles returns segs with a role guessed for the turns that have none (whisper
// transcripts): a turn that asks questions and speaks of examining, ordering or
// "your ..." is the clinician's; one that speaks of "I have", "my ..." the
// patient's. Turns with no clear lean keep no role. segs is not modified.
func inferRoles(segs []domain.Segment) []domain.Segment {
	type tally struct{ clin, pat int }
	turns := map[int]*tally{}
	for _, s := range segs {
		if s.Role != "" {
			continue
		}
		t := turns[s.Turn]
		if t == nil {
			t = &tally{}
			turns[s.Turn] = t
		}
		n := normalize(s.Text)
		t.clin += countCues(clinicianCues, n)
		t.pat += countCues(patientCues, n)
		if strings.HasSuffix(strings.TrimSpace(s.Text), "?") {
			t.clin++
		}
	}
	if len(turns) == 0 {
		return segs
	}
	out := make([]domain.Segment, len(segs))
	copy(out, segs)
	for i, s := range out {
		t := turns[s.Turn]
		if s.Role != "" || t == nil {
			continue
		}
		switch {
		case t.clin >= t.pat+2:
			out[i].Role = domain.RoleClinician
		case t.pat >= t.clin+2:
			out[i].Role = domain.RolePatient
		}
	}
	return out
}
