package draft

import (
	"strings"

	"greffier/domain"
	"greffier/notes/schema"
	"greffier/notes/templates"
)

// A family history that was asked about and only denied is summed up the way notes
// write it: "Family history noncontributory." The generic denials it sums up ("Anyone
// sick in your family? — No.", "No one in my family has health problems.") are not
// quoted one by one; a denial that names a condition ("Any diabetes in the
// family? — No.") is a pertinent negative and stays. When any relative's illness is
// stated, or the patient does not know, nothing is summed up.

var (
	familyCues = cues([]string{"family", "families", "relatives", "run in", "runs in", "parents", "mother", "father", "mom", "dad",
		"siblings", "brother", "brothers", "sister", "sisters", "grandmother", "grandfather", "grandparents", "grandma", "grandpa",
		"aunt", "aunts", "uncle", "uncles", "cousin", "cousins", "son", "sons", "daughter", "daughters", "children", "kids", "niece", "nephew",
		"famille", "familial", "familiaux", "familiale", "parents", "mère", "père", "frère", "frères", "sœur", "sœurs", "grand mère", "grand père",
		"tante", "oncle", "cousin", "cousine", "fils", "fille", "enfants"})
	// familyTopic: words that ask about the family's health as a whole, which a
	// denial must answer to sum up a family history ("any children? — no" does not).
	familyTopic = cues([]string{"family", "families", "relatives", "run in", "runs in", "side", "famille", "familial", "familiaux", "familiale"})
	// familyDenials state that no relative is ill, in the patient's words.
	familyDenials = cues([]string{"no one", "nobody", "none", "nothing", "not that i know", "not to my knowledge", "not aware", "don t know of any",
		"do not know of any", "no major", "no health", "no medical", "no illness", "no history", "is healthy", "are healthy", "pretty healthy",
		"very healthy", "all healthy", "personne", "aucun", "aucune", "rien", "en bonne santé", "pas à ma connaissance", "pas que je sache"})
	// unknownFamily: the patient cannot say ("I was adopted", "I'm not sure").
	unknownFamily = cues([]string{"not sure", "adopted", "no idea", "don t know", "do not know", "i m not certain", "pas sûr", "pas sûre",
		"adopté", "adoptée", "je ne sais pas", "aucune idée"})
)

// familyHistoryDenied returns the units whose generic denials sum up the family
// history, or nil when the transcript does not deny it plainly: a relative's illness
// is stated, the patient does not know, or no generic denial was made.
func familyHistoryDenied(lx *lexicon, units []unit) []unit {
	var generic []unit
	for _, u := range units {
		if u.question || !anyCue(familyCues, u.norm) {
			continue
		}
		switch familyDenial(lx, u) {
		case familyOther:
			return nil // a relative's illness, a doubt, or something else said of the family
		case familyDeniedGeneric:
			generic = append(generic, u)
		}
	}
	return generic
}

// What a unit that speaks of the family says of its health.
const (
	familyOther          = iota // an illness, a doubt, anything but a denial
	familyNeutral               // the clinician asks or announces the topic
	familyDeniedGeneric         // "no one in my family is sick"
	familyDeniedSpecific        // "no diabetes in the family": a pertinent negative
)

func familyDenial(lx *lexicon, u unit) int {
	named := false
	for _, c := range lx.conditions {
		if anyCue(c.synonyms, u.norm) {
			named = true
			break
		}
	}
	said := u.norm
	if u.reply != "" {
		said = " " + normalize(u.reply) + " "
	}
	denies := anyCue(familyDenials, said)
	switch {
	case u.reply == "" && u.role != domain.RolePatient:
		if named {
			return familyOther // the clinician reports a relative's illness
		}
		return familyNeutral
	case anyCue(unknownFamily, said) && !denies:
		return familyOther
	case u.reply != "" && !anyCue(familyCues, normalize(u.ask)) && !(denies && anyCue(familyCues, said)):
		return familyOther // "Do you live alone? — No, with my parents."
	case !anyCue(familyTopic, u.norm):
		return familyOther
	case u.reply != "" && u.answer < 0, denies:
		if named {
			return familyDeniedSpecific
		}
		return familyDeniedGeneric
	}
	return familyOther
}

// summarizeFamilyDenied replaces the sentences quoting a plainly denied family
// history's generic denials by one sentence, in the section that quoted the first of
// them (else the past history), citing them all.
func summarizeFamilyDenied(t templates.Template, secs []schema.Section, units []unit, lx *lexicon, lang string) {
	denied := familyHistoryDenied(lx, units)
	if len(denied) == 0 {
		return
	}
	ids := map[int]bool{}
	var ev schema.Evidence
	var source []string
	for _, u := range denied {
		for _, id := range u.evidence {
			ids[id] = true
		}
		ev = append(ev, u.evidence...)
		source = append(source, u.source)
	}
	text := Label(lang, "Family history noncontributory.", "Antécédents familiaux sans particularité.")
	if len(unsupportedFacts(lx, text, strings.Join(source, "\n"))) > 0 {
		return
	}
	target := -1
	for i := range secs {
		kept := secs[i].Sentences[:0]
		for _, s := range secs[i].Sentences {
			if citesOnly(s.Evidence, ids) {
				if target < 0 {
					target = i
				}
				continue
			}
			kept = append(kept, s)
		}
		secs[i].Sentences = kept
	}
	if target < 0 {
		target = sectionOfClass(t, "past_history")
	}
	if target < 0 {
		return
	}
	secs[target].Sentences = append(secs[target].Sentences, schema.Sentence{Text: text, Evidence: ev})
}

// citesOnly reports whether every segment a sentence cites is in ids.
func citesOnly(ev schema.Evidence, ids map[int]bool) bool {
	for _, id := range ev {
		if !ids[id] {
			return false
		}
	}
	return len(ev) > 0
}

// sectionOfClass returns the first section of t that holds the model class, or -1.
func sectionOfClass(t templates.Template, class string) int {
	for i, s := range t.Sections {
		for _, c := range sectionClassesOf[s.Key] {
			if c == class {
				return i
			}
		}
	}
	return -1
}
