package draft

import (
	"strconv"
	"strings"
	"unicode"
)

// digitsInQuote writes the spelled numbers of a quote as digits, as a clinical note
// does ("I'm fifty seven" → "I'm 57", "two thousand eight" → "2008"), keeping the
// other words as spoken. A lone "one"/"un"/"une" stays a word (an article or a
// pronoun as often as a count), and a run of number words that is not one number
// ("nineteen eighty four", "quatre-vingts") is left as it was rather than summed
// into a wrong figure.
func digitsInQuote(s string) string {
	words := strings.Fields(s)
	out := make([]string, 0, len(words))
	for i := 0; i < len(words); {
		lower := make([]string, 0, 6)
		for _, w := range words[i:min(len(words), i+6)] {
			lower = append(lower, strings.ToLower(w))
		}
		n, used := readNumber(lower)
		switch {
		case used == 0:
			out = append(out, words[i])
			i++
		case used == 1 && n == 1, !wellFormedNumber(lower[:used]):
			out = append(out, words[i:i+used]...)
			i += used
		default:
			out = append(out, strconv.Itoa(n)+trailingPunct(words[i+used-1]))
			i += used
		}
	}
	return strings.Join(out, " ")
}

// wellFormedNumber reports whether number words read as one number: adjacent
// values are tens then units (twenty five), dix/soixante then a teen (dix-sept,
// soixante-quinze), or meet a multiplier (two hundred, deux mille).
func wellFormedNumber(words []string) bool {
	var vals []int // -1 for a multiplier
	for _, w := range words {
		w = strings.TrimRightFunc(w, unicode.IsPunct)
		if multiplierWords[w] > 0 {
			vals = append(vals, -1)
			continue
		}
		parts := strings.Split(w, "-")
		for k, p := range parts {
			if p == "et" {
				continue
			}
			if p == "vingt" && k > 0 && parts[k-1] == "quatre" || p == "vingts" {
				return false // quatre-vingt(s): 80, not 4 + 20
			}
			vals = append(vals, numberWords[p])
		}
	}
	for k := 1; k < len(vals); k++ {
		a, b := vals[k-1], vals[k]
		if a < 0 || b < 0 {
			continue
		}
		ok := a >= 20 && a%10 == 0 && b >= 1 && b <= 9 ||
			a == 10 && b >= 7 && b <= 9 ||
			a == 60 && b >= 10 && b <= 19
		if !ok {
			return false
		}
	}
	return true
}

// bareWords are frequent words of four letters or more that carry no content on
// their own ("No, I think that's about it").
var bareWords = map[string]bool{"that": true, "this": true, "there": true, "they": true, "what": true, "about": true, "think": true,
	"just": true, "like": true, "know": true, "really": true, "much": true, "very": true, "some": true, "have": true, "been": true,
	"with": true, "from": true, "will": true, "would": true, "should": true, "could": true, "does": true, "doesn": true, "didn": true,
	"were": true, "when": true, "where": true, "which": true, "their": true, "them": true, "then": true, "than": true, "also": true,
	"only": true, "even": true, "more": true, "time": true, "going": true, "want": true, "okay": true, "yeah": true, "sure": true,
	"right": true, "good": true, "great": true, "thing": true, "things": true, "something": true, "anything": true, "nothing": true,
	"sounds": true, "sound": true, "alright": true, "actually": true, "maybe": true, "pretty": true, "still": true, "here": true,
	"vous": true, "nous": true, "pour": true, "avec": true, "dans": true, "cette": true, "plus": true, "bien": true,
	"voilà": true, "alors": true, "merci": true, "rien": true}

// hasContent reports whether a normalized text has a word of four letters or more
// that is not a bare word, or a number: something a note could say.
func hasContent(norm string) bool {
	for _, w := range strings.Fields(norm) {
		if len([]rune(w)) >= 4 && !bareWords[w] || unicode.IsDigit([]rune(w)[0]) {
			return true
		}
	}
	return false
}
