package main

import (
	"context"
	"fmt"
	"strconv"

	"greffier/store"
)

func retentionCommand() command {
	return command{name: "retention", summary: "delete audio of notes approved more than N days ago", subs: []command{
		{name: "run", summary: "delete the audio past its retention: retention run [--json]", run: runRetention},
		{name: "set", summary: "keep audio DAYS after approval: retention set DAYS --as USER", run: runRetentionSet},
	}}
}

func runRetention(ctx context.Context, c *cli, args []string) error {
	fs := newFlags(c, "retention run", "retention run [--json] [--db PATH]")
	asJSON := fs.Bool("json", false, "print JSON")
	var rep store.RetentionReport
	err := c.withStore(ctx, fs, args, func(s *store.DB) (err error) {
		rep, err = s.RunRetention(ctx)
		return err
	})
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

// runRetentionSet changes how many days after approval audio is kept.
func runRetentionSet(ctx context.Context, c *cli, args []string) error {
	fs := newFlags(c, "retention set", "retention set DAYS --as USER [--db PATH]")
	dbFlag(c, fs)
	as := fs.String("as", "", "the user making the change (recorded in the audit log)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("retention set takes one number of DAYS")
	}
	days, err := strconv.Atoi(pos[0])
	if err != nil || days < 0 {
		return usagef("DAYS %q must be a whole number, 0 or more", pos[0])
	}
	s, err := c.openStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	u, err := userRef(ctx, s, *as)
	if err != nil {
		return err
	}
	if err := s.SetSetting(ctx, store.SettingRetentionDays, strconv.Itoa(days), u.ID); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "audio is now deleted %d days after approval\n", days)
	return nil
}
