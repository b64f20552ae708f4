package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"

	"golang.org/x/term"

	"greffier/domain"
	"greffier/pipeline"
	"greffier/store"
)

// The CLI acts as a user: --as USER with the password from --auth-file FILE (for
// scripts; mode 0600, owned by the caller) or typed at a terminal prompt. Never on
// the command line, where ps shows it.

// authFlags are --as and --auth-file.
type authFlags struct {
	as, authFile  *string
	acceptRestore *bool
}

func addAuthFlags(fs *flag.FlagSet, as string) authFlags {
	return authFlags{
		as:       fs.String("as", "", as),
		authFile: fs.String("auth-file", "", "file holding USER's password (mode 0600, yours); default: ask at the terminal"),
		acceptRestore: fs.Bool("accept-restore", false,
			"the database was restored from an older copy on purpose: accept it (admins only; audited)"),
	}
}

// login opens the encounter database (--db, or the data folder's) and unlocks it as
// --as. It returns the password too, for a command that signs with it. A database
// still protected by a key file is moved to passwords at this first login (the
// recovery key is printed once, on stderr).
func (a authFlags) login(ctx context.Context, c *cli) (*store.DB, *store.Session, string, error) {
	if *a.as == "" {
		return nil, nil, "", usagef("--as USER is required: the command acts as a user, who gives their password")
	}
	pw, err := a.password(c)
	if err != nil {
		return nil, nil, "", err
	}
	l, err := c.openLocked(ctx)
	if err != nil {
		return nil, nil, "", err
	}
	if *a.acceptRestore {
		l.AcceptRestore()
	}
	db, s, err := l.Login(ctx, *a.as, pw)
	if err != nil {
		l.Close()
		return nil, nil, "", err
	}
	if s.RecoveryKey != "" {
		fmt.Fprintf(c.stderr, "greffier: the database key is now protected by passwords; the key file was removed.\n"+
			"Recovery key (shown once: store it offline, it opens the database if every password is lost):\n  %s\n", s.RecoveryKey)
	}
	return db, s, pw, nil
}

// withLogin parses args for a command that takes no argument (fs gets --db, --as
// and --auth-file), logs in and runs do as the session's user.
func (c *cli) withLogin(ctx context.Context, fs *flag.FlagSet, as string, args []string, do func(s *store.DB, sess *store.Session) error) error {
	dbFlag(c, fs)
	auth := addAuthFlags(fs, as)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unexpected arguments %q", pos)
	}
	s, sess, _, err := auth.login(ctx, c)
	if err != nil {
		return err
	}
	defer s.Close()
	return do(s, sess)
}

// openLocked opens the encounter database without its key: --db, or the data folder's.
func (c *cli) openLocked(ctx context.Context) (*store.Locked, error) {
	return pipeline.OpenLockedStore(ctx, c.env.Dirs, c.dbPath)
}

// password is --as's password from --auth-file or the terminal.
func (a authFlags) password(c *cli) (string, error) {
	if *a.authFile != "" {
		return readSecretFile(*a.authFile, "--auth-file")
	}
	return prompt(c, fmt.Sprintf("password for %s: ", *a.as))
}

// readSecretFile reads a password from the first line of a file that only its
// owner, the caller, can read.
func readSecretFile(path, flagName string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", domain.Wrap(domain.EInvalid, err, "%s", flagName)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", domain.Wrap(domain.EInvalid, err, "%s", flagName)
	}
	if !st.Mode().IsRegular() {
		return "", domain.Errorf(domain.EInvalid, "%s %s is not a regular file", flagName, path)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return "", domain.Errorf(domain.EInvalid, "%s %s can be read by others (mode %v): run chmod 600 %s", flagName, path, st.Mode().Perm(), path)
	}
	if sys, ok := st.Sys().(*syscall.Stat_t); ok && int(sys.Uid) != os.Getuid() {
		return "", domain.Errorf(domain.EInvalid, "%s %s belongs to another user", flagName, path)
	}
	line, err := bufio.NewReader(io.LimitReader(f, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", domain.Wrap(domain.EInvalid, err, "read %s", flagName)
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return "", domain.Errorf(domain.EInvalid, "%s %s is empty", flagName, path)
	}
	return pw, nil
}

// prompt reads a password typed at the terminal without echo. Without a terminal
// (a script) it refuses: scripts use a file.
func prompt(c *cli, msg string) (string, error) {
	f, ok := c.stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return "", usagef("no terminal to ask for the password: give it in a file (--auth-file or --password-file, mode 0600)")
	}
	fmt.Fprint(c.stderr, msg)
	b, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(c.stderr)
	if err != nil {
		return "", fmt.Errorf("read password: %w", err)
	}
	return string(b), nil
}

// newPassword is a new user's password: --password-file, or typed twice.
func newPassword(c *cli, file, who string) (string, error) {
	if file != "" {
		return readSecretFile(file, "--password-file")
	}
	p1, err := prompt(c, fmt.Sprintf("new password for %s (at least %d characters): ", who, store.MinPasswordLength))
	if err != nil {
		return "", err
	}
	p2, err := prompt(c, "again: ")
	if err != nil {
		return "", err
	}
	if p1 != p2 {
		return "", domain.Errorf(domain.EInvalid, "the two passwords differ")
	}
	return p1, nil
}
