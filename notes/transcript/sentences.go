package transcript

import (
	"strings"
	"unicode"
)

// minWords: shorter sentences ("okay.", "hi, martha.") are joined to the next one in
// the same turn, so that segments carry enough meaning to be cited.
const minWords = 3

// abbreviations end in a period without ending a sentence.
var abbreviations = map[string]bool{
	"dr.": true, "mr.": true, "mrs.": true, "ms.": true, "st.": true, "vs.": true,
	"e.g.": true, "i.e.": true, "a.m.": true, "p.m.": true, "etc.": true, "approx.": true,
	"no.": true, "mme.": true, "mlle.": true, "pr.": true, "cf.": true, "env.": true,
}

// SplitSentences splits text at ., ? and ! followed by a space, except after common
// abbreviations, tidies the spacing before punctuation (ACI-Bench writes "hi , there ."),
// and joins sentences shorter than three words to their neighbour.
func SplitSentences(text string) []string {
	text = Tidy(text)
	if text == "" {
		return nil
	}
	words := strings.Fields(text)
	var out []string
	var cur []string
	for i, w := range words {
		cur = append(cur, w)
		last := i == len(words)-1
		if last || !endsSentence(w) {
			continue
		}
		out = append(out, strings.Join(cur, " "))
		cur = nil
	}
	if len(cur) > 0 {
		out = append(out, strings.Join(cur, " "))
	}
	return joinShort(out)
}

func endsSentence(w string) bool {
	r := []rune(w)
	switch r[len(r)-1] {
	case '?', '!':
		return true
	case '.':
		if abbreviations[strings.ToLower(w)] {
			return false
		}
		// "u.s." and initials "j." are not sentence ends.
		if len(r) == 2 && unicode.IsLetter(r[0]) {
			return false
		}
		return true
	}
	return false
}

func joinShort(ss []string) []string {
	var out []string
	carry := ""
	for _, s := range ss {
		if carry != "" {
			s = carry + " " + s
			carry = ""
		}
		if len(strings.Fields(s)) < minWords {
			carry = s
			continue
		}
		out = append(out, s)
	}
	if carry != "" {
		if len(out) > 0 {
			out[len(out)-1] += " " + carry
		} else {
			out = append(out, carry)
		}
	}
	return out
}

// Tidy collapses whitespace and removes the space ACI-Bench-style tokenisation puts
// before punctuation.
func Tidy(text string) string {
	text = strings.Join(strings.Fields(text), " ")
	for _, p := range []string{",", ".", "?", "!", ";", ":"} {
		text = strings.ReplaceAll(text, " "+p, p)
	}
	return text
}
