package eval

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"

	"greffier/domain"
	"greffier/notes/draft"
	"greffier/notes/schema"
	"greffier/notes/templates"
	"greffier/notes/transcript"
)

// Options configure a run.
type Options struct {
	// Data is the folder holding aci-bench/ and mts-dialog/.
	Data string
	// Limit caps the examples read per data set (0: all).
	Limit int
	// Only names the data set folders to score (aci-bench, mts-dialog, primock57);
	// empty: all.
	Only []string
	// RougeOnly skips the coding and fact-checker scores: a quicker run while
	// working on the drafter's text.
	RougeOnly bool
}

func (o Options) wants(dir string) bool { return len(o.Only) == 0 || slices.Contains(o.Only, dir) }

// Systems compared.
const (
	SystemExtractive = "extractive (hp template)"
	SystemCopy       = "copy the transcript"
)

// Row is one data set × system line of the report. Fractions are in [0, 1]; NaN
// means the metric does not apply.
type Row struct {
	Dataset, System string
	N               int
	R1, R2, RL      float64 // mean F1
	SectionCoverage float64
	MedRecall       float64
	MedRefs         int // medications named in the references (recall's denominator)
	MedListRecall   float64
	EvidenceCover   float64
	Words           float64 // mean words per output
}

// Report is the result of a run.
type Report struct {
	Rows    []Row
	Coding  []CodingRow  // ICD-10-CM suggestions against the references (ACI-Bench, MTS-Dialog, PriMock57)
	Checker []CheckerRow // fact checker on mutated training sentences (ACI-Bench train)
	Skipped []string     // data sets absent from Data
}

// heldOut reports whether an example comes from a validation split, which no rule or
// model of the drafter was fitted on.
func heldOut(id string) bool {
	return strings.HasPrefix(id, "valid/") || strings.HasPrefix(id, "ValidationSet/")
}

// bySplit splits examples into the training and validation splits, each capped at limit.
func bySplit(exs []Example, limit int) (train, valid []Example) {
	for _, ex := range exs {
		if heldOut(ex.ID) {
			valid = append(valid, ex)
		} else {
			train = append(train, ex)
		}
	}
	if limit > 0 {
		train, valid = train[:min(limit, len(train))], valid[:min(limit, len(valid))]
	}
	return train, valid
}

// Run drafts every example and scores it. Data sets that are absent are listed in
// Skipped; none present is an error.
func Run(ctx context.Context, opt Options) (Report, error) {
	hp, err := hpTemplate()
	if err != nil {
		return Report{}, err
	}
	var rep Report
	sets := []struct {
		name, dir string
		load      func(string) ([]Example, error)
		mts       bool
	}{
		{"ACI-Bench (note)", "aci-bench", LoadACIBench, false},
		{"MTS-Dialog (section)", "mts-dialog", LoadMTSDialog, true},
	}
	for _, s := range sets {
		if !opt.wants(s.dir) {
			continue
		}
		dir := filepath.Join(opt.Data, s.dir)
		if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
			rep.Skipped = append(rep.Skipped, dir)
			continue
		}
		exs, err := s.load(dir)
		if err != nil {
			return Report{}, err
		}
		train, valid := bySplit(exs, opt.Limit)
		for _, part := range []struct {
			label, mtsCoding string
			exs              []Example
		}{{"train (rules written on, selector trained on)", "MTS-Dialog train (coding errors read after its first run)", train},
			{"valid (held out; selector threshold tuned on)", "MTS-Dialog valid (unseen for coding: errors never read)", valid}} {
			if len(part.exs) == 0 {
				continue
			}
			name := s.name + " " + part.label
			ext, cp, err := runSet(ctx, part.exs, hp, s.mts)
			if err != nil {
				return Report{}, fmt.Errorf("%s: %w", name, err)
			}
			ext.Dataset, cp.Dataset = name, name
			rep.Rows = append(rep.Rows, ext, cp)
			if opt.RougeOnly {
				continue
			}
			var cr CodingRow
			if s.mts {
				// MTS-Dialog's coding rows: the first run is in notes/eval/README.md; its
				// validation errors are never read.
				cr, err = runCodingMTS(ctx, part.exs, hp, part.mtsCoding)
			} else {
				cr, err = runCoding(ctx, part.exs, hp, "ACI-Bench "+part.label)
			}
			if err != nil {
				return Report{}, fmt.Errorf("coding %s: %w", name, err)
			}
			rep.Coding = append(rep.Coding, cr)
		}
		if !s.mts && len(train) > 0 && !opt.RougeOnly {
			drafted, refs, err := checkerSources(ctx, train, hp)
			if err != nil {
				return Report{}, fmt.Errorf("fact checker sentences: %w", err)
			}
			for _, src := range []struct {
				name string
				sts  []statement
			}{{"extractive draft", drafted}, {"reference note", refs}} {
				rows, err := runChecker(src.name, src.sts)
				if err != nil {
					return Report{}, err
				}
				rep.Checker = append(rep.Checker, rows...)
			}
		}
	}
	if len(rep.Rows) == 0 {
		return Report{}, domain.Errorf(domain.ENotFound, "no data set in %s (want aci-bench/ or mts-dialog/)", opt.Data)
	}
	// PriMock57 (UK primary care, typed notes with an "Imp:" line) scores coding only.
	// Its first run (before any rule looked at it) is in notes/eval/README.md.
	if dir := filepath.Join(opt.Data, "primock57"); dirExists(dir) && opt.wants("primock57") && !opt.RougeOnly {
		exs, err := LoadPriMock57(dir)
		if err != nil {
			return Report{}, err
		}
		if opt.Limit > 0 {
			exs = exs[:min(opt.Limit, len(exs))]
		}
		cr, err := runCodingWith(ctx, exs, hp, "PriMock57 (rules not written on it; errors read once)", impressionOf,
			func(note string) string { return doubtMark.ReplaceAllString(note, " possible ") })
		if err != nil {
			return Report{}, fmt.Errorf("coding PriMock57: %w", err)
		}
		rep.Coding = append(rep.Coding, cr)
	}
	return rep, nil
}

func dirExists(dir string) bool {
	st, err := os.Stat(dir)
	return err == nil && st.IsDir()
}

// acc accumulates one system's metrics over a data set.
type acc struct {
	n                 int
	r1, r2, rl, words float64
	secCov            float64
	secN              int
	medFound, medRefs int
	medListFound      int
	evidOK, evidTotal int
	structured        bool // the system fills the medications list
}

func (a *acc) add(ref, cand string) {
	rt, ct := Tokenize(ref), Tokenize(cand)
	a.n++
	a.r1 += RougeN(rt, ct, 1).F
	a.r2 += RougeN(rt, ct, 2).F
	a.rl += RougeL(rt, ct).F
	a.words += float64(len(ct))
}

func (a *acc) meds(ref, cand string) error {
	refMeds, err := draft.MedicationNames(ref)
	if err != nil {
		return err
	}
	candMeds, err := draft.MedicationNames(cand)
	if err != nil {
		return err
	}
	have := map[string]bool{}
	for _, m := range candMeds {
		have[m] = true
	}
	for _, m := range refMeds {
		a.medRefs++
		if have[m] {
			a.medFound++
		}
	}
	return nil
}

// medList counts the reference's medications found in the structured list.
func (a *acc) medList(ref string, meds []schema.Medication) error {
	refMeds, err := draft.MedicationNames(ref)
	if err != nil {
		return err
	}
	have := map[string]bool{}
	for _, m := range meds {
		have[strings.ToLower(m.Name)] = true
	}
	for _, m := range refMeds {
		if have[m] {
			a.medListFound++
		}
	}
	return nil
}

func (a *acc) row(system string) Row {
	r := Row{System: system, N: a.n, SectionCoverage: math.NaN(), MedRecall: math.NaN(), MedListRecall: math.NaN(), EvidenceCover: math.NaN(), MedRefs: a.medRefs}
	if a.n > 0 {
		n := float64(a.n)
		r.R1, r.R2, r.RL, r.Words = a.r1/n, a.r2/n, a.rl/n, a.words/n
	}
	if a.secN > 0 {
		r.SectionCoverage = a.secCov / float64(a.secN)
	}
	if a.medRefs > 0 {
		r.MedRecall = float64(a.medFound) / float64(a.medRefs)
	}
	if a.medRefs > 0 && a.structured {
		r.MedListRecall = float64(a.medListFound) / float64(a.medRefs)
	}
	if a.evidTotal > 0 {
		r.EvidenceCover = float64(a.evidOK) / float64(a.evidTotal)
	}
	return r
}

func runSet(ctx context.Context, exs []Example, hp templates.Template, mts bool) (Row, Row, error) {
	return runSetWith(ctx, draft.Extractive{}, exs, hp, mts)
}

func runSetWith(ctx context.Context, d draft.Extractive, exs []Example, hp templates.Template, mts bool) (Row, Row, error) {
	var ext, cp acc
	ext.structured = true
	for _, ex := range exs {
		if err := ctx.Err(); err != nil {
			return Row{}, Row{}, err
		}
		segs, _ := transcript.ParseDialogue(ex.Dialogue)
		texts := make([]string, len(segs))
		for i, s := range segs {
			texts[i] = s.Text
		}
		copyText := strings.Join(texts, "\n")
		note, err := d.Draft(ctx, draft.Request{Segments: segs, Template: hp, Language: "en"})
		if err != nil {
			return Row{}, Row{}, fmt.Errorf("draft %s: %w", ex.ID, err)
		}
		if err := schema.Validate(note); err != nil {
			return Row{}, Row{}, fmt.Errorf("draft %s fails the schema: %w", ex.ID, err)
		}
		ok, total := evidenceCounts(note, len(segs))
		ext.evidOK += ok
		ext.evidTotal += total

		cand := draft.PlainText(note)
		if mts {
			cand = mtsCandidate(note, ex.Section)
			ext.secN++
			if strings.TrimSpace(cand) != "" {
				ext.secCov++
			}
		} else if refSecs := referenceSections(ex.Reference); len(refSecs) > 0 {
			covered := 0
			for k := range refSecs {
				if draft.SectionText(note, k) != "" {
					covered++
				}
			}
			ext.secCov += float64(covered) / float64(len(refSecs))
			ext.secN++
		}
		ext.add(ex.Reference, cand)
		cp.add(ex.Reference, copyText)
		if err := ext.meds(ex.Reference, cand); err != nil {
			return Row{}, Row{}, err
		}
		if err := ext.medList(ex.Reference, note.Medications); err != nil {
			return Row{}, Row{}, err
		}
		if err := cp.meds(ex.Reference, copyText); err != nil {
			return Row{}, Row{}, err
		}
	}
	return ext.row(SystemExtractive), cp.row(SystemCopy), nil
}

// mtsCandidate is the part of the draft that corresponds to an MTS-Dialog header.
func mtsCandidate(n schema.Note, header string) string {
	switch key := mtsSections[header]; key {
	case "medications":
		var parts []string
		for _, m := range n.Medications {
			parts = append(parts, strings.Join(strings.Fields(strings.Join([]string{m.Name, m.Dose, m.Route, m.Frequency}, " ")), " "))
		}
		return strings.Join(parts, ". ")
	case "allergies":
		var parts []string
		for _, a := range n.Allergies {
			parts = append(parts, strings.TrimSpace(a.Substance+" "+a.Reaction))
		}
		return strings.Join(parts, ". ")
	case "":
		return draft.SectionText(n, "hpi")
	default:
		return draft.SectionText(n, key)
	}
}

// evidenceCounts counts the note's sentences and items, and those that cite at least
// one segment of the transcript (after CheckEvidence removed the others' ids).
func evidenceCounts(n schema.Note, segs int) (ok, total int) {
	count := func(ev schema.Evidence) {
		total++
		for _, id := range ev {
			if id >= 0 && id < segs {
				ok++
				return
			}
		}
	}
	for _, s := range n.Sections {
		for _, x := range s.Sentences {
			count(x.Evidence)
		}
	}
	for _, p := range n.Problems {
		count(p.Evidence)
	}
	for _, m := range n.Medications {
		count(m.Evidence)
	}
	for _, a := range n.Allergies {
		count(a.Evidence)
	}
	for _, v := range n.Vitals {
		count(v.Evidence)
	}
	for _, o := range n.Orders {
		count(o.Evidence)
	}
	for _, x := range n.FollowUp {
		count(x.Evidence)
	}
	for _, x := range n.PatientInstructions {
		count(x.Evidence)
	}
	return ok, total
}

// WriteTable prints the report as a table with the definitions of its columns.
func WriteTable(w io.Writer, rep Report) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "data set\tsystem\tn\tROUGE-1\tROUGE-2\tROUGE-L\tsect.cov\tmed.recall\tmed.list\tevid.cov\twords\t")
	for _, r := range rep.Rows {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%.0f\t\n", r.Dataset, r.System, r.N,
			pct(r.R1), pct(r.R2), pct(r.RL), pct(r.SectionCoverage), pct(r.MedRecall), pct(r.MedListRecall), pct(r.EvidenceCover), r.Words)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\n%s\n", RougeDefinition)
	fmt.Fprintf(w, "words: mean tokens per output. n: examples. Figures in %%.\n")
	fmt.Fprintln(w, "sect.cov: ACI-Bench — share of the reference note's sections (headers mapped to the hp template) that the draft fills, averaged over notes;")
	fmt.Fprintln(w, "  MTS-Dialog — share of dialogues for which the draft's part matching the reference header is non-empty. n/a for the baseline.")
	fmt.Fprintln(w, "med.recall: medication names (Greffier's lexicon, notes/draft/lexicon/drugs.txt) in the references that the output also names, pooled over examples.")
	fmt.Fprintln(w, "med.list: the same, counting only the draft's structured medications list. n/a for the baseline.")
	fmt.Fprintln(w, "evid.cov: share of the draft's sentences and items that cite at least one existing transcript segment. n/a for the baseline.")
	fmt.Fprintln(w, "MTS-Dialog output: the hp section matching the reference header (medications/allergies: the structured lists). Baseline: every transcript sentence, tags removed.")
	for _, s := range rep.Skipped {
		fmt.Fprintf(w, "skipped: %s is absent\n", s)
	}
	return nil
}

func pct(f float64) string {
	if math.IsNaN(f) {
		return "n/a"
	}
	return fmt.Sprintf("%.1f", 100*f)
}
