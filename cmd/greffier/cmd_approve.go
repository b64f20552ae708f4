package main

import (
	"context"
	"fmt"
	"strconv"
)

func approveCommand() command {
	return command{name: "approve", summary: "sign an encounter's note (physicians only)", run: runApprove}
}

func runApprove(ctx context.Context, c *cli, args []string) error {
	fs := newFlags(c, "approve", "approve ID --as USER [--version N] [--db PATH]")
	dbFlag(c, fs)
	as := fs.String("as", "", "the approving physician's user name")
	version := fs.Int("version", 0, "the version being signed (default: the latest; refused if not the latest)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("approve takes one encounter ID")
	}
	id, err := strconv.ParseInt(pos[0], 10, 64)
	if err != nil {
		return usagef("encounter ID %q is not a number", pos[0])
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
	if err := s.Approve(ctx, id, u.ID, *version); err != nil {
		return err
	}
	e, err := s.GetEncounter(ctx, id)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "encounter %d version %d approved by %s\n", id, e.ApprovedVersion, u.Name)
	return nil
}
