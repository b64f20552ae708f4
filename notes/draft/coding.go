package draft

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"greffier/domain"
	"greffier/notes/schema"
)

// finding is what the transcript affirms of one problem: the conditions of the
// lexicon and the injuries (injury.go) the extractive drafter recognises.
type finding struct {
	titleEN, titleFR string
	code             string // ICD-10-CM code to suggest; "" for none
	evidence         schema.Evidence
	mentions         int    // affirmed mentions
	clinician        int    // of which by the clinician
	assessed         bool   // the clinician named it while assessing or planning
	cueAssessed      bool   // ... with a phrase or under the assessment header, not only near the close of the visit
	history          bool   // the patient gave it answering a question about their known conditions
	first            int    // index of the unit of the first affirmed mention
	specific         bool   // named by a specific synonym ("type 1 diabetes", not "diabetes")
	owned            bool   // the patient says "I have ..." of it
	right, left      int    // mentions with that side
	named            bool   // named by a noun at least once ("anxiety", not only "anxious")
	explainedBy      string // a coded diagnosis that includes this symptom
	cond             *condition
}

// Confidence of a code suggestion, by who affirmed the problem and where.
const (
	confAssessed  = 0.9  // the clinician names it while assessing or planning
	confClinician = 0.75 // the clinician affirms it elsewhere in the visit
	confPatient   = 0.65 // only the patient speaks of it, as their own ("I have asthma")
	confOnce      = 0.5  // the patient mentions it in passing

	// MinCodeConfidence is the confidence under which no code is suggested: a wrong
	// code costs more than a missing one. A condition the clinician did not assess
	// in this visit (a known asthma, a diabetes named in the history) stays in the
	// problem list without a code: against the codes of the reference assessments,
	// such suggestions were wrong 9 times in 10 (ACI-Bench train 21 of 23, valid 4
	// of 6, PriMock57 10 of 10, December 2026).
	MinCodeConfidence = confAssessed
	// SureCodeConfidence is the confidence from which a suggestion is offered as the
	// visit's code; under it, the review screen shows it "to check".
	SureCodeConfidence = confAssessed
)

// closingShare is where the closing part of a visit starts (as a share of its
// units): the assessment and plan are given at the end.
const closingShare = 0.6

// genericDiabetes: a synonym of type 2 diabetes that does not name the type.
var genericDiabetes = map[string]bool{" diabetes ": true, " diabetic ": true, " diabète ": true, " diabétique ": true}

// adjectives name a state or a habit rather than a condition ("I'm anxious about
// the results", "I felt dizzy", "smoking"): a condition only so named is coded only when the clinician
// assesses it, as a symptom is.
var adjectives = map[string]bool{" anxious ": true, " depressed ": true, " dizzy ": true, " constipated ": true, " obese ": true,
	" anxieux ": true, " anxieuse ": true, " déprimé ": true, " déprimée ": true, " dépressif ": true, " constipé ": true, " constipée ": true,
	" fatigué ": true, " fatiguée ": true, " obèse ": true, " smoking ": true}

// notThisCondition rejects a mention by its neighbours: "pre diabetes", "gestational
// diabetes", "diabetes educator".
func notThisCondition(before, after []string) bool {
	if len(before) > 0 {
		switch before[len(before)-1] {
		case "pre", "borderline", "gestational", "prediabetes", "insipidus", "gestationnel":
			return true
		}
	}
	if len(after) > 0 {
		switch after[0] {
		case "insipidus", "educator", "educators", "gestationnel", "gestationnelle", "type",
			// the condition names something else: "a diabetes study", "the asthma clinic"
			"study", "studies", "research", "trial", "trials", "program", "programme", "foundation", "association", "class", "classes", "clinic", "specialist":
			return true
		}
	}
	return false
}

// findProblems lists the conditions and injuries the transcript affirms, ranked: the
// problems the clinician assessed in this visit first, then by confidence, then in
// order of first mention.
func findProblems(lx *lexicon, units []unit) []*finding {
	var out []*finding
	byCond := map[int]*finding{}
	zones := findZones(units)
	for ui, u := range units {
		if u.question {
			continue
		}
		// The answer to a question about the family is the family's history ("what
		// runs in your family? — high blood pressure and diabetes").
		if ui > 0 && anyCue(familyQuestion, units[ui-1].norm) && !strings.Contains(units[ui-1].text, " — ") {
			continue
		}
		// In a question with its short answer, only a yes affirms what the question names.
		text := u.text
		clin := u.role == domain.RoleClinician
		qa := false
		if q, a, ok := strings.Cut(u.text, " — "); ok && len(u.evidence) == 2 {
			text, qa = a, true
			if u.answer > 0 && !namesRelative(a) {
				// The clinician named it and the patient confirmed (a yes that names a
				// relative confirms it of them: "any diabetes? — yes, my grandma").
				text = q + ". " + a
				clin = clin || u.asker == domain.RoleClinician
			}
		}
		norm := normalize(text)
		words := unitWords(text)
		// An answer to "any other medical problems?" is the patient's history.
		history := !clin && (qa && anyCue(historyQuestions, normalize(strings.SplitN(u.text, " — ", 2)[0])) ||
			ui > 0 && units[ui-1].role == domain.RoleClinician && anyCue(historyQuestions, units[ui-1].norm))
		covered := coveredSpans(lx, text, norm)
		for ci := range lx.conditions {
			c := &lx.conditions[ci]
			hit, specific, owned, assessing, named, cued := false, false, false, false, false, false
			side := 0
			for _, syn := range c.synonyms {
				if !strings.Contains(norm, syn.phrase) {
					continue
				}
				n := len(strings.Fields(syn.phrase))
				for _, m := range findMentions(text, syn.phrase, notThisCondition) {
					if m.assertion != Affirmed || insideLonger(covered, ci, m.word, m.word+n) {
						continue
					}
					hit = true
					cue, closing := zones.assessKind(ui, words, m.word, m.word+n, clin, !qa)
					a := cue || closing
					if a && isSymptomCode(c.Code) && explained(words, m.word, m.word+n) {
						a, cue = false, false
					}
					assessing = assessing || a
					cued = cued || cue
					named = named || !adjectives[syn.phrase]
					specific = specific || !genericDiabetes[syn.phrase]
					side = sideNear(text, syn.phrase)
					owned = owned || ownedNear(text, syn.phrase)
				}
			}
			if !hit {
				continue
			}
			f := byCond[ci]
			if f == nil {
				f = &finding{titleEN: c.TitleEN, titleFR: c.TitleFR, code: c.Code, first: ui, cond: c}
				byCond[ci] = f
				out = append(out, f)
			}
			f.add(u, clin, assessing, specific, side)
			f.cueAssessed = f.cueAssessed || cued
			f.history = f.history || history
			f.owned = f.owned || owned && !clin
			f.named = f.named || named
		}
	}
	for _, f := range out {
		// A known condition named again near the close ("with the diabetes you are
		// more likely to get an infection") is not what the visit assessed.
		if f.history && !f.cueAssessed {
			f.assessed = false
		}
	}
	out = append(out, findInjuries(units, zones)...)
	out = resolveDiabetes(out)
	out = resolveCystitis(out)
	for _, f := range out {
		f.pickSide()
	}
	dropExplainedSymptoms(out)
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.assessed != b.assessed {
			return a.assessed
		}
		if ca, cb := a.confidence(), b.confidence(); ca != cb {
			return ca > cb
		}
		return a.first < b.first
	})
	return out
}

func (f *finding) add(u unit, clin, assessing, specific bool, side int) {
	f.mentions++
	if clin {
		f.clinician++
	}
	f.assessed = f.assessed || assessing
	f.specific = f.specific || specific
	switch {
	case side > 0:
		f.right++
	case side < 0:
		f.left++
	}
	if len(f.evidence) < 8 {
		f.evidence = appendIDs(f.evidence, u.evidence)
	}
}

// pickSide replaces a sided condition's code by its right or left code when the
// mentions name one side only.
func (f *finding) pickSide() {
	c := f.cond
	if c == nil || c.Right == "" {
		return
	}
	switch {
	case f.right > 0 && f.left == 0:
		f.code = c.Right
		f.titleEN, f.titleFR = f.titleEN+", right", f.titleFR+" droit(e)"
	case f.left > 0 && f.right == 0:
		f.code = c.Left
		f.titleEN, f.titleFR = f.titleEN+", left", f.titleFR+" gauche"
	}
}

// resolveDiabetes keeps one diabetes type: a named type 1 wins over "diabetes" said
// without a type (which ICD-10-CM codes as type 2).
func resolveDiabetes(fs []*finding) []*finding {
	var t1, t2 *finding
	for _, f := range fs {
		switch {
		case f.cond == nil:
		case strings.HasPrefix(f.cond.Code, "E10"):
			t1 = f
		case strings.HasPrefix(f.cond.Code, "E11"):
			t2 = f
		}
	}
	if t1 == nil || t2 == nil {
		return fs
	}
	drop := t2
	if t2.specific {
		// Both types named: the transcript contradicts itself; code neither.
		t1.code, t2.code = "", ""
		return fs
	}
	t1.evidence = appendIDs(t1.evidence, drop.evidence)
	t1.assessed = t1.assessed || drop.assessed
	return slices.DeleteFunc(fs, func(f *finding) bool { return f == drop })
}

// resolveCystitis: a urinary tract infection whose site is named (cystitis) is coded
// by its site (ICD-10-CM's index: Infection, bladder — see Cystitis); N39.0 is for a
// site not specified.
func resolveCystitis(fs []*finding) []*finding {
	var site, uti *finding
	for _, f := range fs {
		switch {
		case f.cond == nil:
		case strings.HasPrefix(f.cond.Code, "N30"):
			site = f
		case f.cond.Code == "N39.0":
			uti = f
		}
	}
	if site == nil || uti == nil {
		return fs
	}
	site.evidence = appendIDs(site.evidence, uti.evidence)
	site.assessed = site.assessed || uti.assessed
	return slices.DeleteFunc(fs, func(f *finding) bool { return f == uti })
}

func (f *finding) confidence() float64 {
	switch {
	case f.assessed:
		return confAssessed
	case f.clinician > 0:
		return confClinician
	case f.owned:
		return confPatient
	}
	return confOnce
}

func (f *finding) reason(lang string) string {
	var who string
	switch {
	case f.assessed:
		who = Label(lang, "the clinician names it while assessing or planning", "le clinicien le nomme dans l'évaluation ou le plan")
	case f.clinician > 0:
		who = Label(lang, "the clinician affirms it", "le clinicien l'affirme")
	default:
		who = Label(lang, "only the patient mentions it", "seul le patient l'évoque")
	}
	r := fmt.Sprintf(Label(lang, "%s; affirmed %d time(s), never negated or doubted there (segments %v)",
		"%s ; affirmé %d fois, sans négation ni doute à cet endroit (segments %v)"), who, f.mentions, []int(f.evidence))
	if f.confidence() < SureCodeConfidence {
		r += Label(lang, " — to check: not named while assessing", " — à vérifier : pas nommé dans l'évaluation")
	}
	return r
}

// phraseAt splits text in normalized words and returns where phrase starts, and its
// length in words.
func phraseAt(text, phrase string) (words []string, at []int, n int) {
	words = strings.Fields(normalize(text))
	pw := strings.Fields(phrase)
	for i := 0; i+len(pw) <= len(words); i++ {
		if matchWords(words[i:i+len(pw)], pw) {
			at = append(at, i)
		}
	}
	return words, at, len(pw)
}

// sideNear returns +1 (right) or -1 (left) when a side is named within three words
// before the phrase or two after it (French puts it after: "genou droit"), 0 else.
func sideNear(text, phrase string) int {
	words, at, n := phraseAt(text, phrase)
	for _, i := range at {
		for j := max(0, i-3); j < min(len(words), i+n+2); j++ {
			switch words[j] {
			case "right", "droit", "droite":
				return 1
			case "left", "gauche":
				return -1
			}
		}
	}
	return 0
}

// ownedNear reports whether the patient states the condition as their own: "I have",
// "I've got", "I was diagnosed with", "j'ai" within four words before it.
func ownedNear(text, phrase string) bool {
	words, at, _ := phraseAt(text, phrase)
	for _, i := range at {
		before := " " + strings.Join(words[max(0, i-4):i], " ") + " "
		for _, c := range []string{" i have ", " i ve got ", " i ve had ", " i got ", " diagnosed with ", " i m ", " i am ", " j ai ", " je suis ", " i ve been diagnosed "} {
			if strings.Contains(before, c) {
				return true
			}
		}
	}
	return false
}

// familyQuestion: a question about the family's history.
var familyQuestion = cues([]string{"run in your family", "runs in your family", "run in the family", "runs in the family", "in your family",
	"family history", "anyone in the family", "anybody in the family", "dans votre famille", "dans la famille", "antécédents familiaux"})

// span is where a condition's synonym was found in a unit's words.
type span struct{ cond, start, end int }

// coveredSpans lists every synonym found in text, whatever its assertion.
func coveredSpans(lx *lexicon, text, norm string) []span {
	var out []span
	for ci := range lx.conditions {
		for _, syn := range lx.conditions[ci].synonyms {
			if !strings.Contains(norm, syn.phrase) {
				continue
			}
			n := len(strings.Fields(syn.phrase))
			for _, m := range findMentions(text, syn.phrase, nil) {
				out = append(out, span{ci, m.word, m.word + n})
			}
		}
	}
	return out
}

// insideLonger reports whether [start, end) lies inside a longer synonym of another
// condition: "arthritis" in "rheumatoid arthritis" is not osteoarthritis.
func insideLonger(covered []span, cond, start, end int) bool {
	for _, s := range covered {
		if s.cond != cond && s.start <= start && end <= s.end && s.end-s.start > end-start {
			return true
		}
	}
	return false
}

// namesRelative reports whether a text names a relative ("my grandma has it").
func namesRelative(text string) bool {
	for _, w := range strings.Fields(normalize(text)) {
		if familyWords[w] {
			return true
		}
	}
	for _, t := range contextTriggers {
		if t.category == Other && len(t.words) == 1 && strings.Contains(normalize(text), " "+t.words[0]+" ") {
			return true
		}
	}
	return false
}

// problemsOf turns findings into the note's problems, in rank order.
func problemsOf(fs []*finding, lang string) []schema.Problem {
	out := make([]schema.Problem, 0, len(fs))
	for _, f := range fs {
		out = append(out, schema.Problem{Title: Label(lang, f.titleEN, f.titleFR), Evidence: append(schema.Evidence{}, f.evidence...)})
	}
	return out
}

// suggestCodes looks up each problem's code (problems and findings are parallel) and
// attaches it with its confidence and reason. Codes the table does not hold exactly,
// and codes under MinCodeConfidence, are not suggested.
func suggestCodes(ctx context.Context, cs CodeSuggester, fs []*finding, note *schema.Note) error {
	for i, f := range fs {
		if f.code == "" || f.confidence() < MinCodeConfidence || i >= len(note.Problems) {
			continue
		}
		// A symptom (chapter R, joint or back pain), or a state only named by an
		// adjective, is coded only when the clinician assesses it: said elsewhere it is
		// usually a review of systems or part of a diagnosis. Nor is a symptom that a
		// coded diagnosis includes.
		if (isSymptomCode(f.code) || !f.named) && !f.assessed || f.explainedBy != "" {
			continue
		}
		codes, err := cs.Suggest(ctx, f.code, 1)
		if err != nil {
			return fmt.Errorf("suggest a code for problem %d: %w", i, err)
		}
		if len(codes) == 0 || !sameCode(codes[0].Code, f.code) {
			continue
		}
		c := codes[0]
		c.Confidence = f.confidence()
		c.Reason = f.reason(note.Language)
		note.Problems[i].ICD10 = &c
	}
	return nil
}

func sameCode(a, b string) bool {
	return strings.EqualFold(strings.ReplaceAll(a, ".", ""), strings.ReplaceAll(b, ".", ""))
}

// CodesIn reads a written text (a reference note's assessment, say) with the same
// lexicon, context rules and injury table as the drafter: affirmed holds the codes of
// the conditions it affirms, notAffirmed those it only denies, doubts, plans to test,
// makes hypothetical, past or someone else's. The evaluation builds its gold set so.
func CodesIn(text string) (affirmed, notAffirmed map[string]bool, err error) {
	lx, err := loadLexicon()
	if err != nil {
		return nil, nil, err
	}
	var units []unit
	for i, line := range strings.Split(text, "\n") {
		if t := strings.TrimSpace(line); t != "" {
			units = append(units, unit{text: t, norm: normalize(t), evidence: schema.Evidence{i}})
		}
	}
	affirmed, notAffirmed = map[string]bool{}, map[string]bool{}
	for _, f := range findProblems(lx, units) {
		if f.code != "" {
			affirmed[f.code] = true
		}
	}
	for ci := range lx.conditions {
		c := &lx.conditions[ci]
		if c.Code == "" {
			continue
		}
		for _, syn := range c.synonyms {
			for _, m := range findMentions(text, syn.phrase, notThisCondition) {
				if m.assertion != Affirmed {
					notAffirmed[c.Code] = true
				}
			}
		}
	}
	for code := range affirmed {
		delete(notAffirmed, code)
	}
	return affirmed, notAffirmed, nil
}
