package main

import (
	"context"
	"fmt"

	"greffier/store"
)

func approveCommand() command {
	return command{name: "approve", summary: "sign an encounter's note with your password (physicians only)", run: runApprove}
}

func runApprove(ctx context.Context, c *cli, args []string) error {
	fs := newFlags(c, "approve", "approve ID --as USER [--auth-file F] [--version N] [--db PATH]")
	dbFlag(c, fs)
	auth := addAuthFlags(fs, "the approving physician's user name")
	version := fs.Int("version", 0, "the version being signed (default: the latest; refused if not the latest)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	id, err := encounterArg("approve", pos)
	if err != nil {
		return err
	}
	// The password given for this command is the signature's: checked again by Sign,
	// at the moment of signing.
	s, sess, pw, err := auth.login(ctx, c)
	if err != nil {
		return err
	}
	defer s.Close()
	fmt.Fprintf(c.stderr, "%s signs: %q\n", sess.User().Name, store.SignatureMeaning)
	sig, err := s.Sign(ctx, sess, id, *version, pw)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "encounter %d version %d approved by %s at %s (sha256 %s)\n",
		id, sig.Version, sig.Signer, sig.SignedAt.Local().Format("2006-01-02 15:04:05"), sig.SHA256)
	return nil
}
