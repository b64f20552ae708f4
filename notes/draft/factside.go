package draft

import "regexp"

// Sides said with what is not a body site of the lexicon: "a murmur at the left
// base", "tenderness on the right paraspinal area", "the left radial pulse",
// "souffle au foyer gauche".

// sidedNouns returns, for each word said right after a side (past a modifier:
// "right lower extremity") or, in French, right before it ("foyer gauche"), the
// sides it is said with. Sites have their own reading (sideOf); function words,
// "side" and speech's "right there" say nothing of what the side goes with.
func sidedNouns(words []string) map[string]map[string]bool {
	out := map[string]map[string]bool{}
	add := func(w, sd string) {
		if _, site := siteWords[w]; site || len([]rune(w)) < 4 || stopWords[w] || strictStops[w] || scopeSkips[w] ||
			w == "side" || w == "sided" || w == "côté" || negationTokens[w] {
			return
		}
		if _, isSide := sideWords[w]; isSide {
			return
		}
		w = stem(w)
		if out[w] == nil {
			out[w] = map[string]bool{}
		}
		out[w][sd] = true
	}
	for i, w := range words {
		sd, ok := sideWords[w]
		if !ok || sd == "both" {
			continue
		}
		k := i + 1
		if k < len(words) && modifiers[words[k]] {
			k++
		}
		if k < len(words) {
			add(words[k], sd)
		}
		if i > 0 && frenchSides[w] {
			add(words[i-1], sd)
		}
	}
	return out
}

// frenchSides follow what they qualify.
var frenchSides = map[string]bool{"droit": true, "droite": true, "droits": true, "droites": true, "gauche": true, "gauches": true}

// swappedOnNouns returns the sides a statement says with a word the evidence says
// only with the other side.
func swappedOnNouns(stated, evidence map[string]map[string]bool) []string {
	var out []string
	for w, sds := range stated {
		ev := evidence[w]
		if len(ev) == 0 {
			continue
		}
		for sd := range sds {
			if !ev[sd] {
				out = append(out, sd)
			}
		}
	}
	return out
}

// sideAlternatives ask which side ("is it your left or your right knee", "le
// genou gauche ou le droit"): neither side is said. Two different sides only: "your
// right or your right knee" is no alternative.
var sideAlternatives = regexp.MustCompile(`\bleft or (?:your |the |my )?right\b|\bright or (?:your |the |my )?left\b|` +
	`\bgauche ou (?:le |la |du )?droite?\b|\bdroite? ou (?:le |la |du )?gauche\b`)
