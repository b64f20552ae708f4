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
	fs := newFlags(c, "retention run", "retention run [--json] --as USER [--auth-file F] [--db PATH]")
	asJSON := fs.Bool("json", false, "print JSON")
	var rep store.RetentionReport
	err := c.withLogin(ctx, fs, "the user running it", args, func(s *store.DB, _ *store.Session) (err error) {
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
	fs := newFlags(c, "retention set", "retention set DAYS --as USER [--auth-file F] [--db PATH]")
	dbFlag(c, fs)
	auth := addAuthFlags(fs, "the user making the change (recorded in the audit log)")
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
	s, sess, _, err := auth.login(ctx, c)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.SetSetting(ctx, store.SettingRetentionDays, strconv.Itoa(days), sess.User().ID); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "audio is now deleted %d days after approval\n", days)
	return nil
}
