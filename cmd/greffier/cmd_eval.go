package main

import (
	"context"
	"fmt"
	"time"

	"greffier/notes/eval"
)

func evalCommand() command {
	return command{
		name:    "eval",
		summary: "score the extractive drafter on ACI-Bench and MTS-Dialog (ROUGE, coverage, codes, fact checker) and its codes on PriMock57",
		run:     runEval,
	}
}

func runEval(ctx context.Context, c *cli, args []string) error {
	fs := newFlags(c, "eval", "eval --data DIR [--limit N]\n       greffier eval --train --data DIR --out notes/draft/selector.json   (rebuild the extractive unit selector)")
	data := fs.String("data", "", "folder holding aci-bench/ and mts-dialog/, and optionally primock57/ (required)")
	limit := fs.Int("limit", 0, "examples per data set (0: all)")
	train := fs.Bool("train", false, "train the extractive drafter's unit selector on the training splits (tuned on validation) and write it to --out")
	out := fs.String("out", "", "with --train: where to write the selector (JSON)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unexpected arguments %q", pos)
	}
	if *data == "" {
		return usagef("--data DIR is required")
	}
	if *limit < 0 {
		return usagef("--limit must be 0 or more")
	}
	if *train {
		if *out == "" {
			return usagef("--train needs --out FILE")
		}
		return eval.TrainSelector(ctx, *data, *out, c.stdout)
	}
	start := time.Now()
	rep, err := eval.Run(ctx, eval.Options{Data: *data, Limit: *limit})
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "Greffier drafting evaluation — data %s\n\n", *data)
	if err := eval.WriteTable(c.stdout, rep); err != nil {
		return err
	}
	if len(rep.Coding) > 0 {
		fmt.Fprintf(c.stdout, "\nICD-10-CM suggestions (extractive drafter, starter code table; ACI-Bench valid was read while writing the coding rules)\n\n")
		if err := eval.WriteCoding(c.stdout, rep.Coding); err != nil {
			return err
		}
	}
	if len(rep.Checker) > 0 {
		fmt.Fprintf(c.stdout, "\nFact checker: mutation tests\n\n")
		if err := eval.WriteChecker(c.stdout, rep.Checker); err != nil {
			return err
		}
	}
	fmt.Fprintf(c.stdout, "done in %s\n", time.Since(start).Round(100*time.Millisecond))
	return nil
}
