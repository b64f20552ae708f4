package draft

import (
	"strings"

	"greffier/domain"
	"greffier/notes/schema"
)

// Allergies said as the reply to a question: "Any allergies? — Yes, penicillin.",
// "Do you have any allergies? — Not that I know of.", "Ever reacted badly to a
// medication? — No." The rules of allergies() read "allergic to X" and a plain no;
// these read the reply, and name a denial of drug allergies as such ("No known
// drug allergies": what was asked and denied, no more).

var (
	// allergyAsk: a question about allergies or reactions to medications.
	allergyAsk    = cues([]string{"allerg*", "react* to", "reaction to", "reactions to", "réaction*"})
	drugAsk       = cues([]string{"drug*", "medication*", "medicine*", "meds", "médicament*", "traitement*"})
	denialOpeners = wordPhrases("not that i know", "not that i m aware", "none", "nothing", "no reactions", "i don t know of any",
		"i don t think so", "nah", "not any", "i m not allergic", "i am not allergic", "pas que je sache", "aucune", "aucun", "rien", "non")
	// genericAllergens are words of a reply that name no substance ("allergic to
	// quite a few medicines", "allergies to medications").
	genericAllergens = map[string]bool{"medication": true, "medications": true, "medicine": true, "medicines": true, "meds": true, "drug": true,
		"drugs": true, "quite": true, "a": true, "few": true, "many": true, "some": true, "several": true, "any": true, "lot": true, "of": true,
		"certain": true, "other": true, "things": true, "stuff": true, "médicament": true, "médicaments": true, "certains": true, "plusieurs": true}
	yesLead = map[string]bool{"yes": true, "yeah": true, "yep": true, "just": true, "only": true, "um": true, "uh": true, "oh": true, "oui": true,
		"seulement": true, "juste": true, "i": true, "am": true, "m": true, "do": true, "to": true, "allergic": true}
)

// noneAllergy is the note's wording of a denial, of drug allergies when the
// question asked about drugs.
func noneAllergy(lang string, drugs bool) string {
	switch {
	case drugs && lang == "fr":
		return "Aucune allergie médicamenteuse connue"
	case drugs:
		return "No known drug allergies"
	case lang == "fr":
		return "Aucune allergie connue"
	}
	return "No known allergies"
}

// refineAllergies drops allergens that name nothing ("medications"), reads the
// replies to allergy questions when nothing else was found, and says "drug" in a
// denial of drug allergies.
func refineAllergies(list []schema.Allergy, units []unit, lx *lexicon, lang string) []schema.Allergy {
	var out []schema.Allergy
	for _, a := range list {
		if !genericAllergen(a.Substance) {
			out = append(out, a)
		}
	}
	if len(out) == 0 {
		out = allergyReplies(units, lx, lang)
	}
	for i, a := range out {
		if a.Substance == noneAllergy(lang, false) && askedAboutDrugs(units, a.Evidence) {
			out[i].Substance = noneAllergy(lang, true)
		}
	}
	return out
}

func genericAllergen(sub string) bool {
	for _, w := range strings.Fields(normalize(sub)) {
		if !genericAllergens[w] {
			return false
		}
	}
	return true
}

// askedAboutDrugs: every allergy question among the units citing these segments
// asked about drugs or medications.
func askedAboutDrugs(units []unit, ev schema.Evidence) bool {
	asked := false
	for _, u := range units {
		if !sharesEvidence(u.evidence, ev) {
			continue
		}
		ask := normalize(u.ask)
		if u.ask == "" {
			ask = u.norm
		}
		if !anyCue(allergyAsk, ask) {
			continue
		}
		if !anyCue(drugAsk, ask) {
			return false
		}
		asked = true
	}
	return asked
}

func sharesEvidence(a, b schema.Evidence) bool {
	for _, x := range a {
		for _, y := range b {
			if x == y {
				return true
			}
		}
	}
	return false
}

// allergyReplies reads the replies to the clinician's allergy questions: a denial,
// the drugs the reply names, or the short thing a yes names ("Yes, just molds.").
func allergyReplies(units []unit, lx *lexicon, lang string) []schema.Allergy {
	var out []schema.Allergy
	none := -1
	for i, u := range units {
		ask, reply, ev := u.ask, u.reply, u.evidence
		if u.reply == "" {
			// A question with a longer reply: the next unit, said by someone else.
			if !u.question || u.role != domain.RoleClinician || i+1 >= len(units) || units[i+1].role == domain.RoleClinician || units[i+1].question {
				continue
			}
			ask, reply, ev = u.text, units[i+1].text, appendIDs(u.evidence, units[i+1].evidence)
		} else if u.asker != domain.RoleClinician {
			continue
		}
		if !anyCue(allergyAsk, normalize(ask)) {
			continue
		}
		norm := normalize(reply)
		words := strings.Fields(norm)
		if u.answer < 0 || phraseIndex(words, 0, denialOpeners) == 0 || answerSign(norm) < 0 {
			if none < 0 {
				none = len(out)
				out = append(out, schema.Allergy{Substance: noneAllergy(lang, false), Evidence: ev})
			}
			continue
		}
		reaction := reactionRE.FindString(strings.ToLower(reply))
		if drugs := lx.findDrugs(norm); len(drugs) > 0 {
			for _, d := range drugs {
				if negatedBefore(norm, d.Pos) {
					continue
				}
				out = append(out, schema.Allergy{Substance: d.Name, Reaction: reaction, Evidence: ev})
			}
			continue
		}
		if sub := yesNames(words); sub != "" && answerSign(norm) > 0 {
			out = append(out, schema.Allergy{Substance: sub, Reaction: reaction, Evidence: ev})
		}
	}
	// A named allergen contradicts a denial of others ("any other? — no").
	if len(out) > 1 && none >= 0 {
		out = append(out[:none], out[none+1:]...)
	}
	return out
}

// yesNames returns what a short yes names: "yes just molds" → "molds"; "" when it
// says more than one to three words or nothing of substance.
func yesNames(words []string) string {
	k := 0
	for k < len(words) && yesLead[words[k]] {
		k++
	}
	rest := words[k:]
	if len(rest) == 0 || len(rest) > 3 || !hasContent(" "+strings.Join(rest, " ")+" ") || genericAllergen(strings.Join(rest, " ")) {
		return ""
	}
	return strings.Join(rest, " ")
}
