package draft

import (
	"regexp"
	"slices"
	"strings"
)

// Negation in the fact checker. A note's sentence paraphrases its evidence, so
// negation scopes read loosely ("denies fever, chills, nausea, vomiting..." to the
// end of the list) also reach words the speaker did not negate ("there's no rebound
// and your right knee does show an effusion"). A word is therefore read twice: with
// a strict scope (a few words after a negation, not across a preposition or a new
// clause) and with the loose one. A negation is reported dropped only when the
// evidence strictly negates a word the sentence affirms even loosely, and added only
// when the sentence strictly negates a word the evidence affirms even loosely.

// factLine is one line of a text read for negation: a segment, or one side of a
// question and its answer.
type factLine struct {
	words   []string
	askFrom int // the first word of a closing question ("... any fever?"), or -1
	askTo   int // the end of what it asks (the line's end, or where a spoken turn goes on to say)
	lead    int // a leading "no," (-1) or "yes," (+1): it answers, it does not negate what follows
}

// readLines splits a text into its lines, normalized, with contractions written
// out ("doesn't" → "does not") so that negation triggers read them.
func readLines(text string) []factLine {
	var out []factLine
	for _, line := range strings.FieldsFunc(strings.ReplaceAll(text, " — ", "\n"), func(r rune) bool { return r == '\n' }) {
		l := factLine{askFrom: -1}
		if m := leadAnswer.FindString(line); m != "" {
			lead := strings.Fields(normalize(m))
			switch lead[len(lead)-1] {
			case "no", "nope", "non":
				l.lead = -1
			case "yes", "yeah", "yep", "oui":
				l.lead = 1
			}
			line = line[len(m):]
		}
		l.words = lineWords(line)
		l.askTo = len(l.words)
		if q := closingQuestion(line); q != "" {
			l.askFrom, l.askTo = max(0, len(l.words)-len(lineWords(q))), len(l.words)
		} else if !strings.ContainsAny(line, "?.") {
			if q, reply, ok := inlineReply(l.words); ok {
				// "any chest pain or anything like that no no": a turn that holds the
				// question and its reply is read as two.
				l.words, l.askTo = q, len(q)
				out = append(out, l, factLine{words: reply, askFrom: -1, askTo: len(reply), lead: -1})
				continue
			}
			l.askFrom, l.askTo = spokenAsk(l.words)
		}
		out = append(out, l)
	}
	return out
}

// lineWords normalizes a line into words, keeping its commas as "," (a list's
// separators: "no bony abnormalities, joint congruency, no arthritis").
func lineWords(line string) []string {
	var out []string
	for i, part := range strings.Split(dropFillers(digitize(line)), ",") {
		if i > 0 && len(out) > 0 {
			out = append(out, ",")
		}
		out = append(out, strings.Fields(normalize(part))...)
	}
	return expandContractions(out)
}

// leadAnswer is a yes or no that opens a line ("No, I do have...", "No. I did...").
// Hesitations before it still leave it leading ("uh, no, actually.").
var leadAnswer = regexp.MustCompile(`(?i)^\s*(?:(?:uh|um|umm|er|hmm|euh|ben|bah)\s*[,.]?\s+)*(?:no|nope|yes|yeah|yep|non|oui|ok|okay)\s*[,.!]`)

// closingQuestion returns the last sentence of a line when it asks ("so, any
// fever?"), not when it only seeks agreement ("..., okay?", "sound good?").
func closingQuestion(line string) string {
	line = strings.TrimSpace(line)
	if !strings.HasSuffix(line, "?") {
		return ""
	}
	body := strings.TrimRight(line, "?")
	q := body[strings.LastIndexAny(body, ".!?")+1:]
	tag := strings.Fields(normalize(q[strings.LastIndex(q, ",")+1:]))
	if len(tag) <= 3 {
		all := true
		for _, w := range tag {
			all = all && tagWords[w]
		}
		if all {
			return ""
		}
	}
	return q
}

// tagWords make a question tag: "okay?", "all right?", "sound good?", "d'accord ?".
var tagWords = map[string]bool{"okay": true, "ok": true, "right": true, "alright": true, "all": true, "good": true, "sound": true,
	"sounds": true, "you": true, "know": true, "yeah": true, "correct": true, "is": true, "that": true, "see": true, "fair": true,
	"d": true, "accord": true, "hein": true, "non": true, "ça": true, "va": true, "vrai": true, "n": true, "est": true, "ce": true, "pas": true}

// expandContractions rewrites "does n t" and "doesn t" as "does not", "can t" as
// "can not", "won t" as "will not".
func expandContractions(words []string) []string {
	out := make([]string, 0, len(words))
	for i := 0; i < len(words); i++ {
		w := words[i]
		switch {
		case w == "n" && i+1 < len(words) && words[i+1] == "t":
			out = append(out, "not")
			i++
		case strings.HasSuffix(w, "n") && len(w) > 2 && i+1 < len(words) && words[i+1] == "t":
			switch w {
			case "can":
			case "won":
				w = "will"
			default:
				w = strings.TrimSuffix(w, "n")
			}
			out = append(out, w, "not")
			i++
		default:
			out = append(out, w)
		}
	}
	return out
}

// strictScope is the strict forward scope of a negation, in words.
const strictScope = 4

// strictStops end a strict scope: prepositions and clause words after which a
// sentence speaks of where, when or why, not of what is negated ("no pain *in* the
// right knee", "no edema *in* the lower extremities").
var strictStops = map[string]bool{"in": true, "on": true, "at": true, "into": true, "over": true, "under": true,
	"around": true, "during": true, "while": true, "when": true, "for": true, "with": true, "from": true, "after": true, "before": true,
	"since": true, "because": true, "due": true, "that": true, "which": true, "who": true, "where": true, "if": true, "as": true,
	"than": true, "so": true, "then": true, "there": true, "but": true, "is": true, "are": true,
	"your": true, "my": true, "his": true, "their": true, "votre": true, "mon": true, "ma": true, "son": true, "sa": true,
	"was": true, "were": true, "dans": true, "sur": true, "pour": true, "pendant": true, "depuis": true, "quand": true,
	"lorsque": true, "qui": true, "que": true, "parce": true, "avant": true, "après": true, "est": true,
	// dictation closes a negated list with "present" or "noted": "no ulcers or
	// thrush present tonsils are midline"
	"present": true, "noted": true, "présent": true, "présente": true, "noté": true, "notée": true}

// nearAsk reports whether words[j] is within the strict scope of what asks: a
// question trigger ("have you had any") or the start of a closing question.
func nearAsk(words []string, hits []triggerHit, askFrom, j int) bool {
	asked := false
	for _, h := range hits {
		end := h.pos + len(h.t.words)
		if !h.t.question || h.pos < askFrom {
			continue
		}
		asked = true // "examination of the spine, any pain here?": the pain is asked
		if end <= j && closeAsked(words[end:j]) {
			return true
		}
	}
	return !asked && askFrom >= 0 && askFrom <= j && closeAsked(words[askFrom:j])
}

// clauseStops end the loose scope too: a new clause.
var clauseStops = map[string]bool{"who": true, "which": true, "that": true, "because": true, "since": true, "while": true,
	"when": true, "where": true, "if": true, "so": true, "qui": true, "que": true, "parce": true, "quand": true, "lorsque": true,
	"present": true, "noted": true, "présent": true, "présente": true, "noté": true, "notée": true}

// negatedWithin reports whether a negation trigger of hits bears on words[j] within
// scope words, with no word of stops (nor a terminator) in between.
func negatedWithin(words []string, hits []triggerHit, j, scope int, stops map[string]bool) bool {
	for _, h := range hits {
		// "no longer", "not anymore" deny as much as "no" does.
		if h.t.category != Negated && !(h.t.category == Historical && negationTokens[h.t.words[0]]) {
			continue
		}
		from, n := h.pos, len(h.t.words)
		switch {
		case !h.t.backward && from+n <= j && j-(from+n) < 3*scope:
			if !anyStop(words[from+n:j], stops) && distance(words[from+n:j]) < scope && !(scope <= strictScope && toPlace(words[from+n:j+1])) &&
				!(slices.Contains(words[from+n:j], ",") && renegatedLater(words, hits, j)) {
				return true
			}
		case h.t.backward && from > j && from-j <= 6:
			// "margins were negative", "cushing's syndrome has been ruled out" — but
			// not "the tumor and margins were negative".
			back := 1
			if scope > strictScope {
				back = 3
			}
			if !anyStop(words[j+1:from], stops) && distance(words[j+1:from]) < back {
				return true
			}
		}
	}
	return false
}

// renegatedLater reports whether a later item of the list after words[j] opens with
// its own negation ("no bony abnormalities, joint congruency, no arthritis"): the
// items between are then not denied.
func renegatedLater(words []string, hits []triggerHit, j int) bool {
	for _, h := range hits {
		if h.pos > j && h.t.category == Negated && !h.t.backward && words[h.pos-1] == "," {
			return true
		}
	}
	return false
}

// scopeSkips do not count in a negation's distance: "you do not *seem to have any*
// pain", "no *evidence of* recurrence *or other* malignancy".
var scopeSkips = map[string]bool{"any": true, "a": true, "an": true, "the": true, "really": true, "seem": true, "seems": true,
	"have": true, "has": true, "had": true, "having": true, "been": true, "appear": true, "appreciate": true, "see": true, "notice": true,
	"feel": true, "get": true, "got": true, "experience": true, "experienced": true, "other": true, "significant": true, "obvious": true,
	"evidence": true, "signs": true, "sign": true, "of": true, "or": true, "and": true, "nor": true, "much": true, "more": true,
	"history": true, "all": true, "s": true, "currently": true, "now": true, "today": true, "still": true, "yet": true,
	"ever": true, ",": true, "de": true, "d": true, "des": true, "du": true, "la": true, "le": true, "les": true, "ou": true, "et": true, "signe": true, "signes": true}

func distance(between []string) int {
	n := 0
	for _, w := range between {
		if !scopeSkips[w] {
			n++
		}
	}
	return n
}

func anyStop(words []string, stops map[string]bool) bool {
	for i, w := range words {
		// A preposition right after the negation is what it denies ("not currently
		// on potassium"), a time word a mere adverb.
		if distance(words[:i]) == 0 && (stops[w] && prepositions[w] || scopeSkips[w]) {
			continue
		}
		// "not consistent with CAD", "pas compatible avec": the preposition links
		// the denied diagnosis, it does not place it.
		if stops[w] && i > 0 && diagnosisLinks[words[i-1]] {
			continue
		}
		if stops[w] || terminators[w] {
			return true
		}

		// "and your right knee does show": a new clause about something else.
		if i > 0 && clauseJoins[words[i-1]] && owners[w] {
			return true
		}
		// "if he does not improve, we will order one", "if it doesn't get better we
		// can consider": a subject after the negated words starts a new clause.
		if i > 0 && subjects[w] && (words[i-1] == "," || distance(words[:i]) > 0) {
			return true
		}
	}
	return false
}

// diagnosing: words that state a diagnosis in a note ("consistent with COPD",
// "most likely constipation") rather than doubt it, as far as negation goes.
var diagnosing = map[string]bool{"consistent with": true, "likely": true, "probably": true, "probable": true}

// prepositions among the stops.
var prepositions = map[string]bool{"in": true, "on": true, "at": true, "into": true, "over": true, "under": true, "around": true,
	"for": true, "from": true, "with": true, "dans": true, "sur": true, "pour": true}

// toPlace reports whether a "to" in words is followed by where or how ("no pain
// to palpation"), not by a verb ("do not seem to have any pain").
func toPlace(words []string) bool {
	for i := 0; i+1 < len(words); i++ {
		if words[i] == "to" && !toVerbs[words[i+1]] {
			return true
		}
	}
	return false
}

// toVerbs follow "to" inside a negation's strict scope.
var toVerbs = map[string]bool{"have": true, "be": true, "get": true, "take": true, "feel": true, "see": true, "make": true,
	"do": true, "go": true, "notice": true, "experience": true, "need": true, "use": true, "any": true, "help": true, "work": true,
	"walk": true, "sleep": true, "eat": true, "move": true, "breathe": true, "bend": true, "lift": true, "stand": true, "sit": true,
	"run": true, "exercise": true, "stop": true, "start": true, "change": true, "keep": true, "bother": true, "affect": true,
	"happen": true, "improve": true, "heal": true, "swallow": true, "drive": true, "climb": true}

var (
	clauseJoins = map[string]bool{"and": true, "or": true, "but": true, "whereas": true, "et": true, "ou": true, "mais": true}
	// owners and subjects after "and" start a new clause: "and your right knee
	// does show", "and you limit alcohol".
	owners = map[string]bool{"your": true, "my": true, "his": true, "her": true, "their": true, "the": true, "votre": true, "mon": true,
		"ma": true, "mes": true, "son": true, "sa": true, "ses": true, "vos": true, "you": true, "i": true, "he": true, "she": true,
		"we": true, "they": true, "it": true, "vous": true, "je": true, "il": true, "elle": true, "nous": true}
)

// polarity is how a text presents one word: strictly negated somewhere, affirmed
// under the strict reading somewhere, affirmed under the loose reading somewhere.
type polarity struct{ sNeg, sAff, lAff, reported bool }

func polarities(lines []factLine, questions bool) map[string]*polarity {
	out := map[string]*polarity{}
	for li, l := range lines {
		words := l.words
		asks := l.askFrom >= 0 || isQuestion(words)
		answer := 0
		if li+1 < len(lines) && asks {
			answer = replySign(lines[li+1])
		}
		var named map[string]bool
		if answer == 0 && li+1 < len(lines) && asks {
			if named = namedItems(words, lines[li+1]); len(named) > 0 {
				answer = -1
			}
		}
		hits := scanTriggers(words, questions || answer != 0 || l.askFrom >= 0)
		hits = dropOrNot(words, hits)
		askFrom := l.askFrom
		for _, h := range hits {
			if h.t.category != Negated || h.pos < l.askFrom || h.pos >= l.askTo {
				continue
			}
			if answer < 0 && bareNo(lines[li+1]) {
				// "no chest pain while running? — no": the no agrees, so the question
				// states its own negation.
				hits, askFrom = dropOrNot(words, scanTriggers(words, false)), -1
			}
			answer = 0
			break
		}
		// The other categories are read without the negations, whose precedence
		// would hide a doubt ("no numbness, and I don't think I had any tingling").
		// Nor does the "any" of a denial ask anything ("I don't have any pain").
		hits = avoidAsNegation(hits)
		var others, doubts []triggerHit
		for _, h := range hits {
			if h.t.category != Negated && !diagnosing[strings.Join(h.t.words, " ")] {
				others = append(others, h)
				if !h.t.question {
					doubts = append(doubts, h)
				}
			}
		}
		for j, x := range words {
			// Negation is read on its own: "if it does not improve" negates "improve"
			// as much as "it does not improve" does.
			looseNeg := negatedWithin(words, hits, j, listScope, clauseStops)
			strict := negatedWithin(words, hits, j, strictScope, strictStops)
			context := others
			if looseNeg {
				context = doubts
			}
			doubted := assertionFromHits(words, inClause(words, context, j), j, j+1, listScope) == Possible ||
				askFrom >= 0 && j >= askFrom && j < l.askTo // a question's own "not" is asked too
			if doubted && answer != 0 {
				// A "no" denies the words a question asks about, not its whole line:
				// strictly only those right after what asks.
				switch {
				case named[stem(x)]:
					doubted, looseNeg, strict = false, false, false // the item the reply names
				case named != nil:
					doubted, looseNeg, strict = false, true, true // the items it leaves out
				default:
					doubted, looseNeg, strict = false, answer < 0, answer < 0 && nearAsk(words, hits, askFrom, j)
				}
			}
			if doubted {
				continue // asked or doubted: neither said nor denied
			}
			if assertionFromHits(words, others, j, j+1, strictScope) == Other {
				continue // someone else's ("my grandfather had cancer"): not the patient's
			}
			x = stem(x)
			// Each word is also read with the site said with it ("chest pain",
			// "|pain" when none): "no chest pain" does not deny "knee pain".
			for _, key := range []string{x, siteBefore(words, j) + "|" + x} {
				p := out[key]
				if p == nil {
					p = &polarity{}
					out[key] = p
				}
				p.sNeg = p.sNeg || strict
				p.sAff = p.sAff || !strict
				p.lAff = p.lAff || !looseNeg
			}
		}
	}
	return out
}

// negationMismatches compares how statement and evidence present each content word
// they share. A question answered no on the next line negates what it asks;
// answered yes, affirms it. In the statement (a note's sentence) other questions'
// words ("denies any fever") do not make a question.
func negationMismatches(statement, evidence []factLine) []string {
	st, ev := polarities(statement, false), polarities(evidence, true)
	var out []string
	for _, line := range statement {
		for i, w := range line.words {
			if stopWords[w] || strictStops[w] || scopeSkips[w] || negationWord[w] {
				continue
			}
			if _, ok := sideWords[w]; ok {
				continue // "denies left foot numbness" denies the numbness, not the foot
			}
			if _, ok := siteWords[w]; ok || modifiers[w] {
				continue
			}
			w = stem(w)
			s, e := st[w], sameFinding(ev, w, siteBefore(line.words, i))
			if s == nil || e == nil || len([]rune(w)) < 4 || stopWords[w] || s.reported {
				continue
			}
			s.reported = true
			switch {
			case s.lAff && !s.sNeg && e.sNeg && !e.sAff:
				out = append(out, "negation of "+w+" dropped")
			case s.sNeg && !s.sAff && e.lAff && !e.sNeg:
				out = append(out, "negation of "+w+" added")
			}
		}
	}
	return out
}

// quoteShare: a sentence whose words are nearly all in its evidence, in about the
// same number, quotes it; its negations must then be the evidence's, one for one.
const quoteShare = 0.9

func quoted(statement, evidence []factLine) bool {
	// Negations are left out of the count: a quote that drops its one "no" still
	// quotes.
	// Who speaks is left out too, and "has" is "have": a quote put in the third
	// person ("I have no pain" → "The patient has no pain") still quotes.
	have := map[string]bool{}
	ne := 0
	for _, l := range evidence {
		for _, w := range l.words {
			if !negationTokens[w] && !personWords[w] {
				have[verbForm(w)] = true
				ne++
			}
		}
	}
	n, hit := 0, 0
	for _, l := range statement {
		for _, w := range l.words {
			if negationTokens[w] || personWords[w] {
				continue
			}
			n++
			if have[verbForm(w)] {
				hit++
			}
		}
	}
	return n >= 4 && float64(hit) >= quoteShare*float64(n) && float64(n) >= quoteShare*float64(ne)
}

// personWords name the speaker, the listener or the patient, and the articles of
// "the patient", in English and French.
var personWords = map[string]bool{"i": true, "me": true, "my": true, "mine": true, "myself": true, "you": true, "your": true,
	"yours": true, "yourself": true, "he": true, "she": true, "him": true, "her": true, "his": true, "hers": true, "they": true,
	"them": true, "their": true, "the": true, "patient": true, "je": true, "j": true, "moi": true, "mon": true, "ma": true,
	"mes": true, "vous": true, "votre": true, "vos": true, "il": true, "elle": true, "son": true, "sa": true, "ses": true,
	"le": true, "la": true, "patiente": true}

// verbForm folds the persons of the verbs a third-person quote changes.
func verbForm(w string) string {
	switch w {
	case "has", "have", "ai", "avez", "a":
		return "have"
	case "am", "is", "are", "suis", "êtes", "est":
		return "be"
	case "does", "do":
		return "do"
	case "doesn", "don":
		return "don"
	}
	return w
}

var negationTokens = map[string]bool{"no": true, "not": true, "never": true, "without": true, "none": true, "nothing": true, "nope": true,
	"denies": true, "denied": true, "pas": true, "sans": true, "jamais": true, "aucun": true, "aucune": true, "rien": true, "non": true, "ni": true}

func negations(lines []factLine) int {
	n := 0
	for _, l := range lines {
		if l.lead < 0 {
			n++ // a "no," answering counts as much in a quote
		}
		for _, w := range l.words {
			if negationTokens[w] {
				n++
			}
		}
	}
	return n
}

// listScope is the checker's loose forward scope, in words.
const listScope = 15

// stem folds inflections ("migraines", "helping", "swelled") into one form.
func stem(w string) string {
	switch n := len(w); {
	case n > 5 && strings.HasSuffix(w, "ing"):
		return w[:n-3]
	case n > 5 && strings.HasSuffix(w, "ed") && !strings.HasSuffix(w, "eed"):
		return w[:n-2]
	case n > 4 && strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss"):
		return w[:n-1]
	}
	return w
}

// isQuestion: a line that asks (ACI-Bench transcripts often have no question marks).
func isQuestion(words []string) bool {
	for i := range words {
		if t, n := matchTrigger(words[i:]); n > 0 && t.question {
			return true
		}
	}
	return false
}

// replySign reads a reply: -1 for no ("no", "i have not", "not really", "none of
// that"), +1 for yes, 0 otherwise (a doubt, or an answer that says what it is).
func replySign(l factLine) int {
	if l.lead != 0 {
		return l.lead
	}
	words := l.words
	if notThatIKnow(words) {
		return -1
	}
	for _, w := range words[:min(5, len(words))] {
		switch w {
		case "know", "sure", "idea", "remember", "recall", "sais", "sûr", "sûre":
			return 0 // "I don't know" is no answer
		}
	}
	for i, w := range words[:min(4, len(words))] {
		switch w {
		case "yes", "yeah", "yep", "yup", "oui", "ouais", "absolutely", "definitely", "correct":
			return 1
		}
		if t, n := matchTrigger(words[i:]); n > 0 {
			if t.category == Negated && !t.backward {
				return -1
			}
			return 0
		}
	}
	// A short "I did", "I do", "I have": yes.
	if len(words) >= 2 && len(words) <= 3 && (words[0] == "i" || words[0] == "j") {
		switch words[1] {
		case "do", "did", "have", "had", "am", "ai":
			return 1
		}
	}
	return 0
}

var negationWord = map[string]bool{"denies": true, "denied": true, "deny": true, "without": true, "never": true, "negative": true,
	"aucun": true, "aucune": true, "jamais": true, "sans": true}

// stopWords are frequent words whose negation says nothing clinical on its own.
var stopWords = map[string]bool{"have": true, "been": true, "with": true, "that": true, "this": true, "there": true, "they": true, "what": true,
	"your": true, "about": true, "think": true, "just": true, "like": true, "know": true, "really": true, "much": true, "very": true, "some": true,
	"from": true, "will": true, "would": true, "should": true, "could": true, "does": true, "doesn": true, "didn": true, "were": true, "when": true,
	"where": true, "which": true, "their": true, "them": true, "then": true, "than": true, "also": true, "only": true, "even": true, "more": true,
	"patient": true, "patients": true, "report": true, "reports": true, "state": true, "states": true, "today": true, "time": true, "going": true,
	"go": true, "history": true, "prior": true, "medical": true, "treatment": true, "reasoning": true, "examination": true,
	"exam": true, "testing": true, "additional": true, "assessment": true, "plan": true, "constitutional": true,
	"neurological": true, "musculoskeletal": true, "review": true, "systems": true, "previous": true, "associated": true, "recent": true, "recently": true, "before": true,
	"well": true, "further": true, "other": true, "significant": true, "currently": true, "ever": true, "want": true, "need": true, "notice": true, "noticed": true, "note": true, "notes": true, "feel": true, "any": true, "anything": true,
	"avez": true, "avoir": true, "être": true, "vous": true, "nous": true, "pour": true, "avec": true, "dans": true, "cette": true, "plus": true}
