package documents

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// A glossary entry replaces a clinical term or abbreviation with everyday words.
// Replacements never add a fact the checker reads (a body site, a side, a number, a
// frequency it would not match): a test runs every entry through draft's fact
// checker.
type glossEntry struct {
	re    *regexp.Regexp
	plain string
}

func gloss(pairs ...string) []glossEntry {
	out := make([]glossEntry, 0, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		// Word boundaries that work for accented letters and dotted abbreviations.
		re := regexp.MustCompile(`(?i)(^|[^\p{L}\p{N}.])(` + pairs[i] + `)($|[^\p{L}\p{N}])`)
		out = append(out, glossEntry{re: re, plain: pairs[i+1]})
	}
	return out
}

// The English and French glossaries, longest terms first.
var glossaries = map[string][]glossEntry{
	"en": gloss(
		`diabetes mellitus(?: type 2| type ii)?`, "diabetes",
		`hypertension|htn`, "high blood pressure",
		`hyperlipid(?:a)?emia|dyslipid(?:a)?emia`, "high cholesterol",
		`hyperglyc(?:a)?emia`, "high blood sugar",
		`hypoglyc(?:a)?emia`, "low blood sugar",
		`myocardial infarction`, "heart attack",
		`pharyngitis`, "pharyngitis (an infection that makes swallowing painful)",
		`upper respiratory (?:tract )?infection|uri`, "cold (viral infection)",
		`pneumonia`, "pneumonia (an infection)",
		`otitis media`, "otitis (an infection behind the eardrum)",
		`dyspn(?:o)?ea`, "shortness of breath",
		`(?:o)?edema`, "swelling",
		`pruritus`, "itching",
		`pyrexia|febrile`, "fever",
		`nsaids?`, "anti-inflammatory pain medicine",
		`analgesics?`, "pain medicine",
		`b\.i\.d\.?|bid`, "twice a day",
		`t\.i\.d\.?|tid`, "3 times a day",
		`q\.i\.d\.?|qid`, "4 times a day",
		`q\.d\.?|qd`, "once a day",
		`q\.?h\.?s\.?`, "at bedtime",
		`p\.r\.n\.?|prn`, "as needed",
		`p\.o\.?|per os`, "by mouth",
		`po`, "by mouth",
		`cbc`, "blood count (CBC)",
		`ekg|ecg`, "heart tracing (ECG)",
		`f/u`, "follow-up",
	),
	"fr": gloss(
		`hypertension artérielle|hta`, "tension trop élevée",
		`hypertension`, "tension trop élevée",
		`dyslipidémie|hypercholestérolémie`, "cholestérol trop élevé",
		`hyperglycémie`, "sucre trop élevé dans le sang",
		`hypoglycémie`, "manque de sucre dans le sang",
		`infarctus du myocarde`, "infarctus (crise cardiaque)",
		`pharyngite`, "pharyngite (infection qui fait mal en avalant)",
		`rhinopharyngite`, "rhume (rhinopharyngite)",
		`pneumopathie(?: communautaire)?`, "pneumonie (une infection)",
		`otite moyenne aiguë|otite moyenne`, "otite (infection derrière le tympan)",
		`dyspnée`, "essoufflement",
		`œdèmes?|oedèmes?`, "gonflement",
		`prurit`, "démangeaisons",
		`hyperthermie|pyrexie`, "fièvre",
		`ains`, "anti-inflammatoire",
		`antalgiques?`, "médicament contre la douleur",
		`per os|p\.o\.?`, "par la bouche",
		`nfs`, "prise de sang (NFS)",
		`ecg`, "électrocardiogramme (ECG)",
		`réévaluation`, "nouveau contrôle",
		`posologie`, "dose",
	),
}

// Plain rewrites clinical terms of text in everyday words of lang (fr or en), and
// gives it a capital and a final full stop.
func Plain(text, lang string) string {
	out := strings.TrimSpace(text)
	for _, g := range glossaries[lang] {
		out = g.re.ReplaceAllString(out, "${1}"+escapeDollar(g.plain)+"${3}")
	}
	return sentence(out)
}

func escapeDollar(s string) string { return strings.ReplaceAll(s, "$", "$$") }

// sentence capitalises s and ends it with a full stop unless it ends with one.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	s = string(unicode.ToUpper(r)) + s[n:]
	if last, _ := utf8.DecodeLastRuneInString(s); !strings.ContainsRune(".!?…»\"”", last) {
		s += "."
	}
	return s
}

// lower starts s with a small letter, unless it looks like an acronym (ECG).
func lower(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if r == 'I' && (len(s) == 1 || strings.ContainsRune(" '’", rune(s[1]))) {
		return s // English "I"
	}
	if n == len(s) {
		return strings.ToLower(s)
	}
	r2, _ := utf8.DecodeRuneInString(s[n:])
	if unicode.IsUpper(r2) {
		return s
	}
	return string(unicode.ToLower(r)) + s[n:]
}
