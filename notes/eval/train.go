package eval

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"

	"greffier/notes/draft"
	"greffier/notes/templates"
	"greffier/notes/transcript"
)

// Training settings of the unit selector.
const (
	trainEpochs = 6
	trainRate   = 0.05
	trainL2     = 1e-5
	// labelShare: a unit is a positive example when this share of its content
	// words is in the reference note.
	labelShare = 0.5
)

// TrainSelector fits the extractive drafter's unit selector on the training splits of
// ACI-Bench and MTS-Dialog in data, picks its threshold by ROUGE-1 on their
// validation splits, writes it to out, and logs what it did to log.
func TrainSelector(ctx context.Context, data, out string, log io.Writer) error {
	aci, err := LoadACIBench(filepath.Join(data, "aci-bench"))
	if err != nil {
		return err
	}
	mts, err := LoadMTSDialog(filepath.Join(data, "mts-dialog"))
	if err != nil {
		return err
	}
	aciTrain, aciValid := bySplit(aci, 0)
	mtsTrain, mtsValid := bySplit(mts, 0)
	type example struct {
		feats []int
		y     float64
	}
	var exs []example
	pos := 0
	for _, ex := range append(append([]Example{}, aciTrain...), mtsTrain...) {
		segs, _ := transcript.ParseDialogue(ex.Dialogue)
		units, err := draft.SelectorUnits(segs)
		if err != nil {
			return err
		}
		ref := map[string]bool{}
		for _, w := range Tokenize(draft.Digitize(ex.Reference)) {
			ref[w] = true
		}
		for _, u := range units {
			cw := contentWords(u.Text)
			hit := 0
			for w := range cw {
				if ref[w] {
					hit++
				}
			}
			y := 0.0
			if len(cw) >= 2 && float64(hit) >= labelShare*float64(len(cw)) {
				y = 1
				pos++
			}
			exs = append(exs, example{u.Features, y})
		}
	}
	fmt.Fprintf(log, "training on %d units (%d positive) of %d ACI-Bench and %d MTS-Dialog training dialogues\n", len(exs), pos, len(aciTrain), len(mtsTrain))
	sel := draft.Selector{Dim: draft.SelectorDim, Weights: make([]float64, draft.SelectorDim)}
	rng := rand.New(rand.NewPCG(1, 2)) // fixed seed: the same data give the same model
	for epoch := 0; epoch < trainEpochs; epoch++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		rng.Shuffle(len(exs), func(i, j int) { exs[i], exs[j] = exs[j], exs[i] })
		loss := 0.0
		for _, ex := range exs {
			p := sel.Score(ex.feats)
			g := p - ex.y
			loss -= ex.y*math.Log(p+1e-12) + (1-ex.y)*math.Log(1-p+1e-12)
			sel.Bias -= trainRate * g
			for _, f := range ex.feats {
				sel.Weights[f] -= trainRate * (g + trainL2*sel.Weights[f])
			}
		}
		fmt.Fprintf(log, "epoch %d: log loss %.4f\n", epoch+1, loss/float64(len(exs)))
	}
	tmpl, err := hpTemplate()
	if err != nil {
		return err
	}
	// validate scores a candidate on the validation splits: the mean of ACI-Bench's
	// note-level and section-level ROUGE-1 and MTS-Dialog's (section-level).
	validate := func(cand draft.Selector) (float64, error) {
		d := draft.Extractive{Selector: &cand}
		a, _, err := runSetWith(ctx, d, aciValid, tmpl, false)
		if err != nil {
			return 0, err
		}
		as, err := aciSectionRouge(ctx, d, aciValid, tmpl)
		if err != nil {
			return 0, err
		}
		m, _, err := runSetWith(ctx, d, mtsValid, tmpl, true)
		if err != nil {
			return 0, err
		}
		fmt.Fprintf(log, "threshold %.2f window %d smooth %.1f cue weight %.1f: validation ROUGE-1 ACI-Bench %.1f (by section %.1f), MTS-Dialog %.1f\n",
			cand.Threshold, cand.Sections.Window, cand.Sections.Smooth, cand.Sections.CueWeight, 100*a.R1, 100*as, 100*m.R1)
		return (a.R1 + as + m.R1) / 3, nil
	}
	bestR1, aciWeight := -1.0, 0.0
	var secModel *draft.SectionModel
	for _, aw := range aciSectionWeights {
		sexs, err := sectionExamples(aciTrain, mtsTrain, aw)
		if err != nil {
			return err
		}
		m, err := trainSectionModel(ctx, sexs, log)
		if err != nil {
			return err
		}
		roundModel(m)
		for _, w := range []int{1} {
			for _, sm := range []float64{0, 0.5} {
				for _, cw := range []float64{1, 2, 4, 8} {
					cand := sel
					m2 := *m
					m2.Window, m2.Smooth, m2.CueWeight = w, sm, cw
					cand.Sections = &m2
					fmt.Fprintf(log, "ACI-Bench section weight %.1f, ", aw)
					r1, err := validate(cand)
					if err != nil {
						return err
					}
					if r1 > bestR1 {
						bestR1, secModel, aciWeight = r1, &m2, aw
					}
				}
			}
		}
	}
	sel.Sections = secModel
	best := 0.0
	for _, th := range []float64{0.1, 0.2, 0.3, 0.4, 0.5} {
		cand := sel
		cand.Threshold = th
		r1, err := validate(cand)
		if err != nil {
			return err
		}
		if r1 > bestR1 {
			best, bestR1 = th, r1
		}
	}
	sel.Threshold = best
	for i, w := range sel.Weights {
		sel.Weights[i] = math.Round(w*1e4) / 1e4 // a smaller file, the same choices
	}
	sel.Bias = math.Round(sel.Bias*1e4) / 1e4
	sel.Trained = fmt.Sprintf("logistic regressions (keep a unit; its section), %d hashed features; trained on ACI-Bench train (%d) and MTS-Dialog train (%d); threshold %.2f, window %d, smoothing %.1f, cue weight %.1f, ACI-Bench section weight %.1f chosen on their validation splits",
		draft.SelectorDim, len(aciTrain), len(mtsTrain), best, secModel.Window, secModel.Smooth, secModel.CueWeight, aciWeight)
	b, err := json.Marshal(sel)
	if err != nil {
		return fmt.Errorf("encode selector: %w", err)
	}
	if err := os.WriteFile(out, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write selector %s: %w", out, err)
	}
	fmt.Fprintf(log, "threshold %.1f; wrote %s\n", best, out)
	return nil
}

func hpTemplate() (templates.Template, error) {
	all, err := templates.Builtin()
	if err != nil {
		return templates.Template{}, err
	}
	for _, t := range all {
		if t.Key == "hp" {
			return t, nil
		}
	}
	return templates.Template{}, fmt.Errorf("built-in template hp is missing")
}
