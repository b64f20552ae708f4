package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"greffier/domain"
)

// System is the actor id for work Greffier does itself (transcribing, drafting,
// retention), as opposed to a user.
const System int64 = 0

// write runs f in one write transaction (BEGIN IMMEDIATE, see the DSN): committed if
// f returns nil, rolled back otherwise. f may share its transaction's commit with
// other writes, each in its own savepoint (group commit, commit.go): it must not
// call write itself, and it may run a second time (alone, if its group's
// transaction was lost), so it sets what it returns rather than accumulating.
func (db *DB) write(ctx context.Context, what string, f func(tx *sql.Tx) error) error {
	return db.commit(ctx, what, f)
}

// ms converts a time to the stored form, Unix milliseconds.
func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

func fromNullMS(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMS(v.Int64)
	return &t
}

func nullID(id int64) sql.NullInt64 { return sql.NullInt64{Int64: id, Valid: id != 0} }

// actor is who does something: a user, or Greffier itself (ID 0).
type actor struct {
	ID   int64
	Name string
	Role domain.UserRole
}

// actorTx loads the acting user; System is Greffier.
func actorTx(ctx context.Context, tx *sql.Tx, id int64) (actor, error) {
	if id == System {
		return actor{Name: "greffier"}, nil
	}
	a := actor{ID: id}
	var st string
	var in int64
	// grf_logged_in: on a database with passwords, only a user logged in on this
	// handle acts by id (see liveSessions).
	err := tx.QueryRowContext(ctx, `SELECT grf_checked('user', name, mac, id, name, role, status, pw_verifier), role, status, grf_logged_in(id)
		FROM users WHERE id = ?`, id).Scan(&a.Name, &a.Role, &st, &in)
	if errors.Is(err, sql.ErrNoRows) {
		return a, domain.Errorf(domain.ENotFound, "no user with id %d", id)
	}
	if err != nil {
		return a, funcErr(err, "load user %d", id)
	}
	if st != string(UserActive) {
		return a, domain.Errorf(domain.EForbidden, "user %s is disabled", a.Name)
	}
	return a, nil
}

// require returns EForbidden unless the actor has one of the roles.
func (a actor) require(what string, roles ...domain.UserRole) error {
	names := make([]string, len(roles))
	for i, r := range roles {
		if a.ID != System && a.Role == r {
			return nil
		}
		names[i] = string(r)
	}
	need := strings.Join(names, " or ")
	if a.ID == System {
		return domain.Errorf(domain.EForbidden, "%s needs a user (%s), not Greffier itself", what, need)
	}
	article := "a"
	if strings.HasPrefix(need, "a") {
		article = "an"
	}
	return domain.Errorf(domain.EForbidden, "%s is not allowed for %s (role %s); it needs %s %s", what, a.Name, a.Role, article, need)
}
