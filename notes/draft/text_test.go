package draft

import "testing"

func TestDigitize(t *testing.T) {
	cases := map[string]string{
		"twenty five milligrams":          "25 milligrams",
		"five hundred milligrams twice":   "500 milligrams twice",
		"metformin to 1,000 mg":           "metformin to 1000 mg",
		"deux fois par jour":              "2 fois par jour",
		"dix-sept ans":                    "17 ans",
		"one thousand two hundred units.": "1200 units.",
		"hundred":                         "hundred",
		"the bumex two milligrams, daily": "the bumex 2 milligrams, daily",
		"one twenty over eighty":          "120 over 80",
		"one forty two over ninety":       "142 over 90",
	}
	for in, want := range cases {
		if got := digitize(in); got != want {
			t.Errorf("digitize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCleanQuote(t *testing.T) {
	cases := map[string]string{
		"um, i've been, uh, taking it.": "I've been, taking it.",
		"so i think it's fine um.":      "So I think it's fine.",
		"Il a dit euh que oui.":         "Il a dit que oui.",
	}
	for in, want := range cases {
		if got := cleanQuote(in); got != want {
			t.Errorf("cleanQuote(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMedicationNames(t *testing.T) {
	got, err := MedicationNames("Increase lisinopril to 40 mg; start Lasix 20 mg and the Vitamin D. Lasix again.")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"lisinopril", "lasix", "vitamin d"}
	if len(got) != len(want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %q, want %q", got, want)
		}
	}
}
