package main

import (
	"context"
	"fmt"
)

func retentionCommand() command {
	return command{name: "retention", summary: "delete audio of notes approved more than N days ago", run: runRetention}
}

func runRetention(ctx context.Context, c *cli, args []string) error {
	if len(args) == 0 || args[0] != "run" {
		return usagef("usage: greffier retention run [--json] [--db PATH]")
	}
	fs := newFlags(c, "retention run", "retention run [--json] [--db PATH]")
	db := dbFlag(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	s, err := openStore(ctx, *db)
	if err != nil {
		return err
	}
	defer s.Close()
	rep, err := s.RunRetention(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(c.stdout, rep)
	}
	fmt.Fprintf(c.stdout, "retention %d days: %d recordings deleted\n", rep.Days, rep.Deleted)
	for _, f := range rep.Failed {
		fmt.Fprintf(c.stderr, "not deleted: %s\n", f)
	}
	if len(rep.Failed) > 0 {
		return fmt.Errorf("%d recordings could not be deleted", len(rep.Failed))
	}
	return nil
}
