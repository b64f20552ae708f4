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

// dbFlag adds --db to a command's flags; "" means the default in the data folder.
func dbFlag(fs *flag.FlagSet) *string {
	return fs.String("db", "", "database file (default: greffier.db in the data folder)")
}

// userRef resolves --as NAME to a user.
func userRef(ctx context.Context, db *store.DB, name string) (store.User, error) {
	if name == "" {
		return store.User{}, usagef("--as USER is required (see 'greffier users list')")
	}
	return db.UserByName(ctx, name)
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func usersCommand() command {
	return command{name: "users", summary: "add, list, change and disable users; passwords", run: runUsers}
}

const usersUsage = `users add NAME --role physician|secretary|admin [--password-file P] [--as ADMIN --auth-file F]
       (the first user of an empty database is the admin, without --as)
  users list --as USER [--json]
  users role NAME --role ROLE --as ADMIN | users disable NAME --as ADMIN
  users passwd [NAME] --as USER [--password-file P]   (NAME: an admin resets another's)
  users recover NAME --recovery-file R [--password-file P]   (all take --db PATH, --auth-file F)`

func runUsers(ctx context.Context, c *cli, args []string) error {
	if len(args) == 0 {
		return usagef("usage: greffier %s", usersUsage)
	}
	sub := args[0]
	fs := newFlags(c, "users "+sub, usersUsage)
	db := dbFlag(fs)
	role := fs.String("role", "", "add, role: physician, secretary or admin")
	pwFile := fs.String("password-file", "", "add, passwd, recover: file holding the new password (mode 0600, yours); default: ask")
	recFile := fs.String("recovery-file", "", "recover: file holding the recovery key (mode 0600, yours)")
	asJSON := fs.Bool("json", false, "list: print JSON")
	auth := addAuthFlags(fs, "the user doing it (an admin, except for list and your own passwd)")
	pos, err := parseFlags(fs, args[1:])
	if err != nil {
		return err
	}
	want := map[string][2]int{"add": {1, 1}, "list": {0, 0}, "role": {1, 1}, "disable": {1, 1}, "passwd": {0, 1}, "recover": {1, 1}}
	n, ok := want[sub]
	if !ok {
		return usagef("unknown users subcommand %q: use add, list, role, disable, passwd or recover", sub)
	}
	if len(pos) < n[0] || len(pos) > n[1] {
		return usagef("users %s takes %d NAME (quote names with spaces)", sub, n[1])
	}
	if (sub == "add" || sub == "role") && !store.ValidRole(domain.UserRole(*role)) {
		return usagef("--role must be physician, secretary or admin")
	}
	switch sub {
	case "add":
		if done, err := bootstrap(ctx, c, *db, pos[0], domain.UserRole(*role), *pwFile, *auth.as); done || err != nil {
			return err
		}
	case "recover":
		return recoverUser(ctx, c, *db, pos[0], *recFile, *pwFile)
	}
	s, sess, pw, err := auth.login(ctx, c, *db)
	if err != nil {
		return err
	}
	defer s.Close()
	if sub == "list" {
		return listUsers(ctx, c, s, *asJSON)
	}
	if sub == "passwd" && len(pos) == 0 {
		npw, err := newPassword(c, *pwFile, sess.User().Name)
		if err != nil {
			return err
		}
		if err := s.ChangePassword(ctx, sess, pw, npw); err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "password of %s changed\n", sess.User().Name)
		return nil
	}
	if sub == "add" {
		npw, err := newPassword(c, *pwFile, pos[0])
		if err != nil {
			return err
		}
		u, err := s.AddUser(ctx, sess, pos[0], domain.UserRole(*role), npw)
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "added user %d %s (%s)\n", u.ID, u.Name, u.Role)
		return nil
	}
	u, err := s.UserByName(ctx, pos[0])
	if err != nil {
		return err
	}
	switch sub {
	case "role":
		err = s.SetRole(ctx, sess, u.ID, domain.UserRole(*role))
	case "disable":
		err = s.Disable(ctx, sess, u.ID)
	default: // passwd NAME: an admin resets it
		var npw string
		if npw, err = newPassword(c, *pwFile, u.Name); err == nil {
			err = s.ResetPassword(ctx, sess, u.ID, npw)
		}
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "user %s: %s done\n", u.Name, sub)
	return nil
}

// bootstrap creates the first user, an admin, on a database without users; done
// is false when the database already has users (an admin adds the others).
func bootstrap(ctx context.Context, c *cli, dbp, name string, role domain.UserRole, pwFile, as string) (done bool, err error) {
	path, err := dbPath(dbp)
	if err != nil {
		return false, err
	}
	l, err := store.OpenLocked(ctx, path, store.Options{})
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

// recoverUser opens the database with the recovery key and sets name's password.
func recoverUser(ctx context.Context, c *cli, dbp, name, recFile, pwFile string) error {
	if recFile == "" {
		return usagef("users recover needs --recovery-file FILE")
	}
	key, err := readSecretFile(recFile, "--recovery-file")
	if err != nil {
		return err
	}
	pw, err := newPassword(c, pwFile, name)
	if err != nil {
		return err
	}
	path, err := dbPath(dbp)
	if err != nil {
		return err
	}
	l, err := store.OpenLocked(ctx, path, store.Options{})
	if err != nil {
		return err
	}
	db, s, err := l.Recover(ctx, key, name, pw)
	if err != nil {
		l.Close()
		return err
	}
	defer db.Close()
	fmt.Fprintf(c.stdout, "recovered: %s has a new password\n", s.User().Name)
	return nil
}

func listUsers(ctx context.Context, c *cli, s *store.DB, asJSON bool) error {
	us, err := s.ListUsers(ctx)
	if err != nil {
		return err
	}
	if asJSON {
		return writeJSON(c.stdout, us)
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tROLE\tSTATUS\tCREATED")
	for _, u := range us {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", u.ID, u.Name, u.Role, u.Status, u.CreatedAt.Local().Format(time.DateOnly))
	}
	return tw.Flush()
}
