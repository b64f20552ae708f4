package draft

// Scopes of the checker's doubts: how far a "maybe" or "sounds like" reaches.

// inClause keeps the hits whose scope reaches words[j] without crossing a new
// clause: a doubt or a hedge bears on its own clause, not on what follows "so" or
// "because" ("maybe less of a dose so I don't feel the side effects": the side
// effects are denied, not doubted; "it sounds like your depression's stable, so
// we're not gonna change anything"). Questions keep their reach ("do you notice
// that when you walk..."), and so do triggers that read backwards.
func inClause(words []string, hits []triggerHit, j int) []triggerHit {
	out := hits[:0:0]
	for _, h := range hits {
		end := h.pos + len(h.t.words)
		if !h.t.question && !h.t.backward && end <= j && crossesClause(words[end:j]) {
			continue
		}
		out = append(out, h)
	}
	return out
}

// crossesClause reports whether words hold a word that opens a new clause.
func crossesClause(words []string) bool {
	for _, w := range words {
		if clauseStops[w] {
			return true
		}
	}
	return false
}

// siteBefore returns the body site said with words[j]: right before it, past a
// side or a modifier ("chest pain", "right knee pain", "lower back pain"), or
// right after it in French ("douleur thoracique"); "" when none.
func siteBefore(words []string, j int) string {
	if j+1 < len(words) && frenchSiteAdjectives[words[j+1]] {
		return siteWords[words[j+1]]
	}
	for k := j - 1; k >= 0 && k >= j-2; k-- {
		if site, ok := siteWords[words[k]]; ok {
			return site
		}
		if _, side := sideWords[words[k]]; !side && !modifiers[words[k]] {
			return ""
		}
	}
	return ""
}

// frenchSiteAdjectives follow the finding they place.
var frenchSiteAdjectives = map[string]bool{"thoracique": true, "thoraciques": true, "abdominale": true}

// sameFinding returns how the evidence presents a word said with a site: as said
// with that site, else as said with none; nil when the evidence says it only with
// other sites (another finding). A word said with no site is read everywhere.
func sameFinding(ev map[string]*polarity, w, site string) *polarity {
	if site == "" {
		return ev[w]
	}
	if p := ev[site+"|"+w]; p != nil {
		return p
	}
	return ev["|"+w]
}

// diagnosisLinks are followed by what they link a finding to: "consistent with",
// "compatible avec", "suggestive of".
var diagnosisLinks = map[string]bool{"consistent": true, "compatible": true, "suggestive": true, "indicative": true,
	"evocateur": true, "évocateur": true, "évocatrice": true}
