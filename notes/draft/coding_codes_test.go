package draft

import (
	"testing"

	"greffier/icd10"
)

// TestCodableCodesAreInStarterSet: every code the extractive coder can suggest
// (conditions.tsv, the sprain and strain tables, with their 7th characters A and D)
// is a billable code of the starter set that ships. A code missing from it would be
// dropped silently (suggestCodes only keeps exact matches). TestStarterCodesAgainstCategories
// (icd10) checks the starter set against the ICD-10-CM April 2026 categories.
func TestCodableCodesAreInStarterSet(t *testing.T) {
	starter, err := icd10.StarterCodes()
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, c := range starter {
		have[c.Code] = true
	}
	lx, err := loadLexicon()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for _, c := range lx.conditions {
		for _, code := range []string{c.Code, c.Right, c.Left} {
			if code != "" {
				want[code] = "conditions.tsv " + c.TitleEN
			}
		}
	}
	injury := func(code, from string) {
		if code == "" {
			return
		}
		if len(code) != 8 || code[3] != '.' || code[7] != 'A' {
			t.Errorf("%s (%s): an injury code has 7 characters, the 7th A (initial encounter)", code, from)
			return
		}
		want[code] = from
		want[code[:7]+"D"] = from + " (subsequent encounter)"
	}
	for _, s := range injurySites {
		for _, code := range []string{s.right, s.left, s.none} {
			injury(code, "sprain of "+s.en)
		}
	}
	for site, code := range strainCodes {
		injury(code, "strain of "+site)
	}
	for finger, codes := range fingerCodes {
		injury(codes[0], "sprain of right "+finger+" finger")
		injury(codes[1], "sprain of left "+finger+" finger")
	}
	for code, from := range want {
		if !have[code] {
			t.Errorf("%s (%s) is not in the starter set: it would never be suggested", code, from)
		}
	}
	if len(want) < 100 {
		t.Errorf("only %d codable codes: the tables did not load", len(want))
	}
}
