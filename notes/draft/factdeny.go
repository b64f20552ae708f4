package draft

// Negations read across a sentence and its cited segments as a whole: a sentence
// that denies needs segments that deny, and "with X" needs segments that do not
// only say "without X".

// denies reports whether lines deny anything: a negation trigger (pseudo-negations
// such as "no change" or "not only" aside), "no longer", a reply that opens with no,
// or, in speech, a question answered no.
func denies(lines []factLine, speech bool) bool {
	for li, l := range lines {
		if l.lead < 0 {
			return true
		}
		asks := l.askFrom >= 0 || isQuestion(l.words)
		// A reply other than yes may deny by leaving out: "fever, chills, sore
		// throat, cough? — I've had a little nasal congestion".
		if speech && asks && li+1 < len(lines) && (replySign(lines[li+1]) < 0 || replySign(lines[li+1]) == 0 && listsItems(l.words)) {
			return true
		}
		for _, h := range dropOrNot(l.words, scanTriggers(l.words, false)) {
			if h.t.category == Negated || h.t.category == Historical && negationTokens[h.t.words[0]] {
				return true
			}
		}
	}
	return false
}

// withWithout returns the "with X" of a statement whose evidence says only "without
// X", and the reverse: "CT without contrast", "intact without pain", "six out of ten
// without ibuprofen". Coding reads "without contrast" as no negation of a
// condition; for the checker it is a fact of the order.
func withWithout(statement, evidence []factLine) []string {
	sw, so := withObjects(statement)
	ew, eo := withObjects(evidence)
	var out []string
	for x := range sw {
		if eo[x] && !ew[x] {
			out = append(out, "with "+x+" (the cited segments say without)")
		}
	}
	for x := range so {
		if ew[x] && !eo[x] {
			out = append(out, "without "+x+" (the cited segments say with)")
		}
	}
	return out
}

// withObjects returns the stemmed words said after "with" and after "without"
// ("with or without contrast" says both).
func withObjects(lines []factLine) (with, without map[string]bool) {
	with, without = map[string]bool{}, map[string]bool{}
	for _, l := range lines {
		w := l.words
		for i, x := range w {
			var into []map[string]bool
			switch x {
			case "with", "avec":
				into = []map[string]bool{with}
				if i+2 < len(w) && (w[i+1] == "or" || w[i+1] == "ou") && (w[i+2] == "without" || w[i+2] == "sans") {
					into = append(into, without)
				}
			case "without", "sans":
				into = []map[string]bool{without}
			default:
				continue
			}
			if obj := withObject(w[i+1:]); obj != "" {
				for _, m := range into {
					m[obj] = true
				}
			}
		}
	}
	return with, without
}

// withObject is the first content word of words, within three.
func withObject(words []string) string {
	for _, w := range words[:min(3, len(words))] {
		switch {
		case w == "or" || w == "ou" || w == "without" || w == "sans" || w == "a" || w == "an" || w == "the" || w == "any" ||
			w == "some" || w == "de" || w == "du" || w == "des" || w == "la" || w == "le" || w == "les" || w == "l":
			continue
		case w == "," || len([]rune(w)) < 4 || stopWords[w] || strictStops[w]:
			return ""
		}
		return stem(w)
	}
	return ""
}

// listsItems reports whether words list three things or more ("fever, chills,
// sore throat, cough").
func listsItems(words []string) bool {
	n := 0
	for _, w := range words {
		if w == "," || w == "or" || w == "ou" {
			n++
		}
	}
	return n >= 2
}

// namedItems returns the items of a question listing four or more that its reply
// names ("fever, chills, any nasal congestion, sore throat, cough? — I've had a
// little nasal congestion"): those are affirmed, the others left out are denied.
// Nil when the question lists nothing or the reply names none of it.
func namedItems(question []string, reply factLine) map[string]bool {
	// Four items or more, in a question short enough to be one: "so, bryan, what
	// happened" or "a normal mammogram, or was it done because..." list nothing.
	seps := 0
	for _, w := range question {
		if w == "," || w == "or" || w == "ou" {
			seps++
		}
	}
	if seps < 3 || len(question) > 40 || reply.lead != 0 {
		return nil
	}
	asked := map[string]bool{}
	for _, w := range question {
		if len([]rune(w)) >= 4 && !stopWords[w] && !strictStops[w] && !scopeSkips[w] {
			asked[stem(w)] = true
		}
	}
	var named map[string]bool
	for _, w := range reply.words {
		if w = stem(w); asked[w] {
			if named == nil {
				named = map[string]bool{}
			}
			named[w] = true
		}
	}
	return named
}
