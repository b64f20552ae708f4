package main

import (
	"context"
	"fmt"
)

func backupCommand() command {
	return command{name: "backup", summary: "copy the database to FILE (online, consistent)", run: runBackup}
}

func runBackup(ctx context.Context, c *cli, args []string) error {
	fs := newFlags(c, "backup", "backup FILE --as USER [--auth-file F] [--db PATH]")
	dbFlag(c, fs)
	auth := addAuthFlags(fs, "the user making the backup")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("backup takes one FILE")
	}
	s, _, _, err := auth.login(ctx, c)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.Backup(ctx, pos[0]); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "backed up %s to %s\n", s.Path(), pos[0])
	fmt.Fprintln(c.stderr, "note: the backup is encrypted; it opens with the users' passwords as they are now, or with the recovery key")
	return nil
}
