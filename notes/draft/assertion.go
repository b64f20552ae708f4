package draft

import (
	"regexp"
	"strings"
)

// Assertion is how a sentence presents a condition it names, after the ConText
// algorithm (Harkema et al. 2009, a NegEx extension): a trigger phrase sets a
// category for the words in its scope, which runs from the trigger in its direction
// to a terminator, the end of the sentence or a word limit.
type Assertion int

// Assertions, from "code it" to the reasons not to.
const (
	Affirmed     Assertion = iota
	Negated                // "no fever", "denies chest pain", "pas de fièvre"
	Possible               // suspected, ruled out, to be tested: "I don't think you have covid, we'll send a test"
	Hypothetical           // "call us if the fever comes back", "si la douleur persiste"
	Historical             // "I had pneumonia years ago", "no longer smoking"
	Other                  // someone else's: "my mother has diabetes"
)

var assertionNames = [...]string{"affirmed", "negated", "possible", "hypothetical", "historical", "someone else's"}

func (a Assertion) String() string {
	if a < 0 || int(a) >= len(assertionNames) {
		return "unknown"
	}
	return assertionNames[a]
}

// trigger is a ConText trigger: a normalized phrase, the category it sets, and
// whether it looks forward (at the words after it) or backward.
type trigger struct {
	words    []string
	category Assertion
	backward bool
	tight    bool // over one word only: "covid test", "flu shot", "stopped smoking"
	question bool // asks rather than asserts: "have you had any"
	long     bool // reaches to the end of a spoken clause (longScope): "if", "I don't think", "side effects"
}

// Scope limits, in words.
const (
	forwardScope = 7
	// longScope is the forward scope of doubts, conditions and lists of side
	// effects, which run over a whole spoken clause ("if the headaches get worse or
	// you get a fever", "the side effects are nausea, vomiting, diarrhea and
	// constipation").
	longScope     = 12
	backwardScope = 4
)

func triggers(cat Assertion, backward bool, phrases ...string) []trigger {
	out := make([]trigger, 0, len(phrases))
	for _, p := range phrases {
		out = append(out, trigger{words: strings.Fields(normalize(p)), category: cat, backward: backward})
	}
	return out
}

// contextTriggers lists English and French triggers. Longer phrases are tried first
// at each position, so "no longer" (historical) wins over "no" (negated).
var contextTriggers = concatTriggers(
	triggers(Negated, false, "no", "not", "n t", "denies", "denied", "deny", "denying", "without", "never", "negative for", "free of",
		"absence of", "don't have", "doesn't have", "didn't have", "haven't had", "hasn't had", "no signs of", "no evidence of",
		"none", "nor", "neither", "rather than", "instead of", "nothing", "none of", "unable to", "not able to",
		"pas", "pas de", "sans", "aucun", "aucune", "jamais", "ni", "absence de", "nie", "ne présente pas", "exempt de", "incapable de"),
	triggers(Negated, true, "ruled out", "was negative", "were negative", "is negative", "came back negative", "negative",
		"resolved", "has resolved", "went away", "gone away", "is gone",
		"écarté", "écartée", "exclu", "exclue", "éliminé", "éliminée", "négatif", "négative", "négatifs", "disparu"),
	triggers(Possible, false, "rule out", "to rule out", "r o", "evaluate for", "evaluation for", "check for", "checking for",
		"test for", "test you for", "testing for", "tested for", "screen for", "screening for", "screened for", "concern for", "concerned about", "concerning for",
		"worried about", "worry about", "worried it s", "suspect", "suspected", "suspicion of", "possible", "possibly", "probable", "probably", "likely",
		"may have", "might have", "could have", "could be", "may be", "might be", "maybe", "perhaps", "questionable", "question of",
		"possibility", "possibilities", "another possibility", "the other possibility",
		"i don t think", "i do not think", "don t think", "do not think", "i doubt", "doubt", "not sure", "not certain", "whether",
		"versus", "vs", "differential", "make sure it s not", "make sure you don t have", "make sure there s no", "to see if", "see if", "see whether", "consistent with", "vs",
		"suspicion de", "suspicion d", "peut être", "possiblement", "probablement", "éliminer", "pour éliminer", "rechercher",
		"recherche de", "dépister", "dépistage", "je ne pense pas", "je ne crois pas", "vérifier", "pour voir si", "évoque", "évoquer"),
	triggers(Possible, true, "unlikely", "is unlikely", "was ruled out", "can be ruled out", "is possible", "is suspected",
		"peu probable", "à éliminer"),
	tightTriggers(Possible, "test", "tests", "testing", "swab", "screen", "screening", "panel", "vaccine", "vaccines", "vaccination",
		"shot", "shots", "booster", "exposure", "scare", "precautions", "test came back", "dépistage", "vaccin", "vaccination"),
	// A question asks; it does not assert ("have you had any fever", ACI-Bench
	// transcripts have no question marks).
	questionTriggers("any", "anything like", "are you a", "did you", "do you", "have you had", "have you been having", "have you noticed", "do you have", "did you have", "are you having",
		"have you experienced", "have you ever experienced", "have you felt", "have you tried", "are you experiencing", "are you feeling",
		"have you ever had", "is there", "has there been", "avez vous", "est ce que vous avez", "auriez vous"),
	// A diagnosis that "sounds like" one is not confirmed (outpatient coding
	// guideline IV.H: uncertain diagnoses are not coded).
	triggers(Possible, false, "sounds like", "sound like", "sounds quite like", "sound quite like", "sounds a bit like", "ressemble à", "fait penser à"),
	longTriggers(Possible, "i don t think", "i do not think", "don t think", "do not think", "i doubt", "not sure", "je ne pense pas", "je ne crois pas"),
	longTriggers(Hypothetical, "if", "in case", "unless", "side effect", "side effects", "can cause", "may cause", "could cause", "can lead to",
		"si", "en cas de", "au cas où", "effets secondaires", "effet secondaire", "effets indésirables"),
	// A condition one may develop, or a drug is used for, is not the patient's.
	triggers(Hypothetical, false, "develop", "develops", "developing", "used for", "used to treat", "approved for", "indicated for",
		"développer", "développez", "utilisé pour", "utilisée pour", "indiqué dans", "indiqué pour"),
	triggers(Hypothetical, false, "if", "in case", "should you", "should it", "watch for", "watch out for", "look out for", "look for",
		"signs of", "symptoms of", "risk of", "risk for", "at risk", "prevent", "prevention", "preventing", "to avoid", "avoid",
		"unless", "could develop", "can cause", "can lead to", "lead to", "side effect", "side effects", "in order to", "reduce the risk",
		"si", "en cas de", "au cas où", "risque de", "pour éviter", "éviter", "surveiller", "signes de"),
	// "stopped smoking", "quit the cigarettes": only the next word or two.
	tightForward(Historical, "stop", "stopped", "quitting", "give up", "gave up", "arrêté de", "arrêter de", "arrêté le", "arrêté la"),
	// What was there only at the start of the illness: "had initial fever, now settled".
	triggers(Historical, false, "initial", "initially", "at first", "in the beginning", "at the beginning", "au début", "initialement"),
	triggers(Historical, true, "in the beginning", "at the beginning", "at first", "initially", "au début", "initialement"),
	triggers(Historical, false, "used to have", "used to", "in the past", "previous", "previously", "prior", "past history of", "history of remote",
		"as a child", "as a kid", "when i was", "no longer", "not anymore", "quit", "former", "ex",
		"dans le passé", "autrefois", "ancien", "ancienne", "il y a des années", "dans l enfance"),
	triggers(Historical, true, "years ago", "as a child", "as a kid", "in the past", "in college", "in high school", "anymore", "any more",
		"when i was younger", "a long time ago", "back then", "ago", "il y a des années", "dans l enfance", "autrefois"),
	triggers(Other, false, "mother", "mom", "mum", "father", "dad", "sister", "sisters", "brother", "brothers", "son", "daughter", "wife", "husband",
		"grandmother", "grandfather", "grandma", "grandpa", "grandparents", "aunt", "uncle", "cousin", "family", "family history", "friend", "friends",
		"coworker", "coworkers", "roommate", "parents", "parent", "kids", "children", "partner", "boyfriend", "girlfriend", "neighbor",
		"mère", "père", "frère", "sœur", "soeur", "famille", "familial", "familiaux", "fils", "fille", "mari", "femme", "grand mère",
		"grand père", "oncle", "tante", "enfants", "cousin", "cousine", "conjoint", "conjointe", "collègue"),
	triggers(Other, true, "runs in the family", "runs in my family", "in the family", "in my family", "dans la famille", "dans ma famille"),
)

func tightForward(cat Assertion, phrases ...string) []trigger {
	out := triggers(cat, false, phrases...)
	for i := range out {
		out[i].tight = true
	}
	return out
}

func longTriggers(cat Assertion, phrases ...string) []trigger {
	out := triggers(cat, false, phrases...)
	for i := range out {
		out[i].long = true
	}
	return out
}

func tightTriggers(cat Assertion, phrases ...string) []trigger {
	out := triggers(cat, true, phrases...)
	for i := range out {
		out[i].tight = true
	}
	return out
}

func questionTriggers(phrases ...string) []trigger {
	out := triggers(Possible, false, phrases...)
	for i := range out {
		out[i].question = true
	}
	return out
}

func concatTriggers(lists ...[]trigger) []trigger {
	var out []trigger
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// pseudoTriggers look like triggers but are not ("no change", "not only"); their
// words are skipped.
var pseudoTriggers = [][]string{
	strings.Fields("no change"), strings.Fields("no increase"), strings.Fields("not only"), strings.Fields("not necessarily"),
	strings.Fields("no problem"), strings.Fields("no problems with"), strings.Fields("not just"), strings.Fields("gram negative"),
	strings.Fields("not been controlled"), strings.Fields("not controlled"), strings.Fields("not well controlled"),
	strings.Fields("not improving"), strings.Fields("not getting better"), strings.Fields("not going away"), strings.Fields("not gone away"),
	strings.Fields("if not"), strings.Fields("whether or not"), strings.Fields("without contrast"), strings.Fields("with or without"),
	strings.Fields("no matter"), strings.Fields("not sure if"), strings.Fields("pas seulement"), strings.Fields("pas contrôlé"),
	strings.Fields("pas équilibré"), strings.Fields("pas bien contrôlé"),
}

// terminators end a trigger's scope: a new clause that is about something else.
var terminators = map[string]bool{
	"but": true, "however": true, "although": true, "though": true, "except": true, "which": true, "apart": true, "aside": true,
	"yet": true, "still": true, "now": true, "currently": true, "today": true, "because": true, "since": true,
	"mais": true, "cependant": true, "pourtant": true, "sauf": true, "toutefois": true, "maintenant": true, "aujourd": true, "car": true,
}

// otherTerminators end only an experiencer's scope: the speaker speaks of
// themselves again ("my mother had it and I have it too").
var otherTerminators = map[string]bool{"i": true, "me": true, "you": true, "je": true, "j": true, "vous": true, "patient": true}

// sentenceSplit splits a transcript text into sentences (ConText's scope never
// crosses one).
var sentenceSplit = regexp.MustCompile(`[.!?;:]+(?:\s|$)|\s+[—–-]\s+`)

// answerPrefix is a yes or no that answers a question before the sentence goes on
// ("No, I do have diabetes"): it is not a trigger for what follows.
var answerPrefix = regexp.MustCompile(`(?i)^\s*(?:no|nope|yes|yeah|yep|non|oui|ok|okay)\s*,`)

// assertionAt returns the assertion for the words [start, end) of words (a normalized
// sentence split in words). Categories other than Affirmed are checked in order of
// precedence: someone else's, then negated, possible, hypothetical, historical.
func assertionAt(words []string, start, end int) Assertion {
	return assertionIn(words, start, end, true, forwardScope)
}

// assertionIn is assertionAt; questions false ignores the triggers of questions (a
// note's sentence says "denies any fever": "any" does not ask there).
// scope is the forward scope: the fact checker reads a note's lists ("denies fever,
// chills, nausea, vomiting, diarrhea") to their end.
func assertionIn(words []string, start, end int, questions bool, scope int) Assertion {
	return assertionFromHits(words, scanTriggers(words, questions), start, end, scope)
}

// triggerHit is a trigger found at pos in a sentence.
type triggerHit struct {
	pos int
	t   trigger
}

// scanTriggers finds the triggers of a sentence, left to right, skipping pseudo-triggers.
func scanTriggers(words []string, questions bool) []triggerHit {
	var hits []triggerHit
	for i := 0; i < len(words); {
		if n := matchPseudo(words[i:]); n > 0 {
			i += n
			continue
		}
		t, n := matchTrigger(words[i:])
		if n == 0 {
			i++
			continue
		}
		if !t.question || questions {
			hits = append(hits, triggerHit{pos: i, t: t})
		}
		i += n
	}
	return hits
}

func assertionFromHits(words []string, hits []triggerHit, start, end, scope int) Assertion {
	found := map[Assertion]bool{}
	for _, h := range hits {
		i, t, n := h.pos, h.t, len(h.t.words)
		if i < end && i+n > start { // a trigger inside the phrase itself does not count
			continue
		}
		fwd := scope
		switch {
		case t.long:
			fwd = max(scope, longScope)
		case t.tight:
			fwd = 1
		}
		if !t.backward && i+n <= start && inScope(words, i+n, start, t.category, fwd) {
			found[t.category] = true
		}
		limit := backwardScope
		if t.tight {
			limit = 1
		}
		if t.backward && i >= end && inScope(words, end, i, t.category, limit) {
			found[t.category] = true
		}
	}
	for _, a := range []Assertion{Other, Negated, Possible, Hypothetical, Historical} {
		if found[a] {
			return a
		}
	}
	return Affirmed
}

// inScope reports whether the words between a trigger and the phrase (words[from:to])
// are few enough and hold no terminator.
func inScope(words []string, from, to int, cat Assertion, limit int) bool {
	if to-from > limit {
		return false
	}
	for _, w := range words[from:to] {
		if terminators[w] || cat == Other && otherTerminators[w] {
			return false
		}
	}
	return true
}

func matchPseudo(words []string) int {
	for _, p := range pseudoTriggers {
		if hasPrefixWords(words, p) {
			return len(p)
		}
	}
	return 0
}

// triggersByFirst indexes contextTriggers by their first word. Read-only.
var triggersByFirst = func() map[string][]trigger {
	m := map[string][]trigger{}
	for _, t := range contextTriggers {
		if len(t.words) > 0 {
			m[t.words[0]] = append(m[t.words[0]], t)
		}
	}
	return m
}()

func matchTrigger(words []string) (trigger, int) {
	var best trigger
	if len(words) == 0 {
		return best, 0
	}
	for _, t := range triggersByFirst[words[0]] {
		// The same phrase may be listed twice: its long-scope entry wins.
		longer := len(t.words) > len(best.words) || len(t.words) == len(best.words) && t.long && !best.long
		if longer && hasPrefixWords(words, t.words) {
			best = t
		}
	}
	return best, len(best.words)
}

func hasPrefixWords(words, prefix []string) bool {
	if len(prefix) == 0 || len(prefix) > len(words) {
		return false
	}
	for i, w := range prefix {
		if words[i] != w {
			return false
		}
	}
	return true
}

// mention is one place a phrase was found, with its assertion.
type mention struct {
	sentence  int // index of the sentence in the text
	word      int // offset of its first word in unitWords(text)
	assertion Assertion
}

// findMentions finds each occurrence of the normalized phrase (" type 2 diabetes ")
// in text and returns its assertion. skip, if not nil, rejects an occurrence by the
// words before and after it ("pre" + "diabetes").
func findMentions(text, phrase string, skip func(before, after []string) bool) []mention {
	pw := strings.Fields(phrase)
	if len(pw) == 0 {
		return nil
	}
	var out []mention
	offset := 0
	for si, s := range sentenceSplit.Split(text, -1) {
		s = answerPrefix.ReplaceAllString(s, "")
		words := spokenWords(s)
		base := offset
		offset += len(words)
		for i := 0; i+len(pw) <= len(words); i++ {
			if !matchWords(words[i:i+len(pw)], pw) {
				continue
			}
			if skip != nil && skip(words[:i], words[i+len(pw):]) {
				continue
			}
			out = append(out, mention{sentence: si, word: base + i, assertion: assertionAt(words, i, i+len(pw))})
		}
	}
	return out
}

// spokenWords normalizes a sentence into words, without hesitations, joining the
// contractions that tokenized transcripts split ("do n't" → "don t", as "don't" reads).
func spokenWords(s string) []string {
	words := strings.Fields(normalize(s))
	out := words[:0]
	for i := 0; i < len(words); i++ {
		if fillers[words[i]] {
			continue // "you uh have presented" reads "you have presented"
		}
		if words[i] == "n" && i+1 < len(words) && words[i+1] == "t" && len(out) > 0 {
			out[len(out)-1] += "n"
			continue
		}
		out = append(out, words[i])
	}
	return out
}

// matchWords compares words with a phrase; a phrase word ending in "*" is a prefix.
func matchWords(words, phrase []string) bool {
	for i, p := range phrase {
		if words[i] != p {
			return false
		}
	}
	return true
}

// AssertionOf returns the assertion with which text presents phrase: Affirmed when
// at least one mention is affirmed, else the first mention's assertion; ok is false
// when text does not mention the phrase.
func AssertionOf(text, phrase string) (a Assertion, ok bool) {
	ms := findMentions(text, normalize(phrase), nil)
	if len(ms) == 0 {
		return Affirmed, false
	}
	for _, m := range ms {
		if m.assertion == Affirmed {
			return Affirmed, true
		}
	}
	return ms[0].assertion, true
}
