package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"greffier/domain"
	"greffier/store"
)

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
	return command{name: "users", summary: "add and list users (physician, secretary, admin)", subs: []command{
		{name: "add", summary: "add a user: users add NAME --role physician|secretary|admin", run: runUsersAdd},
		{name: "list", summary: "list the users: users list [--json]", run: runUsersList},
	}}
}

func runUsersAdd(ctx context.Context, c *cli, args []string) error {
	fs := newFlags(c, "users add", "users add NAME --role physician|secretary|admin [--db PATH]")
	dbFlag(c, fs)
	role := fs.String("role", "", "physician, secretary or admin")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("users add takes one NAME (quote names with spaces)")
	}
	if !store.ValidRole(domain.UserRole(*role)) {
		return usagef("--role must be physician, secretary or admin")
	}
	s, err := c.openStore(ctx)
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
}

func runUsersList(ctx context.Context, c *cli, args []string) error {
	fs := newFlags(c, "users list", "users list [--json] [--db PATH]")
	asJSON := fs.Bool("json", false, "print JSON")
	var us []store.User
	err := c.withStore(ctx, fs, args, func(s *store.DB) (err error) {
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
	fmt.Fprintln(tw, "ID\tNAME\tROLE\tCREATED")
	for _, u := range us {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", u.ID, u.Name, u.Role, u.CreatedAt.Local().Format(time.DateOnly))
	}
	return tw.Flush()
}
