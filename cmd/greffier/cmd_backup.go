package main

import (
	"context"
	"fmt"

	"greffier/store"
)

func backupCommand() command {
	return command{name: "backup", summary: "copy the database to FILE (online, consistent)", run: runBackup}
}

func runBackup(ctx context.Context, c *cli, args []string) error {
	fs := newFlags(c, "backup", "backup FILE [--db PATH]")
	dbFlag(c, fs)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("backup takes one FILE")
	}
	s, err := c.openStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.Backup(ctx, pos[0]); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "backed up %s to %s\n", s.Path(), pos[0])
	fmt.Fprintf(c.stderr, "note: the backup is encrypted with the key file %s; keep a copy of that file somewhere safe, apart from the backup\n", store.KeyFile(s.Path()))
	return nil
}
