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
	"greffier/store/crypt"
)

// User is someone who works with Greffier: a physician, a secretary, an admin.
type User struct {
	ID          int64           `json:"id"`
	Name        string          `json:"name"`
	Role        domain.UserRole `json:"role"`
	Status      UserStatus      `json:"status"`
	HasPassword bool            `json:"has_password"`
	CreatedAt   time.Time       `json:"created_at"`
}

// UserStatus says whether a user may log in. Users are disabled, never deleted:
// the audit log names them.
type UserStatus string

const (
	UserActive   UserStatus = "active"
	UserDisabled UserStatus = "disabled"
)

// ValidRole reports whether r is a known role.
func ValidRole(r domain.UserRole) bool {
	switch r {
	case domain.UserPhysician, domain.UserSecretary, domain.UserAdmin:
		return true
	}
	return false
}

// CreateUser adds a user without a password, on a database still opened with a
// key file (Open). Once users have passwords, only an admin adds users (AddUser).
func (db *DB) CreateUser(ctx context.Context, name string, role domain.UserRole) (User, error) {
	if db.mode == modeSlots {
		return User{}, domain.Errorf(domain.EForbidden, "adding a user needs an admin's session")
	}
	var u User
	err := db.write(ctx, "add user", func(tx *sql.Tx) error {
		var err error
		if u, err = db.insertUserTx(ctx, tx, name, role, crypt.Password{}, nil); err != nil {
			return err
		}
		return db.auditTx(ctx, tx, actor{Name: "greffier"}, ActionUserAdd, 0, fmt.Sprintf("user=%d role=%s", u.ID, role))
	})
	return u, err
}

// insertUserTx adds a user; pwd and salt may be empty (no password yet).
func (db *DB) insertUserTx(ctx context.Context, tx *sql.Tx, name string, role domain.UserRole, pwd crypt.Password, salt []byte) (User, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return User{}, domain.Errorf(domain.EInvalid, "a user needs a name")
	}
	if !ValidRole(role) {
		return User{}, domain.Errorf(domain.EInvalid, "unknown role %q: use physician, secretary or admin", role)
	}
	u := User{Name: name, Role: role, Status: UserActive, CreatedAt: db.now(), HasPassword: pwd.Verifier != nil}
	var kdf sql.NullString
	if u.HasPassword {
		kdf = sql.NullString{String: db.kdf.String(), Valid: true}
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO users (name, role, created_at, pw_kdf, pw_salt, pw_verifier) VALUES (?, ?, ?, ?, ?, ?)`,
		name, role, ms(u.CreatedAt), kdf, salt, pwd.Verifier)
	var se sqlite3.Error
	if errors.As(err, &se) && se.ExtendedCode == sqlite3.ErrConstraintUnique {
		return u, domain.Errorf(domain.EConflict, "a user named %q already exists", name)
	}
	if err != nil {
		return u, fmt.Errorf("add user: %w", err)
	}
	if u.ID, err = res.LastInsertId(); err != nil {
		return u, fmt.Errorf("add user: %w", err)
	}
	return u, nil
}

// The first column checks the row's authority MAC (see mac.go) as it is read.
const userCols = userIDChecked + `, name, role, status, pw_verifier IS NOT NULL, created_at`

// userIDChecked is a user's id, the row's MAC checked.
const userIDChecked = `grf_checked('user', id, mac, id, name, role, status, pw_verifier)`

// userNameChecked is a user's name, the row's MAC checked.
const userNameChecked = `grf_checked('user', name, mac, id, name, role, status, pw_verifier)`

func scanUser(s scanner) (User, error) {
	var u User
	var at int64
	err := s.Scan(&u.ID, &u.Name, &u.Role, &u.Status, &u.HasPassword, &at)
	u.CreatedAt = fromMS(at)
	return u, err
}

// ListUsers returns the users by name, disabled ones included.
func (db *DB) ListUsers(ctx context.Context) ([]User, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT `+userCols+` FROM users ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	var us []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("list users: %w", err)
		}
		us = append(us, u)
	}
	return us, rows.Err()
}

// UserByName finds a user by name (ignoring case).
func (db *DB) UserByName(ctx context.Context, name string) (User, error) {
	u, err := scanUser(db.db.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE name = ?`, strings.TrimSpace(name)))
	if errors.Is(err, sql.ErrNoRows) {
		return u, domain.Errorf(domain.ENotFound, "no user named %q (see 'greffier users list')", name)
	}
	if err != nil {
		return u, fmt.Errorf("find user: %w", err)
	}
	return u, nil
}

// sessionActorTx is the acting user of a session, as the database has them now: a
// session of another database, a disabled user or an unknown one is refused.
func (db *DB) sessionActorTx(ctx context.Context, tx *sql.Tx, s *Session) (actor, error) {
	if !db.liveSession(s) {
		return actor{}, domain.Errorf(domain.EForbidden, "no user is logged in")
	}
	a := actor{ID: s.user.ID}
	var st UserStatus
	err := tx.QueryRowContext(ctx, `SELECT grf_checked('user', name, mac, id, name, role, status, pw_verifier), role, status FROM users WHERE id = ?`, a.ID).Scan(&a.Name, &a.Role, &st)
	if err != nil {
		return a, funcErr(err, "load user %d", a.ID)
	}
	if st != UserActive {
		return a, domain.Errorf(domain.EForbidden, "user %s is disabled", a.Name)
	}
	return a, nil
}

// admin runs f in a write transaction if the session's user is an active admin.
func (db *DB) admin(ctx context.Context, s *Session, what string, f func(tx *sql.Tx, a actor) error) error {
	return db.write(ctx, what, func(tx *sql.Tx) error {
		a, err := db.sessionActorTx(ctx, tx, s)
		if err != nil {
			return err
		}
		if err := a.require(what, domain.UserAdmin); err != nil {
			return err
		}
		return f(tx, a)
	})
}

// AddUser adds a user with a password and a key slot. Admins only.
func (db *DB) AddUser(ctx context.Context, s *Session, name string, role domain.UserRole, password string) (User, error) {
	if err := checkPasswordRules(password); err != nil {
		return User{}, err
	}
	pwd, salt, err := db.newPassword(password)
	if err != nil {
		return User{}, err
	}
	var u User
	err = db.admin(ctx, s, "adding a user", func(tx *sql.Tx, a actor) error {
		var err error
		if u, err = db.insertUserTx(ctx, tx, name, role, pwd, salt); err != nil {
			return err
		}
		if err := db.writeSlotTx(ctx, tx, u.ID, pwd.KEK); err != nil {
			return err
		}
		return db.auditTx(ctx, tx, a, ActionUserAdd, 0, fmt.Sprintf("user=%d role=%s", u.ID, role))
	})
	return u, err
}

// SetRole changes a user's role. Admins only; the last active admin keeps the role.
func (db *DB) SetRole(ctx context.Context, s *Session, userID int64, role domain.UserRole) error {
	if !ValidRole(role) {
		return domain.Errorf(domain.EInvalid, "unknown role %q: use physician, secretary or admin", role)
	}
	return db.admin(ctx, s, "changing a role", func(tx *sql.Tx, a actor) error {
		old, err := userRoleTx(ctx, tx, userID)
		if err != nil {
			return err
		}
		if old == domain.UserAdmin && role != domain.UserAdmin {
			if err := lastAdminTx(ctx, tx, userID); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET role = ? WHERE id = ?`, role, userID); err != nil {
			return fmt.Errorf("set role: %w", err)
		}
		return db.auditTx(ctx, tx, a, ActionUserRole, 0, fmt.Sprintf("user=%d role=%s->%s", userID, old, role))
	})
}

// Disable stops a user from logging in and removes their key slot. Admins only.
func (db *DB) Disable(ctx context.Context, s *Session, userID int64) error {
	return db.admin(ctx, s, "disabling a user", func(tx *sql.Tx, a actor) error {
		role, err := userRoleTx(ctx, tx, userID)
		if err != nil {
			return err
		}
		if role == domain.UserAdmin {
			if err := lastAdminTx(ctx, tx, userID); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET status = 'disabled' WHERE id = ?`, userID); err != nil {
			return fmt.Errorf("disable user: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM key_slots WHERE user_id = ?`, userID); err != nil {
			return fmt.Errorf("remove key slot: %w", err)
		}
		return db.auditTx(ctx, tx, a, ActionUserDisable, 0, fmt.Sprintf("user=%d", userID))
	})
}

// ResetPassword sets another user's password (and key slot), re-enabling a
// disabled user. Admins only.
func (db *DB) ResetPassword(ctx context.Context, s *Session, userID int64, password string) error {
	if err := checkPasswordRules(password); err != nil {
		return err
	}
	pwd, salt, err := db.newPassword(password)
	if err != nil {
		return err
	}
	return db.admin(ctx, s, "resetting a password", func(tx *sql.Tx, a actor) error {
		if _, err := userRoleTx(ctx, tx, userID); err != nil {
			return err
		}
		if err := db.setPasswordTx(ctx, tx, userID, pwd, salt); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET status = 'active' WHERE id = ?`, userID); err != nil {
			return fmt.Errorf("reset password: %w", err)
		}
		return db.auditTx(ctx, tx, a, ActionPasswordSet, 0, fmt.Sprintf("user=%d", userID))
	})
}

// ChangePassword changes the session user's own password after checking the old
// one (a wrong one counts as a failed login); only their key slot is rewrapped.
func (db *DB) ChangePassword(ctx context.Context, s *Session, oldPassword, newPassword string) error {
	if s == nil || s.db != db {
		return domain.Errorf(domain.EForbidden, "no user is logged in")
	}
	if err := checkPasswordRules(newPassword); err != nil {
		return err
	}
	if _, _, err := db.checkPassword(ctx, s.user.Name, oldPassword); err != nil {
		return err
	}
	pwd, salt, err := db.newPassword(newPassword)
	if err != nil {
		return err
	}
	return db.write(ctx, "change password", func(tx *sql.Tx) error {
		a, err := db.sessionActorTx(ctx, tx, s)
		if err != nil {
			return err
		}
		if err := db.setPasswordTx(ctx, tx, a.ID, pwd, salt); err != nil {
			return err
		}
		return db.auditTx(ctx, tx, a, ActionPassword, 0, "")
	})
}

func userRoleTx(ctx context.Context, tx *sql.Tx, id int64) (domain.UserRole, error) {
	var r domain.UserRole
	err := tx.QueryRowContext(ctx, `SELECT role FROM users WHERE id = ?`, id).Scan(&r)
	if errors.Is(err, sql.ErrNoRows) {
		return r, domain.Errorf(domain.ENotFound, "no user with id %d", id)
	}
	if err != nil {
		return r, fmt.Errorf("load user %d: %w", id, err)
	}
	return r, nil
}

// lastAdminTx refuses to take away the only active admin.
func lastAdminTx(ctx context.Context, tx *sql.Tx, id int64) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE role = 'admin' AND status = 'active' AND id != ?`, id).Scan(&n); err != nil {
		return fmt.Errorf("count admins: %w", err)
	}
	if n == 0 {
		return domain.Errorf(domain.EConflict, "user %d is the last active admin: make another admin first", id)
	}
	return nil
}
