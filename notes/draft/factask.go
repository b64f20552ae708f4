package draft

// Questions and replies in the fact checker: where a spoken question starts, what
// it asks through ("any issues with"), and what a reply agrees with.

// spokenAsk returns where a line without punctuation starts to ask ("... just to
// make sure have you done physical therapy before"), or -1: an auxiliary then
// "you" or "there", not after words that make it a statement ("I'll have you come
// back", "how are you").
func spokenAsk(words []string) int {
	for i := 0; i+1 < len(words); i++ {
		if askAux[words[i]] && (words[i+1] == "you" || words[i+1] == "there") && (i == 0 || !notAsking[words[i-1]]) {
			return i
		}
	}
	return -1
}

var (
	askAux    = map[string]bool{"have": true, "has": true, "did": true, "do": true, "does": true, "are": true, "were": true, "is": true, "was": true, "can": true, "could": true}
	notAsking = map[string]bool{"to": true, "ll": true, "will": true, "would": true, "i": true, "we": true, "if": true, "what": true, "how": true,
		"why": true, "when": true, "where": true, "that": true, "who": true, "which": true, "whether": true, "let": true, "as": true, "than": true}
)

// dropOrNot removes the "not" of a question's alternative ("any chest pain or
// not?", "de la fièvre ou pas ?"): it asks, it denies nothing. So do the
// negations that only intensify ("no doubt", "sans doute", "not bad").
func dropOrNot(words []string, hits []triggerHit) []triggerHit {
	out := hits[:0:0]
	for _, h := range hits {
		if h.t.category == Negated && h.pos > 0 && (words[h.pos-1] == "or" || words[h.pos-1] == "ou") {
			continue
		}
		if end := h.pos + len(h.t.words); h.t.category == Negated && end < len(words) && (intensifiers[words[end]] ||
			// "no i've had a lot of injuries": a no that answers, not a determiner
			len(h.t.words) == 1 && (words[h.pos] == "no" || words[h.pos] == "non") && subjects[words[end]]) {
			continue
		}
		out = append(out, h)
	}
	return out
}

// subjects start a clause: a "no" before one answers.
var subjects = map[string]bool{"i": true, "we": true, "he": true, "she": true, "they": true, "it": true, "you": true, "je": true,
	"j": true, "il": true, "elle": true, "nous": true, "on": true, "ils": true, "elles": true, "c": true}

// avoidAsNegation reads what "avoid" or "éviter" bears on as neither said nor
// denied: advice to avoid skiing agrees with "no skiing for now", and "reduce or
// avoid skin irritation" does not deny an irritation the doctor warns of.
func avoidAsNegation(hits []triggerHit) []triggerHit {
	out := make([]triggerHit, len(hits))
	for i, h := range hits {
		out[i] = h
		if last := h.t.words[len(h.t.words)-1]; last == "avoid" || last == "éviter" {
			out[i].t.category = Possible
		}
	}
	return out
}

// modifiers say where or how much, not what: a negation is not compared on them
// ("lower extremity edema" and "your lower colon").
var modifiers = map[string]bool{"lower": true, "upper": true, "mild": true, "slight": true, "severe": true, "moderate": true,
	"small": true, "large": true, "little": true, "excessive": true, "anterior": true, "posterior": true, "lateral": true,
	"medial": true, "proximal": true, "distal": true, "léger": true, "légère": true, "sévère": true, "modéré": true, "modérée": true}

// intensifiers and hedges after "no", "not", "sans" or "pas" make no sure
// negation: "no doubt", "no wonder", "not bad", "not necessarily", "sans doute",
// "pas mal", "pas forcément".
var intensifiers = map[string]bool{"doubt": true, "wonder": true, "question": true, "bad": true, "necessarily": true,
	"doute": true, "mal": true, "forcément": true, "nécessairement": true}

// bareNo reports whether a reply opens with a plain no ("No.", "nope, never"),
// which agrees with a negative question; "I usually don't go, but..." answers
// something else.
func bareNo(l factLine) bool {
	if l.lead < 0 {
		return true
	}
	return len(l.words) > 0 && (l.words[0] == "no" || l.words[0] == "nope" || l.words[0] == "non")
}

// closeAsked reports whether the words between what asks and a word leave it
// asked: few of them, no clause or place between. A question asks through a
// generic head ("any recent issues with bruising", "any history of seizures", "any
// type of weight loss"), so that head and its preposition do not count.
func closeAsked(between []string) bool {
	i := 0
	for i < len(between) && (askHeads[between[i]] || scopeSkips[between[i]]) {
		i++
	}
	if i > 0 && i < len(between) && askHeads[between[i-1]] && headPrepositions[between[i]] {
		between = between[i+1:]
	}
	return !anyStop(between, strictStops) && distance(between) < strictScope
}

// askHeads are the generic nouns a question asks through; headPrepositions join
// them to what is asked.
var (
	askHeads = map[string]bool{"issues": true, "issue": true, "problems": true, "problem": true, "trouble": true, "troubles": true,
		"symptoms": true, "complaints": true, "type": true, "types": true, "kind": true, "kinds": true, "sort": true, "history": true,
		"recent": true, "episodes": true, "problèmes": true, "problème": true, "symptômes": true, "antécédents": true, "type de": true}
	headPrepositions = map[string]bool{"with": true, "of": true, "like": true, "avec": true, "de": true, "d": true, "comme": true}
)
