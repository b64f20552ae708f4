package draft

import "testing"

func TestDigitsInQuote(t *testing.T) {
	cases := map[string]string{
		"I'm fifty seven years old.":                   "I'm 57 years old.",
		"I had my son in August of two thousand eight": "I had my son in August of 2008",
		"Four or five days ago, I fell.":               "4 or 5 days ago, I fell.",
		"No one told me, take one a day.":              "No one told me, take one a day.",
		"Une douleur depuis dix-sept jours":            "Une douleur depuis 17 jours",
		"soixante-quinze ans":                          "75 ans",
		// Runs that are not one number stay words rather than a wrong sum.
		"around nineteen eighty four":   "around nineteen eighty four",
		"quatre-vingts kilos":           "quatre-vingts kilos",
		"Twenty twenty was a bad year.": "Twenty twenty was a bad year.",
	}
	for in, want := range cases {
		if got := digitsInQuote(in); got != want {
			t.Errorf("digitsInQuote(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestHasContent(t *testing.T) {
	cases := map[string]bool{
		"No, that's it.":              false,
		"No, I think that's about it": false,
		"No not at this time":         false,
		"No chest pain":               true,
		"I'm 57":                      true,
		"Pas de fièvre":               true,
	}
	for in, want := range cases {
		if got := hasContent(normalize(in)); got != want {
			t.Errorf("hasContent(%q) = %v, want %v", in, got, want)
		}
	}
}
