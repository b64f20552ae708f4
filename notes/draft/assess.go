package draft

import (
	"strings"

	"greffier/domain"
)

// Where a clinician assesses. A code is confident (confAssessed) only when the
// clinician names the problem while assessing or planning: in the assessment and
// plan part of the visit, or right after "for your ...". A condition named in the
// history, the review of systems or the examination is a finding, not what the visit
// was coded for.

// wordPhrases normalizes phrases into word lists.
func wordPhrases(ss ...string) [][]string {
	out := make([][]string, 0, len(ss))
	for _, s := range ss {
		if w := strings.Fields(normalize(s)); len(w) > 0 {
			out = append(out, w)
		}
	}
	return out
}

var (
	// headerPhrases open the assessment and plan ("so for your assessment and plan",
	// "my impression is", "for your first problem").
	// "Assessment" alone is often an examination to come ("you need a basic
	// assessment first"): it opens the assessment only said as the clinician's.
	headerPhrases = wordPhrases("my assessment", "your assessment", "assessment and plan", "assessment is", "assessment would be",
		"the assessment", "in terms of assessment", "impression", "first problem", "problem number one", "problem one", "my diagnosis",
		"the diagnosis is", "your diagnosis is", "mon impression", "mon évaluation", "en conclusion", "premier problème",
		"mon diagnostic", "le diagnostic est")
	// assessBefore, said just before a condition, assesses it ("for your diabetes",
	// "in terms of your back pain", "pour votre hypertension").
	assessBefore = wordPhrases("for your", "for his", "for her", "in terms of your", "in terms of his", "in terms of her", "regarding your",
		"as far as your", "as for your", "with regards to your", "with regard to your", "pour votre", "pour son", "pour sa",
		"concernant votre", "en ce qui concerne votre", "quant à votre",
		// monitored in this visit's plan
		"keep track of your", "keep an eye on your", "monitor your", "surveiller votre")
	// assessSentence, said earlier in the same sentence, states a diagnosis.
	assessSentence = wordPhrases("i think you have", "i believe you have", "it looks like you have",
		"looks like you have", "i think this is", "this is a", "this is an", "this is consistent", "you have a", "you have an", "you ve got a", "you ve got an",
		"diagnosed you with", "je pense que vous avez", "vous avez un", "vous avez une", "c est une", "c est un", "il s agit d",
		"it looks like you", "that is", "that s a", "that s an", "i think she has", "i think he has", "i believe she has", "i believe he has",
		"it appears that you have", "it appears you have", "it appears that she has", "it appears that he has", "je pense qu il a", "je pense qu elle a",
		// a result or a name states it ("your x-rays show bronchitis", "it is called onychomycosis")
		"x rays show", "x ray shows", "xrays show", "xray shows", "results show", "came back showing", "came back positive for",
		"it is called", "it s called", "this is called", "we call it", "la radio montre", "les résultats montrent", "ça s appelle", "on appelle ça")
	// historyAfter, just after "you have a" or "for your", makes it history ("you have a past
	// medical history of", "you have a history of").
	historyAfter = map[string]bool{"history": true, "past": true, "family": true, "medical": true, "antécédent": true, "antécédents": true,
		"had": true} // "it looks like you had a history of"
	// examPhrases mark an examination finding ("on exam", "i do notice", "i
	// appreciate"): without an assessment header the closing part of a visit holds
	// the examination too.
	examPhrases = wordPhrases("exam", "examination", "examining", "examine", "i notice", "i do notice", "i appreciate", "i do appreciate",
		"i recognize", "i do recognize", "i see some", "i feel", "palpation", "palpate", "palpating", "listening", "vitals", "vital signs",
		"x ray", "xray", "à l examen", "j examine", "je note", "je constate", "auscultation", "je palpe")
	// notAssessingBefore, said shortly before a condition in the closing part of a
	// visit without an assessment header, make it something else than the
	// clinician's assessment: a recap of the history ("just to recap, you've been
	// having diarrhea"), the history itself ("you've been diagnosed with"), or
	// safety-netting ("look out for a high fever, or chest pain").
	notAssessingBefore = wordPhrases("recap", "to summarize", "to summarise", "summarize", "summarise", "just to go over", "you mentioned",
		"you said", "you told me", "you ve been having", "you ve been feeling", "you have been having", "you ve had", "history", "diagnosed with",
		"regarding", "look out for", "watch out for", "bear in mind", "red flag", "red flags", "if you", "if it", "if there", "if your",
		"you have presented", "you ve presented", "you presented", "the way you presented", "you ve described", "you described",
		"you re describing", "as you said", "as you mentioned", "you ve told me",
		"pour résumer", "vous m avez dit", "vous avez mentionné", "antécédents", "si vous", "si ça", "si la", "si le", "surveillez")
	// recordPhrases: the clinician reads the patient's known conditions from the
	// record ("it's mentioned here that you have", "I can see on the file that you
	// have"): history, not what the visit assessed.
	recordPhrases = wordPhrases("mentioned here", "it s mentioned", "it is mentioned", "on the file", "on your file", "in your file",
		"in the file", "in your chart", "in the chart", "on your chart", "your records", "the records", "your notes say", "your file",
		"votre dossier", "le dossier", "il est noté", "c est noté", "il est indiqué", "c est indiqué")
	// diagnosisQuestions ask for the diagnosis: the clinician's answer states it.
	diagnosisQuestions = cues([]string{"the diagnosis", "her diagnosis", "his diagnosis", "your diagnosis", "what does she have", "what does he have", "what do i have", "what is wrong with",
		"what s wrong with", "what do you think it is", "quel est le diagnostic", "qu est ce que j ai", "qu est ce qu il a", "qu est ce qu elle a",
		"qu est ce que c est"})
	// earlierVisit: the sentence tells of an earlier visit.
	earlierVisit = wordPhrases("last time", "last visit", "your last appointment", "previous visit", "previously", "la dernière fois",
		"dernière visite", "dernière consultation", "précédemment")
	// planPhrases state what the clinician will do.
	planPhrases = wordPhrases("let s", "let us", "we ll", "we will", "i ll", "i will", "i m going to", "i am going to", "we re going to",
		"we are going to", "i recommend", "i d recommend", "i would recommend", "i want you to", "on va", "je vais", "nous allons",
		"je vous prescris", "je recommande", "on met", "on va mettre")
	// historyQuestions ask for the patient's known conditions: what answers them is
	// past medical history ("any other medical problems? — just the hypertension").
	historyQuestions = cues([]string{"medical problems", "medical problem", "medical conditions", "medical condition", "health problems",
		"health conditions", "other problems", "other conditions", "medical history", "past history", "any conditions",
		"long term conditions", "diagnosed with", "been diagnosed", "regular medication", "regular medications", "take any medication",
		"on any medication", "antécédents", "problèmes de santé", "maladies chroniques", "traitement habituel"})
	// notAssessingAfter, said shortly after it, make it safety-netting ("... or
	// chest pain, come back and see me").
	notAssessingAfter = wordPhrases("come back", "come and see", "come see", "give me a call", "give us a call", "call us", "call me",
		"ring us", "get in touch", "go to a e", "emergency", "urgent", "urgently", "if you get", "if you have", "if that", "revenez", "appelez",
		"consultez", "urgence", "urgences")
	// explainPhrases, near a symptom, give its cause: the symptom is part of the
	// diagnosis and is not coded on its own ("that's what's causing that cough").
	explainPhrases = wordPhrases("causing", "causes", "cause", "caused by", "cause of", "due to", "secondary to", "because of", "related to", "from your",
		"from the", "that s why", "explains", "explain", "part of", "symptom of", "symptoms of", "dû à", "due à", "dus à", "lié à", "liée à",
		"liés à", "causé par", "causée par", "à cause de", "provoqué par", "provoquée par")
)

var (
	// intakeWords, before "for your X", tell what the patient takes or was given
	// ("he takes Percocet daily for his back pain", "they gave you Procrit for your
	// anemia"): medication history, not this visit's plan — unless a plan verb opens
	// it ("keep taking metformin for your diabetes").
	intakeWords = map[string]bool{"take": true, "takes": true, "taking": true, "took": true, "gave": true, "given": true, "using": true,
		"uses": true, "prendre": true, "prend": true, "prenez": true, "prends": true, "pris": true, "donné": true}
	// planVerbs manage a treatment in this visit.
	planVerbs = map[string]bool{"continue": true, "keep": true, "start": true, "stop": true, "change": true, "increase": true, "decrease": true,
		"adjust": true, "refill": true, "renew": true, "switch": true, "double": true, "lower": true, "raise": true, "prescribe": true,
		"restart": true, "resume": true, "hold": true, "bump": true, "titrate": true, "continuer": true, "continuez": true, "augmenter": true,
		"diminuer": true, "changer": true, "renouveler": true, "ajuster": true, "arrêter": true, "commencer": true, "reprendre": true}
	// treatmentNouns, right after a condition, name its treatment ("your diabetes
	// medication"); a plan verb before it manages the condition in this visit.
	treatmentNouns = map[string]bool{"medication": true, "medications": true, "medicine": true, "medicines": true, "meds": true, "pills": true,
		"pill": true, "tablets": true, "inhaler": true, "inhalers": true, "treatment": true, "médicament": true, "médicaments": true, "traitement": true}
)

// takenBefore reports whether the words up to start tell, within six words, what the
// patient takes or was given, with no plan verb before it.
func takenBefore(words []string, start int) bool {
	for i := start - 1; i >= max(0, start-6); i-- {
		if intakeWords[words[i]] {
			for j := i - 1; j >= max(0, i-3); j-- {
				if planVerbs[words[j]] {
					return false
				}
			}
			return true
		}
	}
	return false
}

// managedTreatment reports whether the condition at words [at, end) names a
// treatment that a plan verb shortly before changes or continues: "I am going to
// change your diabetes medication", "on va renouveler votre traitement pour
// l'asthme".
func managedTreatment(words []string, at, end int) bool {
	noun := -1
	if end < len(words) && treatmentNouns[words[end]] {
		noun = at // English: the condition qualifies the noun
	}
	for k := at - 1; noun < 0 && k >= max(0, at-3); k-- {
		if treatmentNouns[words[k]] {
			noun = k // French: the noun, then "pour le", "du", "contre le"
		}
	}
	if noun < 0 {
		return false
	}
	for i := noun - 1; i >= max(0, noun-5); i-- {
		if planVerbs[words[i]] {
			return true
		}
	}
	return false
}

// phraseBefore reports whether a phrase of ps ends within gap words before words[at].
func phraseBefore(words []string, at, gap int, ps [][]string) bool {
	for _, p := range ps {
		for end := at; end >= max(0, at-gap); end-- {
			start := end - len(p)
			if start >= 0 && hasPrefixWords(words[start:], p) {
				return true
			}
		}
	}
	return false
}

// phraseIndex returns the word index of the first phrase of ps in words at or after
// from, or -1.
func phraseIndex(words []string, from int, ps [][]string) int {
	for i := max(0, from); i < len(words); i++ {
		for _, p := range ps {
			if hasPrefixWords(words[i:], p) {
				return i
			}
		}
	}
	return -1
}

// phraseNear reports whether a phrase of ps starts within span words of [lo, hi).
func phraseNear(words []string, lo, hi, span int, ps [][]string) bool {
	for i := max(0, lo-span); i < min(len(words), hi+span); i++ {
		for _, p := range ps {
			if hasPrefixWords(words[i:], p) {
				return true
			}
		}
	}
	return false
}

// unitWords returns a unit's text as findMentions reads it: its sentences, each
// without a leading yes/no answer, normalized, in one word list. Mentions carry
// offsets into it.
func unitWords(text string) []string {
	var out []string
	for _, s := range sentenceSplit.Split(text, -1) {
		s = answerPrefix.ReplaceAllString(s, "")
		out = append(out, spokenWords(s)...)
	}
	return out
}

// visitZones knows where a visit's assessment and plan starts.
type visitZones struct {
	header     bool // a clinician opened the assessment and plan
	unit, word int  // where: unit index and word offset in unitWords
	closing    int  // without a header: the unit from which the visit closes
	excerpt    bool // too short to be a whole visit: no closing part
	// diagnosisAnswer: clinician units that answer a question asking for the
	// diagnosis ("what's her diagnosis? — refractory anemia").
	diagnosisAnswer map[int]bool
	// recap: units that go on with what the clinician's previous unit started as a
	// recap ("given the way you have presented now — one day with a fever").
	recap map[int]bool
}

// headerFrom is the share of a visit before which "assessment" is not taken as its
// assessment header ("I'll do an assessment of your knee" in the history).
const headerFrom = 0.3

// minVisitUnits: a transcript shorter than this (a minute or so of talk) is an
// excerpt, not a whole visit, and has no closing part: where a condition is named in
// it says nothing of whether it was assessed. ACI-Bench's shortest visit has 24
// units, half of MTS-Dialog's excerpts 6 or fewer.
const minVisitUnits = 20

func findZones(units []unit) visitZones {
	z := visitZones{closing: int(closingShare * float64(len(units))), recap: map[int]bool{}}
	if len(units) < minVisitUnits {
		z.closing, z.excerpt = len(units), true
	}
	z.diagnosisAnswer = map[int]bool{}
	for ui, u := range units {
		if u.role != domain.RoleClinician {
			continue
		}
		if q, _, ok := strings.Cut(u.text, " — "); ok && anyCue(diagnosisQuestions, normalize(q)) ||
			ui > 0 && strings.Contains(units[ui-1].text, "?") && anyCue(diagnosisQuestions, units[ui-1].norm) {
			z.diagnosisAnswer[ui] = true
		}
	}
	for ui := max(1, z.closing); ui < len(units); ui++ {
		prev := units[ui-1]
		if w := unitWords(prev.text); prev.role == domain.RoleClinician && units[ui].role == domain.RoleClinician &&
			phraseBefore(w, len(w), 12, notAssessingBefore) {
			z.recap[ui] = true
		}
	}
	from := int(headerFrom * float64(len(units)))
	for ui := from; ui < len(units); ui++ {
		u := units[ui]
		if u.question || u.role != domain.RoleClinician {
			continue
		}
		if i := phraseIndex(unitWords(u.text), 0, headerPhrases); i >= 0 {
			z.header, z.unit, z.word = true, ui, i
			return z
		}
	}
	return z
}

// assessing reports whether the clinician assesses the words [at, end) of unit ui
// (words is its unitWords): named in the assessment and plan, or just after "for
// your", or in a sentence that states a diagnosis.
//
// zone false leaves out the part of the visit: a clinician's question answered
// yes ("any diabetes? — yes") is the history, wherever it is asked.
func (z visitZones) assessing(ui int, words []string, at, end int, clin, zone bool) bool {
	cue, closing := z.assessKind(ui, words, at, end, clin, zone)
	return cue || closing
}

// assessKind is assessing split by the reason: cue when a phrase or the
// assessment header says so, closing when only the place (the closing part of a
// visit without a header) does — too weak for a condition the patient gave as
// their history.
func (z visitZones) assessKind(ui int, words []string, at, end int, clin, zone bool) (cue, closing bool) {
	if !clin {
		return false, false
	}
	for _, p := range assessBefore {
		for start := max(0, at-3-len(p)); start+len(p) <= at; start++ {
			// Not what the patient takes for it, nor what was done at an earlier
			// visit ("Doctor K followed up with you last time regarding your hypertension").
			if hasPrefixWords(words[start:], p) && !historyNext(words, start+len(p), at) && !takenBefore(words, start) &&
				!phraseBefore(words, start, 3, earlierVisit) {
				return true, false
			}
		}
	}
	if managedTreatment(words, at, end) {
		return true, false
	}
	for _, p := range assessSentence {
		for start := max(0, at-10); start < at; start++ {
			if !hasPrefixWords(words[start:], p) || start+len(p) > at {
				continue
			}
			if historyNext(words, start+len(p), at) || phraseBefore(words, at, 12, recordPhrases) {
				continue
			}
			return true, false
		}
	}
	if z.diagnosisAnswer[ui] {
		return true, false
	}
	if !zone {
		return false, false
	}
	if z.header {
		return ui > z.unit || ui == z.unit && at >= z.word, false
	}
	// In an excerpt, a condition is assessed where the clinician plans for it in the
	// same turn ("it looks like you sprained your finger, let's buddy tape it").
	inPlace := ui >= z.closing || z.excerpt && phraseNear(words, end, end, 12, planPhrases)
	return false, inPlace && !z.recap[ui] && !acknowledges(words) && !phraseBefore(words, at, 12, examPhrases) &&
		!phraseBefore(words, at, 15, notAssessingBefore) && !phraseBefore(words, at, 12, recordPhrases) && !phraseBefore(words, at, 15, earlierVisit) &&
		!phraseNear(words, end, end, 10, notAssessingAfter)
}

// historyNext reports whether one of the three words from words[k] makes what
// follows history ("you have a history of", "you have a recurring history of").
// It reads no further than the condition itself, at.
func historyNext(words []string, k, at int) bool {
	for i := k; i < min(len(words), k+3, at); i++ {
		if historyAfter[words[i]] {
			return true
		}
	}
	return false
}

// acknowledges: a short clinician reply holding a yes ("oh yeah, underactive
// thyroid, yes") echoes what the patient said; it does not assess.
func acknowledges(words []string) bool {
	if len(words) > 10 {
		return false
	}
	for _, w := range words {
		switch w {
		case "yes", "yeah", "yep", "oui", "ouais":
			return true
		}
	}
	return false
}

// explained reports whether a symptom named at words [at, end) is given a cause
// next to it: a cause phrase up to a clause before it ("that's what is causing the
// cough and the shortness of breath") or a few words after ("the cough is from
// your pneumonitis").
func explained(words []string, at, end int) bool {
	return phraseBefore(words, at, longScope, explainPhrases) || phraseNear(words, end, end, 8, explainPhrases)
}

// isSymptomCode reports whether a code names a symptom rather than a diagnosis:
// chapter R, and joint and back pain. A symptom is coded only when the clinician
// assesses it as the problem, not when a diagnosis accounts for it.
func isSymptomCode(code string) bool {
	return strings.HasPrefix(code, "R") || strings.HasPrefix(code, "M25.5") || strings.HasPrefix(code, "M54.5")
}

// explainedBy maps a symptom's code prefix to the code prefixes of diagnoses that
// routinely include it (ICD-10-CM guideline I.B.5: signs and symptoms routinely
// associated with a disease process are not coded in addition to it).
var explainedBy = map[string][]string{
	"R05":   {"J", "U07"},               // cough: respiratory diseases, COVID-19
	"R06":   {"J", "U07", "I50", "I48"}, // shortness of breath
	"R50":   {"J", "U07", "N39", "L03", "H66"},
	"R07.0": {"J", "U07"}, // sore throat
	"R07.9": {"I2"},       // chest pain: coronary disease
	"R51":   {"G43"},
	"R10":   {"N20", "K21", "K58", "K59", "N39"},
	"R19":   {"K58"},
	"R53":   {"D64", "E03", "U07", "J11"},
	"R42":   {"H81"},
	"M25":   {"S", "M19", "M10", "M06"}, // joint pain: an injury or arthritis of the joint
	"M54":   {"S3", "M51"},
}

// dropExplainedSymptoms clears the code of a symptom when a diagnosis that
// includes it is coded too.
func dropExplainedSymptoms(fs []*finding) {
	coded := map[string]bool{}
	for _, f := range fs {
		if f.code != "" && !isSymptomCode(f.code) {
			coded[f.code] = true
		}
	}
	for _, f := range fs {
		if f.code == "" || !isSymptomCode(f.code) {
			continue
		}
		for sym, dxs := range explainedBy {
			if !strings.HasPrefix(f.code, sym) {
				continue
			}
			for _, prefix := range dxs {
				for c := range coded {
					if strings.HasPrefix(c, prefix) && sameSite(f.code, c) {
						f.explainedBy = c
					}
				}
			}
		}
	}
}

// sameSite: a joint's pain is explained only by an injury or arthritis of that
// joint (or a code without a site).
func sameSite(symptom, dx string) bool {
	site := map[string]string{"M25.56": "knee", "M25.51": "shoulder", "M25.53": "wrist", "M25.57": "ankle", "M25.55": "hip", "M25.52": "elbow"}
	s, ok := "", false
	for p, name := range site {
		if strings.HasPrefix(symptom, p) {
			s, ok = name, true
		}
	}
	if !ok || !strings.HasPrefix(dx, "S") {
		return true
	}
	injury := map[string]string{"S83": "knee", "S43": "shoulder", "S63": "wrist", "S93": "ankle", "S73": "hip", "S53": "elbow"}
	return injury[dx[:3]] == s
}
