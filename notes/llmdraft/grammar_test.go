package llmdraft

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// upTo's alternatives, read as a regular expression, match exactly 0..max.
func TestUpTo(t *testing.T) {
	for _, max := range []int{0, 7, 9, 10, 59, 100, 137, 999, 1000, 2305} {
		g := upTo(max)
		re := regexp.MustCompile("^(" + strings.NewReplacer(" ", "", `"`, "").Replace(g) + ")$")
		for n := 0; n <= 3000; n++ {
			if got := re.MatchString(strconv.Itoa(n)); got != (n <= max) {
				t.Fatalf("upTo(%d) = %s: matches %d: %v", max, g, n, got)
			}
		}
		if re.MatchString("01") {
			t.Errorf("upTo(%d) matches a leading zero", max)
		}
	}
}

func TestPatternGrammar(t *testing.T) {
	for p, want := range map[string]string{
		`^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$`: `[A-Z] [0-9] [0-9A-Z] ("." [0-9A-Z]{1,4})?`,
		`^[a-z][a-z_]{0,63}$`:                    `[a-z] [a-z_]{0,63}`,
	} {
		if got, err := patternGrammar(p); err != nil || got != want {
			t.Errorf("patternGrammar(%s) = %s, %v; want %s", p, got, err, want)
		}
	}
	for _, bad := range []string{`[a-z]+`, `^a|b$`, `^a.*$`, `^(a$`} {
		if _, err := patternGrammar(bad); err == nil {
			t.Errorf("patternGrammar(%s) accepted", bad)
		}
	}
}

// The answer schema of every built-in template converts (nothing falls back).
func TestCompactGrammarCoversTheAnswerSchema(t *testing.T) {
	tm := soapTemplate(t)
	sch, err := answerSchema(tm, 137, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	g, err := compactGrammar(sch)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`root ::= "{" "\"sections\":"`, `"\"subjective\""`, "char{0,300}", `("," "\"icd10\":" def-code-ref)?`} {
		if !strings.Contains(g, want) {
			t.Errorf("grammar lacks %s:\n%s", want, g)
		}
	}
	if strings.Contains(g, "space") {
		t.Error("the grammar allows whitespace")
	}
}
