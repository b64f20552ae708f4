package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"greffier/domain"
	"greffier/store/crypt"
)

// Key slots: the master key wrapped once per user by the KEK of their password,
// and once by the recovery key. Nothing on disk holds it in clear.

const modeSlots = "slots"

func userSlotAAD(userID int64) string { return fmt.Sprintf("slot/user/%d", userID) }

const recoverySlotAAD = "slot/recovery"

// setPasswordTx stores a user's new verifier and wraps the master key for them,
// replacing their previous slot: a password change rewraps only this slot.
func (db *DB) setPasswordTx(ctx context.Context, tx *sql.Tx, userID int64, pwd crypt.Password, salt []byte) error {
	if _, err := tx.ExecContext(ctx, `UPDATE users SET pw_kdf = ?, pw_salt = ?, pw_verifier = ?, failed_logins = 0, next_login_at = 0 WHERE id = ?`,
		db.kdf.String(), salt, pwd.Verifier, userID); err != nil {
		return fmt.Errorf("set password: %w", err)
	}
	return db.writeSlotTx(ctx, tx, userID, pwd.KEK)
}

// writeSlotTx wraps the master key under kek for userID, replacing their slot.
func (db *DB) writeSlotTx(ctx context.Context, tx *sql.Tx, userID int64, kek []byte) error {
	wrapped, err := crypt.Wrap(kek, db.master, userSlotAAD(userID))
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO key_slots (user_id, kind, wrapped, created_at) VALUES (?, 'password', ?, ?)
		ON CONFLICT (user_id) DO UPDATE SET wrapped = excluded.wrapped, created_at = excluded.created_at`,
		userID, wrapped, ms(db.now())); err != nil {
		return fmt.Errorf("write key slot: %w", err)
	}
	return nil
}

// enableSlotsTx gives userID a slot, creates the recovery slot and marks the
// database as protected by slots. It returns the recovery key to show once.
func (db *DB) enableSlotsTx(ctx context.Context, tx *sql.Tx, userID int64, pwd crypt.Password) (string, error) {
	if err := db.writeSlotTx(ctx, tx, userID, pwd.KEK); err != nil {
		return "", err
	}
	shown, kek, err := crypt.NewRecoveryKey()
	if err != nil {
		return "", err
	}
	wrapped, err := crypt.Wrap(kek, db.master, recoverySlotAAD)
	if err != nil {
		return "", err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM key_slots WHERE kind = 'recovery'`); err != nil {
		return "", fmt.Errorf("write recovery slot: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO key_slots (user_id, kind, wrapped, created_at) VALUES (NULL, 'recovery', ?, ?)`,
		wrapped, ms(db.now())); err != nil {
		return "", fmt.Errorf("write recovery slot: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE crypto_meta SET kind = ?, salt = NULL, key_check = ? WHERE id = 1`, modeSlots, db.keys.Check()); err != nil {
		return "", fmt.Errorf("record key slots: %w", err)
	}
	if err := db.resealPatientsTx(ctx, tx); err != nil {
		return "", err
	}
	if err := db.sealCodesTx(ctx, tx); err != nil {
		return "", err
	}
	return shown, db.recomputeMACsTx(ctx, tx)
}

// openSlot unwraps the master key from u's slot with the KEK of their password.
func (db *DB) openSlot(ctx context.Context, u authUser, pwd crypt.Password) ([]byte, error) {
	var wrapped []byte
	err := db.db.QueryRowContext(ctx, `SELECT wrapped FROM key_slots WHERE user_id = ?`, u.ID).Scan(&wrapped)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, domain.Errorf(domain.EForbidden, "user %s has no key for this database: an admin resets their password", u.Name)
	}
	if err != nil {
		return nil, fmt.Errorf("read key slot: %w", err)
	}
	master, err := crypt.Unwrap(pwd.KEK, wrapped, userSlotAAD(u.ID))
	if err != nil {
		return nil, domain.Errorf(domain.EConflict, "the key slot of user %s does not open with their password: it was altered; use the recovery key", u.Name)
	}
	return master, nil
}

// unlock loads the keys from master, checks them against the database and verifies
// the audit chain against its authenticated head.
func (db *DB) unlock(ctx context.Context, master []byte) error {
	keys, err := crypt.New(master)
	if err != nil {
		return err
	}
	var check []byte
	if err := db.db.QueryRowContext(ctx, `SELECT key_check FROM crypto_meta WHERE id = 1`).Scan(&check); err != nil {
		return fmt.Errorf("read key check: %w", err)
	}
	if !keys.CheckMatches(check) {
		return domain.Errorf(domain.EConflict, "the key unwrapped does not match database %s: the key slots were altered", db.path)
	}
	db.keys, db.master, db.mode = keys, master, modeSlots
	if err := db.verifyAuditHead(ctx); err != nil {
		db.keys, db.master = nil, nil
		return err
	}
	if err := db.verifyMACs(ctx); err != nil {
		db.keys, db.master = nil, nil
		return err
	}
	if err := db.sealCodes(ctx); err != nil {
		db.keys, db.master = nil, nil
		return err
	}
	return nil
}

// finishSlots checks what enableSlotsTx wrote (both slots unwrap to the master key)
// and only then removes a key file the database used before.
func (db *DB) finishSlots(ctx context.Context, opt Options, kind string, userID int64, pwd crypt.Password, recovery string) error {
	var wrapped, rec []byte
	if err := db.db.QueryRowContext(ctx, `SELECT wrapped FROM key_slots WHERE user_id = ?`, userID).Scan(&wrapped); err != nil {
		return fmt.Errorf("check key slot: %w", err)
	}
	if err := db.db.QueryRowContext(ctx, `SELECT wrapped FROM key_slots WHERE kind = 'recovery'`).Scan(&rec); err != nil {
		return fmt.Errorf("check recovery slot: %w", err)
	}
	kek, err := crypt.RecoveryKEK(recovery)
	if err != nil {
		return err
	}
	m1, err1 := crypt.Unwrap(pwd.KEK, wrapped, userSlotAAD(userID))
	m2, err2 := crypt.Unwrap(kek, rec, recoverySlotAAD)
	if err1 != nil || err2 != nil || !bytes.Equal(m1, db.master) || !bytes.Equal(m2, db.master) {
		return domain.Errorf(domain.EInternal, "the key slots written for %s do not give back the key; the key file was kept", db.path)
	}
	db.mode = modeSlots
	if kind != "keyfile" {
		return nil
	}
	path := opt.KeyFile
	if path == "" {
		path = KeyFile(db.path)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return domain.Wrap(domain.EUnavailable, err, "remove the old key file %s (the key is now protected by passwords): delete it by hand", path)
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// migrate logs in on a database still protected by a key file or a passphrase and
// moves its key into slots (see Login).
func (l *Locked) migrate(ctx context.Context, kind, name, password string) (*DB, *Session, error) {
	db := l.db
	keys, err := db.loadKeys(ctx, l.opt)
	if err != nil {
		return nil, nil, err
	}
	db.keys = keys
	fail := func(err error) (*DB, *Session, error) {
		db.keys, db.master, db.mode = nil, nil, ""
		return nil, nil, err
	}
	if _, err := db.VerifyAudit(ctx); err != nil {
		return fail(err)
	}
	u, err := db.authUserByName(ctx, db.db, name)
	if errors.Is(err, sql.ErrNoRows) {
		return fail(domain.Errorf(domain.EForbidden, "unknown user or wrong password"))
	}
	if err != nil {
		return fail(fmt.Errorf("find user: %w", err))
	}
	var pwd crypt.Password
	if u.HasPassword {
		if u, pwd, err = db.checkPassword(ctx, name, password); err != nil {
			return fail(err)
		}
	} else if u.Status == UserDisabled {
		return fail(domain.Errorf(domain.EForbidden, "user %s is disabled", u.Name))
	} else if err := checkPasswordRules(password); err != nil {
		return fail(err)
	}
	s := &Session{db: db, user: u.User}
	err = db.write(ctx, "protect the key with passwords", func(tx *sql.Tx) error {
		var salt []byte
		if !u.HasPassword {
			if pwd, salt, err = db.newPassword(password); err != nil {
				return err
			}
			if err := db.setPasswordTx(ctx, tx, u.ID, pwd, salt); err != nil {
				return err
			}
		}
		if s.RecoveryKey, err = db.enableSlotsTx(ctx, tx, u.ID, pwd); err != nil {
			return err
		}
		a := actor{ID: u.ID, Name: u.Name, Role: u.Role}
		var admins int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE role = 'admin' AND status = 'active'`).Scan(&admins); err != nil {
			return fmt.Errorf("count admins: %w", err)
		}
		if admins == 0 {
			if _, err := tx.ExecContext(ctx, `UPDATE users SET role = 'admin' WHERE id = ?`, u.ID); err != nil {
				return fmt.Errorf("promote the first admin: %w", err)
			}
			if err := db.auditTx(ctx, tx, a, ActionUserRole, 0, fmt.Sprintf("user=%d role=%s->admin reason=no_admin", u.ID, u.Role)); err != nil {
				return err
			}
			s.user.Role = domain.UserAdmin
		}
		return db.auditTx(ctx, tx, a, ActionKeysMigrated, 0, "from="+kind)
	})
	if err != nil {
		return fail(err)
	}
	if err := db.finishSlots(ctx, l.opt, kind, u.ID, pwd, s.RecoveryKey); err != nil {
		return nil, nil, err
	}
	if err := db.loginDone(ctx, u, password, pwd, ActionLogin); err != nil {
		return nil, nil, err
	}
	if err := db.writeHead(ctx); err != nil {
		return nil, nil, err
	}
	return db, db.begin(s), nil
}

// Recover unlocks the database with the recovery key and sets a new password for
// an active user (typically the admin who forgot theirs), who is then logged in.
func (l *Locked) Recover(ctx context.Context, recoveryKey, name, newPassword string) (*DB, *Session, error) {
	db := l.db
	if err := checkPasswordRules(newPassword); err != nil {
		return nil, nil, err
	}
	kek, err := crypt.RecoveryKEK(recoveryKey)
	if err != nil {
		return nil, nil, domain.Wrap(domain.EInvalid, err, "recovery key")
	}
	var wrapped []byte
	if err := db.db.QueryRowContext(ctx, `SELECT wrapped FROM key_slots WHERE kind = 'recovery'`).Scan(&wrapped); err != nil {
		return nil, nil, domain.Wrap(domain.EConflict, err, "database %s has no recovery slot", db.path)
	}
	master, err := crypt.Unwrap(kek, wrapped, recoverySlotAAD)
	if err != nil {
		db.authEvent(ctx, 0, "recovery key", ActionLoginFailed, "reason=wrong_recovery_key")
		return nil, nil, domain.Errorf(domain.EForbidden, "wrong recovery key")
	}
	if err := db.unlock(ctx, master); err != nil {
		return nil, nil, err
	}
	u, err := db.authUserByName(ctx, db.db, name)
	if err != nil || u.Status != UserActive {
		db.keys, db.master = nil, nil
		return nil, nil, domain.Errorf(domain.EForbidden, "no active user named %q", name)
	}
	if err := db.headChecked(ctx, l.opt.AcceptRestore, actor{ID: u.ID, Name: u.Name, Role: u.Role}, true); err != nil {
		db.keys, db.master = nil, nil
		return nil, nil, err
	}
	pwd, salt, err := db.newPassword(newPassword)
	if err != nil {
		return nil, nil, err
	}
	err = db.write(ctx, "recover", func(tx *sql.Tx) error {
		if err := db.flushPendingTx(ctx, tx); err != nil {
			return err
		}
		if err := db.setPasswordTx(ctx, tx, u.ID, pwd, salt); err != nil {
			return err
		}
		return db.auditTx(ctx, tx, actor{ID: u.ID, Name: u.Name, Role: u.Role}, ActionRecovery, 0, fmt.Sprintf("user=%d", u.ID))
	})
	if err != nil {
		db.keys, db.master = nil, nil
		return nil, nil, err
	}
	if err := db.writeHead(ctx); err != nil {
		return nil, nil, err
	}
	return db, db.begin(&Session{db: db, user: u.User}), nil
}
