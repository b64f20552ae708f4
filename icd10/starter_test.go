package icd10_test

import (
	"encoding/csv"
	"errors"
	"io/fs"
	"os"
	"strings"
	"testing"

	"greffier/icd10"
)

// sharedCategories is the CDC-derived category list the embedded one was generated from.
const sharedCategories = "../../shared/eval/icd10cm-reference/icd10cm-categories-April-1-2026.csv"

func readSharedCategories(t testing.TB) map[string]string {
	t.Helper()
	f, err := os.Open(sharedCategories)
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf("skipped: %s is absent (the shared evaluation data is not on this machine)", sharedCategories)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, r := range recs[1:] {
		out[r[0]] = r[1]
	}
	return out
}

// categoryTerms are, for categories whose title is too general to share a word with
// their codes' titles, the terms (checked by hand) that starter codes of that category
// may carry instead. A code whose title shares no word with its category title and
// holds none of these terms fails the test: a sign of a wrong code or title.
var categoryTerms = map[string][]string{
	"A69": {"lyme"}, "B08": {"molluscum"}, "B35": {"tinea"}, "B36": {"pityriasis versicolor"},
	"D69": {"thrombocytopenia"}, "D75": {"polycythemia"}, "E16": {"hypoglycemia"},
	"E78": {"hypercholesterolemia", "hyperglyceridemia", "hyperlipidemia"},
	"E79": {"hyperuricemia"}, "E83": {"hypomagnesemia", "hypocalcemia", "hypercalcemia"},
	"E86": {"dehydration"}, "E87": {"hyponatremia", "hyperkalemia", "hypokalemia"},
	"F51": {"insomnia"}, "F84": {"autistic"}, "G25": {"restless legs"}, "G47": {"insomnia"},
	"G51": {"palsy"}, "H52": {"presbyopia"}, "H61": {"cerumen"}, "H81": {"vertigo"},
	"H93": {"tinnitus"}, "I25": {"myocardial infarction"}, "I87": {"venous insufficiency"},
	"K59": {"constipation"}, "K90": {"celiac"}, "K92": {"melena"}, "L57": {"actinic keratosis"},
	"L72": {"cyst"}, "M54": {"radiculopathy", "cervicalgia", "sciatica", "lumbago", "back pain", "spine"},
	"M25": {"shoulder", "hip", "knee"}, "M77": {"epicondylitis"}, "M79": {"myalgia", "pain in right leg", "pain in left leg"},
	"N18": {"end stage renal disease"}, "N39": {"incontinence", "enuresis"}, "N91": {"amenorrhea"},
	"N94": {"dysmenorrhea"}, "O21": {"hyperemesis gravidarum"},
	"R00": {"tachycardia", "bradycardia", "palpitations"}, "R04": {"epistaxis", "hemoptysis"},
	"R06": {"dyspnea", "wheezing", "snoring"}, "R09": {"nasal congestion", "postnasal drip"},
	"R10": {"colic"}, "R14": {"distension"}, "R19": {"diarrhea"}, "R25": {"tremor", "cramp"},
	"R26": {"walking", "unsteadiness"}, "R29": {"falls"}, "R30": {"dysuria"},
	"R35": {"micturition", "nocturia"}, "R39": {"urination"},
	"R41": {"disorientation", "amnesia", "mental status"}, "R43": {"anosmia"},
	"R45": {"suicidal"}, "R47": {"aphasia"}, "R49": {"dysphonia"}, "R53": {"weakness"},
	"R63": {"anorexia", "polydipsia", "weight"}, "R68": {"chills"},
	"R73": {"prediabetes", "hyperglycemia"}, "R91": {"pulmonary nodule"},
	"R97": {"prostate specific antigen"}, "S06": {"concussion"}, "T78": {"allergy"},
	"Z72": {"tobacco", "exercise"}, "Z73": {"stress"}, "Z91": {"allergy", "falling"}, "U07": {"covid"},
}

func hasCategoryTerm(cat, title string) bool {
	for _, term := range categoryTerms[cat] {
		if strings.Contains(strings.ToLower(title), term) {
			return true
		}
	}
	return false
}

func TestStarterCodesAgainstCategories(t *testing.T) {
	shared := readSharedCategories(t)
	starter, err := icd10.StarterCodes()
	if err != nil {
		t.Fatal(err)
	}
	if len(starter) < 300 {
		t.Errorf("starter set has %d codes, want a few hundred", len(starter))
	}
	seen := map[string]bool{}
	for _, c := range starter {
		if seen[c.Code] {
			t.Errorf("%s listed twice", c.Code)
		}
		seen[c.Code] = true
		cat := c.Code[:3]
		catTitle, ok := shared[cat]
		if !ok {
			t.Errorf("%s (%s): category %s is not in the April 2026 release", c.Code, c.Title, cat)
			continue
		}
		if len(c.Code) == 3 && c.Title != catTitle {
			t.Errorf("3-character code %s: title %q, the release says %q", c.Code, c.Title, catTitle)
		}
		if !shareWord(c.Title, catTitle) && !hasCategoryTerm(cat, c.Title) {
			t.Errorf("%s %q shares no word with its category %s %q", c.Code, c.Title, cat, catTitle)
		}
	}
	// A 3-character code is billable only with no subdivisions: none may appear.
	for _, c := range starter {
		if len(c.Code) > 3 && seen[c.Code[:3]] {
			t.Errorf("%s is listed as billable but %s subdivides it", c.Code[:3], c.Code)
		}
	}
}

// shareWord reports whether two titles share a significant word, comparing the first
// five letters so that "hypertensive" meets "hypertension".
func shareWord(a, b string) bool {
	stems := map[string]bool{}
	for _, w := range significantWords(b) {
		stems[w] = true
	}
	for _, w := range significantWords(a) {
		if stems[w] {
			return true
		}
	}
	return false
}

func significantWords(s string) []string {
	generic := map[string]bool{"other": true, "unspe": true, "speci": true, "with": true, "witho": true,
		"disor": true, "disea": true, "condi": true, "eleme": true, "class": true, "initi": true}
	var out []string
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9') }) {
		if len(w) < 4 {
			continue
		}
		if len(w) > 5 {
			w = w[:5]
		}
		if !generic[w] {
			out = append(out, w)
		}
	}
	return out
}
