package draft

import "strings"

// English rewording: persons and verbs.

// subject names the patient as a sentence's subject: "he" or "she" when the sex is
// known (notes say "He has..."), else "the patient" inside a sentence and nothing
// at its start, as notes do ("Has had knee surgery."): a "the patient" in every
// sentence is words no note spends. first records that the patient was named.
func (v voice) subject(first *bool, start bool) string {
	*first = false
	switch {
	case v.sex != 0:
		return v.pick("he", "she", "the patient")
	case start:
		return ""
	}
	return "the patient"
}

// pick is m, f or unknown after the patient's sex.
func (v voice) pick(m, f, unknown string) string {
	switch v.sex {
	case 'm':
		return m
	case 'f':
		return f
	}
	return unknown
}

func (v voice) object() string { return v.pick("him", "her", "the patient") }

// possessive is "his" or "her"; when the sex is unknown, nothing: "their knee",
// "their wife" say no more than "knee", "wife" in a note about the patient, and
// notes leave it out ("My mother has diabetes" → "Mother has diabetes").
func (v voice) possessive() string { return v.pick("his", "her", "") }

func (v voice) reflexive() string { return v.pick("himself", "herself", "themself") }

// adverbs stand between a subject and its verb ("I also have", "I never had").
var adverbs = map[string]bool{"also": true, "just": true, "really": true, "still": true, "never": true, "always": true, "usually": true,
	"sometimes": true, "often": true, "only": true, "already": true, "actually": true, "even": true, "mostly": true, "probably": true,
	"definitely": true, "recently": true, "currently": true, "normally": true, "generally": true, "occasionally": true, "rarely": true,
	"kind": true, "sort": true, "of": true, "ever": true, "now": true, "then": true, "too": true, "both": true, "all": true, "rather": true}

// notVerbs cannot be the verb after "I" ("I really, you know, ...").
var notVerbs = map[string]bool{"you": true, "i": true, "it": true, "the": true, "a": true, "an": true, "my": true, "your": true, "he": true,
	"she": true, "we": true, "they": true, "this": true, "that": true, "to": true, "and": true, "or": true, "but": true, "so": true,
	"in": true, "on": true, "at": true, "with": true, "not": true, "no": true, "yes": true, "like": true, "mean": true, "guess": true}

// unchangedVerbs keep their form in the third person: modals and past forms.
var unchangedVerbs = map[string]bool{"can": true, "could": true, "will": true, "would": true, "shall": true, "should": true, "may": true,
	"might": true, "must": true, "can't": true, "cannot": true, "couldn't": true, "won't": true, "wouldn't": true, "shouldn't": true,
	"didn't": true, "did": true, "had": true, "hadn't": true, "used": true, "got": true, "took": true, "went": true, "felt": true, "saw": true,
	"thought": true, "came": true, "began": true, "broke": true, "fell": true, "found": true, "gave": true, "knew": true, "left": true,
	"lost": true, "made": true, "met": true, "paid": true, "put": true, "quit": true, "ran": true, "read": true, "said": true, "sat": true,
	"slept": true, "spent": true, "stood": true, "told": true, "woke": true, "wore": true, "wrote": true, "drank": true, "ate": true,
	"hurt": true, "cut": true, "hit": true, "set": true, "let": true, "became": true, "brought": true, "bought": true, "caught": true,
	"drove": true, "forgot": true, "grew": true, "heard": true, "held": true, "kept": true, "meant": true, "rode": true, "sent": true,
	"shook": true, "spoke": true, "stuck": true, "swam": true, "threw": true, "understood": true, "won": true, "gotten": true,
	"been": true, "done": true, "gone": true, "seen": true, "taken": true, "tore": true, "bit": true, "fed": true, "led": true, "lit": true}

// thirdPerson conjugates the verb that follows "I" or "you" for "the patient".
func thirdPerson(verb string) string {
	lower := strings.ToLower(verb)
	switch lower {
	case "am", "are", "'m", "'re":
		return "is"
	case "was", "were":
		return "was"
	case "have", "'ve":
		return "has"
	case "do":
		return "does"
	case "don't":
		return "doesn't"
	case "haven't":
		return "hasn't"
	case "aren't":
		return "isn't"
	case "weren't":
		return "wasn't"
	case "go":
		return "goes"
	}
	if unchangedVerbs[lower] || strings.HasSuffix(lower, "ed") || strings.Contains(lower, "'") || !isLetters(lower) {
		return verb
	}
	switch {
	case strings.HasSuffix(lower, "s") || strings.HasSuffix(lower, "sh") || strings.HasSuffix(lower, "ch") ||
		strings.HasSuffix(lower, "x") || strings.HasSuffix(lower, "z") || strings.HasSuffix(lower, "o"):
		return verb + "es"
	case len(lower) > 2 && strings.HasSuffix(lower, "y") && !strings.ContainsRune("aeiou", rune(lower[len(lower)-2])):
		return verb[:len(verb)-1] + "ies"
	}
	return verb + "s"
}

func isLetters(s string) bool {
	for _, r := range s {
		if r < 'a' || r > 'z' {
			return false
		}
	}
	return s != ""
}

// contracted subjects: "I'm" → ("I", "'m").
var contractions = map[string]string{"'m": "is", "'ve": "has", "'ll": "will", "'re": "is"}

// splitSubject splits "I'm", "you've"... into the pronoun and the verb's third
// person; it returns ok false for other words.
func splitSubject(core, pronoun string, next string) (verb string, ok bool) {
	lower := strings.ToLower(core)
	if !strings.HasPrefix(lower, pronoun+"'") {
		return "", false
	}
	rest := lower[len(pronoun):]
	if rest == "'d" {
		n := strings.ToLower(next)
		if unchangedVerbs[n] && n != "like" || strings.HasSuffix(n, "ed") {
			return "had", true
		}
		return "would", true
	}
	v, known := contractions[rest]
	return v, known
}

// conjugateNext rewrites the verb after a subject at toks[i] (skipping adverbs).
func conjugateNext(toks []token, i int) {
	for j := i + 1; j < len(toks) && j <= i+3; j++ {
		c := strings.ToLower(toks[j].core)
		if adverbs[c] || strings.HasSuffix(c, "ly") && len(c) > 4 {
			if toks[j].trail != "" {
				return
			}
			continue
		}
		if !notVerbs[c] {
			toks[j].core = thirdPerson(toks[j].core)
		}
		return
	}
}

// firstPerson rewrites a patient's sentence in the third person.
func (v voice) firstPerson(toks []token, first *bool) []token {
	toks = append([]token{}, toks...)
	out := make([]token, 0, len(toks)+2)
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		lower := strings.ToLower(t.core)
		next := ""
		if i+1 < len(toks) {
			next = toks[i+1].core
		}
		switch {
		case lower == "i" && spelled(toks, i):
			out = append(out, t) // "I V", "an I T company", "I C U": letters, not a pronoun
		case lower == "i":
			if i+1 < len(toks) && strings.EqualFold(toks[i+1].core, "i") {
				continue // a stutter: "I, I have"
			}
			t.core = v.subject(first, len(out) == 0)
			conjugateNext(toks, i)
			out = append(out, t)
		case strings.HasPrefix(lower, "i'"):
			verb, ok := splitSubject(t.core, "i", next)
			if !ok {
				out = append(out, t)
				continue
			}
			out = append(out, token{lead: t.lead, core: v.subject(first, len(out) == 0)}, token{core: verb, trail: t.trail})
		case lower == "my":
			if p := v.possessive(); p != "" {
				t.core = p
				out = append(out, t)
			} else if t.lead != "" {
				toks[i+1].lead = t.lead + toks[i+1].lead
			}
		case lower == "me":
			t.core = v.object()
			out = append(out, t)
		case lower == "myself":
			t.core = v.reflexive()
			out = append(out, t)
		default:
			out = append(out, t)
		}
	}
	return out
}

// spelled reports whether the "I" at toks[i] is a letter of a spelled acronym.
func spelled(toks []token, i int) bool {
	letter := func(k int) bool {
		return k >= 0 && k < len(toks) && len(toks[k].core) == 1 && toks[k].core != "a" && toks[k].core != "A"
	}
	return letter(i-1) || letter(i+1) && toks[i].trail == ""
}

// auxiliaries after "you" make it the subject: "well you are only 25".
var auxiliaries = map[string]bool{"are": true, "were": true, "have": true, "had": true, "do": true, "did": true, "don't": true, "didn't": true,
	"can": true, "could": true, "will": true, "would": true, "should": true, "need": true, "may": true, "might": true, "must": true,
	"seem": true, "look": true, "feel": true, "get": true, "got": true, "haven't": true, "aren't": true, "weren't": true, "can't": true,
	"won't": true, "mentioned": true, "said": true, "told": true, "take": true, "want": true}

// subjectBefore: after these words a "you" is the subject of a new clause.
var subjectBefore = map[string]bool{"and": true, "but": true, "so": true, "if": true, "when": true, "that": true, "because": true, "since": true,
	"or": true, "as": true, "until": true, "unless": true, "before": true, "after": true, "once": true, "while": true, "think": true, "then": true,
	"know": true, "said": true, "mentioned": true, "like": true, "sure": true, "how": true, "where": true, "why": true, "what": true, "whether": true}

// secondPerson rewrites a clinician's sentence about "you" in the third person.
func (v voice) secondPerson(toks []token, first *bool) []token {
	toks = append([]token{}, toks...)
	out := make([]token, 0, len(toks)+2)
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		lower := strings.ToLower(t.core)
		next := ""
		if i+1 < len(toks) {
			next = toks[i+1].core
		}
		clauseStart := i == 0 || toks[i-1].trail != "" || subjectBefore[strings.ToLower(toks[i-1].core)] ||
			strings.ToLower(next) != "" && (auxiliaries[strings.ToLower(next)] || adverbs[strings.ToLower(next)])
		switch {
		case lower == "you" && clauseStart:
			t.core = v.subject(first, len(out) == 0)
			conjugateNext(toks, i)
			out = append(out, t)
		case lower == "you":
			t.core = v.object()
			out = append(out, t)
		case strings.HasPrefix(lower, "you'"):
			verb, ok := splitSubject(t.core, "you", next)
			if !ok {
				out = append(out, t)
				continue
			}
			out = append(out, token{lead: t.lead, core: v.subject(first, len(out) == 0)}, token{core: verb, trail: t.trail})
		case lower == "your":
			if i == 0 && v.sex == 0 {
				continue // "Your lungs are clear" → "Lungs are clear"
			}
			if p := v.possessive(); p != "" {
				t.core = p
				out = append(out, t)
			}
		case lower == "yourself":
			t.core = v.reflexive()
			out = append(out, t)
		default:
			out = append(out, t)
		}
	}
	return out
}
