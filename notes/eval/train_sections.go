package eval

import (
	"context"
	"fmt"
	"io"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"greffier/notes/draft"
	"greffier/notes/templates"
	"greffier/notes/transcript"
)

// Training settings of the section model.
const (
	sectionEpochs = 10
	sectionRate   = 0.05 // at the first epoch; it decays as 1/(1+epoch/2)
	sectionL2     = 1e-5
	// sectionShare: an ACI-Bench unit is labelled with the reference section that
	// holds the most of its content words, if that is at least this share of them.
	sectionShare = 0.4
)

// aciSectionWeights are the weights tried for ACI-Bench units against MTS-Dialog
// ones, whose labels are exact (a dialogue was written for one section) where
// ACI-Bench's come from word overlap; the validation splits choose.
var aciSectionWeights = []float64{0, 0.1, 0.3, 1}

// sectionExample is one unit with the section its reference puts it in.
type sectionExample struct {
	feats  []int
	class  int
	weight float64
}

// referenceSectionTexts splits an ACI-Bench note at its headers and returns the
// text of each hp section (as a class of draft.SectionClasses) it has.
func referenceSectionTexts(note string) map[int]string {
	out := map[int]string{}
	cur := -1
	for _, line := range strings.Split(note, "\n") {
		t := strings.TrimSpace(line)
		if noteHeader.MatchString(t) {
			if k, ok := aciSections[strings.TrimSuffix(t, ":")]; ok {
				cur = draft.SectionClass(k)
				out[cur] += ""
				continue
			}
		}
		if cur >= 0 {
			out[cur] += t + "\n"
		}
	}
	return out
}

// referenceSectionWords returns the content words of each section of an ACI-Bench note.
func referenceSectionWords(note string) map[int]map[string]bool {
	out := map[int]map[string]bool{}
	for k, text := range referenceSectionTexts(note) {
		out[k] = contentWords(text)
	}
	return out
}

// aciSectionRouge is the mean over notes of the mean ROUGE-1 F1 of each reference
// section against the draft's section of the same key: how well the drafter
// routes what it quotes.
func aciSectionRouge(ctx context.Context, d draft.Extractive, exs []Example, tmpl templates.Template) (float64, error) {
	total, n := 0.0, 0
	for _, ex := range exs {
		segs, _ := transcript.ParseDialogue(ex.Dialogue)
		note, err := d.Draft(ctx, draft.Request{Segments: segs, Template: tmpl, Language: "en"})
		if err != nil {
			return 0, fmt.Errorf("draft %s: %w", ex.ID, err)
		}
		secs := referenceSectionTexts(ex.Reference)
		if len(secs) == 0 {
			continue
		}
		sum := 0.0
		for k, text := range secs {
			sum += RougeN(Tokenize(text), Tokenize(draft.SectionText(note, draft.SectionClasses[k])), 1).F
		}
		total += sum / float64(len(secs))
		n++
	}
	if n == 0 {
		return 0, nil
	}
	return total / float64(n), nil
}

// mtsClass is the section model's class for an MTS-Dialog header (the medication
// and allergy lists live in the past history).
func mtsClass(header string) int {
	switch k := mtsSections[header]; k {
	case "medications", "allergies":
		return draft.SectionClass("past_history")
	case "":
		return draft.SectionClass("hpi")
	default:
		return draft.SectionClass(k)
	}
}

// sectionExamples labels the units of the training dialogues: ACI-Bench units with
// the reference section that holds most of their content words, MTS-Dialog units
// with the section their dialogue was summarised into.
func sectionExamples(aci, mts []Example, aciWeight float64) ([]sectionExample, error) {
	var out []sectionExample
	for _, set := range []struct {
		exs []Example
		mts bool
	}{{aci, false}, {mts, true}} {
		for _, ex := range set.exs {
			segs, _ := transcript.ParseDialogue(ex.Dialogue)
			units, err := draft.SelectorUnits(segs)
			if err != nil {
				return nil, err
			}
			secs := map[int]map[string]bool{}
			if !set.mts {
				secs = referenceSectionWords(ex.Reference)
			}
			for _, u := range units {
				if u.Question {
					continue
				}
				cw := contentWords(u.Text)
				if len(cw) == 0 {
					continue
				}
				if set.mts {
					out = append(out, sectionExample{u.SectionFeatures, mtsClass(ex.Section), 1})
					continue
				}
				// A word counts 1/n towards each of the n sections that hold it, so
				// that the long history does not win every shared word.
				best, bestHits, found := -1, 0.0, 0
				hits := map[int]float64{}
				for _, w := range slices.Sorted(maps.Keys(cw)) { // a fixed order: the same sums, the same labels
					n := 0
					for _, words := range secs {
						if words[w] {
							n++
						}
					}
					if n == 0 {
						continue
					}
					found++
					for k, words := range secs {
						if words[w] {
							hits[k] += 1 / float64(n)
						}
					}
				}
				for k, h := range hits {
					if h > bestHits || h == bestHits && k < best {
						best, bestHits = k, h
					}
				}
				if aciWeight > 0 && best >= 0 && found >= 2 && float64(found) >= sectionShare*float64(len(cw)) {
					out = append(out, sectionExample{u.SectionFeatures, best, aciWeight})
				}
			}
		}
	}
	return out, nil
}

// trainSectionModel fits the section model by stochastic gradient descent on the
// multinomial log loss.
func trainSectionModel(ctx context.Context, exs []sectionExample, log io.Writer) (*draft.SectionModel, error) {
	k := len(draft.SectionClasses)
	m := &draft.SectionModel{Dim: draft.SelectorDim, Bias: make([]float64, k), Weights: make([][]float64, k)}
	for c := range m.Weights {
		m.Weights[c] = make([]float64, m.Dim)
	}
	counts := make([]float64, k)
	for _, ex := range exs {
		counts[ex.class] += ex.weight
	}
	fmt.Fprintf(log, "section model: %d labelled units, weighted per class %.0f (%s)\n", len(exs), counts, strings.Join(draft.SectionClasses, ", "))
	rng := rand.New(rand.NewPCG(3, 4)) // fixed seed: the same data give the same model
	for epoch := 0; epoch < sectionEpochs; epoch++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		rng.Shuffle(len(exs), func(i, j int) { exs[i], exs[j] = exs[j], exs[i] })
		loss := 0.0
		rate := sectionRate / (1 + float64(epoch)/2)
		for _, ex := range exs {
			lp := m.LogProbs(ex.feats)
			loss -= lp[ex.class]
			for c := 0; c < k; c++ {
				g := math.Exp(lp[c])
				if c == ex.class {
					g--
				}
				g *= ex.weight
				if g == 0 {
					continue
				}
				m.Bias[c] -= rate * g
				w := m.Weights[c]
				for _, f := range ex.feats {
					w[f] -= rate * (g + sectionL2*w[f])
				}
			}
		}
		fmt.Fprintf(log, "section epoch %d: log loss %.4f\n", epoch+1, loss/float64(len(exs)))
	}
	return m, nil
}

// roundModel rounds weights to 3 decimals: a smaller file, the same choices.
func roundModel(m *draft.SectionModel) {
	for c := range m.Weights {
		for i, w := range m.Weights[c] {
			m.Weights[c][i] = math.Round(w*1e3) / 1e3
		}
		m.Bias[c] = math.Round(m.Bias[c]*1e3) / 1e3
	}
}
