package draft

import (
	"regexp"
	"strconv"
	"strings"

	"greffier/domain"
	"greffier/notes/schema"
)

// unit is what the extractive drafter quotes: one segment, or a clinician's question
// with the patient's short answer.
type unit struct {
	text     string // cleaned quote
	norm     string // normalize(text)
	num      string // digitize(text): lower case, numbers as digits
	role     domain.Role
	question bool        // a question left unanswered (or answered at length elsewhere)
	answer   int         // for question+answer units: +1 yes, -1 no, 0 other
	asker    domain.Role // for question+answer units: who asked
	ask      string      // for question+answer units: the question and the reply, cleaned
	reply    string
	source   string // the cited segments' text, one per line: what the fact checker reads
	evidence schema.Evidence
}

var (
	yesWords = []cue{newCue("yes"), newCue("yeah"), newCue("yep"), newCue("i do"), newCue("i am"), newCue("i have"), newCue("oui"), newCue("ouais"), newCue("correct"), newCue("right"), newCue("uh huh"), newCue("mm hmm")}
	noWords  = []cue{newCue("no"), newCue("nope"), newCue("not really"), newCue("never"), newCue("i don t"), newCue("i do not"), newCue("i didn t"), newCue("i did not"), newCue("i haven t"), newCue("i have not"), newCue("i m not"), newCue("i am not"), newCue("non"), newCue("pas du tout"), newCue("jamais"), newCue("nothing"), newCue("none")}
	negation = map[string]bool{"no": true, "not": true, "denies": true, "deny": true, "denied": true, "without": true, "negative": true, "never": true, "don": true, "doesn": true, "didn": true, "isn": true, "haven": true,
		"pas": true, "sans": true, "aucun": true, "aucune": true, "jamais": true, "ni": true, "non": true}
	familyWords = map[string]bool{"mother": true, "father": true, "mom": true, "dad": true, "sister": true, "brother": true, "family": true, "grandmother": true, "grandfather": true, "aunt": true, "uncle": true,
		"mère": true, "père": true, "sœur": true, "frère": true, "famille": true, "grand": true, "tante": true, "oncle": true}
)

// answerSign says whether a short reply is a yes (+1), a no (-1) or neither.
func answerSign(norm string) int {
	first := strings.Fields(norm)
	if len(first) == 0 {
		return 0
	}
	head := " " + strings.Join(first[:min(3, len(first))], " ") + " "
	if anyCue(noWords, head) {
		return -1
	}
	if anyCue(yesWords, head) {
		return 1
	}
	return 0
}

// negatedBefore reports whether one of the four words before byte offset pos of a
// normalized text negates what follows, or names a relative (family history).
func negatedBefore(norm string, pos int) bool {
	words := strings.Fields(norm[:pos])
	for i := len(words) - 1; i >= 0 && i >= len(words)-4; i-- {
		if negation[words[i]] || familyWords[words[i]] {
			return true
		}
	}
	return false
}

// conditionalBefore reports whether one of the four words before pos makes what
// follows hypothetical ("call us if the fever goes up", "si la fièvre persiste").
func conditionalBefore(norm string, pos int) bool {
	words := strings.Fields(norm[:pos])
	for i := len(words) - 1; i >= 0 && i >= len(words)-4; i-- {
		switch words[i] {
		case "if", "unless", "whether", "si", "sinon":
			return true
		}
	}
	return false
}

// allergyBefore reports whether one of the four words before pos speaks of allergy
// ("allergic to penicillin": the drug is an allergen, not a treatment).
func allergyBefore(norm string, pos int) bool {
	words := strings.Fields(norm[:pos])
	for i := len(words) - 1; i >= 0 && i >= len(words)-4; i-- {
		if strings.HasPrefix(words[i], "allerg") {
			return true
		}
	}
	return false
}

// affirmed reports whether a unit states facts: not an open question, and not a
// question answered no.
func (u unit) affirmed() bool { return !u.question && u.answer >= 0 }

var (
	doseRE  = regexp.MustCompile(`(\d+(?:[.,]\d+)?)\s*(mg|milligrams?|milligrammes?|mcg|micrograms?|microgrammes?|µg|g|grams?|grammes?|ml|milliliters?|millilitres?|units?|unités?|iu|ui|puffs?|bouffées?|tablets?|comprimés?|pills?|gélules?|capsules?|drops?|gouttes?|%)(?:[^\p{L}]|$)`)
	freqRE  = regexp.MustCompile(`\b(?:(?:once|twice|\d+ times) (?:a|per|each) (?:day|week|month)|daily|(?:a|per) day|every (?:day|morning|night|evening|other day|\d+ (?:hours|days|weeks))|at (?:bedtime|night)|nightly|weekly|monthly|b\.?i\.?d|t\.?i\.?d|q\.?i\.?d|q\.?d|qhs|prn|as needed|in the (?:morning|evening)|\d+ fois par (?:jour|semaine|mois)|une fois par (?:jour|semaine|mois)|par jour|matin et soir|le matin|le soir|au coucher|si besoin|toutes les \d+ heures|chaque (?:jour|matin|soir))\b`)
	routeRE = regexp.MustCompile(`\b(?:by mouth|orally|oral|po|topical(?:ly)?|inhaled|inhaler|injections?|subcutaneous(?:ly)?|intravenous(?:ly)?|iv|im|nasal spray|eye drops|cream|ointment|patch|suppositor(?:y|ies)|per os|par voie orale|par la bouche|en injection|piqûre|crème|pommade|collyre|inhalateur|sous-cutanée?)\b`)
)

var (
	actionStart  = cues([]string{"start*", "prescrib*", "put you on", "put him on", "put her on", "begin", "initiate", "try you on", "give you", "new prescription", "prescri*", "commenc*", "début*", "introdui*", "mettre sous", "je vous donne"})
	actionStop   = cues([]string{"stop*", "discontinu*", "hold off", "come off", "get off", "quit", "no longer", "arrêt*", "cesse*", "suspend*"})
	actionChange = cues([]string{"increase", "decrease", "raise", "lower the", "bump", "double", "switch*", "change*", "adjust*", "reduce", "cut back", "augment*", "diminu*", "baiss*", "remplac*", "modifi*", "passer à"})
	actionCont   = cues([]string{"continue*", "keep taking", "still taking", "taking", "i take", "you take", "you re on", "i m on", "refill*", "stay on", "continu*", "prend*", "renouvel*"})
)

func medicationAction(norm string) string {
	switch {
	case anyCue(actionStop, norm):
		return schema.ActionStop
	case anyCue(actionChange, norm):
		return schema.ActionChange
	case anyCue(actionStart, norm):
		return schema.ActionStart
	case anyCue(actionCont, norm):
		return schema.ActionContinue
	}
	return schema.ActionUnknown
}

// medications finds drug names with dose, route and frequency in each unit and merges
// repeated mentions of a drug (the latest stated action wins; evidence accumulates).
func medications(lx *lexicon, units []unit) []schema.Medication {
	var meds []schema.Medication
	index := map[string]int{}
	for _, u := range units {
		if !u.affirmed() {
			continue
		}
		found := lx.findDrugs(normalize(u.num))
		cursor := 0
		for k, m := range found {
			if negatedBefore(normalize(u.num), m.Pos) && !anyCue(actionStop, u.norm) || allergyBefore(normalize(u.num), m.Pos) {
				continue // "no aspirin", "allergic to penicillin": not a medication taken
			}
			// Dose, route and frequency are read after the name, up to the next drug.
			window := medWindow(u.num, m.Name, &cursor, found[k+1:])
			med := schema.Medication{Name: m.Name, Action: medicationAction(u.norm), Evidence: u.evidence}
			if d := doseRE.FindStringSubmatch(window); d != nil {
				med.Dose = d[1] + " " + doseUnit(d[2])
			}
			med.Frequency = freqRE.FindString(window)
			med.Route = routeRE.FindString(window)
			i, ok := index[m.Name]
			if !ok {
				index[m.Name] = len(meds)
				meds = append(meds, med)
				continue
			}
			mergeMedication(&meds[i], med)
		}
	}
	return meds
}

// medWindow returns the text of num from the drug's name (searched from *cursor)
// to the next drug's name, and advances *cursor. Names the lexicon normalized
// differently from the text ("z-pack") fall back to the rest of the text.
func medWindow(num, name string, cursor *int, next []drugMatch) string {
	rest := num[*cursor:]
	i := strings.Index(rest, name)
	if i < 0 {
		return rest
	}
	rest = rest[i+len(name):]
	*cursor += i + len(name)
	if len(next) > 0 {
		if j := strings.Index(rest, next[0].Name); j >= 0 {
			rest = rest[:j]
		}
	}
	return rest
}

func doseUnit(u string) string {
	switch {
	case strings.HasPrefix(u, "mg"), strings.HasPrefix(u, "milligram"):
		return "mg"
	case strings.HasPrefix(u, "mcg"), strings.HasPrefix(u, "microgram"), u == "µg":
		return "mcg"
	case u == "g", strings.HasPrefix(u, "gram"):
		return "g"
	case u == "ml", strings.HasPrefix(u, "millil"):
		return "ml"
	case strings.HasPrefix(u, "unit"), strings.HasPrefix(u, "unité"), u == "iu", u == "ui":
		return "units"
	}
	return u
}

func mergeMedication(dst *schema.Medication, m schema.Medication) {
	if dst.Dose == "" || (m.Dose != "" && m.Action != schema.ActionUnknown) {
		if m.Dose != "" {
			dst.Dose = m.Dose
		}
	}
	if m.Frequency != "" {
		dst.Frequency = m.Frequency
	}
	if m.Route != "" {
		dst.Route = m.Route
	}
	if m.Action != schema.ActionUnknown {
		dst.Action = m.Action
	}
	dst.Evidence = appendIDs(dst.Evidence, m.Evidence)
}

func appendIDs(a, b schema.Evidence) schema.Evidence {
	out := append(schema.Evidence{}, a...)
	for _, id := range b {
		dup := false
		for _, x := range out {
			dup = dup || x == id
		}
		if !dup {
			out = append(out, id)
		}
	}
	return out
}

type vitalRule struct {
	kind string
	re   *regexp.Regexp
	unit func(value string) string
}

func fixedUnit(u string) func(string) string { return func(string) string { return u } }

var vitalRules = []vitalRule{
	{schema.VitalBP, regexp.MustCompile(`(?:blood pressure|\bbp\b|tension(?: artérielle)?|pression artérielle|\bta\b)[^0-9]{0,40}?(\d{2,3})\s*(?:/|over|sur)\s*(\d{2,3})`), fixedUnit("mmHg")},
	{schema.VitalHR, regexp.MustCompile(`(?:heart rate|pulse|\bhr\b|fréquence cardiaque|pouls|\bfc\b)[^0-9]{0,25}?(\d{2,3})\b`), fixedUnit("/min")},
	{schema.VitalRR, regexp.MustCompile(`(?:respiratory rate|respirations|\brr\b|fréquence respiratoire|\bfr\b)[^0-9]{0,25}?(\d{1,2})\b`), fixedUnit("/min")},
	{schema.VitalTemperature, regexp.MustCompile(`(?:temperature|\btemp\b|température)[^0-9]{0,25}?(\d{2,3}(?:[.,]\d)?)`), func(v string) string {
		if f, err := strconv.ParseFloat(strings.ReplaceAll(v, ",", "."), 64); err == nil && f > 45 {
			return "°F"
		}
		return "°C"
	}},
	{schema.VitalSpO2, regexp.MustCompile(`(?:oxygen saturation|o2 sat\w*|spo2|\bsats?\b|saturation|pulse ox\w*)[^0-9]{0,25}?(\d{2,3})\b`), fixedUnit("%")},
	{schema.VitalWeight, regexp.MustCompile(`(?:weight|weigh\w*|poids|pèse)[^0-9]{0,25}?(\d{2,3}(?:[.,]\d)?)\s*(pounds|lbs?|kg|kilos?|kilogrammes?|kilograms?)`), nil},
	{schema.VitalHeight, regexp.MustCompile(`(?:height|taille|mesure)[^0-9]{0,25}?(\d(?:[.,]\d+)?|\d{3})\s*(m|cm|meters?|mètres?|centimeters?|centimètres?)\b`), nil},
	{schema.VitalBMI, regexp.MustCompile(`(?:\bbmi\b|body mass index|\bimc\b|indice de masse corporelle)[^0-9]{0,20}?(\d{2}(?:[.,]\d)?)`), fixedUnit("kg/m²")},
	{schema.VitalGlucose, regexp.MustCompile(`(?:blood sugars?|glucose|glycémie|sugars? (?:is|are|was|were|have been))[^0-9]{0,25}?(\d{2,3})\b`), nil},
	{schema.VitalPain, regexp.MustCompile(`(?:pain|douleur|hurts?)[^0-9]{0,40}?(\d{1,2})\s*(?:out of|/|sur)\s*10\b`), fixedUnit("/10")},
}

// vitals reads measured signs stated in the transcript.
func vitals(units []unit) []schema.Vital {
	var out []schema.Vital
	seen := map[string]bool{}
	for _, u := range units {
		if !u.affirmed() {
			continue
		}
		for _, r := range vitalRules {
			m := r.re.FindStringSubmatch(u.num)
			if m == nil {
				continue
			}
			v := schema.Vital{Kind: r.kind, Value: m[1], Evidence: u.evidence}
			switch {
			case r.kind == schema.VitalBP:
				v.Value = m[1] + "/" + m[2]
			case r.unit == nil && len(m) > 2:
				v.Unit = strings.TrimSuffix(m[2], "s")
			case r.unit == nil:
				v.Unit = "mg/dL"
			}
			if r.unit != nil {
				v.Unit = r.unit(v.Value)
			}
			if k := r.kind + v.Value; !seen[k] {
				seen[k] = true
				out = append(out, v)
			}
		}
	}
	return out
}

var (
	allergyRE    = regexp.MustCompile(`(?:allergic to|allergy to|allergies to|allergique (?:à la |à l |à l'|au |aux |à )|allergie (?:à la |à l |à l'|au |aux |à ))\s*([\p{L}][\p{L}' -]{1,40}?)(?:[,.;!?]| and | but | which | that | it | et | mais | qui |$)`)
	noAllergyRE  = regexp.MustCompile(`\b(?:no (?:known )?(?:drug |medication )?allergies|nkda|pas d'allergies?|aucune allergie|pas allergique|not allergic to anything)\b`)
	reactionRE   = regexp.MustCompile(`\b(rash|hives|swelling|anaphylaxis|itching|itchy|throat (?:closes|closing)|urticaire|éruption|gonflement|démangeaisons|œdème de quincke|choc anaphylactique)\b`)
	allergyAsked = cues([]string{"allerg*"})
	// allergyMoreRE reads the last item of a list of allergens: one to three words
	// up to the end of the clause.
	allergyMoreRE = regexp.MustCompile(`^([\p{L}][\p{L}'-]*(?: [\p{L}][\p{L}'-]*){0,2})\s*(?:[,.;!?]|$)`)
)

// allergies reads stated allergies, and "no allergies" (said, or answered no to a
// question about allergies).
func allergies(units []unit, lang string) []schema.Allergy {
	var out []schema.Allergy
	seen := map[string]bool{}
	none := "No known allergies"
	if lang == "fr" {
		none = "Aucune allergie connue"
	}
	add := func(a schema.Allergy) {
		k := strings.ToLower(a.Substance)
		if !seen[k] {
			seen[k] = true
			out = append(out, a)
		}
	}
	for _, u := range units {
		lower := strings.ToLower(u.text)
		if u.question && !anyCue(allergyAsked, u.norm) {
			continue
		}
		switch {
		case u.answer < 0 && anyCue(allergyAsked, u.norm), !u.question && noAllergyRE.MatchString(lower):
			add(schema.Allergy{Substance: none, Evidence: u.evidence})
		case u.affirmed():
			for _, m := range allergyRE.FindAllStringSubmatchIndex(lower, -1) {
				sub := strings.TrimSpace(lower[m[2]:m[3]])
				if sub == "" || strings.HasPrefix(sub, "anything") || strings.HasPrefix(sub, "any ") || strings.HasPrefix(sub, "rien") {
					continue
				}
				subs := []string{sub}
				// "allergic to eggs and peanuts": the list goes on after "and".
				if strings.HasSuffix(lower[:m[1]], " and ") || strings.HasSuffix(lower[:m[1]], " et ") {
					if more := allergyMoreRE.FindStringSubmatch(lower[m[1]:]); more != nil {
						subs = append(subs, strings.TrimSpace(more[1]))
					}
				}
				for _, sub := range subs {
					a := schema.Allergy{Substance: sub, Evidence: u.evidence}
					if r := reactionRE.FindString(lower); r != "" {
						a.Reaction = r
					}
					add(a)
				}
			}
		}
	}
	// A named allergen contradicts "no known allergies" (said of other drugs:
	// "any other allergies? — no").
	if len(out) > 1 {
		kept := out[:0]
		for _, a := range out {
			if a.Substance != none {
				kept = append(kept, a)
			}
		}
		out = kept
	}
	return out
}
