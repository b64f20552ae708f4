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
