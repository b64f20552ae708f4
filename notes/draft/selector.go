package draft

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"strings"
	"sync"

	"greffier/domain"
)

// Selector is a logistic regression that scores a transcript unit: how likely a
// clinician's note is to carry its content. It is trained on ACI-Bench and
// MTS-Dialog training dialogues (labels from aligning their reference notes, see
// notes/eval/train.go) and tuned on their validation splits; the extractive
// drafter drops units scored under Threshold, and Sections routes the others.
// Rebuild it with
// `greffier eval --train --data ../shared/eval --out notes/draft/selector.json`.
type Selector struct {
	Dim       int       `json:"dim"`
	Bias      float64   `json:"bias"`
	Threshold float64   `json:"threshold"`
	Weights   []float64 `json:"weights"`
	Trained   string    `json:"trained"` // what it was trained and tuned on
	// Sections routes the kept units to sections; nil routes them by cue words.
	Sections *SectionModel `json:"sections,omitempty"`
}

//go:embed selector.json
var selectorFile []byte

var loadSelector = sync.OnceValues(func() (*Selector, error) {
	var s Selector
	if err := json.Unmarshal(selectorFile, &s); err != nil {
		return nil, fmt.Errorf("read embedded selector.json: %w", err)
	}
	if s.Dim <= 0 || len(s.Weights) != s.Dim {
		return nil, fmt.Errorf("embedded selector.json: %d weights for dimension %d", len(s.Weights), s.Dim)
	}
	if m := s.Sections; m != nil && (m.Dim <= 0 || len(m.Bias) != len(SectionClasses) || len(m.Weights) != len(SectionClasses)) {
		return nil, fmt.Errorf("embedded selector.json: section model for %d classes, want %d", len(m.Bias), len(SectionClasses))
	}
	return &s, nil
})

// SelectorDim is the number of hashed features.
const SelectorDim = 1 << 12

// Score returns the probability that a unit with these features belongs in a note.
func (s *Selector) Score(feats []int) float64 {
	z := s.Bias
	for _, f := range feats {
		z += s.Weights[f%s.Dim]
	}
	return 1 / (1 + math.Exp(-z))
}

func hashFeature(name string) int {
	h := fnv.New32a()
	h.Write([]byte(name))
	return int(h.Sum32() % SelectorDim)
}

// unitFeatures describes unit i of n: its words and word pairs, speaker, place in
// the visit, length, and cues (numbers, drugs, conditions, small talk, questions).
func unitFeatures(lx *lexicon, u unit, i, n int) []int {
	var names []string
	words := strings.Fields(u.norm)
	for k, w := range words {
		names = append(names, "w:"+w)
		if k > 0 {
			names = append(names, "b:"+words[k-1]+" "+w)
		}
	}
	role := string(u.role)
	if role == "" {
		role = "none"
	}
	pos := 0
	if n > 0 {
		pos = 10 * i / n
	}
	length := "long"
	switch l := len(words); {
	case l <= 3:
		length = "1-3"
	case l <= 7:
		length = "4-7"
	case l <= 15:
		length = "8-15"
	case l <= 30:
		length = "16-30"
	}
	names = append(names, "role:"+role, fmt.Sprintf("pos:%d", pos), "len:"+length, fmt.Sprintf("role-pos:%s:%d", role, pos))
	if strings.ContainsAny(u.num, "0123456789") {
		names = append(names, "cue:number")
	}
	if len(lx.findDrugs(u.norm)) > 0 {
		names = append(names, "cue:drug")
	}
	for _, c := range lx.conditions {
		if anyCue(c.synonyms, u.norm) {
			names = append(names, "cue:condition")
			break
		}
	}
	if anyCue(smallTalk, u.norm) {
		names = append(names, "cue:smalltalk")
	}
	if u.question {
		names = append(names, "cue:question")
	}
	if u.answer != 0 {
		names = append(names, fmt.Sprintf("cue:answer%d", u.answer))
	}
	out := make([]int, len(names))
	for k, nm := range names {
		out[k] = hashFeature(nm)
	}
	return out
}

// SelectorUnit is one quotable unit of a transcript with its features, for training.
type SelectorUnit struct {
	Text     string
	Features []int
	// SectionFeatures is what the section model reads (the unit and its neighbours).
	SectionFeatures []int
	Question        bool // an unanswered question: never quoted
}

// SelectorUnits cuts a transcript into the units the extractive drafter quotes and
// describes each, as the drafter does when it selects.
func SelectorUnits(segs []domain.Segment) ([]SelectorUnit, error) {
	lx, err := loadLexicon()
	if err != nil {
		return nil, err
	}
	units := buildUnits(usableSegments(segs))
	out := make([]SelectorUnit, 0, len(units))
	for i, u := range units {
		out = append(out, SelectorUnit{Text: u.text, Features: unitFeatures(lx, u, i, len(units)), SectionFeatures: sectionFeatures(lx, units, i), Question: u.question})
	}
	return out, nil
}
