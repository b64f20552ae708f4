package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"

	"greffier/domain"
	"greffier/icd10"
	"greffier/pipeline"
)

func codesCommand() command {
	return command{
		name:    "codes",
		summary: "search, show and import ICD-10-CM codes",
		subs: []command{
			{name: "search", summary: "search codes: codes search QUERY [--limit N] [--json] [--db PATH]", run: codesSearch},
			{name: "show", summary: "show one code: codes show CODE [--json] [--db PATH]", run: codesShow},
			{name: "import", summary: "import the CMS code table: codes import FILE [--db PATH]", run: codesImport},
		},
	}
}

// codesDBFlag adds --db to fs; the default is icd10cm.db in the data folder.
func codesDBFlag(fs *flag.FlagSet) *string {
	return fs.String("db", "", "ICD-10-CM reference database (default: icd10cm.db in the data folder)")
}

// openCodes opens the code table at path, or the data folder's.
func openCodes(ctx context.Context, c *cli, path string) (*icd10.Index, error) {
	if c.dbPath != "" {
		// --db before the command names the encounter database, which codes does not
		// use: taking it for the code table would be a guess.
		return nil, usagef("--db before the command is the encounter database; give the code table after the subcommand: greffier codes search QUERY --db FILE")
	}
	if path == "" {
		return pipeline.OpenCodeIndex(ctx, c.env.Dirs)
	}
	return pipeline.OpenCodeIndexAt(ctx, path)
}

func codesSearch(ctx context.Context, c *cli, args []string) error {
	fs := newFlags(c, "codes search", "codes search QUERY [--limit N] [--json] [--db PATH]")
	db := codesDBFlag(fs)
	limit := fs.Int("limit", icd10.DefaultLimit, "most results to print")
	asJSON := fs.Bool("json", false, "print a JSON array")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	query := strings.TrimSpace(strings.Join(pos, " "))
	if query == "" {
		return usagef("usage: greffier codes search QUERY [--limit N] [--json] [--db PATH]")
	}
	if *limit < 1 || *limit > icd10.MaxLimit {
		return usagef("--limit must be between 1 and %d", icd10.MaxLimit)
	}
	ix, err := openCodes(ctx, c, *db)
	if err != nil {
		return err
	}
	defer ix.Close()
	codes, err := ix.Search(ctx, query, *limit)
	if err != nil {
		return err
	}
	if *asJSON {
		if codes == nil {
			codes = []icd10.Code{}
		}
		return codesJSON(c, codes)
	}
	if len(codes) == 0 {
		fmt.Fprintln(c.stderr, "no ICD-10-CM code matches")
		return nil
	}
	for _, code := range codes {
		printCodesRow(c, code)
	}
	return nil
}

func codesShow(ctx context.Context, c *cli, args []string) error {
	fs := newFlags(c, "codes show", "codes show CODE [--json] [--db PATH]")
	db := codesDBFlag(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("usage: greffier codes show CODE [--json] [--db PATH]")
	}
	ix, err := openCodes(ctx, c, *db)
	if err != nil {
		return err
	}
	defer ix.Close()
	code, err := ix.Lookup(ctx, pos[0])
	if err != nil {
		return err
	}
	if *asJSON {
		return codesJSON(c, code)
	}
	printCodesRow(c, code)
	return nil
}

func codesImport(ctx context.Context, c *cli, args []string) error {
	fs := newFlags(c, "codes import", "codes import FILE [--db PATH]   (CDC icd10cm_order_YYYY.txt or icd10cm_codes_YYYY.txt)")
	db := codesDBFlag(fs)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("usage: greffier codes import FILE [--db PATH]")
	}
	f, err := os.Open(pos[0])
	if err != nil {
		return domain.Wrap(domain.EInvalid, err, "open %s", pos[0])
	}
	defer f.Close()
	ix, err := openCodes(ctx, c, *db)
	if err != nil {
		return err
	}
	defer ix.Close()
	n, err := ix.Import(ctx, f)
	if err != nil {
		return fmt.Errorf("import %s: %w", pos[0], err)
	}
	total, billable, err := ix.Count(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "imported %d codes from %s; the table holds %d codes, %d billable\n", n, pos[0], total, billable)
	return nil
}

func printCodesRow(c *cli, code icd10.Code) {
	kind := ""
	if !code.Billable {
		kind = "  [header, not billable]"
	}
	fmt.Fprintf(c.stdout, "%-9s %s%s\n", code.Code, code.Title, kind)
}

func codesJSON(c *cli, v any) error {
	enc := json.NewEncoder(c.stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("write JSON: %w", err)
	}
	return nil
}
