package draft

import (
	_ "embed"
	"fmt"
	"sort"
	"strings"
	"sync"
)

//go:embed lexicon/drugs.txt
var drugsFile string

//go:embed lexicon/conditions.tsv
var conditionsFile string

// condition is a problem the extractive drafter recognises.
type condition struct {
	TitleEN, TitleFR string
	// Code is the ICD-10-CM code to suggest ("" for none); Right and Left, when
	// set, replace it for a condition of that side.
	Code, Right, Left string
	synonyms          []cue
}

// lexicon holds the parsed embedded word lists. It is built once and never changed.
type lexicon struct {
	drugs      []string // normalized (" name "), longest first
	conditions []condition
}

var loadLexicon = sync.OnceValues(func() (*lexicon, error) {
	lx := &lexicon{}
	seen := map[string]bool{}
	for _, line := range strings.Split(drugsFile, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		n := normalize(line)
		if !seen[n] {
			seen[n] = true
			lx.drugs = append(lx.drugs, n)
		}
	}
	sort.SliceStable(lx.drugs, func(i, j int) bool { return len(lx.drugs[i]) > len(lx.drugs[j]) })
	for i, line := range strings.Split(conditionsFile, "\n") {
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 4 {
			return nil, fmt.Errorf("conditions.tsv line %d: %d fields, want 4", i+1, len(f))
		}
		c := condition{TitleEN: f[0], TitleFR: f[1], synonyms: cues(strings.Split(f[3], "|"))}
		switch codes := strings.Split(f[2], "|"); {
		case f[2] == "-":
		case len(codes) == 1:
			c.Code = codes[0]
		case len(codes) == 3:
			c.Right, c.Left, c.Code = codes[0], codes[1], codes[2]
		default:
			return nil, fmt.Errorf("conditions.tsv line %d: code %q: want CODE, R|L|U or -", i+1, f[2])
		}
		// Longest synonyms first, so the reported match is the most specific.
		sort.SliceStable(c.synonyms, func(a, b int) bool { return len(c.synonyms[a].phrase) > len(c.synonyms[b].phrase) })
		lx.conditions = append(lx.conditions, c)
	}
	return lx, nil
})

// drugMatch is one medication name found in a text.
type drugMatch struct {
	Name string // as in the lexicon (normalized, trimmed)
	Pos  int    // byte offset in the normalized text
}

// findDrugs returns the lexicon's medication names in a normalized text, in order,
// without overlaps (longer names win).
func (lx *lexicon) findDrugs(norm string) []drugMatch {
	var out []drugMatch
	taken := make([]bool, len(norm))
	for _, d := range lx.drugs {
		from := 0
		for {
			i := strings.Index(norm[from:], d)
			if i < 0 {
				break
			}
			i += from
			from = i + 1
			if taken[i+1] {
				continue
			}
			for k := i + 1; k < i+len(d)-1; k++ {
				taken[k] = true
			}
			out = append(out, drugMatch{Name: strings.TrimSpace(d), Pos: i})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Pos < out[j].Pos })
	return out
}

// MedicationNames returns the distinct medication names of Greffier's lexicon that
// text mentions, lower case, in order of first mention. The evaluation uses it to
// compare the medications of a reference note with a draft's.
func MedicationNames(text string) ([]string, error) {
	lx, err := loadLexicon()
	if err != nil {
		return nil, err
	}
	var out []string
	seen := map[string]bool{}
	for _, m := range lx.findDrugs(normalize(text)) {
		if !seen[m.Name] {
			seen[m.Name] = true
			out = append(out, m.Name)
		}
	}
	return out, nil
}
