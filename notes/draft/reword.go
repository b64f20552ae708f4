package draft

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"greffier/domain"
)

// Rewording: a note speaks of the patient in the third person and states what a
// question and its answer established ("Any chest pain? — No." → "No chest pain."),
// where the transcript quotes turns. The extractive drafter rewrites each quoted
// unit by general rules of English and French grammar: a patient's "I", "my", "me"
// and a clinician's "you", "your" become the patient; a yes/no question answered
// yes or no becomes the statement it settled; hesitations, acknowledgements and the
// patient's own questions are dropped. Words that carry facts (numbers, drugs,
// doses, sides, negations) are copied, never rewritten; and a rewording the fact
// checker reads differently from the quote is not used (see rewordUnit).

// Sex is what the transcript says of the patient's sex: 'm', 'f', or 0 when it does
// not say it plainly. Pronouns are gendered only when it does.
type Sex byte

// voice is how rewritten sentences name the patient.
type voice struct {
	lang string
	sex  Sex
}

var (
	maleAddress   = map[string]bool{"sir": true, "mister": true, "young man": true, "monsieur": true}
	femaleAddress = map[string]bool{"ma am": true, "madam": true, "miss": true, "young lady": true, "madame": true, "mademoiselle": true}
	maleSelf      = []cue{newCue("i m a man"), newCue("i am a man"), newCue("year old man"), newCue("year old male"), newCue("je suis un homme")}
	femaleSelf    = []cue{newCue("i m a woman"), newCue("i am a woman"), newCue("year old woman"), newCue("year old female"), newCue("je suis une femme")}
)

// patientSex reads the patient's sex from how the clinician addresses them ("yes,
// sir", "hello, miss", "madame") and from what the patient says of themself ("I'm
// a 45 year old woman"). Conflicting signs give 0.
func patientSex(segs []domain.Segment) Sex {
	m, f := 0, 0
	for _, s := range segs {
		norm := normalize(s.Text)
		if s.Role == domain.RolePatient {
			if anyCue(maleSelf, norm) {
				m++
			}
			if anyCue(femaleSelf, norm) {
				f++
			}
			continue
		}
		if s.Role != domain.RoleClinician {
			continue
		}
		// An address closes a clause: "Good morning, sir." — "miss" inside one is a verb.
		for _, clause := range strings.FieldsFunc(strings.ToLower(s.Text), func(r rune) bool { return strings.ContainsRune(",.!?;", r) }) {
			c := strings.Join(strings.Fields(normalize(clause)), " ")
			words := strings.Fields(c)
			// "Bonjour madame Martin": an address before a surname closing the clause.
			if len(words) >= 2 {
				switch words[len(words)-2] {
				case "monsieur", "mister":
					m++
				case "madame", "mademoiselle", "miss":
					f++
				}
			}
			for n := 1; n <= 2 && n <= len(words); n++ {
				tail := strings.Join(words[len(words)-n:], " ")
				head := strings.Join(words[:n], " ")
				if maleAddress[tail] || len(words) == n && maleAddress[head] {
					m++
				}
				if femaleAddress[tail] || len(words) == n && femaleAddress[head] {
					f++
				}
			}
		}
	}
	switch {
	case m > 0 && f == 0:
		return 'm'
	case f > 0 && m == 0:
		return 'f'
	}
	return 0
}

// token is one word of a sentence with the punctuation around it.
type token struct{ lead, core, trail string }

func tokenize(s string) []token {
	var out []token
	for _, w := range strings.Fields(s) {
		w = strings.ReplaceAll(w, "’", "'")
		i := strings.IndexFunc(w, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) })
		if i < 0 {
			out = append(out, token{lead: w})
			continue
		}
		j := strings.LastIndexFunc(w, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) })
		_, size := utf8.DecodeRuneInString(w[j:])
		out = append(out, token{lead: w[:i], core: w[i : j+size], trail: w[j+size:]})
	}
	return out
}

func join(toks []token) string {
	var b strings.Builder
	for _, t := range toks {
		w := t.lead + t.core + t.trail
		if w == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(w)
	}
	return b.String()
}

// sentences splits a quote after ".", "!" and "?".
func sentences(s string) []string {
	var out []string
	start := 0
	for i, r := range s {
		if (r == '.' || r == '!' || r == '?') && (i+1 == len(s) || s[i+1] == ' ') {
			if t := strings.TrimSpace(s[start : i+1]); t != "" {
				out = append(out, t)
			}
			start = i + 1
		}
	}
	if t := strings.TrimSpace(s[start:]); t != "" {
		out = append(out, t)
	}
	return out
}

// courtesy words make a sentence that says nothing a note keeps ("I see.", "Oh, I'm
// so sorry.", "Got it.", "Perfect, thank you.").
var courtesy = map[string]bool{"i": true, "see": true, "oh": true, "ok": true, "okay": true, "alright": true, "all": true, "right": true,
	"so": true, "sorry": true, "m": true, "am": true, "very": true, "got": true, "it": true, "great": true, "good": true, "perfect": true,
	"thank": true, "thanks": true, "you": true, "wow": true, "hm": true, "hmm": true, "ah": true, "well": true, "yeah": true, "yes": true,
	"sure": true, "that": true, "s": true, "to": true, "hear": true, "awesome": true, "excellent": true, "nice": true, "understand": true,
	"makes": true, "sense": true, "fine": true, "d": true, "accord": true, "merci": true, "bien": true, "je": true, "vois": true,
	"très": true, "parfait": true, "voilà": true, "hello": true, "hi": true, "bonjour": true, "désolé": true, "désolée": true,
	"cool": true, "gotcha": true, "let": true, "me": true, "think": true, "doctor": true, "docteur": true, "madame": true,
	"monsieur": true, "sir": true, "ma": true, "miss": true}

func courteous(sentence string) bool {
	words := strings.Fields(normalize(sentence))
	for _, w := range words {
		if !courtesy[w] {
			return false
		}
	}
	return len(words) > 0
}

var colleague = cues([]string{"doctor", "dr", "docteur"})

// discourse markers opening a sentence carry nothing: "Well, ...", "So, ...".
var discourse = map[string]bool{"well": true, "so": true, "oh": true, "okay": true, "ok": true, "alright": true, "um": true, "actually": true,
	"now": true, "and": true, "but": true, "bon": true, "alors": true, "donc": true, "ben": true, "eh": true, "hm": true}

// dropOpeners removes discourse markers that open a sentence, with their comma,
// and a yes or no answering a question the sentence does not quote.
func dropOpeners(toks []token) []token {
	for len(toks) > 1 && strings.HasPrefix(toks[0].trail, ",") && (discourse[strings.ToLower(toks[0].core)] || answerWords[strings.ToLower(toks[0].core)]) {
		toks = toks[1:]
	}
	return toks
}

var answerWords = map[string]bool{"yes": true, "yeah": true, "yep": true, "no": true, "nope": true, "oui": true, "non": true}

// rewordText rewrites the sentences of a quote said by role, in note style: the
// sentences that only acknowledge or ask are dropped, the patient named in the
// third person. first says whether the patient is yet to be named in this unit.
func (v voice) rewordText(text string, role domain.Role, first *bool) string {
	var out []string
	// A clinician who says "doctor" speaks to a colleague (a resident reporting):
	// their "you" is not the patient.
	toColleague := role == domain.RoleClinician && anyCue(colleague, normalize(text))
	for _, s := range sentences(text) {
		if courteous(s) || strings.HasSuffix(s, "?") || bare(s) {
			continue // "I see.", a question, a "No." whose question is not quoted
		}
		toks := dropOpeners(tokenize(s))
		if role == domain.RoleClinician && announcement(toks) {
			continue // "Tell me about your family history.": the topic, not a fact
		}
		switch {
		case role == domain.RolePatient && v.lang == "fr":
			toks = v.frenchFirstPerson(toks, first)
		case role == domain.RolePatient:
			toks = v.firstPerson(toks, first)
		case role == domain.RoleClinician && v.lang != "fr" && !toColleague:
			toks = v.secondPerson(toks, first)
		}
		if t := capitalize(join(toks)); t != "" {
			out = append(out, t)
		}
	}
	return strings.Join(out, " ")
}

// rewordUnit returns a unit's sentence in note style, "" when nothing is left to
// say (only courtesies and questions), or the quote itself when the rewording
// states a fact the fact checker does not find in the cited segments and the quote
// does not (a safety net: the rules copy facts, they must not change them).
func (v voice) rewordUnit(lx *lexicon, u unit) string {
	first := true
	var text string
	if u.reply != "" {
		s, ok := v.rewordAnswer(u.ask, u.reply, u.answer, &first)
		if !ok {
			return v.rewordOpen(u, &first)
		}
		text = s
	} else {
		text = v.rewordText(u.text, u.role, &first)
	}
	if !hasContent(normalize(text)) {
		return ""
	}
	if u.source != "" {
		quoted := map[string]bool{}
		for _, f := range unsupportedFacts(lx, u.text, u.source) {
			quoted[f] = true
		}
		for _, f := range unsupportedFacts(lx, text, u.source) {
			if !quoted[f] {
				return u.text
			}
		}
	}
	return text
}

// rewordOpen rewrites a question that is not a plain yes/no question, with its
// short reply: the reply alone, in the third person, when it is a statement of its
// own ("How is your sleep? — I cannot sleep because of the pain."); otherwise the
// quote, whose question the reply needs ("When did it start? — Two days ago.").
// A yes the rewording cannot state ("Any medical history? — (Yes,) I have type 2
// diabetes.") is also its reply alone, without the yes, when the reply speaks of
// the speaker and does not point back at the question ("How often do you check
// your sugar? — I do it at home."); a no keeps the quote: what it denies is in the
// question.
func (v voice) rewordOpen(u unit, first *bool) string {
	reply := u.reply
	if u.answer > 0 && !ownStatement(reply) {
		if more, ok := afterYesNo(reply); ok && more != "" {
			reply = more // "Yes, I take Lipitor." says what "I take Lipitor." says
		}
	}
	if u.answer < 0 || !ownStatement(reply) || u.answer > 0 && (pointsBack(reply) || !selfFirst(reply)) {
		return u.text
	}
	return v.rewordText(reply, u.role, first)
}

// selfFirst: a reply that speaks of the speaker ("I…", "my…"): after a yes, a "he"
// or "she" may be anyone the question named ("Is your son in school? — Yes, he is
// doing well."), not the patient.
func selfFirst(reply string) bool {
	words := strings.Fields(normalize(reply))
	if len(words) == 0 {
		return false
	}
	switch words[0] {
	case "i", "my", "j", "je", "mon", "ma", "mes":
		return true
	}
	return false
}

// backReference words stand for something the question named.
var backReference = map[string]bool{"it": true, "that": true, "this": true, "those": true, "these": true, "them": true, "there": true,
	"one": true, "so": true, "ça": true, "cela": true, "en": true, "y": true} // not le/la/les: articles as often

func pointsBack(reply string) bool {
	for _, w := range strings.Fields(normalize(reply)) {
		if backReference[w] {
			return true
		}
	}
	return false
}

// ownStatement: a reply with a subject and a verb of its own, not a fragment.
func ownStatement(reply string) bool {
	words := strings.Fields(normalize(reply))
	if len(words) < 4 {
		return false
	}
	switch words[0] {
	case "i", "my", "it", "she", "he", "we", "they", "j", "je", "mon", "ma", "mes", "il", "elle":
		return !(len(words) > 1 && (words[1] == "think" || words[1] == "guess"))
	}
	return false
}

// announcements open a clinician's sentence that only names what comes next ("Tell
// me about your family history.", "I just need some background information before
// we begin."); a note states what was found, not what was asked.
var announcements = cues([]string{"tell me about", "tell me more", "tell me a little", "tell me a bit", "tell me something", "let s talk", "let us talk", "let s start", "let us start", "let s go over", "let us go over",
	"i would like to start", "i d like to start", "i would like to ask", "i d like to ask", "i just need some background", "i need some background", "i have a few",
	"i have some questions", "i want to ask", "before we begin", "before we start", "moving on", "now let s", "let s move",
	"dites moi", "parlez moi", "parlons de", "parlons un peu", "j ai quelques questions", "avant de commencer", "passons à", "je voudrais commencer"})

// announcement: a clinician's sentence opening with an announcement, with no
// number (an announcement that carries a figure says something).
func announcement(toks []token) bool {
	n := normalize(join(toks))
	words := strings.Fields(n)
	if len(words) == 0 || strings.ContainsAny(n, "0123456789") {
		return false
	}
	return anyCue(announcements, " "+strings.Join(words[:min(5, len(words))], " ")+" ")
}
