package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"greffier/appdirs"
	"greffier/domain"
	"greffier/store"
)

// dbFlag adds --db to a command's flags; "" means the default in the data folder.
func dbFlag(fs *flag.FlagSet) *string {
	return fs.String("db", "", "database file (default: greffier.db in the data folder)")
}

// openStore opens the database at path, or the default one.
func openStore(ctx context.Context, path string) (*store.DB, error) {
	if path == "" {
		d, err := appdirs.Default()
		if err != nil {
			return nil, domain.Wrap(domain.EUnavailable, err, "find the data folder")
		}
		path = d.Database()
	}
	return store.Open(ctx, path)
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
	return command{name: "users", summary: "add and list users (physician, secretary, admin)", run: runUsers}
}

func runUsers(ctx context.Context, c *cli, args []string) error {
	if len(args) == 0 {
		return usagef("usage: greffier users add NAME --role physician|secretary|admin | greffier users list")
	}
	switch args[0] {
	case "add":
		fs := newFlags(c, "users add", "users add NAME --role physician|secretary|admin [--db PATH]")
		db := dbFlag(fs)
		role := fs.String("role", "", "physician, secretary or admin")
		pos, err := parseFlags(fs, args[1:])
		if err != nil {
			return err
		}
		if len(pos) != 1 {
			return usagef("users add takes one NAME (quote names with spaces)")
		}
		if !store.ValidRole(domain.UserRole(*role)) {
			return usagef("--role must be physician, secretary or admin")
		}
		s, err := openStore(ctx, *db)
		if err != nil {
			return err
		}
		defer s.Close()
		u, err := s.CreateUser(ctx, pos[0], domain.UserRole(*role))
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "added user %d %s (%s)\n", u.ID, u.Name, u.Role)
		return nil
	case "list":
		fs := newFlags(c, "users list", "users list [--json] [--db PATH]")
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
		us, err := s.ListUsers(ctx)
		if err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(c.stdout, us)
		}
		tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tROLE\tCREATED")
		for _, u := range us {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", u.ID, u.Name, u.Role, u.CreatedAt.Local().Format(time.DateOnly))
		}
		return tw.Flush()
	}
	return usagef("unknown users subcommand %q: use add or list", args[0])
}
