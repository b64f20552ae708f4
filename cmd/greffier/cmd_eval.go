package main

import (
	"context"
	"fmt"
	"strings"
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
	fs := newFlags(c, "eval", "eval --data DIR [--limit N] [--only aci-bench,mts-dialog,primock57] [--rouge-only]\n       greffier eval --train --data DIR --out notes/draft/selector.json   (rebuild the extractive unit selector)")
	data := fs.String("data", "", "folder holding aci-bench/ and mts-dialog/, and optionally primock57/ (required)")
	limit := fs.Int("limit", 0, "examples per data set (0: all)")
	only := fs.String("only", "", "comma-separated data set folders to score (aci-bench, mts-dialog, primock57); empty: all")
	rougeOnly := fs.Bool("rouge-only", false, "score the drafts' text only (no codes, no fact checker): a quicker run")
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
	opt := eval.Options{Data: *data, Limit: *limit, RougeOnly: *rougeOnly}
	for _, name := range strings.Split(*only, ",") {
		switch name = strings.TrimSpace(name); name {
		case "":
		case "aci-bench", "mts-dialog", "primock57":
			opt.Only = append(opt.Only, name)
		default:
			return usagef("--only: unknown data set %q (want aci-bench, mts-dialog or primock57)", name)
		}
	}
	rep, err := eval.Run(ctx, opt)
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
