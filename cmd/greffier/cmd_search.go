package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"greffier/store"
)

func searchCommand() command {
	return command{name: "search", summary: "search transcripts and notes", run: runSearch}
}

func runSearch(ctx context.Context, c *cli, args []string) error {
	fs := newFlags(c, "search", "search QUERY [--patient P] [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--limit N] [--json] --as USER [--auth-file F] [--db PATH]")
	dbFlag(c, fs)
	auth := addAuthFlags(fs, "the user searching")
	patient := fs.String("patient", "", "patient local id or MRN")
	from := fs.String("from", "", "first day (YYYY-MM-DD, local time)")
	to := fs.String("to", "", "last day, included (YYYY-MM-DD, local time)")
	limit := fs.Int("limit", 20, "most results")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usagef("search needs a QUERY")
	}
	q := store.Query{Text: strings.Join(pos, " "), Limit: *limit}
	if q.From, err = parseDay(*from, "--from"); err != nil {
		return err
	}
	if q.To, err = parseDay(*to, "--to"); err != nil {
		return err
	}
	if !q.To.IsZero() {
		q.To = q.To.AddDate(0, 0, 1)
	}
	s, sess, _, err := auth.login(ctx, c)
	if err != nil {
		return err
	}
	defer s.Close()
	if *patient != "" {
		if q.PatientID, err = s.FindPatient(ctx, *patient); err != nil {
			return err
		}
	}
	hits, err := s.SearchAs(ctx, sess.User().ID, q)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(c.stdout, hits)
	}
	if len(hits) == 0 {
		fmt.Fprintln(c.stderr, "no match")
		return nil
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ENCOUNTER\tDATE\tIN\tSTATE\tMATCH")
	for _, h := range hits {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", h.EncounterID, h.StartedAt.Local().Format("2006-01-02 15:04"), h.Kind, h.State, h.Snippet)
	}
	return tw.Flush()
}

func parseDay(s, flag string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.ParseInLocation(time.DateOnly, s, time.Local)
	if err != nil {
		return t, usagef("%s %q: want YYYY-MM-DD", flag, s)
	}
	return t, nil
}
