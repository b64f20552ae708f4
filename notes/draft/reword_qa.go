package draft

import (
	"strings"

	"greffier/domain"
)

// A yes/no question and its bare answer become the statement they settled:
// "Have you had any fever? — No." → "The patient has not had any fever.";
// "Any chest pain? — No." → "No chest pain."; "Avez-vous de la fièvre ? — Non." →
// "Pas de fièvre." A reply that says more than yes or no ("No, I quit two years
// ago") or doubts ("I'm not sure") is quoted as it was.

// bareReply words make a reply that only says yes or no ("No, I don't.", "Yes, I
// do, doctor.", "Nope, none of that."). Doubt words ("sure", "think") are not here.
var bareReply = map[string]bool{"yes": true, "yeah": true, "yep": true, "yup": true, "no": true, "nope": true, "nah": true, "correct": true,
	"never": true, "i": true, "do": true, "don": true, "t": true, "not": true, "have": true, "haven": true, "am": true, "m": true, "did": true,
	"didn": true, "it": true, "is": true, "isn": true, "s": true, "does": true, "doesn": true, "really": true, "at": true, "all": true,
	"sir": true, "doctor": true, "ma": true, "none": true, "nothing": true, "of": true, "that": true, "those": true, "absolutely": true,
	"definitely": true, "oh": true, "um": true, "okay": true, "ok": true, "mm": true, "hmm": true, "uh": true, "huh": true, "was": true,
	"wasn": true, "were": true, "weren": true, "ve": true, "any": true, "them": true, "doc": true, "dr": true,
	"oui": true, "non": true, "pas": true, "du": true, "tout": true, "jamais": true, "docteur": true, "aucun": true, "aucune": true,
	"ouais": true, "si": true, "rien": true, "madame": true, "monsieur": true, "ai": true, "j": true, "n": true, "je": true, "ne": true}

func bare(reply string) bool {
	for _, w := range strings.Fields(normalize(reply)) {
		if !bareReply[w] {
			return false
		}
	}
	return true
}

// negated auxiliaries for "the patient": "have you" + no → "has not".
var negAux = map[string]string{"do": "does not", "did": "did not", "have": "has not", "are": "is not", "were": "was not",
	"can": "cannot", "could": "could not", "will": "will not", "would": "would not", "has": "has not", "is": "is not"}

// askOpeners may open a question before what it asks: "And do you...", "So any...".
var askOpeners = map[string]bool{"and": true, "so": true, "okay": true, "ok": true, "also": true, "now": true, "alright": true,
	"what": false, "et": true, "alors": true, "donc": true, "d'accord": true}

// rewordAnswer states what a yes/no question (its last sentence) and a bare reply
// settled, after the question's other sentences reworded. ok is false when the
// question is not a yes/no question it can read, or the reply is not bare.
func (v voice) rewordAnswer(ask, reply string, sign int, first *bool) (string, bool) {
	if sign == 0 {
		return "", false
	}
	more := ""
	if !bare(reply) {
		var ok bool
		if more, ok = afterYesNo(reply); !ok {
			return "", false
		}
		// "Fever or blurred vision? — No, no fever.": the no may deny only what
		// the reply repeats; the quote says which.
		for _, w := range strings.Fields(normalize(more)) {
			if sign < 0 && negation[w] {
				return "", false
			}
		}
	}
	ss := sentences(ask)
	if len(ss) == 0 || !strings.HasSuffix(ss[len(ss)-1], "?") {
		return "", false
	}
	toks := tokenize(strings.TrimSuffix(ss[len(ss)-1], "?"))
	for len(toks) > 1 && askOpeners[strings.ToLower(toks[0].core)] {
		toks = toks[1:]
	}
	if len(toks) < 2 {
		return "", false
	}
	// The patient is named in reading order: what the clinician said before the
	// question, then (after a no) what the reply adds, then the answer. What the
	// reply adds goes before a denial: a negation reads forward, and "does not
	// smoke. Quit 2 years ago" would seem to deny the quitting too.
	before := v.rewordText(strings.Join(ss[:len(ss)-1], " "), domain.RoleClinician, first)
	after := ""
	if sign < 0 {
		after = v.rewordText(more, domain.RolePatient, first)
	}
	var stated string
	if v.lang == "fr" {
		stated = frenchAnswer(toks, sign)
	} else {
		stated = v.englishAnswer(toks, sign, first)
	}
	if stated == "" {
		return "", false
	}
	if sign < 0 {
		return strings.TrimSpace(before + " " + after + " " + capitalize(stated) + "."), true
	}
	after = v.rewordText(more, domain.RolePatient, first)
	return strings.TrimSpace(before + " " + capitalize(stated) + ". " + after), true
}

// afterYesNo splits a reply that opens with a plain yes or no ("No, I quit two
// years ago.") and returns what follows it, unless that qualifies the answer ("No,
// just a little", "Yes, but only at night"): then ok is false.
func afterYesNo(reply string) (string, bool) {
	toks := tokenize(reply)
	if len(toks) < 2 || toks[0].trail == "" {
		return "", false
	}
	switch strings.ToLower(toks[0].core) {
	case "yes", "yeah", "yep", "no", "nope", "oui", "non":
	default:
		return "", false
	}
	rest := toks[1:]
	// Drop the clauses that only echo the answer: "No, I don't. I quit..."
	for len(rest) > 0 {
		end := 0
		for end < len(rest) && !strings.ContainsAny(rest[end].trail, ".,!;") {
			end++
		}
		end = min(end+1, len(rest))
		clause := join(rest[:end])
		if !bare(clause) {
			break
		}
		rest = rest[end:]
	}
	if len(rest) == 0 || echo(join(rest)) {
		return "", true
	}
	if qualifiers[strings.ToLower(rest[0].core)] {
		return "", false
	}
	return join(rest), true
}

// echoWords only repeat a yes or no: "No, nothing significant like that.", "No,
// actually.", "Yes, that's right."
var echoWords = map[string]bool{"significant": true, "like": true, "actually": true, "thankfully": true, "fortunately": true,
	"right": true, "true": true, "exactly": true, "anything": true, "else": true, "either": true, "neither": true, "nor": true}

func echo(s string) bool {
	for _, w := range strings.Fields(normalize(s)) {
		if !bareReply[w] && !echoWords[w] {
			return false
		}
	}
	return true
}

// qualifiers open a reply's remainder that softens the yes or no.
var qualifiers = map[string]bool{"but": true, "just": true, "only": true, "except": true, "sometimes": true, "maybe": true, "a": true,
	"kind": true, "sort": true, "occasionally": true, "mostly": true, "usually": true, "not": true, "little": true, "mais": true,
	"sauf": true, "parfois": true, "juste": true, "seulement": true, "un": true, "peu": true}

func (v voice) englishAnswer(toks []token, sign int, first *bool) string {
	w0, w1 := strings.ToLower(toks[0].core), strings.ToLower(toks[1].core)
	if (w0 == "how" || w0 == "what") && w1 == "about" && len(toks) > 2 {
		toks, w0 = toks[1:], "any" // "How about swelling?" asks as "Any swelling?" does
		toks[0].core = "any"
	}
	switch {
	case w0 == "any" && len(toks) > 1:
		if sign < 0 {
			return "no " + join(v.asked(toks[1:], false))
		}
		return "reports " + join(v.asked(toks[1:], true))
	case (w0 == "is" || w0 == "are") && w1 == "there" && len(toks) > 2:
		if sign < 0 {
			return "no " + join(v.asked(toks[2:], true))
		}
		return "reports " + join(v.asked(toks[2:], true))
	case w1 == "you" && negAux[w0] != "" && len(toks) > 2:
		rest := v.asked(toks[2:], sign > 0)
		if len(rest) == 0 {
			return ""
		}
		subj := v.subject(first, true)
		if sign < 0 {
			if x := symptomsAsked(rest); len(x) > 0 {
				return "denies " + join(x)
			}
			return strings.TrimSpace(subj + " " + negAux[w0] + " " + join(rest))
		}
		switch w0 {
		case "do":
			rest = append([]token{{core: subj}}, rest...)
			conjugateNext(rest, 0)
			return join(rest)
		case "did":
			if strings.EqualFold(rest[0].core, "have") {
				rest[0].core = "had"
				return strings.TrimSpace(subj + " " + join(rest))
			}
			return ""
		}
		return strings.TrimSpace(subj + " " + thirdPerson(w0) + " " + join(rest))
	}
	return ""
}

// asked rewrites what a question asks about: "your" → the patient's, and, when the
// answer is yes, without "any" ("any fever" was asked, "fever" is reported).
func (v voice) asked(toks []token, yes bool) []token {
	var out []token
	for _, t := range toks {
		lower := strings.ToLower(t.core)
		switch lower {
		case "any":
			if yes {
				continue
			}
		case "you":
			t.core = v.object()
		case "your":
			t.core = v.possessive()
			if t.core == "" {
				continue
			}
		case "yourself":
			t.core = v.reflexive()
		case "i", "me", "my", "we", "us", "our":
			return nil // the clinician speaks of themself: not the patient's statement
		}
		out = append(out, t)
	}
	return out
}

// frenchAnswer reads "Avez-vous (eu) de la fièvre ?", "Vous avez des douleurs ?",
// "Est-ce que vous avez ...", "Des vertiges ?".
func frenchAnswer(toks []token, sign int) string {
	words := make([]string, len(toks))
	for i, t := range toks {
		words[i] = strings.ToLower(t.core)
	}
	i := 0
	switch {
	case words[0] == "avez-vous":
		i = 1
	case len(words) > 2 && words[0] == "vous" && words[1] == "avez":
		i = 2
	case len(words) > 4 && words[0] == "est-ce" && (words[1] == "que" && words[2] == "vous" && words[3] == "avez"):
		i = 4
	case articles[words[0]] || strings.HasPrefix(words[0], "d'"):
		i = 0
	default:
		return ""
	}
	for i < len(words) && (words[i] == "eu" || words[i] == "déjà" || words[i] == "actuellement" || words[i] == "parfois") {
		i++
	}
	if i >= len(toks) {
		return ""
	}
	for _, w := range words[i:] {
		if w == "je" || w == "me" || w == "mon" || w == "ma" || w == "mes" || w == "nous" || w == "vous" {
			return ""
		}
	}
	rest := append([]token{}, toks[i:]...)
	if articles[strings.ToLower(rest[0].core)] {
		rest[0].core = strings.ToLower(rest[0].core) // "Des vertiges ?" opened the question
	}
	for k := range rest {
		switch strings.ToLower(rest[k].core) {
		case "votre":
			rest[k].core = "son"
		case "vos":
			rest[k].core = "ses"
		}
	}
	if sign > 0 {
		return "signale " + join(rest)
	}
	first := strings.ToLower(rest[0].core)
	switch {
	case articles[first]:
		rest = rest[1:]
		if first == "de" && len(rest) > 0 && (strings.EqualFold(rest[0].core, "la")) {
			rest = rest[1:]
		}
	case strings.HasPrefix(first, "d'") || strings.HasPrefix(first, "l'"):
		rest[0].core = rest[0].core[2:]
	}
	if len(rest) == 0 {
		return ""
	}
	// "de la fièvre ou des vertiges" → "pas de fièvre ni de vertiges"
	for k := 0; k+1 < len(rest); k++ {
		if !strings.EqualFold(rest[k].core, "ou") {
			continue
		}
		next := strings.ToLower(rest[k+1].core)
		switch {
		case next == "de" && k+2 < len(rest) && strings.EqualFold(rest[k+2].core, "la"):
			rest[k].core, rest[k+1].core = "ni", "de"
			rest = append(rest[:k+2], rest[k+3:]...)
		case next == "des" || next == "du" || next == "un" || next == "une":
			rest[k].core, rest[k+1].core = "ni", "de"
		case strings.HasPrefix(next, "d'") || strings.HasPrefix(next, "l'"):
			rest[k].core = "ni"
			rest[k+1].core = "d'" + rest[k+1].core[2:]
		}
	}
	if startsWithVowel(rest[0].core) {
		return "pas d'" + join(rest)
	}
	return "pas de " + join(rest)
}

var articles = map[string]bool{"des": true, "de": true, "du": true, "un": true, "une": true, "les": true, "le": true, "la": true}

func startsWithVowel(s string) bool {
	r := []rune(strings.ToLower(s))
	return len(r) > 0 && strings.ContainsRune("aeiouyéèêàâîôûh", r[0])
}

// haveVerbs ask whether a symptom is there: "have you had any", "do you get".
var haveVerbs = map[string]bool{"have": true, "had": true, "having": true, "been": true, "noticed": true, "notice": true, "experienced": true,
	"experience": true, "experiencing": true, "get": true, "gotten": true, "got": true, "feel": true, "felt": true, "feeling": true, "any": true, "ever": true}

// symptomsAsked returns what "have you had any X" asks about (X), or nil when the
// question asks something else ("do you smoke").
func symptomsAsked(rest []token) []token {
	i := 0
	for i < len(rest) && haveVerbs[strings.ToLower(rest[i].core)] {
		i++
	}
	if i == 0 || i == len(rest) {
		return nil
	}
	return rest[i:]
}
