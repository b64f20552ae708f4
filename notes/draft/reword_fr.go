package draft

import "strings"

// French rewording of the patient's "je": "j'ai mal" → "Le patient a mal" or "La
// patiente a mal" when the transcript says the patient's sex, otherwise without a
// subject, as French notes write ("A mal au dos depuis 3 jours", "N'a pas de
// fièvre"): adjectives keep the agreement the patient gave them.

func (v voice) frenchSubject(first *bool) string {
	defer func() { *first = false }()
	switch {
	case v.sex == 'm' && *first:
		return "le patient"
	case v.sex == 'f' && *first:
		return "la patiente"
	case v.sex == 'm':
		return "il"
	case v.sex == 'f':
		return "elle"
	}
	return ""
}

var frenchIrregular = map[string]string{"ai": "a", "suis": "est", "vais": "va", "peux": "peut", "veux": "veut", "vaux": "vaut",
	"fais": "fait", "dis": "dit", "sais": "sait", "dois": "doit", "bois": "boit"}

// frenchThird conjugates a verb said after "je" for the third person.
func frenchThird(verb string) string {
	lower := strings.ToLower(verb)
	if v, ok := frenchIrregular[lower]; ok {
		return v
	}
	switch {
	case strings.HasSuffix(lower, "e"):
		return verb
	case strings.HasSuffix(lower, "ai"): // future: "prendrai" → "prendra"
		return verb[:len(verb)-1]
	case strings.HasSuffix(lower, "ds"):
		return verb[:len(verb)-1]
	case strings.HasSuffix(lower, "s") || strings.HasSuffix(lower, "x"):
		return verb[:len(verb)-1] + "t"
	}
	return verb
}

// frenchClitics stand between "je" and its verb; "me" becomes "se".
var frenchClitics = map[string]string{"ne": "ne", "me": "se", "le": "le", "la": "la", "les": "les", "y": "y", "en": "en", "lui": "lui", "leur": "leur"}

// frenchVerbAt conjugates the clitics and verb starting at word tokens[i]; it
// returns the index after them.
func frenchVerbAt(toks []token, i int) int {
	for ; i < len(toks); i++ {
		lower := strings.ToLower(toks[i].core)
		if c, ok := frenchClitics[lower]; ok {
			toks[i].core = c
			continue
		}
		// elided clitics glued to the verb: "n'ai", "m'appelle", "n'en"
		for _, p := range []string{"n'", "m'", "l'", "s'"} {
			if strings.HasPrefix(lower, p) && len(lower) > 2 {
				glued := toks[i].core[:2]
				if p == "m'" {
					glued = "s'"
				}
				rest := toks[i].core[2:]
				if c, ok := frenchClitics[strings.ToLower(rest)]; ok || strings.EqualFold(rest, "y") {
					if ok {
						rest = c
					}
					toks[i].core = glued + rest
					return frenchVerbAt(toks, i+1)
				}
				toks[i].core = glued + frenchThird(rest)
				return i + 1
			}
		}
		toks[i].core = frenchThird(toks[i].core)
		return i + 1
	}
	return i
}

// frenchFirstPerson rewrites a patient's French sentence about themself.
func (v voice) frenchFirstPerson(toks []token, first *bool) []token {
	toks = append([]token{}, toks...)
	out := make([]token, 0, len(toks)+1)
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		lower := strings.ToLower(t.core)
		switch {
		case lower == "je":
			subj := v.frenchSubject(first)
			end := frenchVerbAt(toks, i+1)
			if subj != "" {
				out = append(out, token{lead: t.lead, core: subj})
			} else if end > i+1 {
				toks[i+1].lead = t.lead + toks[i+1].lead
			}
			out = append(out, toks[i+1:end]...)
			i = end - 1
		case strings.HasPrefix(lower, "j'") && len(lower) > 2:
			subj := v.frenchSubject(first)
			rest := append([]token{{lead: t.lead, core: t.core[2:], trail: t.trail}}, toks[i+1:]...)
			end := frenchVerbAt(rest, 0)
			if subj != "" {
				out = append(out, token{lead: t.lead, core: subj})
				rest[0].lead = ""
			}
			out = append(out, rest[:end]...)
			i += end - 1
		case lower == "mon":
			t.core = "son"
			out = append(out, t)
		case lower == "ma":
			t.core = "sa"
			out = append(out, t)
		case lower == "mes":
			t.core = "ses"
			out = append(out, t)
		default:
			out = append(out, t)
		}
	}
	return out
}
