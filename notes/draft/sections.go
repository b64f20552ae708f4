package draft

import (
	"math"
	"strings"
)

// SectionModel is a multinomial logistic regression that says which part of a
// note a transcript unit belongs to, over the history-and-physical sections
// (SectionClasses). It reads the unit's own features and the words of the units
// around it (the question that was asked before an answer decides a lot), and the
// drafter then smooths each unit's choice with its neighbours' (a consultation
// speaks of one topic for several turns). It is trained with the Selector (see
// notes/eval/train.go).
type SectionModel struct {
	Dim     int         `json:"dim"`
	Bias    []float64   `json:"bias"`
	Weights [][]float64 `json:"weights"` // [class][feature]
	// Window is how many units on each side count as neighbours; Smooth is the
	// weight of their mean log-probability against the unit's own.
	Window int     `json:"window"`
	Smooth float64 `json:"smooth"`
	// CueWeight adds this much per cue word of the template section the unit
	// matches: the template's author knows the section, and the cues carry
	// languages the model was not trained on.
	CueWeight float64 `json:"cue_weight"`
}

// SectionClasses are the sections the model chooses among: the hp template's keys.
var SectionClasses = []string{"chief_complaint", "hpi", "past_history", "review_of_systems", "physical_exam", "results", "assessment_plan"}

// sectionClassesOf maps the built-in templates' sections to the classes they hold.
// A template with another section is routed by its cue words instead.
var sectionClassesOf = map[string][]string{
	"chief_complaint": {"chief_complaint"}, "hpi": {"hpi"}, "past_history": {"past_history"},
	"review_of_systems": {"review_of_systems"}, "physical_exam": {"physical_exam"}, "results": {"results"},
	"assessment_plan": {"assessment_plan"},
	"subjective":      {"chief_complaint", "hpi", "past_history", "review_of_systems"},
	"objective":       {"physical_exam", "results"},
	"assessment":      {"assessment_plan"}, "plan": {"assessment_plan"},
	"interval_history": {"chief_complaint", "hpi", "past_history", "review_of_systems"},
	"exam_results":     {"physical_exam", "results"},
}

// SectionClass returns the index of a class in SectionClasses, or -1.
func SectionClass(key string) int {
	for i, c := range SectionClasses {
		if c == key {
			return i
		}
	}
	return -1
}

// LogProbs returns the log-probability of each class for a unit with these features.
func (m *SectionModel) LogProbs(feats []int) []float64 {
	z := make([]float64, len(m.Bias))
	hi := math.Inf(-1)
	for k := range z {
		z[k] = m.Bias[k]
		for _, f := range feats {
			z[k] += m.Weights[k][f%m.Dim]
		}
		hi = math.Max(hi, z[k])
	}
	sum := 0.0
	for _, v := range z {
		sum += math.Exp(v - hi)
	}
	for k := range z {
		z[k] -= hi + math.Log(sum)
	}
	return z
}

// contextFeatures describes the units around unit i: the words of the one before
// (often the question answered) and after.
func contextFeatures(units []unit, i int) []int {
	var out []int
	add := func(prefix string, u unit) {
		for _, w := range strings.Fields(u.norm) {
			out = append(out, hashFeature(prefix+w))
		}
		if u.question {
			out = append(out, hashFeature(prefix+"question"))
		}
	}
	if i > 0 {
		add("prev:", units[i-1])
	}
	if i+1 < len(units) {
		add("next:", units[i+1])
	}
	return out
}

// sectionFeatures is what the section model reads for unit i.
func sectionFeatures(lx *lexicon, units []unit, i int) []int {
	return append(unitFeatures(lx, units[i], i, len(units)), contextFeatures(units, i)...)
}

// routing is the section model's reading of a transcript's units.
type routing struct {
	logp      [][]float64 // per unit, the smoothed log-probability of each class
	cueWeight float64
}

// routeUnits returns, for each unit, its smoothed log-probability per class.
func (m *SectionModel) routeUnits(lx *lexicon, units []unit) *routing {
	own := make([][]float64, len(units))
	for i := range units {
		own[i] = m.LogProbs(sectionFeatures(lx, units, i))
	}
	out := make([][]float64, len(units))
	for i := range units {
		out[i] = append([]float64{}, own[i]...)
		lo, hi := max(0, i-m.Window), min(len(units)-1, i+m.Window)
		if hi == lo || m.Smooth == 0 {
			continue
		}
		for k := range out[i] {
			mean := 0.0
			for j := lo; j <= hi; j++ {
				if j != i {
					mean += own[j][k]
				}
			}
			out[i][k] += m.Smooth * mean / float64(hi-lo)
		}
	}
	return &routing{logp: out, cueWeight: m.CueWeight}
}
