package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"greffier/domain"
	"greffier/store"
)

// userRef resolves a user's name (--consent-by) to a user.
func userRef(ctx context.Context, db *store.DB, name string) (store.User, error) {
	if name == "" {
		return store.User{}, usagef("a user name is required (see 'greffier users list')")
	}
	return db.UserByName(ctx, name)
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func usersCommand() command {
	return command{name: "users", summary: "add, list, change and disable users; passwords", subs: []command{
		{name: "add", summary: "add a user: users add NAME --role physician|secretary|admin [--password-file P] --as ADMIN (the first user, an admin, without --as)", run: runUsersAdd},
		{name: "list", summary: "list the users: users list [--json] --as USER", run: runUsersList},
		{name: "role", summary: "change a user's role: users role NAME --role ROLE --as ADMIN", run: runUsersRole},
		{name: "disable", summary: "disable a user (never deleted): users disable NAME --as ADMIN", run: runUsersDisable},
		{name: "passwd", summary: "change your password, or (an admin) reset NAME's: users passwd [NAME] --as USER [--password-file P]", run: runUsersPasswd},
		{name: "recover", summary: "set NAME's password with the recovery key: users recover NAME --recovery-file R [--password-file P]", run: runUsersRecover},
	}}
}

// usersFlags are the flags of a users subcommand: --db, --as and --auth-file (unless
// it acts without a user), --role (add, role), --password-file (add, passwd, recover).
type usersFlags struct {
	fs     *flag.FlagSet
	auth   authFlags
	role   *string
	pwFile *string
}

func newUsersFlags(c *cli, sub, usage, as string) usersFlags {
	fs := newFlags(c, "users "+sub, usage)
	dbFlag(c, fs)
	f := usersFlags{fs: fs}
	if as != "" {
		f.auth = addAuthFlags(fs, as)
	}
	if sub == "add" || sub == "role" {
		f.role = fs.String("role", "", "physician, secretary or admin")
	}
	if sub == "add" || sub == "passwd" || sub == "recover" {
		f.pwFile = fs.String("password-file", "", "file holding the new password (mode 0600, yours); default: ask at the terminal")
	}
	return f
}

// parse parses args and checks there are between lo and hi NAMEs and a valid --role.
func (f usersFlags) parse(sub string, args []string, lo, hi int) ([]string, error) {
	pos, err := parseFlags(f.fs, args)
	if err != nil {
		return nil, err
	}
	if len(pos) < lo || len(pos) > hi {
		return nil, usagef("users %s takes %d NAME (quote names with spaces)", sub, hi)
	}
	if f.role != nil && !store.ValidRole(domain.UserRole(*f.role)) {
		return nil, usagef("--role must be physician, secretary or admin")
	}
	return pos, nil
}

func runUsersAdd(ctx context.Context, c *cli, args []string) error {
	f := newUsersFlags(c, "add", "users add NAME --role physician|secretary|admin [--password-file P] [--as ADMIN --auth-file F] [--db PATH]\n"+
		"       (the first user of an empty database is the admin, without --as)", "the admin adding the user")
	pos, err := f.parse("add", args, 1, 1)
	if err != nil {
		return err
	}
	role := domain.UserRole(*f.role)
	if done, err := bootstrap(ctx, c, pos[0], role, *f.pwFile, *f.auth.as); done || err != nil {
		return err
	}
	s, sess, _, err := f.auth.login(ctx, c)
	if err != nil {
		return err
	}
	defer s.Close()
	npw, err := newPassword(c, *f.pwFile, pos[0])
	if err != nil {
		return err
	}
	u, err := s.AddUser(ctx, sess, pos[0], role, npw)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "added user %d %s (%s)\n", u.ID, u.Name, u.Role)
	return nil
}

func runUsersList(ctx context.Context, c *cli, args []string) error {
	fs := newFlags(c, "users list", "users list [--json] --as USER [--auth-file F] [--db PATH]")
	asJSON := fs.Bool("json", false, "print JSON")
	var us []store.User
	err := c.withLogin(ctx, fs, "the user reading the list", args, func(s *store.DB, _ *store.Session) (err error) {
		us, err = s.ListUsers(ctx)
		return err
	})
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(c.stdout, us)
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tROLE\tSTATUS\tCREATED")
	for _, u := range us {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", u.ID, u.Name, u.Role, u.Status, u.CreatedAt.Local().Format(time.DateOnly))
	}
	return tw.Flush()
}

func runUsersRole(ctx context.Context, c *cli, args []string) error {
	f := newUsersFlags(c, "role", "users role NAME --role ROLE --as ADMIN [--auth-file F] [--db PATH]", "the admin changing the role")
	pos, err := f.parse("role", args, 1, 1)
	if err != nil {
		return err
	}
	return f.onUser(ctx, c, "role", pos[0], func(s *store.DB, sess *store.Session, u store.User) error {
		return s.SetRole(ctx, sess, u.ID, domain.UserRole(*f.role))
	})
}

func runUsersDisable(ctx context.Context, c *cli, args []string) error {
	f := newUsersFlags(c, "disable", "users disable NAME --as ADMIN [--auth-file F] [--db PATH]", "the admin disabling the user")
	pos, err := f.parse("disable", args, 1, 1)
	if err != nil {
		return err
	}
	return f.onUser(ctx, c, "disable", pos[0], func(s *store.DB, sess *store.Session, u store.User) error {
		return s.Disable(ctx, sess, u.ID)
	})
}

// runUsersPasswd changes the caller's own password, or, given a NAME, an admin
// resets that user's.
func runUsersPasswd(ctx context.Context, c *cli, args []string) error {
	f := newUsersFlags(c, "passwd", "users passwd [NAME] --as USER [--auth-file F] [--password-file P] [--db PATH]\n"+
		"       (NAME: an admin resets another user's password)", "the user changing their password, or the admin resetting NAME's")
	pos, err := f.parse("passwd", args, 0, 1)
	if err != nil {
		return err
	}
	if len(pos) == 1 {
		return f.onUser(ctx, c, "passwd", pos[0], func(s *store.DB, sess *store.Session, u store.User) error {
			npw, err := newPassword(c, *f.pwFile, u.Name)
			if err != nil {
				return err
			}
			return s.ResetPassword(ctx, sess, u.ID, npw)
		})
	}
	s, sess, pw, err := f.auth.login(ctx, c)
	if err != nil {
		return err
	}
	defer s.Close()
	npw, err := newPassword(c, *f.pwFile, sess.User().Name)
	if err != nil {
		return err
	}
	if err := s.ChangePassword(ctx, sess, pw, npw); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "password of %s changed\n", sess.User().Name)
	return nil
}

// onUser logs in as --as and runs do on the user named name.
func (f usersFlags) onUser(ctx context.Context, c *cli, sub, name string, do func(*store.DB, *store.Session, store.User) error) error {
	s, sess, _, err := f.auth.login(ctx, c)
	if err != nil {
		return err
	}
	defer s.Close()
	u, err := s.UserByName(ctx, name)
	if err != nil {
		return err
	}
	if err := do(s, sess, u); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "user %s: %s done\n", u.Name, sub)
	return nil
}

// bootstrap creates the first user, an admin, on a database without users; done
// is false when the database already has users (an admin adds the others).
func bootstrap(ctx context.Context, c *cli, name string, role domain.UserRole, pwFile, as string) (done bool, err error) {
	l, err := c.openLocked(ctx)
	if err != nil {
		return false, err
	}
	defer func() {
		if !done {
			l.Close()
		}
	}()
	empty, err := l.NeedsSetup(ctx)
	if err != nil || !empty {
		return false, err
	}
	if role != domain.UserAdmin {
		return false, usagef("the database has no users yet: the first one must be an admin (--role admin)")
	}
	if as != "" {
		return false, usagef("the database has no users yet: the first admin is created without --as")
	}
	pw, err := newPassword(c, pwFile, name)
	if err != nil {
		return false, err
	}
	db, s, err := l.Setup(ctx, name, pw)
	if err != nil {
		return false, err
	}
	defer db.Close()
	fmt.Fprintf(c.stdout, "added user %d %s (admin, the first user)\n"+
		"Recovery key (shown once: store it offline, it opens the database if every password is lost):\n  %s\n",
		s.User().ID, s.User().Name, s.RecoveryKey)
	return true, nil
}

// runUsersRecover opens the database with the recovery key and sets NAME's password.
func runUsersRecover(ctx context.Context, c *cli, args []string) error {
	f := newUsersFlags(c, "recover", "users recover NAME --recovery-file R [--password-file P] [--accept-restore] [--db PATH]", "")
	recFile := f.fs.String("recovery-file", "", "file holding the recovery key (mode 0600, yours)")
	acceptRestore := f.fs.Bool("accept-restore", false, "the database was restored from an older copy on purpose: accept it (audited)")
	pos, err := f.parse("recover", args, 1, 1)
	if err != nil {
		return err
	}
	if *recFile == "" {
		return usagef("users recover needs --recovery-file FILE")
	}
	key, err := readSecretFile(*recFile, "--recovery-file")
	if err != nil {
		return err
	}
	pw, err := newPassword(c, *f.pwFile, pos[0])
	if err != nil {
		return err
	}
	l, err := c.openLocked(ctx)
	if err != nil {
		return err
	}
	if *acceptRestore {
		l.AcceptRestore()
	}
	db, s, err := l.Recover(ctx, key, pos[0], pw)
	if err != nil {
		l.Close()
		return err
	}
	defer db.Close()
	fmt.Fprintf(c.stdout, "recovered: %s has a new password\n", s.User().Name)
	return nil
}
