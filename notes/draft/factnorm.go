package draft

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

// Speech and notes write the same facts differently: "three and a half" and "3.5",
// "two o'clock" and "2:00", "march of this year" and "03/2021", "c56" and "C5-6".
// The fact checker reads both sides through these rewrites so that a paraphrase is
// not taken for a changed fact.

type rewrite struct {
	re   *regexp.Regexp
	repl string
}

func rewrites(pairs ...string) []rewrite {
	out := make([]rewrite, 0, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, rewrite{regexp.MustCompile(pairs[i]), pairs[i+1]})
	}
	return out
}

// factRewrites apply to the digitized, lower-case text whose frequencies and
// numbers are read.
var factRewrites = rewrites(
	// halves and decimals said aloud
	`\b(\d+) and a half\b`, `$1.5`,
	`\b(\d+) et demie?\b`, `$1.5`,
	`\b(\d+) (\pL+) et demie?\b`, `$1.5 $2`, // "trois semaines et demie"
	`\b(?:a half|half an?|one half|1 half|un demi|une demie)\b`, `0.5`,
	`\b(\d+) point (\d+)\b`, `$1.$2`,
	`\b(\d+) virgule (\d+)\b`, `$1.$2`,
	`(^|\s)point (\d+)\b`, `${1}0.$2`,
	// clock times: "2:00 am" is "two o'clock", "4h30" is "quatre heures trente"
	`\b(\d{1,2}):00\b`, `$1`,
	`\b(\d{1,2})[:h](\d{2})\b`, `$1 $2`,
	// ordinals: "2nd", "24th", "1er", "3e"
	`\b(\d+)(?:st|nd|rd|th|er|re|ère|e|ème)\b`, `$1`,
	// spinal levels: "c5-6" and "c56" are the levels c5 and c6
	`\b([ctls])(\d{1,2})\s*-\s*(\d{1,2})\b`, `$1$2 $1$3`,
	`\b([cl])([1-7])([2-8])\b`, `$1$2 $1$3`,
)

// countRewrites apply only where numbers are counted (not where frequencies are
// read: "twice a day" must stay as it is).
var countRewrites = rewrites(
	`\b(?:a )?couple(?: of)?\b`, `2`,
	`\bune? couple de\b`, `2`,
	`\ba dozen\b`, `12`,
	`\b(?:a|an|one single|a single|une?)\s+(day|week|month|year|hour|minute|night|tablet|pill|dose|time|jour|semaine|mois|an|année|heure|comprimé|fois)\b`, `1 $1`,
	`\bonce\b`, `1 time`,
	`\b(?:first|premier|première|1st)\b`, `1`,
	`\b(?:second|deuxième|seconde)\b`, `2`,
	`\b(?:third|troisième)\b`, `3`,
	`\b(?:fourth|quatrième)\b`, `4`,
	`\b(?:fifth|cinquième)\b`, `5`,
	`\b(?:sixth|sixième)\b`, `6`,
)

// monthNumbers: a date says its month by name in speech and by number in a note.
var monthNumbers = map[string]string{"january": "1", "february": "2", "march": "3", "april": "4", "june": "6", "july": "7",
	"august": "8", "september": "9", "october": "10", "november": "11", "december": "12", "janvier": "1", "février": "2",
	"mars": "3", "avril": "4", "juin": "6", "juillet": "7", "août": "8", "septembre": "9", "octobre": "10", "novembre": "11",
	"décembre": "12", "jan": "1", "feb": "2", "apr": "4", "aug": "8", "sept": "9", "oct": "10", "nov": "11", "dec": "12"}

// mayMonth: "may" is a month only next to a number ("may 3rd", "3 may").
var mayMonth = regexp.MustCompile(`\bmay (\d)|(\d) may\b|\bmai\b`)

// aHundred: "a thousand milligrams" is 1000 mg.
var aHundred = regexp.MustCompile(`\ba (hundred|thousand)\b`)

// relativeYear: a year said without its number ("this year", "last year").
var relativeYear = regexp.MustCompile(`\b(?:this|last|next) year\b|\bcette année\b|\bl année (?:dernière|prochaine)\b|\bl an dernier\b`)

// factText returns text as the fact checker reads its frequencies: lower case,
// without hesitations, numbers in digits, halves, decimals, times, ordinals and
// spinal levels in written form.
func factText(s string) string {
	s = digitize(aHundred.ReplaceAllString(dropFillers(strings.ToLower(s)), "one $1"))
	for _, r := range factRewrites {
		s = r.re.ReplaceAllString(s, r.repl)
	}
	return s
}

// countText is factText without its frequencies (read apart: "once a day" is not
// the number 1) and with the spoken counts and dates written as numbers ("a couple
// of weeks", "a week", "the second dose", "in march").
func countText(s string) string {
	s, _ = readFrequencies(factText(s))
	for _, r := range countRewrites {
		s = r.re.ReplaceAllString(s, r.repl)
	}
	s = mayMonth.ReplaceAllStringFunc(s, func(m string) string { return strings.Replace(strings.Replace(m, "may", "5", 1), "mai", "5", 1) })
	words := strings.Fields(s)
	for i, w := range words {
		bare := strings.TrimFunc(w, func(r rune) bool { return !unicode.IsLetter(r) })
		if n, ok := monthNumbers[bare]; ok {
			words[i] = n + " " + w
		}
	}
	return strings.Join(words, " ")
}

// FactNumbers returns the numbers the fact checker reads in text, in canonical form
// ("twenty" → "20", "a half" → "0.5"). The evaluation's mutations use it to pick a
// number the evidence does not hold.
func FactNumbers(text string) []string {
	var out []string
	s := countText(text)
	for _, loc := range numberRE.FindAllStringIndex(s, -1) {
		if !gluedToWord(s, loc[0]) {
			out = append(out, canonNumber(s[loc[0]:loc[1]]))
		}
	}
	return out
}

// gluedToWord reports whether the number at i continues a word ("a1c", "mm2",
// "b12"): such tokens are names, not quantities.
func gluedToWord(s string, i int) bool {
	if i == 0 {
		return false
	}
	r := rune(s[i-1])
	return r < 128 && unicode.IsLetter(r) || r >= 128
}

// levelRE reads a spinal level ("c5", "l4", "t12") or a like-named token.
var levelRE = regexp.MustCompile(`\b[ctls]\d{1,2}\b`)

// dropFillers removes hesitations ("every uh six hours").
func dropFillers(s string) string {
	words := strings.Fields(s)
	out := words[:0]
	for _, w := range words {
		if fillers[strings.TrimFunc(w, unicode.IsPunct)] {
			if p := strings.TrimLeftFunc(w, unicode.IsLetter); strings.ContainsAny(p, ".?!") && len(out) > 0 {
				out[len(out)-1] += p // keep the end of a sentence
			}
			continue
		}
		out = append(out, w)
	}
	return strings.Join(out, " ")
}

// isYear: a four-digit number a date may hold.
func isYear(n string) bool {
	v, err := strconv.Atoi(n)
	return err == nil && len(n) == 4 && v >= 1900 && v < 2100
}

// yearSupported: a year the evidence does not state in full is supported when it
// states it short ("'21", "twenty twenty") or dates without one ("in march", "this
// year"): the writer of a note completes the date.
func yearSupported(year string, e facts) bool {
	if e.dated {
		return true
	}
	return e.numbers[canonNumber(year[2:])] || e.numbers[canonNumber(year[:2])] && e.numbers[canonNumber(year[2:])]
}
