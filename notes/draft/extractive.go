package draft

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"

	"greffier/domain"
	"greffier/notes/schema"
	"greffier/notes/templates"
)

// Extractive is the drafter used when no language model is configured. It is
// deterministic: it quotes transcript sentences (cleaned of hesitations) into the
// template's sections by cue words and speaker, and reads medications, vitals,
// allergies, problems, orders, follow-up and instructions with rules and word lists.
// Every item cites the segments it was read from. The zero value drafts without
// diagnosis codes.
type Extractive struct {
	// Codes suggests ICD-10-CM codes for the problems found; nil for none.
	Codes CodeSuggester
	// Selector scores which units a note keeps; nil uses the trained one shipped
	// with Greffier (selector.json).
	Selector *Selector
}

// shortAnswer: replies of at most this many words are quoted with the question.
const shortAnswer = 8

var (
	orderIntent = cues([]string{"order", "order you", "i m going to", "i am going to", "going to get", "i ll get", "we ll get", "i want to get", "i d like to get", "let s get", "we will", "we ll", "i ll", "schedule", "refer you", "refer him", "refer her", "send you", "set you up",
		"je vais", "on va", "nous allons", "je vous prescris", "je vous demande", "je vous adresse", "prescri*", "faire faire"})
	orderLab      = cues([]string{"blood work", "blood test*", "labs", "lab work", "a1c", "hemoglobin a1c", "cbc", "cmp", "bmp", "lipid panel", "cholesterol", "tsh", "thyroid panel", "urinalysis", "urine", "culture", "swab", "test for", "panel", "level*", "prise de sang", "bilan", "analyse*", "numération", "glycémie", "hba1c", "ecbu", "prélèvement"})
	orderImaging  = cues([]string{"x ray", "xray", "mri", "ct", "cat scan", "ultrasound", "echocardiogram", "echo", "mammogram", "dexa", "imaging", "radiographie", "radio", "irm", "scanner", "échographie", "mammographie", "imagerie"})
	orderReferral = cues([]string{"refer you", "refer him", "refer her", "referral", "specialist", "cardiolog*", "dermatolog*", "neurolog*", "orthoped*", "physical therapy", "physiotherap*", "nephrolog*", "endocrinolog*", "gastroenterolog*", "urolog*", "surgeon", "adresse*", "spécialiste", "kinésithérap*", "kiné", "consultation avec"})
	orderProc     = cues([]string{"ekg", "ecg", "electrocardiogram", "biopsy", "colonoscopy", "endoscopy", "injection", "stress test", "holter", "spirometry", "électrocardiogramme", "biopsie", "coloscopie", "endoscopie", "infiltration", "épreuve d effort", "spirométrie"})
	followUpCues  = cues([]string{"follow up", "come back", "see you back", "see you again", "see you in", "return in", "return to clinic", "recheck", "next visit", "next appointment", "in a week", "in two weeks", "weeks", "months",
		"revoir", "revenez", "reviendrez", "rendez vous", "contrôle", "prochaine visite", "dans un mois", "dans une semaine", "semaines", "mois"})
	followUpIntent  = cues([]string{"i want", "i d like", "i ll", "we ll", "let s", "come back", "see you", "return", "schedule", "follow up", "revoir", "revenez", "reviendrez", "rendez vous", "je veux", "je vous revois", "on se revoit", "contrôle"})
	instructionCues = cues([]string{"make sure", "try to", "avoid", "you should", "i want you to", "i d like you to", "i recommend", "i would recommend", "drink plenty", "rest", "ice", "elevate", "call us", "call me", "go to the er", "go to the emergency", "if it gets worse", "if you", "watch your", "low sodium", "diet", "exercise",
		"évitez", "essayez", "vous devez", "il faut", "buvez", "reposez", "appelez", "consultez", "si ça", "si les", "régime", "sans sel", "exercice", "urgences"})
	smallTalk = cues([]string{"thank you", "thanks", "you re welcome", "nice to meet", "good morning", "good afternoon", "how are you", "bye", "goodbye", "have a good", "merci", "bonjour", "au revoir", "bonne journée", "enchanté", "dax", "dragon"})
)

// Draft implements Drafter.
func (e Extractive) Draft(ctx context.Context, req Request) (schema.Note, error) {
	if req.Language != "fr" && req.Language != "en" {
		return schema.Note{}, domain.Errorf(domain.EInvalid, "note language %q: want fr or en", req.Language)
	}
	if err := req.Template.Validate(); err != nil {
		return schema.Note{}, domain.Wrap(domain.EInvalid, err, "draft template")
	}
	lx, err := loadLexicon()
	if err != nil {
		return schema.Note{}, fmt.Errorf("load extractive lexicon: %w", err)
	}
	note := schema.Note{
		SchemaVersion: schema.Version,
		Template:      req.Template.Key,
		Language:      req.Language,
		Drafter:       schema.DrafterInfo{Kind: schema.DrafterExtractive},
	}
	note.AddWarning(schema.WarnExtractive, "", Label(req.Language,
		"Extractive draft: sentences are taken from the transcript by rules and reworded into note style, not summarised; review every item against its evidence.",
		"Brouillon extractif : les phrases sont reprises du transcript par des règles et reformulées en style de note, sans résumé ; vérifiez chaque élément avec sa source."))
	segs := usableSegments(req.Segments)
	units := buildUnits(segs)
	sel := e.Selector
	if sel == nil {
		if sel, err = loadSelector(); err != nil {
			return schema.Note{}, err
		}
	}
	var route *routing
	if sel.Sections != nil {
		route = sel.Sections.routeUnits(lx, units)
	}
	v := voice{lang: SpokenLanguage(segs), sex: patientSex(segs)}
	note.Sections = assignSections(req.Template, req.Language, units, selectUnits(sel, lx, units), route, lx, v)
	fillEmptySections(req.Template, note.Sections, units, lx, v)
	summarizeFamilyDenied(req.Template, note.Sections, units, lx, req.Language)
	if len(req.Segments) == 0 {
		note.AddWarning(schema.WarnEmptyTranscript, "", Label(req.Language, "The transcript is empty.", "Le transcript est vide."))
		return note, nil
	}
	texts := make([]string, len(req.Segments))
	for i, s := range req.Segments {
		texts[i] = s.Text
	}
	if spoken := detectLanguage(texts); spoken != req.Language {
		note.AddWarning(schema.WarnLanguage, "", Label(req.Language,
			fmt.Sprintf("The consultation seems to be in %s: quotes are in that language; only titles are in English.", LangName(spoken, "en")),
			fmt.Sprintf("La consultation semble être en %s : les citations sont dans cette langue ; seuls les titres sont en français.", LangName(spoken, "fr"))))
	}
	note.Medications = medications(lx, units)
	note.Vitals = vitals(units)
	note.Allergies = refineAllergies(allergies(units, req.Language), units, lx, req.Language)
	found := findProblems(lx, units)
	note.Problems = problemsOf(found, req.Language)
	note.Orders = orders(units)
	note.FollowUp, note.PatientInstructions = advice(units)
	if e.Codes != nil {
		if err := suggestCodes(ctx, e.Codes, found, &note); err != nil {
			if ctx.Err() != nil {
				return schema.Note{}, ctx.Err()
			}
			note.AddWarning("coding_unavailable", "/problems", Label(req.Language,
				"Diagnosis codes could not be suggested: "+domain.ErrorCode(err), "Les codes diagnostiques n'ont pas pu être proposés : "+domain.ErrorCode(err)))
		}
	}
	CheckEvidence(&note, req.Segments)
	FlagLowConfidence(&note, req.Segments)
	return note, ctx.Err()
}

// Label picks the French or English wording for a note written in lang.
func Label(lang, en, fr string) string {
	if lang == "fr" {
		return fr
	}
	return en
}

// LangName names the language code in a text written in language in.
func LangName(code, in string) string {
	switch {
	case code == "fr" && in == "fr":
		return "français"
	case code == "fr":
		return "French"
	case in == "fr":
		return "anglais"
	}
	return "English"
}

// NoSpeech is the no-speech probability from which a whisper segment is not quoted:
// text decoded from silence is typically a hallucination ("Thank you for watching").
const NoSpeech = 0.8

// usableSegments drops segments whisper marks as probably silence and guesses the
// speaker of turns that have no role.
func usableSegments(segs []domain.Segment) []domain.Segment {
	var out []domain.Segment
	for _, s := range segs {
		if s.NoSpeechProb < NoSpeech {
			out = append(out, s)
		}
	}
	return inferRoles(out)
}

// buildUnits turns segments into quotable units: a clinician question followed by a
// short reply from someone else becomes one unit citing both; other questions are
// kept as unanswered questions (not quoted, not read as facts).
func buildUnits(segs []domain.Segment) []unit {
	var out []unit
	for i := 0; i < len(segs); i++ {
		s := segs[i]
		text := digitsInQuote(cleanQuote(s.Text))
		if text == "" {
			continue
		}
		u := unit{text: text, role: s.Role, evidence: schema.Evidence{s.ID}, source: s.Text}
		u.question = strings.HasSuffix(strings.TrimSpace(s.Text), "?")
		if u.question && i+1 < len(segs) && segs[i+1].Turn != s.Turn && (segs[i+1].Role != s.Role || s.Role == "") {
			reply := digitsInQuote(cleanQuote(segs[i+1].Text))
			if len(strings.Fields(reply)) <= shortAnswer && !strings.HasSuffix(reply, "?") {
				u.text = text + " — " + reply
				u.ask, u.reply = text, reply
				u.source = s.Text + "\n" + segs[i+1].Text
				u.answer = answerSign(normalize(reply))
				u.question = false
				u.asker = s.Role
				u.role = segs[i+1].Role
				u.evidence = schema.Evidence{s.ID, segs[i+1].ID}
				i++
			}
		}
		u.norm = normalize(u.text)
		u.num = digitize(u.text)
		out = append(out, u)
	}
	return out
}

// capFrom is the transcript length (words) from which a note quotes at most half of
// it: a short exchange is quoted whole.
const capFrom = 300

// selectUnits marks the units the selector scores at or over its threshold, and at
// most half of the transcript's words (the best scored first).
func selectUnits(sel *Selector, lx *lexicon, units []unit) []bool {
	type scored struct {
		i int
		p float64
	}
	total := 0
	var cand []scored
	for i, u := range units {
		total += len(strings.Fields(u.norm))
		if p := sel.Score(unitFeatures(lx, u, i, len(units))); p >= sel.Threshold {
			cand = append(cand, scored{i, p})
		}
	}
	sort.SliceStable(cand, func(a, b int) bool { return cand[a].p > cand[b].p })
	keep := make([]bool, len(units))
	words := 0
	for _, c := range cand {
		n := len(strings.Fields(units[c.i].norm))
		if total >= capFrom && words+n > total/2 {
			continue
		}
		words += n
		keep[c.i] = true
	}
	return keep
}

// quotable reports whether a unit is worth quoting in a section at all: not a
// question, not small talk, and saying something ("No, that's it" does not).
func quotable(u unit) bool {
	if u.question {
		return false
	}
	words := len(strings.Fields(u.norm))
	if anyCue(smallTalk, u.norm) && words < 10 {
		return false
	}
	return words >= 4 && hasContent(u.norm)
}

// assignSections quotes each kept unit into a section open to its speaker. With a
// route (the section model's log-probabilities per unit) and a template whose
// sections it knows, the unit goes to the section the model finds most likely.
// Otherwise it goes to the section whose cues it matches most (ties: a section
// reserved for the speaker's role, then the earlier section); units that match no
// cue go to the fallback section if they seem clinical (a drug, a problem, a number,
// or a long statement of the patient).
func assignSections(t templates.Template, lang string, units []unit, keep []bool, route *routing, lx *lexicon, v voice) []schema.Section {
	secs := make([]schema.Section, len(t.Sections))
	sectionCues := make([][]cue, len(t.Sections))
	fallback := -1
	for i, s := range t.Sections {
		secs[i] = schema.Section{Key: s.Key, Title: s.Title.In(lang), Sentences: []schema.Sentence{}}
		sectionCues[i] = cues(s.Cues)
		if s.Fallback {
			fallback = i
		}
	}
	classes := templateClasses(t)
	seen := map[string]bool{}
	for ui, u := range units {
		if !keep[ui] || !quotable(u) || seen[u.norm] {
			continue
		}
		if route != nil && classes != nil {
			if best := routeSection(t, classes, sectionCues, route.logp[ui], u, route.cueWeight); best >= 0 {
				seen[u.norm] = true
				if text := v.rewordUnit(lx, u); text != "" {
					secs[best].Sentences = append(secs[best].Sentences, schema.Sentence{Text: text, Evidence: u.evidence})
				}
			}
			continue
		}
		best, bestScore := -1, 0
		for i, s := range t.Sections {
			if !roleAllowed(s.Roles, u.role) {
				continue
			}
			n := 2 * countCues(sectionCues[i], u.norm)
			if n > 0 && len(s.Roles) > 0 && u.role != "" {
				n++ // a section meant for this speaker wins ties
			}
			if n > bestScore {
				best, bestScore = i, n
			}
		}
		if best < 0 && fallback >= 0 && clinical(u, lx) {
			best = fallback
		}
		if best < 0 {
			continue
		}
		seen[u.norm] = true
		if text := v.rewordUnit(lx, u); text != "" {
			secs[best].Sentences = append(secs[best].Sentences, schema.Sentence{Text: text, Evidence: u.evidence})
		}
	}
	return secs
}

// templateClasses returns the section model's classes each section of t holds, or
// nil when a section is not one the model knows.
func templateClasses(t templates.Template) [][]int {
	out := make([][]int, len(t.Sections))
	for i, s := range t.Sections {
		names, ok := sectionClassesOf[s.Key]
		if !ok {
			return nil
		}
		for _, n := range names {
			out[i] = append(out[i], SectionClass(n))
		}
	}
	return out
}

// routeSection picks the section open to the unit's speaker whose classes the model
// finds most likely; cue words break ties between sections holding the same class
// (SOAP's assessment and plan).
func routeSection(t templates.Template, classes [][]int, sectionCues [][]cue, logp []float64, u unit, cueWeight float64) int {
	best, bestScore := -1, math.Inf(-1)
	for i, s := range t.Sections {
		if !roleAllowed(s.Roles, u.role) {
			continue
		}
		p := 0.0
		for _, k := range classes[i] {
			p += math.Exp(logp[k])
		}
		score := math.Log(p+1e-12) + (cueWeight+0.01)*float64(countCues(sectionCues[i], u.norm))
		if score > bestScore {
			best, bestScore = i, score
		}
	}
	return best
}

func roleAllowed(roles []domain.Role, r domain.Role) bool {
	if len(roles) == 0 || r == "" {
		return true
	}
	for _, x := range roles {
		if x == r {
			return true
		}
	}
	return false
}

func clinical(u unit, lx *lexicon) bool {
	if len(lx.findDrugs(u.norm)) > 0 || strings.ContainsAny(u.num, "0123456789") {
		return true
	}
	for _, c := range lx.conditions {
		if anyCue(c.synonyms, u.norm) {
			return true
		}
	}
	return u.role == domain.RolePatient && len(strings.Fields(u.norm)) >= 10
}

// orders reads tests, imaging, referrals and procedures the clinician orders.
func orders(units []unit) []schema.Order {
	var out []schema.Order
	for _, u := range units {
		if u.question || u.role == domain.RolePatient || !anyCue(orderIntent, u.norm) {
			continue
		}
		kind := ""
		switch {
		case anyCue(orderImaging, u.norm):
			kind = schema.OrderImaging
		case anyCue(orderLab, u.norm):
			kind = schema.OrderLab
		case anyCue(orderProc, u.norm):
			kind = schema.OrderProcedure
		case anyCue(orderReferral, u.norm):
			kind = schema.OrderReferral
		default:
			continue
		}
		out = append(out, schema.Order{Kind: kind, Text: u.text, Evidence: u.evidence})
	}
	return out
}

// advice reads the follow-up arranged and the instructions given by the clinician.
func advice(units []unit) (followUp, instructions []schema.Sentence) {
	for _, u := range units {
		if u.question || u.role == domain.RolePatient {
			continue
		}
		s := schema.Sentence{Text: u.text, Evidence: u.evidence}
		switch {
		case anyCue(followUpCues, u.norm) && anyCue(followUpIntent, u.norm):
			followUp = append(followUp, s)
		case anyCue(instructionCues, u.norm) && len(strings.Fields(u.norm)) >= 4:
			instructions = append(instructions, s)
		}
	}
	return followUp, instructions
}

// SpokenLanguage guesses the language of a transcript, fr or en.
func SpokenLanguage(segs []domain.Segment) string {
	texts := make([]string, len(segs))
	for i, s := range segs {
		texts[i] = s.Text
	}
	return detectLanguage(texts)
}
