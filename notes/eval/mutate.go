package eval

import (
	"context"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
	"text/tabwriter"

	"greffier/notes/draft"
	"greffier/notes/templates"
	"greffier/notes/transcript"
)

var nan = math.NaN()

// Mutation kinds: what a careless or hallucinating drafter changes in a sentence.
const (
	MutDose     = "wrong dose"
	MutNumber   = "wrong number"
	MutSide     = "swapped side"
	MutDropNeg  = "dropped negation"
	MutAddNeg   = "added negation"
	MutDrug     = "another drug"
	MutOriginal = "unmutated (false alarms)"
)

var mutationKinds = []string{MutDose, MutNumber, MutSide, MutDropNeg, MutAddNeg, MutDrug, MutOriginal}

// CheckerRow counts, for one source of sentences and one mutation kind, the
// sentences mutated and those the fact checker flagged.
type CheckerRow struct {
	Source, Kind string
	N, Flagged   int
}

// statement is a sentence with the transcript text it cites.
type statement struct{ text, evidence string }

var (
	doseNumRE  = regexp.MustCompile(`\b(\d+(?:\.\d+)?)(\s*(?:mg|milligrams?|mcg|micrograms?|units?|ml|g|grams?)\b)`)
	plainNumRE = regexp.MustCompile(`\b\d+(?:\.\d+)?\b`)
	sideRE     = regexp.MustCompile(`(?i)\b(right|left)\b`)
	dropNegRE  = regexp.MustCompile(`(?i)\b(denies|denied|no|not|without|never)\b\s*`)
	addNegRE   = regexp.MustCompile(`(?i)\b(reports|has|have|had|is|was|with)\b`)
	drugSwaps  = []string{"metoprolol", "atorvastatin", "omeprazole", "sertraline", "amoxicillin", "prednisone"}
)

// mutate returns the sentence changed by kind, or ok false when the kind does not
// apply (no dose, no side...) or would not change a fact the evidence states.
func mutate(kind, s, evidence string) (string, bool) {
	switch kind {
	case MutDose:
		m := doseNumRE.FindStringSubmatchIndex(s)
		if m == nil {
			return "", false
		}
		return s[:m[2]] + otherNumber(s[m[2]:m[3]], evidence) + s[m[3]:], true
	case MutNumber:
		for _, m := range plainNumRE.FindAllStringIndex(s, -1) {
			if doseNumRE.MatchString(s[m[0]:]) && doseNumRE.FindStringIndex(s[m[0]:])[0] == 0 {
				continue // doses are the other kind
			}
			return s[:m[0]] + otherNumber(s[m[0]:m[1]], evidence) + s[m[1]:], true
		}
	case MutSide:
		m := sideRE.FindStringSubmatchIndex(s)
		if m == nil {
			return "", false
		}
		swap := map[string]string{"right": "left", "left": "right"}[strings.ToLower(s[m[2]:m[3]])]
		return s[:m[2]] + swap + s[m[3]:], true
	case MutDropNeg:
		// A negation that bears on a finding ("no fever", "denies any chest pain"),
		// not a bare answer ("No."). With two negations ("No, no chest pain", "Any
		// other symptoms? No.") dropping one may leave the meaning as it was: not a
		// mutation, as adding one to a negative sentence is not either.
		all := dropNegRE.FindAllStringIndex(s, -1)
		if len(all) > 1 {
			return "", false
		}
		for _, m := range all {
			if !findingAfter(s[m[1]:]) || strings.HasPrefix(strings.ToLower(s[m[1]:]), "longer") {
				continue // "no longer" without its "no" says nothing
			}
			w := strings.ToLower(strings.TrimSpace(s[m[0]:m[1]]))
			repl := map[string]string{"denies": "reports ", "denied": "reported ", "without": "with "}[w]
			return s[:m[0]] + repl + s[m[1]:], true
		}
	case MutAddNeg:
		if dropNegRE.MatchString(s) {
			return "", false // already negative somewhere: adding one is ambiguous
		}
		// As a drafter would write it: "is not normal", "has no fever" — not "has
		// no also been" (an adverb follows) nor "is no normal".
		for _, m := range addNegRE.FindAllStringIndex(s, -1) {
			next := strings.Fields(s[m[1]:])
			if len(next) == 0 || !isFinding(next[0]) || adverbs[strings.ToLower(strings.Trim(next[0], ".,;:"))] {
				continue
			}
			neg := " no"
			if v := strings.ToLower(s[m[0]:m[1]]); v == "is" || v == "was" {
				neg = " not"
			}
			return s[:m[1]] + neg + s[m[1]:], true
		}
	case MutDrug:
		names, err := draft.MedicationNames(s)
		if err != nil || len(names) == 0 {
			return "", false
		}
		i := strings.Index(strings.ToLower(s), names[0])
		if i < 0 {
			return "", false
		}
		for _, d := range drugSwaps {
			if !strings.Contains(strings.ToLower(evidence), d) && d != names[0] {
				return s[:i] + d + s[i+len(names[0]):], true
			}
		}
	case MutOriginal:
		return s, true
	}
	return "", false
}

// adverbs cannot follow an added "no".
var adverbs = map[string]bool{"also": true, "still": true, "since": true, "ever": true, "just": true, "already": true, "recently": true,
	"currently": true, "always": true, "usually": true, "often": true, "never": true, "only": true, "even": true, "really": true,
	"very": true, "quite": true, "well": true, "previously": true, "initially": true, "actually": true, "probably": true,
	"possibly": true, "definitely": true, "otherwise": true, "overall": true}

// findingAfter reports whether a content word follows within three words (skipping
// "any", "a", "the").
func findingAfter(rest string) bool {
	words := strings.Fields(rest)
	for _, w := range words[:min(3, len(words))] {
		if isFinding(w) {
			return true
		}
	}
	return false
}

// isFinding: a word long enough to name something, not a function word.
func isFinding(w string) bool {
	w = strings.ToLower(strings.Trim(w, ".,;:!?'\"()"))
	switch w {
	case "been", "that", "this", "there", "they", "them", "with", "have", "having", "being", "really", "very", "much", "more",
		"other", "issues", "problems", "symptoms", "questions", "concerns", "changes", "further", "significant", "known", "acute",
		"about", "from", "then", "than", "what", "when", "which", "these", "those", "after", "before", "again", "your", "their", "some":
		return false
	}
	if strings.HasSuffix(w, "ing") || strings.HasSuffix(w, "ed") || strings.HasSuffix(w, "ly") {
		return false // verbs and adverbs: "no helping", "no periodically"
	}
	return len(w) >= 4
}

// otherNumber returns a number unlike n that the evidence does not hold.
func otherNumber(n, evidence string) string {
	v, err := strconv.ParseFloat(n, 64)
	if err != nil {
		return n + "1"
	}
	ev := " " + strings.Join(draft.FactNumbers(evidence), " ") + " "
	for _, f := range []float64{2, 3, 0.5, 4, 10} {
		c := strconv.FormatFloat(v*f, 'f', -1, 64)
		if v == 0 {
			c = strconv.Itoa(int(f) + 1)
		}
		if !strings.Contains(ev, " "+c+" ") {
			return c
		}
	}
	return n + "7"
}

// checkerSources builds the sentences to mutate from training examples: the
// extractive draft's sentences with their cited segments, and the reference notes'
// sentences aligned to the dialogue turns that share most of their words (kept when
// those turns hold at least 60% of the sentence's content words).
func checkerSources(ctx context.Context, exs []Example, t templates.Template) (drafted, references []statement, err error) {
	for _, ex := range exs {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		segs, _ := transcript.ParseDialogue(ex.Dialogue)
		byID := map[int]string{}
		texts := make([]string, len(segs))
		for i, s := range segs {
			byID[s.ID] = s.Text
			texts[i] = s.Text
		}
		note, err := draft.Extractive{}.Draft(ctx, draft.Request{Segments: segs, Template: t, Language: "en"})
		if err != nil {
			return nil, nil, fmt.Errorf("draft %s: %w", ex.ID, err)
		}
		for _, sec := range note.Sections {
			for _, x := range sec.Sentences {
				var parts []string
				for _, id := range x.Evidence {
					parts = append(parts, byID[id])
				}
				drafted = append(drafted, statement{x.Text, strings.Join(parts, "\n")})
			}
		}
		for _, s := range referenceSentences(ex.Reference) {
			if ev, ok := alignSentence(s, texts); ok {
				references = append(references, statement{s, ev})
			}
		}
	}
	return drafted, references, nil
}

var refSentenceSplit = regexp.MustCompile(`(?:[.!?])\s+|\n+`)

func referenceSentences(note string) []string {
	var out []string
	for _, s := range refSentenceSplit.Split(note, -1) {
		s = strings.TrimSpace(s)
		if len(strings.Fields(s)) >= 5 && !noteHeader.MatchString(s) {
			out = append(out, s)
		}
	}
	return out
}

// alignSentence picks the (at most) three turns that cover most of the sentence's
// content words (a number weighing three), each with the question it answers or
// the reply it gets.
func alignSentence(s string, turns []string) (string, bool) {
	words := contentWords(s)
	if len(words) < 3 {
		return "", false
	}
	covered := map[string]bool{}
	var chosen []string
	for k := 0; k < 3; k++ {
		best, bestGain := -1, 0
		for i, t := range turns {
			tw := contentWords(t)
			gain := 0
			for w := range words {
				if tw[w] && !covered[w] {
					gain += wordWeight(w)
				}
			}
			if gain > bestGain {
				best, bestGain = i, gain
			}
		}
		if best < 0 {
			break
		}
		for w := range contentWords(turns[best]) {
			covered[w] = true
		}
		// A reply belongs with its question ("any fever?" — "no"), also in the
		// transcripts written without question marks ("have you had any fever"),
		// and a question with its reply: neither says alone what was meant.
		if best > 0 && !asks(turns[best]) && asks(turns[best-1]) {
			chosen = append(chosen, turns[best-1])
		}
		chosen = append(chosen, turns[best])
		if best+1 < len(turns) && asks(turns[best]) {
			chosen = append(chosen, turns[best+1])
		}
	}
	hit := 0
	for w := range words {
		if covered[w] {
			hit++
		}
	}
	return strings.Join(chosen, "\n"), float64(hit) >= 0.6*float64(len(words))
}

// wordWeight: a number is a fact the sentence must find in its evidence; a turn
// that holds it weighs more than one that shares a common word.
func wordWeight(w string) int {
	if w[0] >= '0' && w[0] <= '9' {
		return 3
	}
	return 1
}

// askRE: a turn that asks, without a question mark ("okay is it your left or
// your right knee").
var askRE = regexp.MustCompile(`(?i)(?:^|[.,]\s*|\b(?:okay|alright|so|and|now|well|then|also|um|uh)\s+)(?:do|did|does|have|has|are|is|was|were|can|could|any)\s+(?:you|there|anything|the|your|other|it|this|that)\b|\bany\s+\w+\s*$`)

// askInside: a question inside a long turn ("... so do you or anyone have a
// history of seasonal allergies"), or a closing list of what is asked ("any joint
// pain fever weight loss").
var askInside = regexp.MustCompile(`(?i)\b(?:do|did|does|have|has|are|were|can|could)\s+(?:you|there)\b|\bany(?:thing)?\b(?:\W+\w+){0,8}\W*$`)

func asks(turn string) bool {
	t := strings.TrimSpace(turn)
	return strings.HasSuffix(t, "?") || askRE.MatchString(t) || askInside.MatchString(t)
}

func contentWords(s string) map[string]bool {
	out := map[string]bool{}
	for _, w := range Tokenize(draft.Digitize(s)) {
		if len(w) >= 4 || w[0] >= '0' && w[0] <= '9' {
			out[w] = true
		}
	}
	return out
}

// eachCheck mutates each sentence by each kind and passes what CheckFacts's rules
// (draft.UnsupportedFacts) find in the mutated sentence.
func eachCheck(sts []statement, fn func(kind string, st statement, mutated string, found []string)) error {
	for _, kind := range mutationKinds {
		for _, st := range sts {
			m, ok := mutate(kind, st.text, st.evidence)
			if !ok {
				continue
			}
			got, err := draft.UnsupportedFacts(m, st.evidence)
			if err != nil {
				return fmt.Errorf("check %q: %w", m, err)
			}
			fn(kind, st, m, got)
		}
	}
	return nil
}

// runChecker counts, per kind, the sentences mutated and those flagged.
func runChecker(source string, sts []statement) ([]CheckerRow, error) {
	rows := make([]CheckerRow, len(mutationKinds))
	at := map[string]int{}
	for i, kind := range mutationKinds {
		rows[i], at[kind] = CheckerRow{Source: source, Kind: kind}, i
	}
	err := eachCheck(sts, func(kind string, _ statement, _ string, found []string) {
		r := &rows[at[kind]]
		r.N++
		if len(found) > 0 {
			r.Flagged++
		}
	})
	return rows, err
}

// CheckerMiss is one sentence the checker judged wrongly: a mutation it did not
// flag, or an unmutated sentence it flagged (with what it found).
type CheckerMiss struct {
	Source, Kind      string
	Sentence, Mutated string
	Evidence          string
	Found             []string
}

// checkerMisses lists, for each kind, the mutations not flagged and the unmutated
// sentences flagged: what a reader needs to tell a checker fault from a bad alignment.
func checkerMisses(source string, sts []statement) ([]CheckerMiss, error) {
	var out []CheckerMiss
	err := eachCheck(sts, func(kind string, st statement, m string, found []string) {
		if (kind == MutOriginal) != (len(found) == 0) {
			out = append(out, CheckerMiss{Source: source, Kind: kind, Sentence: st.text, Mutated: m, Evidence: st.evidence, Found: found})
		}
	})
	return out, err
}

// WriteCheckerMisses prints misses for a reader, one block each.
func WriteCheckerMisses(w io.Writer, misses []CheckerMiss) {
	for _, m := range misses {
		fmt.Fprintf(w, "== %s / %s\n  sentence: %s\n", m.Source, m.Kind, m.Sentence)
		if m.Mutated != m.Sentence {
			fmt.Fprintf(w, "  mutated:  %s\n", m.Mutated)
		}
		if len(m.Found) > 0 {
			fmt.Fprintf(w, "  found:    %s\n", strings.Join(m.Found, "; "))
		}
		fmt.Fprintf(w, "  evidence: %s\n", strings.ReplaceAll(m.Evidence, "\n", "\n            "))
	}
}

// WriteChecker prints the checker's detection and false-alarm rates.
func WriteChecker(w io.Writer, rows []CheckerRow) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "sentences\tmutation\tn\tflagged\trate\t")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\t\n", r.Source, r.Kind, r.N, r.Flagged, pct(ratio(r.Flagged, r.N)))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "Fact checker (draft.CheckFacts rules) on sentences of the ACI-Bench train split: rate = share flagged; for mutations the")
	fmt.Fprintln(w, "  detection rate (goal ≥ 95%), for unmutated sentences the false-alarm rate (goal ≤ 5%). Reference sentences are aligned to")
	fmt.Fprintln(w, "  their evidence automatically (≤ 3 turns holding ≥ 60% of their content words, numbers weighing 3, each with the question it")
	fmt.Fprintln(w, "  answers or the reply it gets), so some false alarms are alignment misses.")
	return nil
}
