package draft

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"greffier/domain"
	"greffier/notes/schema"
)

// CheckFacts verifies that the clinical facts each sentence and item states are in
// the segments it cites: medication names, numbers (doses, vitals, durations) with
// their units, frequencies, sides, body sites, weekdays, and negation. Matching is
// tolerant ("twenty" = "20", "b.i.d." = "twice a day" = "deux fois par jour").
// Each item with a fact its evidence lacks gets one unsupported_fact warning whose
// path points at it and whose message names the facts. Items without valid evidence
// are left to CheckEvidence. It returns the number of items flagged; running it
// again adds no duplicate warning.
func CheckFacts(note *schema.Note, segs []domain.Segment) int {
	lx, err := loadLexicon()
	if err != nil {
		return 0 // the embedded lexicon is tested; without it nothing can be checked
	}
	byID := make(map[int]string, len(segs))
	for _, s := range segs {
		byID[s.ID] = s.Text
	}
	warned := map[string]bool{}
	for _, w := range note.Warnings {
		warned[w.Kind+" "+w.Path] = true
	}
	flagged := 0
	check := func(path, text string, ev schema.Evidence, extra ...func(evidence string) []string) {
		var parts []string
		for _, id := range ev {
			if t, ok := byID[id]; ok {
				parts = append(parts, t)
			}
		}
		if len(parts) == 0 {
			return
		}
		evidence := strings.Join(parts, "\n")
		missing := unsupportedFacts(lx, text, evidence)
		for _, x := range extra {
			missing = append(missing, x(evidence)...)
		}
		if len(missing) == 0 {
			return
		}
		flagged++
		if warned[schema.WarnUnsupportedFact+" "+path] {
			return
		}
		warned[schema.WarnUnsupportedFact+" "+path] = true
		note.AddWarning(schema.WarnUnsupportedFact, path, Label(note.Language,
			"Not found in the cited segments: "+strings.Join(missing, "; "),
			"Absent des segments cités : "+strings.Join(missing, " ; ")))
	}
	sentences := func(prefix string, ss []schema.Sentence) {
		for i, s := range ss {
			check(fmt.Sprintf("%s/%d", prefix, i), s.Text, s.Evidence)
		}
	}
	for i, s := range note.Sections {
		sentences(fmt.Sprintf("/sections/%d/sentences", i), s.Sentences)
	}
	for i, p := range note.Problems {
		// A problem states a condition and maybe a side; its title's other words
		// ("type 2 diabetes mellitus") are the coder's, not the speaker's.
		if p.ICD10 != nil {
			check(fmt.Sprintf("/problems/%d", i), sidesOnly(p.Title+". "+p.ICD10.Title), p.Evidence, func(ev string) []string {
				return conditionMismatch(lx, p, ev)
			})
		}
	}
	for i, m := range note.Medications {
		check(fmt.Sprintf("/medications/%d", i), strings.Join([]string{m.Name, m.Dose, m.Route, m.Frequency}, " "), m.Evidence)
	}
	for i, v := range note.Vitals {
		check(fmt.Sprintf("/vitals/%d", i), v.Value, v.Evidence)
	}
	for i, o := range note.Orders {
		check(fmt.Sprintf("/orders/%d", i), o.Text, o.Evidence)
	}
	for i, a := range note.Allergies {
		check(fmt.Sprintf("/allergies/%d", i), a.Substance, a.Evidence)
	}
	sentences("/follow_up", note.FollowUp)
	sentences("/patient_instructions", note.PatientInstructions)
	if note.ReferralLetter != nil {
		sentences("/referral_letter/sentences", note.ReferralLetter.Sentences)
	}
	return flagged
}

// facts are what a text states, in comparable form.
type facts struct {
	drugs    map[string]bool
	numbers  map[string]bool   // "20", "0.5"
	units    map[string]string // number → unit family value ("20" → "mg") when stated with one
	freqs    map[string]bool   // canonical frequencies: "2/d", "prn", "hs"
	sides    map[string]int    // "right", "left", "both": how many times
	lines    []factLine        // normalized words by line (evidence: one segment a line)
	sites    map[string]bool   // canonical body sites
	weekdays map[string]bool
	levels   map[string]bool            // spinal levels: "c5", "l4"
	sideOf   map[string]map[string]bool // body site → the sides named with it ("right knee", "genou droit")
	sided    []sidedSite                // each side named with a site, with the words around it
	bare     map[string]bool            // sides named with no site nor "side" ("it's just mostly my left")
	sideNoun map[string]map[string]bool // a word right after a side that is no site ("left base", "right paraspinal") → its sides
	dated    bool                       // names a month or a year without its number ("in march", "this year")
	words    []string                   // normalized words, for negation
}

var (
	numberRE = regexp.MustCompile(`\d+(?:[.,]\d+)?`)
	// unitAfter reads a unit right after a number.
	unitAfter = regexp.MustCompile(`^\s*(mg|milligrams?|milligrammes?|mcg|micrograms?|microgrammes?|µg|g|grams?|grammes?|ml|milliliters?|millilitres?|units?|unités?|iu|ui|%|percent|pour cent|kg|kilos?|kilograms?|kilogrammes?|lbs?|pounds?|mmhg|days?|jours?|weeks?|semaines?|months?|mois|years?|ans?|années?|hours?|heures?|h|minutes?|min|times?|fois|puffs?|bouffées?|tablets?|comprimés?|pills?|cm|inches|degrees?|degrés?)\b`)
	freqForms = []struct {
		re    *regexp.Regexp
		canon string
	}{
		{regexp.MustCompile(`\b(?:b\.?i\.?d\.?|twice (?:a|per) day|twice daily|2 times (?:a|per) day|2 times daily|2 fois par jour|matin et soir|every 12 hours|toutes les 12 heures)\b`), "2/d"},
		{regexp.MustCompile(`\b(?:t\.?i\.?d\.?|3 times (?:a|per) day|3 times daily|3 fois par jour|every 8 hours|toutes les 8 heures)\b`), "3/d"},
		{regexp.MustCompile(`\b(?:q\.?i\.?d\.?|4 times (?:a|per) day|4 times daily|4 fois par jour|every 6 hours|toutes les 6 heures)\b`), "4/d"},
		{regexp.MustCompile(`\b(?:q\.?d\.?|once (?:a|per) day|once daily|daily|every day|1 time (?:a|per) day|a day|per day|1 fois par jour|une fois par jour|par jour|chaque jour|tous les jours|quotidien(?:ne)?)\b`), "1/d"},
		{regexp.MustCompile(`\b(?:q\.?h\.?s\.?|at bedtime|at night|nightly|before bed|au coucher|le soir)\b`), "hs"},
		{regexp.MustCompile(`\b(?:p\.?r\.?n\.?|as needed|when needed|if needed|occasional|occasionally|from time to time|every once in a while|once in a while|si besoin|au besoin|de temps en temps)\b`), "prn"},
		{regexp.MustCompile(`\b(?:weekly|once (?:a|per) week|every week|1 fois par semaine|une fois par semaine|par semaine|chaque semaine)\b`), "1/w"},
	}
	sideWords = map[string]string{"right": "right", "left": "left", "droit": "right", "droite": "right", "droits": "right", "droites": "right",
		"gauche": "left", "gauches": "left", "bilateral": "both", "bilaterally": "both", "bilatéral": "both", "bilatérale": "both", "both": "both"}
	// notSide: "right" and "left" in phrases that are not about a side.
	notSide   = regexp.MustCompile(`\b(?:all right|alright|right now|right away|right after|right before|right there|right here|that s right|that is right|is that right|you re right|right so|right okay|right ok|left over|leftover|i left|he left|she left|they left|we left|left the|left it|left home|left work)\b`)
	siteWords = map[string]string{
		"knee": "knee", "knees": "knee", "genou": "knee", "genoux": "knee", "wrist": "wrist", "wrists": "wrist", "poignet": "wrist",
		"ankle": "ankle", "ankles": "ankle", "cheville": "ankle", "shoulder": "shoulder", "shoulders": "shoulder", "épaule": "shoulder",
		"hip": "hip", "hips": "hip", "hanche": "hip", "elbow": "elbow", "elbows": "elbow", "coude": "elbow", "hand": "hand", "hands": "hand", "main": "hand",
		"foot": "foot", "feet": "foot", "pied": "foot", "pieds": "foot", "finger": "finger", "fingers": "finger", "doigt": "finger", "doigts": "finger",
		"thumb": "thumb", "pouce": "thumb", "toe": "toe", "toes": "toe", "orteil": "toe", "neck": "neck", "cou": "neck", "nuque": "neck",
		"chest": "chest", "thorax": "chest", "poitrine": "chest", "thoracique": "chest", "thoraciques": "chest", "épaules": "shoulder", "chevilles": "ankle", "poignets": "wrist", "hanches": "hip", "coudes": "elbow", "mains": "hand", "abdomen": "abdomen", "abdominal": "abdomen", "stomach": "abdomen",
		"belly": "abdomen", "ventre": "abdomen", "abdominale": "abdomen", "arm": "arm", "arms": "arm", "bras": "arm", "leg": "leg", "legs": "leg", "jambe": "leg", "jambes": "leg",
		"eye": "eye", "eyes": "eye", "œil": "eye", "yeux": "eye", "ear": "ear", "ears": "ear", "oreille": "ear", "oreilles": "ear",
		"throat": "throat", "gorge": "throat", "head": "head", "tête": "head", "heel": "heel", "talon": "heel", "calf": "calf", "mollet": "calf",
		"thigh": "thigh", "cuisse": "thigh", "lung": "lung", "lungs": "lung", "poumon": "lung", "poumons": "lung", "kidney": "kidney", "kidneys": "kidney", "rein": "kidney", "reins": "kidney",
	}
	weekdayWords = map[string]string{"monday": "mon", "lundi": "mon", "tuesday": "tue", "mardi": "tue", "wednesday": "wed", "mercredi": "wed",
		"thursday": "thu", "jeudi": "thu", "friday": "fri", "vendredi": "fri", "saturday": "sat", "samedi": "sat", "sunday": "sun", "dimanche": "sun"}
)

// unitFamily folds a unit's spellings (and languages) into one name.
func unitFamily(u string) string {
	switch {
	case u == "mg" || strings.HasPrefix(u, "milligram"):
		return "mg"
	case u == "mcg" || u == "µg" || strings.HasPrefix(u, "microgram"):
		return "mcg"
	case u == "g" || strings.HasPrefix(u, "gram"):
		return "g"
	case u == "ml" || strings.HasPrefix(u, "millil"):
		return "ml"
	case strings.HasPrefix(u, "unit") || u == "iu" || u == "ui":
		return "units"
	case u == "%" || u == "percent" || u == "pour cent":
		return "%"
	case u == "kg" || strings.HasPrefix(u, "kilo"):
		return "kg"
	case strings.HasPrefix(u, "lb") || strings.HasPrefix(u, "pound"):
		return "lb"
	case strings.HasPrefix(u, "day") || strings.HasPrefix(u, "jour"):
		return "day"
	case strings.HasPrefix(u, "week") || strings.HasPrefix(u, "semaine"):
		return "week"
	case strings.HasPrefix(u, "month") || u == "mois":
		return "month"
	case strings.HasPrefix(u, "year") || u == "an" || u == "ans" || strings.HasPrefix(u, "année"):
		return "year"
	case strings.HasPrefix(u, "hour") || strings.HasPrefix(u, "heure") || u == "h":
		return "hour"
	case strings.HasPrefix(u, "min"):
		return "minute"
	case strings.HasPrefix(u, "time") || u == "fois":
		return "times"
	case strings.HasPrefix(u, "tablet") || strings.HasPrefix(u, "comprim") || strings.HasPrefix(u, "pill"):
		return "tablet"
	}
	return u
}

// readFacts extracts the facts of a text. Evidence (speech) is also read for the
// counts it says in words ("a couple of weeks", "the second dose", "in march");
// a statement's numbers are those it writes.
func readFacts(lx *lexicon, text string, evidence bool) facts {
	f := facts{drugs: map[string]bool{}, numbers: map[string]bool{}, units: map[string]string{}, freqs: map[string]bool{},
		sides: map[string]int{}, bare: map[string]bool{}, sites: map[string]bool{}, weekdays: map[string]bool{}, levels: map[string]bool{}}
	num := factText(text)
	norm := normalize(num)
	for _, d := range lx.findDrugs(normalize(digitize(text))) {
		f.drugs[d.Name] = true
	}
	counted, _ := readFrequencies(num)
	if evidence {
		counted = countText(text)
	}
	for _, loc := range numberRE.FindAllStringIndex(counted, -1) {
		if gluedToWord(counted, loc[0]) {
			continue // "a1c", "mm2": part of a name
		}
		n := canonNumber(counted[loc[0]:loc[1]])
		f.numbers[n] = true
		if m := unitAfter.FindStringSubmatch(counted[loc[1]:]); m != nil {
			f.units[n+" "+unitFamily(m[1])] = unitFamily(m[1])
		}
	}
	for _, l := range levelRE.FindAllString(num, -1) {
		f.levels[l] = true
	}
	f.dated = relativeYear.MatchString(counted) || containsMonth(num)
	_, f.freqs = readFrequencies(num)
	sideText := sideAlternatives.ReplaceAllString(notSide.ReplaceAllString(norm, " "), " ")
	f.words = strings.Fields(norm)
	f.lines = readLines(text)
	f.sideOf = map[string]map[string]bool{}
	sw := strings.Fields(sideText)
	f.sideNoun = sidedNouns(sw)
	for i, w := range sw {
		sd, ok := sideWords[w]
		if !ok {
			continue
		}
		f.sides[sd]++
		// The site named right after the side ("right index finger"), or right before
		// it ("genou droit").
		f.bare[sd] = true
		for _, k := range []int{i + 1, i + 2, i + 3, i - 1} {
			if k >= 0 && k < len(sw) && (sw[k] == "side" || sw[k] == "sided" || sw[k] == "côté") {
				delete(f.bare, sd)
			}
			if k < 0 || k >= len(sw) {
				continue
			}
			if site, ok := siteWords[sw[k]]; ok {
				if f.sideOf[site] == nil {
					f.sideOf[site] = map[string]bool{}
				}
				f.sideOf[site][sd] = true
				f.sided = append(f.sided, sidedSite{side: sd, site: site, near: nearWords(sw, min(i, k), max(i, k))})
				delete(f.bare, sd)
				break
			}
		}
	}
	for _, w := range f.words {
		if s, ok := siteWords[w]; ok {
			f.sites[s] = true
		}
		if d, ok := weekdayWords[w]; ok {
			f.weekdays[d] = true
		}
	}
	return f
}

// readFrequencies returns the canonical frequencies of a text, and the text
// without them. Longer forms first, each blanked once read: "twice a day" is not
// also "a day".
func readFrequencies(text string) (string, map[string]bool) {
	out := map[string]bool{}
	for _, fr := range freqForms {
		if fr.re.MatchString(text) {
			out[fr.canon] = true
			text = fr.re.ReplaceAllString(text, " ")
		}
	}
	return text, out
}

// sidedSite is a side named with a body site, and the content words said around it.
type sidedSite struct {
	side, site string
	near       map[string]bool
}

// sideWindow is how far around a side and its site the words said of it are read.
const sideWindow = 6

// nearWords returns the stemmed content words within sideWindow of words[from:to+1],
// up to another side.
func nearWords(words []string, from, to int) map[string]bool {
	out := map[string]bool{}
	for _, dir := range []int{-1, 1} {
		start := from
		if dir > 0 {
			start = to
		}
		for k, n := start+dir, 0; k >= 0 && k < len(words) && n < sideWindow; k, n = k+dir, n+1 {
			w := words[k]
			if _, ok := sideWords[w]; ok {
				break
			}
			if _, ok := siteWords[w]; ok || len([]rune(w)) < 4 || stopWords[w] || strictStops[w] {
				continue
			}
			out[stem(w)] = true
		}
	}
	return out
}

// containsMonth reports whether a text names a month.
func containsMonth(text string) bool {
	for _, w := range strings.Fields(normalize(text)) {
		if _, ok := monthNumbers[w]; ok {
			return true
		}
	}
	return mayMonth.MatchString(text)
}

// canonNumber writes "020" as "20", "1,50" and "1.5" as "1.5".
func canonNumber(raw string) string {
	n := strings.ReplaceAll(raw, ",", ".")
	if strings.Contains(n, ".") {
		return strings.TrimSuffix(strings.TrimRight(n, "0"), ".")
	}
	if n = strings.TrimLeft(n, "0"); n == "" {
		return "0"
	}
	return n
}

// sidesOnly keeps the side words of a text (the only fact of a problem's title that
// the transcript must state as such).
func sidesOnly(text string) string {
	var out []string
	for _, w := range strings.Fields(notSide.ReplaceAllString(normalize(text), " ")) {
		if _, ok := sideWords[w]; ok {
			out = append(out, w)
		}
	}
	return strings.Join(out, " ")
}

// UnsupportedFacts returns the facts of statement that evidence does not support,
// each named for a reader ("number 40", "side left", "negation of fever dropped").
func UnsupportedFacts(statement, evidence string) ([]string, error) {
	lx, err := loadLexicon()
	if err != nil {
		return nil, err
	}
	return unsupportedFacts(lx, statement, evidence), nil
}

func unsupportedFacts(lx *lexicon, statement, evidence string) []string {
	s, e := readFacts(lx, statement, false), readFacts(lx, evidence, true)
	var out []string
	out = appendMissing(out, "medication ", s.drugs, e.drugs)
	for n := range s.numbers {
		if !e.numbers[n] && !(isYear(n) && yearSupported(n, e)) {
			out = append(out, "number "+n)
		}
	}
	out = appendMissing(out, "level ", s.levels, e.levels)
	for k, fam := range s.units {
		n := strings.TrimSuffix(k, " "+fam)
		if e.numbers[n] && e.units[k] == "" && hasUnitFor(e, n, unitKind(fam)) {
			out = append(out, "unit "+k)
		}
	}
	out = appendMissing(out, "frequency ", s.freqs, e.freqs)
	// A side named with a site the evidence names only with other sides was swapped
	// (unless the evidence also says the side alone: "my right hand is fine, it's
	// mostly my left").
	swapped := map[string]bool{}
	for site, sds := range s.sideOf {
		for sd := range sds {
			if ev := e.sideOf[site]; len(ev) > 0 && !ev[sd] && !ev["both"] && sd != "both" && !e.bare[sd] {
				swapped[sd] = true
			}
		}
	}
	for _, sd := range swappedOnNouns(s.sideNoun, e.sideNoun) {
		swapped[sd] = true
	}
	// When the evidence names the site with both sides, the side goes with what is
	// said of it: "edema of your right knee, but your left knee looks fine".
	for _, p := range s.sided {
		if p.side == "both" || swapped[p.side] {
			continue
		}
		this, other := 0, 0
		for _, q := range e.sided {
			if q.site != p.site || q.side == "both" {
				continue
			}
			n := 0
			for w := range q.near {
				if p.near[w] {
					n++
				}
			}
			if q.side == p.side {
				this = max(this, n)
			} else {
				other = max(other, n)
			}
		}
		if other >= 2 && other > this {
			swapped[p.side] = true
		}
	}
	both := e.sides["right"] > 0 && e.sides["left"] > 0
	for sd, n := range s.sides {
		if swapped[sd] {
			out = append(out, "side "+sd)
			continue
		}
		// A side the evidence does not name was swapped; when it names both, a side
		// said more often than the evidence says it was swapped somewhere.
		if sd != "both" && (e.sides[sd] == 0 || both && n > e.sides[sd]) {
			out = append(out, "side "+sd)
		}
	}
	out = appendMissing(out, "body site ", s.sites, e.sites)
	out = appendMissing(out, "day ", s.weekdays, e.weekdays)
	out = append(out, negationMismatches(s.lines, e.lines)...)
	out = append(out, withWithout(s.lines, e.lines)...)
	if denies(s.lines, false) && !denies(e.lines, true) {
		out = append(out, "negation (the cited segments deny nothing)")
	}
	if quoted(s.lines, e.lines) && negations(s.lines) != negations(e.lines) {
		out = append(out, fmt.Sprintf("negation (%d in the sentence, %d in the quoted segments)", negations(s.lines), negations(e.lines)))
	}
	slices.Sort(out)
	return out
}

// appendMissing adds, named with prefix, the facts of stated the evidence lacks.
func appendMissing(out []string, prefix string, stated, evidence map[string]bool) []string {
	for k := range stated {
		if !evidence[k] {
			out = append(out, prefix+k)
		}
	}
	return out
}

// hasUnitFor reports whether the evidence states n with a unit of the same kind
// (a duration, an amount, a count): "2 weeks" there makes "2 days" a changed unit,
// "in 2 weeks" does not make "2 tablets" one.
func hasUnitFor(f facts, n, kind string) bool {
	for k, fam := range f.units {
		if strings.HasPrefix(k, n+" ") && unitKind(fam) == kind {
			return true
		}
	}
	return false
}

func unitKind(family string) string {
	switch family {
	case "day", "week", "month", "year", "hour", "minute":
		return "time"
	case "tablet", "times":
		return "count"
	}
	return "amount"
}

// conditionMismatch checks a coded problem against its evidence: the condition must
// be affirmed there (not denied, doubted, hypothetical, past or someone else's), and
// a diabetes code must have the type the evidence names.
func conditionMismatch(lx *lexicon, p schema.Problem, evidence string) []string {
	title := normalize(p.Title)
	for ci := range lx.conditions {
		c := &lx.conditions[ci]
		if !strings.EqualFold(p.Title, c.TitleEN) && !strings.EqualFold(p.Title, c.TitleFR) && !anyCue(c.synonyms, title) {
			continue
		}
		seen, affirmed := Affirmed, false
		found := false
		for _, syn := range c.synonyms {
			for _, m := range findMentions(evidence, syn.phrase, notThisCondition) {
				found = true
				if m.assertion == Affirmed {
					affirmed = true
				} else {
					seen = m.assertion
				}
			}
		}
		if found && !affirmed {
			return []string{fmt.Sprintf("condition %s (%s there)", strings.ToLower(c.TitleEN), seen)}
		}
		break
	}
	code := strings.ToUpper(p.ICD10.Code)
	ev := normalize(evidence)
	t1 := strings.Contains(ev, " type 1 ") || strings.Contains(ev, " type i ") || strings.Contains(ev, " type one ") || strings.Contains(ev, " juvenile diabetes ")
	t2 := strings.Contains(ev, " type 2 ") || strings.Contains(ev, " type ii ") || strings.Contains(ev, " type two ")
	switch {
	case strings.HasPrefix(code, "E11") && t1 && !t2:
		return []string{"diabetes type 2 (the evidence says type 1)"}
	case strings.HasPrefix(code, "E10") && t2 && !t1:
		return []string{"diabetes type 1 (the evidence says type 2)"}
	}
	return nil
}
