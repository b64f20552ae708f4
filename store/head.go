package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"greffier/atomicfile"
	"greffier/domain"
)

// Rollback of the whole file. The audit head kept inside the database (see
// verifyAuditHead) catches entries cut from the end, but not the whole database
// replaced by an older consistent copy: that copy's head matches its own chain.
// So the head is also kept outside the database, in a small file beside it, sealed
// under the master key: at each unlock, the database's chain must reach it (hold at
// least as many entries, and the entry it names with the same MAC). The file is
// rewritten after each unlock and when the database is closed.
//
// Limits: someone who replaces the head file along with the database (an older
// copy of the whole folder) is not caught; nor is a head file deleted with the
// database replaced, by an older copy made before the head file existed (the
// audit log records when it was first written: a later copy without the file is
// caught).

// HeadFile is the head file kept for the database at dbPath.
func HeadFile(dbPath string) string { return dbPath + ".head" }

// ActionHeadFile and ActionRollbackAccepted are audit actions of the head file: its
// first writing, and an admin's acceptance of a database restored from an older copy.
const (
	ActionHeadFile         = "head_file"
	ActionRollbackAccepted = "rollback_accepted"
)

const headAAD = "greffier head file v1"

type headFile struct {
	Count int64  `json:"count"`
	Last  []byte `json:"last"`
}

// errRollback is a database older than its head file says.
var errRollback = errors.New("database rolled back")

func (db *DB) rolledBack(format string, args ...any) error {
	return &domain.Error{Code: domain.EConflict, Err: errRollback,
		Message: fmt.Sprintf(format, args...) + fmt.Sprintf(". Either someone replaced %s with an older copy (notes signed or "+
			"audited since would be lost), or it was restored from a backup on purpose: then an admin logs in once "+
			"accepting the restore (CLI: --accept-restore), which is audited", db.path)}
}

// checkHead compares the unlocked database with its head file (no file configured:
// nothing to check). Call it after verifyAuditHead.
func (db *DB) checkHead(ctx context.Context) error {
	if db.headPath == "" {
		return nil
	}
	raw, err := os.ReadFile(db.headPath)
	if errors.Is(err, fs.ErrNotExist) {
		var n int
		if err := db.db.QueryRowContext(ctx, `SELECT count(*) FROM audit_log WHERE action = ?`, ActionHeadFile).Scan(&n); err != nil {
			return fmt.Errorf("check head file: %w", err)
		}
		if n > 0 {
			return db.rolledBack("the head file %s of this database is missing", db.headPath)
		}
		return nil
	}
	if err != nil {
		return domain.Wrap(domain.EUnavailable, err, "read head file %s", db.headPath)
	}
	plain, err := db.keys.Open(raw, []byte(headAAD))
	var h headFile
	if err == nil {
		err = json.Unmarshal(plain, &h)
	}
	if err != nil {
		return db.rolledBack("the head file %s does not open with this database's key (altered, or another database's)", db.headPath)
	}
	var count int64
	if err := db.db.QueryRowContext(ctx, `SELECT count(*) FROM audit_log`).Scan(&count); err != nil {
		return fmt.Errorf("check head file: %w", err)
	}
	if count < h.Count {
		return db.rolledBack("the database is older than the last state seen here: its audit log has %d entries, %d were recorded", count, h.Count)
	}
	if h.Count == 0 {
		return nil
	}
	var mac []byte
	if err := db.db.QueryRowContext(ctx, `SELECT hash FROM audit_log WHERE id = ?`, h.Count).Scan(&mac); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("check head file: %w", err)
	}
	if !bytes.Equal(mac, h.Last) {
		return db.rolledBack("the database's audit log departs from the one last seen here at entry %d (an older copy, changed since)", h.Count)
	}
	return nil
}

// writeHead records the database's current audit head in the head file; the first
// time, the audit log records that the file exists.
func (db *DB) writeHead(ctx context.Context) error {
	if db.headPath == "" || db.keys == nil || db.mode != modeSlots {
		return nil
	}
	var n int
	if err := db.db.QueryRowContext(ctx, `SELECT count(*) FROM audit_log WHERE action = ?`, ActionHeadFile).Scan(&n); err != nil {
		return fmt.Errorf("write head file: %w", err)
	}
	if n == 0 {
		err := db.write(ctx, "audit head file", func(tx *sql.Tx) error {
			return db.auditTx(ctx, tx, actor{Name: "greffier"}, ActionHeadFile, 0, "")
		})
		if err != nil {
			return err
		}
	}
	var h headFile
	err := db.db.QueryRowContext(ctx, `SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1`).Scan(&h.Count, &h.Last)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("write head file: %w", err)
	}
	plain, _ := json.Marshal(h)
	if err := atomicfile.WriteFile(db.headPath, db.keys.Seal(plain, []byte(headAAD)), 0o600); err != nil {
		return domain.Wrap(domain.EUnavailable, err, "write head file %s", db.headPath)
	}
	return nil
}

// headChecked runs checkHead after an unlock by u. A rollback is accepted only if
// the caller asked to (Options.AcceptRestore) and u is an admin (or the recovery
// key was used), and the acceptance is audited. The caller writes the head file
// (writeHead) once the login is recorded.
func (db *DB) headChecked(ctx context.Context, accept bool, u actor, recovery bool) error {
	err := db.checkHead(ctx)
	if errors.Is(err, errRollback) {
		if !accept || (!recovery && u.Role != domain.UserAdmin) {
			db.refusal(ctx, u.ID, u.Name, ActionLoginFailed, 0, "reason=rollback")
			return err
		}
		var count int64
		_ = db.db.QueryRowContext(ctx, `SELECT count(*) FROM audit_log`).Scan(&count)
		werr := db.write(ctx, "accept restore", func(tx *sql.Tx) error {
			return db.auditTx(ctx, tx, u, ActionRollbackAccepted, 0, fmt.Sprintf("entries=%d", count))
		})
		if werr != nil {
			return werr
		}
		return nil
	}
	return err
}
