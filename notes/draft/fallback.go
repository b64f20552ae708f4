package draft

import (
	"fmt"
	"strings"

	"greffier/domain"
	"greffier/notes/schema"
	"greffier/notes/templates"
)

// Fallbacks: the selector keeps what reference notes usually quote, so a short
// visit can leave a section empty that a clinician expects filled when the
// transcript says it: a chief complaint the patient stated, the plan the clinician
// gave, results or examination findings read out. fillEmptySections fills such a
// section by a general rule of what belongs there, from units no other section
// quotes (the chief complaint excepted: it is a short phrase from the complaint the
// history of present illness may quote whole). Nothing is written that the cited
// units do not say: sentences are reworded like the others, or cut from the
// patient's own words.

// maxFill caps the sentences a fallback adds to one section.
const maxFill = 3

var (
	// openingAsk: a clinician's question that asks for the reason of the visit.
	openingAsk = cues([]string{"what brings you", "brings you in", "brings you here", "what s going on", "what is going on", "what s been going on",
		"what seems to be", "what can i do for you", "how can i help", "what happened", "what s the problem", "what is the problem",
		"what s bothering you", "reason for", "why are you here", "tell me what", "how are you feeling", "how have you been",
		"qu est ce qui vous amène", "vous amène", "qu est ce qui se passe", "qu est ce qui vous arrive", "comment puis je vous aider",
		"qu est ce qui ne va pas", "pourquoi venez vous", "raison de votre visite"})
	// complaintWords name something wrong: a complaint, not small talk.
	complaintWords = cues([]string{"pain*", "ache*", "hurt*", "sore*", "swell*", "swollen", "lump*", "rash*", "bleed*", "cough*", "fever*",
		"nause*", "vomit*", "diarrh*", "dizz*", "headache*", "trouble", "difficult*", "problem*", "issue*", "infection*", "injur*", "burn*",
		"numb*", "tingl*", "weak*", "fatigue*", "tired*", "itch*", "discharge", "short of breath", "shortness of breath", "breath*",
		"cramp*", "spasm*", "stiff*", "bump*", "wound*", "cut", "fell", "fall", "sprain*", "broke", "blood", "palpitation*", "anxi*",
		"depress*", "insomnia", "sleep*", "lost", "loss", "pressure", "tight*", "stuffy", "congest*", "constipat*", "stomach", "tummy",
		"allerg*", "bruis*", "ulcer*", "lesion*", "wart*", "mole*", "jerk*", "bite*", "accident*", "stone*", "memory", "confus*", "faint*", "seizure*", "queasy", "belly*", "abscess*", "mass", "growth", "cold", "flu", "sick", "follow up", "followup", "following up", "check up", "checkup", "refill*", "exam", "physical",
		"douleur*", "mal", "toux", "fièvre", "nausée*", "vomi*", "vertige*", "gonfl*", "bouton*", "plaie*", "brûlure*", "fatigu*",
		"essouffl*", "démange*", "saign*", "diarrhée*", "suivi", "contrôle", "renouvel*", "chute", "tomb*", "bless*", "engourdi*"})
	// resultNouns and resultVerbs: a test and what it showed.
	resultNouns = cues([]string{"x ray*", "xray*", "mri", "ct", "cat scan", "scan", "ultrasound", "echo*", "ekg", "ecg", "blood work", "bloodwork",
		"labs", "lab", "results", "test*", "level*", "a1c", "culture", "biopsy", "urin*", "imaging", "film*",
		"radio*", "irm", "scanner", "échographie", "bilan", "prise de sang", "analyse*", "résultat*", "taux", "glycémie"})
	resultVerbs = cues([]string{"show*", "came back", "come back", "revealed", "reveal*", "demonstrat*", "normal", "abnormal", "negative", "positive",
		"elevated", "high", "low", "confirm*", "found", "see", "saw", "fracture*", "montre*", "normal*", "négati*", "positi*", "élevé*", "bas", "revenu*"})
	// examWords: what an examiner reports.
	examWords = cues([]string{"on exam", "examination", "tender*", "lungs", "heart sounds", "murmur", "clear", "swelling", "swollen", "edema",
		"range of motion", "reflex*", "looks", "appears", "palpat*", "bruis*", "redness", "inflamed", "normal", "pupils", "abdomen", "soft",
		"à l examen", "sensible", "poumons", "souffle", "œdème", "oedème", "rougeur", "mobilité"})
	// historyAsk: a question about the patient's history.
	historyAsk = cues([]string{"history", "medical problem*", "medical issue*", "medical condition*", "conditions", "illness*", "disease*",
		"diagnosed", "surger*", "operation*", "smok*", "tobacco", "alcohol", "drink", "drugs", "family", "run in", "hospitali*",
		"antécédent*", "maladie*", "opéré*", "opération*", "chirurgie*", "fum*", "tabac", "alcool", "famille"})
	// dispositionCues: the clinician sends the patient home, admits or discharges.
	dispositionCues = cues([]string{"go home", "going home", "discharge*", "admit*", "send you home", "sortir", "rentrer chez", "hospitalis*"})
	// diagnosisCues: the clinician states what the patient has.
	diagnosisCues = cues([]string{"looks like you have", "looks like you", "it appears", "appears that", "i think you have", "i think she has",
		"i think he has", "sounds like", "diagnos*", "consistent with", "my assessment", "my impression", "you have a", "you have an",
		"is likely", "most likely", "probably", "suspect", "vous avez un", "vous avez une", "je pense que", "il s agit", "ça ressemble", "probablement"})
)

// fillEmptySections adds to the empty sections of t what a general rule finds for
// them in the transcript.
func fillEmptySections(t templates.Template, secs []schema.Section, units []unit, lx *lexicon, v voice) {
	quoted := map[string]bool{}
	for _, s := range secs {
		for _, x := range s.Sentences {
			quoted[fmt.Sprint(x.Evidence)] = true
		}
	}
	cc, hasCC := chiefComplaint(units, v)
	for i, s := range t.Sections {
		// A chief complaint is a few words (the template says so): the sentences
		// routed there go to the history of present illness, first.
		if s.Key == "chief_complaint" && hasCC && len(secs[i].Sentences) > 0 {
			if h := sectionIndex(t, "hpi"); h >= 0 {
				secs[h].Sentences = append(secs[i].Sentences, secs[h].Sentences...)
				secs[i].Sentences = nil
			}
		}
		if len(secs[i].Sentences) > 0 {
			continue
		}
		for _, class := range sectionClassesOf[s.Key] {
			var add []schema.Sentence
			switch class {
			case "chief_complaint":
				if hasCC {
					add = []schema.Sentence{cc}
				}
			case "assessment_plan":
				add = fillFrom(units, quoted, lx, v, s.Roles, planUnit)
			case "results":
				add = fillFrom(units, quoted, lx, v, s.Roles, resultUnit)
			case "physical_exam":
				add = fillFrom(units, quoted, lx, v, s.Roles, examUnit)
			case "past_history":
				add = fillFrom(units, quoted, lx, v, s.Roles, historyUnit)
			}
			if len(add) > 0 {
				secs[i].Sentences = append(secs[i].Sentences, add...)
				break
			}
		}
	}
}

func sectionIndex(t templates.Template, key string) int {
	for i, s := range t.Sections {
		if s.Key == key {
			return i
		}
	}
	return -1
}

// fillFrom rewords, in transcript order, up to maxFill units that match and that
// no section quotes, said by a role the section is open to.
func fillFrom(units []unit, quoted map[string]bool, lx *lexicon, v voice, roles []domain.Role, match func(unit) bool) []schema.Sentence {
	var out []schema.Sentence
	for _, u := range units {
		key := fmt.Sprint(u.evidence)
		if len(out) >= maxFill || quoted[key] || !quotable(u) || !roleAllowed(roles, u.role) || !match(u) {
			continue
		}
		text := v.rewordUnit(lx, u)
		if text == "" && u.reply != "" && u.answer != 0 {
			text = u.text // a question answered yes or no that the rewording cannot state: quoted
		}
		if text != "" {
			quoted[key] = true
			out = append(out, schema.Sentence{Text: text, Evidence: u.evidence})
		}
	}
	return out
}

// planUnit: the clinician orders, prescribes, advises, arranges follow-up, sends
// home or states a diagnosis.
func planUnit(u unit) bool {
	if u.role == domain.RolePatient || !u.affirmed() {
		return false
	}
	n := u.norm
	switch {
	case anyCue(orderIntent, n) && (anyCue(orderLab, n) || anyCue(orderImaging, n) || anyCue(orderProc, n) || anyCue(orderReferral, n)):
	case anyCue(followUpCues, n) && anyCue(followUpIntent, n):
	case anyCue(instructionCues, n), anyCue(dispositionCues, n), anyCue(diagnosisCues, n):
	case anyCue(actionStart, n) || anyCue(actionStop, n) || anyCue(actionChange, n):
	default:
		return false
	}
	return true
}

// historyUnit: the clinician asks about past illnesses, surgeries, family or habits
// and the patient answers yes or no ("Any medical problems? — No.").
func historyUnit(u unit) bool {
	return u.reply != "" && u.asker == domain.RoleClinician && u.answer != 0 && anyCue(historyAsk, normalize(u.ask))
}

// resultUnit names a test with what it showed.
func resultUnit(u unit) bool {
	return u.affirmed() && anyCue(resultNouns, u.norm) && anyCue(resultVerbs, u.norm) && !anyCue(orderIntent, u.norm)
}

// examUnit: a clinician's finding on examination, or vital signs read out.
func examUnit(u unit) bool {
	if u.role == domain.RolePatient || !u.affirmed() {
		return false
	}
	if len(vitalsIn(u)) > 0 {
		return true
	}
	return countCues(examWords, u.norm) >= 2
}

// vitalsIn returns the kinds of vital signs a unit states.
func vitalsIn(u unit) []string {
	var out []string
	for _, r := range vitalRules {
		if r.re.MatchString(u.num) {
			out = append(out, r.kind)
		}
	}
	return out
}

// chiefComplaint reads the reason for the visit: the reply to the clinician's
// opening question, else the patient's first statement of a complaint, cut to the
// complaint ("I have been having some trouble breathing." → "Trouble breathing.").
// It cites the unit it was cut from.
func chiefComplaint(units []unit, v voice) (schema.Sentence, bool) {
	// The reply to an opening question: the question's unit (with a short reply)
	// or the units of the next speaker's turn.
	for i, u := range units {
		asker := u.role
		if u.reply != "" {
			asker = u.asker
		}
		if asker != domain.RoleClinician || !anyCue(openingAsk, normalize(u.ask+" "+u.text)) {
			continue
		}
		if u.reply != "" {
			if c, ok := complaintIn(u.reply, complaintOpeners, false); ok {
				return schema.Sentence{Text: c, Evidence: u.evidence}, true
			}
			continue
		}
		if !u.question {
			continue
		}
		for j := i + 1; j < len(units) && j <= i+3 && units[j].role != domain.RoleClinician; j++ {
			if c, ok := complaintIn(units[j].text, complaintOpeners, false); ok {
				return schema.Sentence{Text: c, Evidence: units[j].evidence}, true
			}
		}
	}
	// Else the first complaint the patient states in the first part of the visit.
	for i, u := range units {
		if len(units) >= minVisitUnits && float64(i) > closingShare*float64(len(units)) {
			break
		}
		if !u.affirmed() {
			continue
		}
		text := u.text
		switch {
		case u.reply != "" && u.asker == domain.RoleClinician && u.answer > 0:
			// "So you are here for your knee? — Yes."
			if c, ok := complaintIn(u.ask, clinicianOpeners, true); ok {
				return schema.Sentence{Text: c, Evidence: u.evidence}, true
			}
			continue
		case u.reply != "":
			text = u.reply
		case u.role == domain.RoleClinician:
			if c, ok := complaintIn(text, clinicianOpeners, false); ok {
				return schema.Sentence{Text: c, Evidence: u.evidence}, true
			}
			continue
		}
		if c, ok := complaintIn(text, complaintOpeners, false); ok {
			return schema.Sentence{Text: c, Evidence: u.evidence}, true
		}
	}
	return schema.Sentence{}, false
}

// complaintOpeners open a statement of a complaint in the first person; what
// follows them is the complaint.
var complaintOpeners = wordPhrases(
	"i have been having some", "i have been having", "i ve been having some", "i ve been having", "i am having some", "i am having",
	"i m having some", "i m having", "i have had some", "i have had", "i ve had", "i have got", "i ve got", "i got", "i have some", "i have a", "i have an",
	"i have this", "i have these", "i have", "i ve been experiencing", "i have been experiencing", "i am experiencing", "i m experiencing",
	"i am suffering from", "i m suffering from", "i think i am suffering from", "i think i have", "i m here for", "i am here for", "i m here because of",
	"i came in for", "i came for", "i m in for", "i am in for", "i need a", "i need my", "i ve developed", "i have developed",
	"i developed", "we are here for", "we re here for", "he has been having", "she has been having", "he has", "she has", "he s been having",
	"she s been having", "je viens pour", "je suis là pour", "je consulte pour", "j ai des", "j ai une", "j ai un", "j ai de la", "j ai du", "j ai",
	"je souffre de", "je souffre d", "depuis quelques jours j ai", "il a", "elle a",
	"is complaining of", "are complaining of", "s complaining of", "complaining of", "complains of", "i feel like", "i think i got",
	"have")

// clinicianOpeners: the clinician says the reason for the visit.
var clinicianOpeners = wordPhrases("you are here for", "you re here for", "you are here today for", "you re here today for", "you are following up for",
	"you re following up for", "you are referred for", "you were referred for", "you re in for", "you are in for", "presents with",
	"presenting with", "presents for", "here for", "here today for", "vous venez pour", "vous consultez pour", "vous êtes là pour")

// leadWords open a complaint phrase and add nothing to it.
var leadWords = map[string]bool{"this": true, "these": true, "that": true, "those": true, "some": true, "a": true, "an": true, "the": true,
	"my": true, "kind": true, "sort": true, "of": true, "like": true, "really": true, "just": true, "been": true, "a lot": true, "lot": true,
	"des": true, "une": true, "un": true, "de": true, "la": true, "le": true, "du": true, "mon": true, "ma": true, "mes": true}

// clauseEnds end a complaint phrase: a new clause or a reason.
var clauseEnds = map[string]bool{"but": true, "so": true, "because": true, "which": true, "that": true, "who": true, "when": true,
	"i": true, "i'm": true, "i've": true, "it": true, "it's": true, "mais": true, "donc": true, "parce": true, "qui": true, "que": true, "je": true, "j": true}

// subjects after "and" open a new clause: "nausea and I want it checked".
var clauseSubjects = map[string]bool{"i": true, "i'm": true, "i've": true, "it": true, "its": true, "it's": true, "my": true, "he": true, "she": true,
	"they": true, "we": true, "that": true, "then": true, "now": true, "also": true, "j": true, "je": true, "il": true, "elle": true, "ça": true}

// prepositions before a possessive: "pain in my jaw" → "pain in the jaw"; elsewhere
// it is dropped ("burned my hand" → "burned hand").
var possPrepositions = map[string]bool{"in": true, "on": true, "at": true, "to": true, "of": true, "around": true, "under": true, "behind": true,
	"over": true, "near": true, "from": true, "with": true, "dans": true, "sur": true, "à": true}

// pronouns name no complaint: "I'm here for you".
var pronouns = map[string]bool{"you": true, "me": true, "him": true, "her": true, "them": true, "us": true, "it": true, "that": true, "this": true,
	"vous": true, "moi": true, "lui": true, "eux": true, "ça": true}

// possessives: "pain in my jaw" → "pain in the jaw".
var possessives = map[string]string{"my": "the", "his": "the", "her": "the", "their": "the", "your": "the", "mon": "le", "ma": "la", "mes": "les",
	"son": "le", "sa": "la", "ses": "les", "votre": "le", "vos": "les"}

// complaintIn cuts the complaint out of a patient's statement; ok is false when no
// sentence opens like one or names something wrong.
func complaintIn(text string, openers [][]string, asked bool) (string, bool) {
	for _, s := range sentences(text) {
		if strings.HasSuffix(s, "?") != asked {
			continue
		}
		s = strings.TrimRight(s, "?")
		toks := tokenize(s)
		words := make([]string, len(toks))
		for i, t := range toks {
			words[i] = strings.TrimSpace(normalize(t.core))
		}
		flat := strings.Fields(strings.Join(words, " "))
		at := phraseIndex(flat, 0, openers)
		clinician := sameOpeners(openers, clinicianOpeners)
		// A patient's complaint opens the sentence; a clinician's dictation names the
		// reason anywhere ("Sarah is a 27-year-old female here for her annual visit").
		if at < 0 || at > 3 && !clinician {
			continue
		}
		// Map the opener's end (in flat words) back to tokens.
		n := 0
		for _, p := range openers {
			if at+len(p) <= len(flat) && equalWords(flat[at:at+len(p)], p) {
				n = len(p)
				break
			}
		}
		start, count := 0, 0
		for start < len(toks) && count < at+n {
			count += len(strings.Fields(words[start]))
			start++
		}
		if start < len(toks) && strings.HasSuffix(toks[start-1].trail, ",") {
			continue // "I have, um, ..." left nothing clear
		}
		phrase := complaintPhrase(toks[start:])
		if phrase == "" {
			continue
		}
		norm := normalize(phrase)
		if !clinician && !anyCue(complaintWords, norm) || negatedPhrase(phrase) ||
			clinician && !hasContent(norm) || pronouns[strings.Fields(norm)[0]] {
			continue
		}
		return capitalize(phrase) + ".", true
	}
	return "", false
}

func equalWords(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// complaintPhrase keeps the complaint's words: up to the end of the clause, at most
// ten words, without the words that open it.
func complaintPhrase(toks []token) string {
	var out []token
	for i, t := range toks {
		lower := strings.ToLower(strings.ReplaceAll(t.core, "’", "'"))
		next := ""
		if i+1 < len(toks) {
			next = strings.ToLower(toks[i+1].core)
		}
		if len(out) > 0 && (clauseEnds[lower] || (lower == "and" || lower == "et") && clauseSubjects[next]) || len(out) >= 10 {
			break
		}
		if len(out) == 0 && (leadWords[lower] || t.core == "") {
			continue
		}
		if p, ok := possessives[lower]; ok {
			if len(out) == 0 || !possPrepositions[strings.ToLower(out[len(out)-1].core)] {
				continue
			}
			t.core = p
		}
		t.lead = ""
		out = append(out, t)
		if strings.ContainsAny(t.trail, ",;:.!?—") || i+1 < len(toks) && strings.HasPrefix(toks[i+1].lead, "—") {
			break
		}
	}
	// A phrase cut at ten words does not end on a word that leads further ("some pain in").
	for len(out) > 0 && (leadWords[strings.ToLower(out[len(out)-1].core)] || possPrepositions[strings.ToLower(out[len(out)-1].core)] ||
		strings.EqualFold(out[len(out)-1].core, "and") || strings.EqualFold(out[len(out)-1].core, "et")) {
		out = out[:len(out)-1]
	}
	if len(out) == 0 {
		return ""
	}
	out[len(out)-1].trail = ""
	return join(out)
}

func sameOpeners(a, b [][]string) bool { return len(a) == len(b) && len(a) > 0 && &a[0] == &b[0] }

// negatedPhrase: a phrase that denies something is not a complaint ("I have n't
// been checking": ACI-Bench writes the n't apart).
func negatedPhrase(phrase string) bool {
	lower := strings.ToLower(strings.ReplaceAll(phrase, "’", "'"))
	if strings.Contains(lower, "n't") || strings.HasPrefix(lower, "n t ") {
		return true
	}
	for _, w := range strings.Fields(normalize(phrase)) {
		if negation[w] || w == "any" || w == "nothing" {
			return true
		}
	}
	return false
}
