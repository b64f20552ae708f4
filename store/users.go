package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/mattn/go-sqlite3"

	"greffier/domain"
)

// User is someone who works with Greffier: a physician, a secretary, an admin.
type User struct {
	ID        int64           `json:"id"`
	Name      string          `json:"name"`
	Role      domain.UserRole `json:"role"`
	CreatedAt time.Time       `json:"created_at"`
}

// ValidRole reports whether r is a known role.
func ValidRole(r domain.UserRole) bool {
	switch r {
	case domain.UserPhysician, domain.UserSecretary, domain.UserAdmin:
		return true
	}
	return false
}

// CreateUser adds a user. Names are unique, ignoring case.
func (db *DB) CreateUser(ctx context.Context, name string, role domain.UserRole) (User, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return User{}, domain.Errorf(domain.EInvalid, "a user needs a name")
	}
	if !ValidRole(role) {
		return User{}, domain.Errorf(domain.EInvalid, "unknown role %q: use physician, secretary or admin", role)
	}
	u := User{Name: name, Role: role, CreatedAt: db.now()}
	err := db.write(ctx, "add user", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO users (name, role, created_at) VALUES (?, ?, ?)`, name, role, ms(u.CreatedAt))
		var se sqlite3.Error
		if errors.As(err, &se) && se.ExtendedCode == sqlite3.ErrConstraintUnique {
			return domain.Errorf(domain.EConflict, "a user named %q already exists", name)
		}
		if err != nil {
			return fmt.Errorf("add user: %w", err)
		}
		if u.ID, err = res.LastInsertId(); err != nil {
			return fmt.Errorf("add user: %w", err)
		}
		return db.auditTx(ctx, tx, actor{Name: "greffier"}, "user_add", 0, fmt.Sprintf("user=%d role=%s", u.ID, role))
	})
	return u, err
}

// ListUsers returns the users by name.
func (db *DB) ListUsers(ctx context.Context) ([]User, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT id, name, role, created_at FROM users ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	var us []User
	for rows.Next() {
		var u User
		var at int64
		if err := rows.Scan(&u.ID, &u.Name, &u.Role, &at); err != nil {
			return nil, fmt.Errorf("list users: %w", err)
		}
		u.CreatedAt = fromMS(at)
		us = append(us, u)
	}
	return us, rows.Err()
}

// UserByName finds a user by name (ignoring case).
func (db *DB) UserByName(ctx context.Context, name string) (User, error) {
	u := User{}
	var at int64
	err := db.db.QueryRowContext(ctx, `SELECT id, name, role, created_at FROM users WHERE name = ?`, strings.TrimSpace(name)).
		Scan(&u.ID, &u.Name, &u.Role, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return u, domain.Errorf(domain.ENotFound, "no user named %q (see 'greffier users list')", name)
	}
	if err != nil {
		return u, fmt.Errorf("find user: %w", err)
	}
	u.CreatedAt = fromMS(at)
	return u, nil
}
