package draft

import "strings"

// Questions and replies in the fact checker: where a spoken question starts, what
// it asks through ("any issues with"), and what a reply agrees with.

// spokenAsk returns where a line without punctuation asks ("... just to make sure
// have you done physical therapy before"), as [from, to), or -1: an auxiliary then
// "you" or "there", not after words that make it a statement ("I'll have you come
// back", "how are you"). A copula asks only where a clause opens: "your oxygen is
// you're satting fine" says, "so are you still smoking", "tell me is there" ask. A question inside a
// long turn asks to the next word that opens a statement ("okay", "so", "alors") or
// for askSpan words: the exam findings read out after it are said, not asked.
func spokenAsk(words []string) (from, to int) {
	for i := 0; i+1 < len(words); i++ {
		if !askAux[words[i]] || words[i+1] != "you" && words[i+1] != "there" && words[i+1] != "vous" || i > 0 && notAsking[words[i-1]] {
			continue
		}
		if copulas[words[i]] && i > 0 && !clauseOpeners[words[i-1]] && words[i-1] != "me" {
			continue
		}
		end := min(len(words), i+askSpan)
		for k := i + 3; k < end; k++ {
			if askEnds[words[k]] {
				end = k
				break
			}
		}
		return i, end
	}
	return -1, len(words)
}

// askSpan is how many words a question inside a spoken turn asks at most: a
// review of systems lists about a dozen.
const askSpan = 20

var (
	copulas = map[string]bool{"is": true, "are": true, "was": true, "were": true, "êtes": true, "étiez": true}
	// clauseOpeners start what is said next: a question may follow them, a
	// question ends before them.
	clauseOpeners = map[string]bool{"okay": true, "ok": true, "alright": true, "so": true, "now": true, "and": true, "but": true,
		"um": true, "uh": true, "well": true, "then": true, "also": true, "good": true, "great": true, "alors": true, "donc": true,
		"bon": true, "et": true, "mais": true, "euh": true, "bien": true}
	// askEnds: the openers that end a question (not "and", "um": "have you had
	// fever and uh chills").
	askEnds = map[string]bool{"okay": true, "ok": true, "alright": true, "so": true, "now": true, "good": true, "great": true,
		"alors": true, "donc": true, "bon": true}
)

var (
	askAux = map[string]bool{"have": true, "has": true, "did": true, "do": true, "does": true, "are": true, "were": true, "is": true, "was": true, "can": true, "could": true,
		"avez": true, "êtes": true, "pouvez": true, "aviez": true, "étiez": true}
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

// notThatIKnow reports whether a reply denies as far as the speaker knows: "not
// that I can recall", "nope, not that I know of", "pas que je sache", "pas à ma
// connaissance". Unlike "I don't know", it answers no.
func notThatIKnow(words []string) bool {
	for len(words) > 0 && (words[0] == "no" || words[0] == "nope" || words[0] == "non" || words[0] == ",") {
		words = words[1:]
	}
	if len(words) < 3 {
		return false
	}
	switch strings.Join(words[:3], " ") {
	case "not that i", "not that we", "none that i", "nothing that i", "pas que je", "pas à ma", "pas que j", "rien que je":
		return true
	}
	return false
}

// inlineReply splits a spoken turn that asks and is answered no within itself
// ("any chest pain or shortness of breath or anything like that no no", "de la
// fièvre ou quelque chose comme ça non"): the question ends with "like that",
// "anything" or "else" ("comme ça", "autre chose"), and a no follows it.
func inlineReply(words []string) (question, reply []string, ok bool) {
	for k := 2; k < len(words); k++ {
		if w := words[k]; w != "no" && w != "nope" && w != "non" {
			continue
		}
		prev, prev2 := words[k-1], words[k-2]
		if prev == "anything" || prev == "else" || prev2 == "like" && prev == "that" || prev2 == "comme" && prev == "ça" ||
			prev2 == "autre" && prev == "chose" {
			if isQuestion(words[:k]) {
				return words[:k], words[k+1:], true
			}
		}
	}
	return nil, nil, false
}
