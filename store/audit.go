package store

import (
	"bytes"
	"context"
	"crypto/hmac"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"

	"greffier/domain"
)

// AuditEntry is one line of the audit log: who did what to which encounter, when.
// Detail never holds patient text.
type AuditEntry struct {
	ID          int64     `json:"id"`
	At          time.Time `json:"at"`
	UserID      int64     `json:"user_id,omitempty"`
	Actor       string    `json:"actor"`
	Action      string    `json:"action"`
	EncounterID int64     `json:"encounter_id,omitempty"`
	Detail      string    `json:"detail,omitempty"`
}

// Audit actions.
const (
	ActionView     = "view"
	ActionCreate   = "create"
	ActionConsent  = "consent"
	ActionRecord   = "record"
	ActionTranscr  = "transcribe"
	ActionEdit     = "edit"
	ActionCode     = "code"
	ActionReady    = "mark_ready"
	ActionApprove  = "approve"
	ActionExport   = "export"
	ActionRetain   = "retention_delete"
	ActionBackup   = "backup"
	ActionSettings = "setting"
	ActionSearch   = "search"
	// ActionExportFailed is an export that did not complete after the note was
	// rendered: a receiver that refused it may still have received it.
	ActionExportFailed = "export_failed"
)

// auditTx appends an entry to the chain inside tx. Write transactions are IMMEDIATE,
// so no other writer can append between reading the last hash and inserting.
func (db *DB) auditTx(ctx context.Context, tx *sql.Tx, a actor, action string, encID int64, detail string) error {
	var lastID int64
	var prev []byte
	err := tx.QueryRowContext(ctx, `SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1`).Scan(&lastID, &prev)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("audit: read chain head: %w", err)
	}
	if prev == nil {
		prev = []byte{}
	}
	e := AuditEntry{ID: lastID + 1, At: db.now(), UserID: a.ID, Actor: a.Name, Action: action, EncounterID: encID, Detail: detail}
	h := db.entryHash(prev, e)
	// The detail is sealed (it may name a diagnosis code); the chain's MAC covers
	// the plain text, so the two cannot drift apart unnoticed.
	var sealed []byte
	if detail != "" {
		sealed = db.keys.SealString(detail, auditAAD(e.ID))
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit_log (id, at, user_id, actor, action, encounter_id, detail, detail_enc, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, '', ?, ?, ?)`, e.ID, ms(e.At), nullID(e.UserID), e.Actor, e.Action, nullID(e.EncounterID), sealed, prev, h); err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	// The head (count and last MAC), MACed apart, is what lets an unlock notice
	// entries cut from the end of the chain.
	if _, err := tx.ExecContext(ctx, `UPDATE crypto_meta SET audit_count = ?, audit_last = ?, audit_mac = ? WHERE id = 1`,
		e.ID, h, db.headMAC(e.ID, h)); err != nil {
		return fmt.Errorf("audit %s: update chain head: %w", action, err)
	}
	return nil
}

func auditAAD(id int64) string { return fmt.Sprintf("audit/%d", id) }

// openDetail is an entry's detail: sealed, or plain in entries written before
// details were sealed.
func (db *DB) openDetail(id int64, plain string, sealed []byte) (string, error) {
	if sealed == nil {
		return plain, nil
	}
	d, err := db.keys.OpenString(sealed, auditAAD(id))
	if err != nil {
		return "", domain.Errorf(domain.EConflict, "audit log tampered: entry %d's detail does not open", id)
	}
	return d, nil
}

func (db *DB) headMAC(n int64, last []byte) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(n))
	return db.keys.AuditMAC([]byte("audit head\x00"), b[:], last)
}

// verifyAuditHead verifies the whole chain and that it ends where the head says.
// A database protected by key slots always has a head (setup writes entries).
func (db *DB) verifyAuditHead(ctx context.Context) error {
	n, last, err := db.verifyChain(ctx)
	if err != nil {
		return err
	}
	var count int64
	var hl, hm []byte
	if err := db.db.QueryRowContext(ctx, `SELECT audit_count, audit_last, audit_mac FROM crypto_meta WHERE id = 1`).Scan(&count, &hl, &hm); err != nil {
		return fmt.Errorf("read audit head: %w", err)
	}
	if !hmac.Equal(hm, db.headMAC(count, hl)) {
		return domain.Errorf(domain.EConflict, "audit log tampered: its recorded head was altered")
	}
	if int64(n) != count || !bytes.Equal(last, hl) {
		return domain.Errorf(domain.EConflict, "audit log tampered: %d entries recorded, %d found (entries cut from the end or replaced)", count, n)
	}
	return nil
}

// entryHash is HMAC(audit key, prev || fields), each field length-prefixed so no two
// different entries encode alike. The key means that someone who can write the file
// but has no key cannot forge a consistent chain.
func (db *DB) entryHash(prev []byte, e AuditEntry) []byte {
	var b bytes.Buffer
	put := func(p []byte) {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(p)))
		b.Write(n[:])
		b.Write(p)
	}
	num := func(v int64) {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(v))
		put(n[:])
	}
	put(prev)
	num(e.ID)
	num(ms(e.At))
	num(e.UserID)
	put([]byte(e.Actor))
	put([]byte(e.Action))
	num(e.EncounterID)
	put([]byte(e.Detail))
	return db.keys.AuditMAC(b.Bytes())
}

// AuditFilter selects audit entries; zero fields select everything.
type AuditFilter struct {
	EncounterID int64
	Limit       int
}

// Audit returns audit entries, oldest first.
func (db *DB) Audit(ctx context.Context, f AuditFilter) ([]AuditEntry, error) {
	q := `SELECT id, at, coalesce(user_id, 0), actor, action, coalesce(encounter_id, 0), detail, detail_enc FROM audit_log`
	var args []any
	if f.EncounterID != 0 {
		q += ` WHERE encounter_id = ?`
		args = append(args, f.EncounterID)
	}
	q += ` ORDER BY id`
	if f.Limit > 0 {
		q += fmt.Sprintf(` LIMIT %d`, f.Limit)
	}
	rows, err := db.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("read audit log: %w", err)
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		var at int64
		var sealed []byte
		if err := rows.Scan(&e.ID, &at, &e.UserID, &e.Actor, &e.Action, &e.EncounterID, &e.Detail, &sealed); err != nil {
			return nil, fmt.Errorf("read audit log: %w", err)
		}
		if e.Detail, err = db.openDetail(e.ID, e.Detail, sealed); err != nil {
			return nil, err
		}
		e.At = fromMS(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// AuditRecordView records that a user looked at an encounter.
func (db *DB) AuditRecordView(ctx context.Context, encID, by int64) error {
	return db.write(ctx, "audit view", func(tx *sql.Tx) error {
		a, err := actorTx(ctx, tx, by)
		if err != nil {
			return err
		}
		return db.auditTx(ctx, tx, a, ActionView, encID, "")
	})
}

// AuditRecordSearch records that a user searched and how many results they saw;
// never the words searched, which may be patient text.
func (db *DB) AuditRecordSearch(ctx context.Context, by int64, results int) error {
	return db.auditRead(ctx, by, ActionSearch, 0, fmt.Sprintf("results=%d", results))
}

// SearchAs searches as user by and records it: the number of results, the patient
// searched for (by id) and the encounters shown; never the words searched.
func (db *DB) SearchAs(ctx context.Context, by int64, q Query) ([]Hit, error) {
	hits, err := db.Search(ctx, q)
	if err != nil {
		return nil, err
	}
	detail := fmt.Sprintf("results=%d", len(hits))
	if q.PatientID != 0 {
		detail += fmt.Sprintf(" patient=%d", q.PatientID)
	}
	if len(hits) > 0 {
		ids := make([]string, len(hits))
		for i, h := range hits {
			ids[i] = fmt.Sprint(h.EncounterID)
		}
		detail += " encounters=" + strings.Join(ids, ",")
	}
	if err := db.auditRead(ctx, by, ActionSearch, 0, detail); err != nil {
		return nil, err
	}
	return hits, nil
}

// AuditRecordDiff records that a user compared two versions of an encounter's note.
func (db *DB) AuditRecordDiff(ctx context.Context, encID, by int64, from, to int) error {
	return db.auditRead(ctx, by, ActionView, encID, fmt.Sprintf("diff=%d..%d", from, to))
}

// AuditExportFailed records an export that failed after the note was rendered,
// with the failure's code (never its text, which may quote the receiver).
func (db *DB) AuditExportFailed(ctx context.Context, encID, by int64, format, code string) error {
	return db.auditRead(ctx, by, ActionExportFailed, encID, fmt.Sprintf("format=%s error=%s", format, code))
}

// auditRead appends an entry for a read of patient data by a user.
func (db *DB) auditRead(ctx context.Context, by int64, action string, encID int64, detail string) error {
	return db.write(ctx, "audit "+action, func(tx *sql.Tx) error {
		a, err := actorTx(ctx, tx, by)
		if err != nil {
			return err
		}
		return db.auditTx(ctx, tx, a, action, encID, detail)
	})
}

// VerifyAudit recomputes the hash chain from the first entry and returns an
// EConflict error naming the first entry that was altered, inserted, or removed
// (ids must run 1, 2, 3… and each entry's prev_hash be its predecessor's hash).
// Entries cut from the end are noticed by the head check at unlock (see
// verifyAuditHead), not here.
func (db *DB) VerifyAudit(ctx context.Context) (int, error) {
	n, _, err := db.verifyChain(ctx)
	return n, err
}

// verifyChain is VerifyAudit, also returning the last entry's MAC.
func (db *DB) verifyChain(ctx context.Context) (int, []byte, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT id, at, coalesce(user_id, 0), actor, action, coalesce(encounter_id, 0), detail, detail_enc, prev_hash, hash
		FROM audit_log ORDER BY id`)
	if err != nil {
		return 0, nil, fmt.Errorf("verify audit log: %w", err)
	}
	defer rows.Close()
	prev := []byte{}
	n := 0
	for rows.Next() {
		var e AuditEntry
		var at int64
		var p, h, sealed []byte
		if err := rows.Scan(&e.ID, &at, &e.UserID, &e.Actor, &e.Action, &e.EncounterID, &e.Detail, &sealed, &p, &h); err != nil {
			return n, nil, fmt.Errorf("verify audit log: %w", err)
		}
		if e.Detail, err = db.openDetail(e.ID, e.Detail, sealed); err != nil {
			return n, nil, err
		}
		e.At = fromMS(at)
		n++
		switch {
		case e.ID != int64(n):
			return n, nil, domain.Errorf(domain.EConflict, "audit log tampered: entry %d found where entry %d belongs (entries removed or inserted)", e.ID, n)
		case !bytes.Equal(p, prev):
			return n, nil, domain.Errorf(domain.EConflict, "audit log tampered: entry %d does not follow entry %d", e.ID, e.ID-1)
		case !bytes.Equal(h, db.entryHash(prev, e)):
			return n, nil, domain.Errorf(domain.EConflict, "audit log tampered: entry %d was altered", e.ID)
		}
		prev = h
	}
	if err := rows.Err(); err != nil {
		return n, nil, fmt.Errorf("verify audit log: %w", err)
	}
	return n, prev, nil
}
