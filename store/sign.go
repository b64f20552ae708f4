package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"time"

	"greffier/domain"
)

// SignatureMeaning is what the signer states by approving; the UI shows it at the
// moment of signing and the audit entry records it.
const SignatureMeaning = "I have reviewed and approve this note"

// Signature is an approval as recorded: who signed which version, when, and the
// SHA-256 of that version's note (its stored JSON), with the password checked.
type Signature struct {
	EncounterID int64     `json:"encounter_id"`
	Version     int       `json:"version"`
	SHA256      string    `json:"sha256"`
	SignerID    int64     `json:"signer_id"`
	Signer      string    `json:"signer"`
	SignedAt    time.Time `json:"signed_at"`
}

// Sign approves version of an encounter's note (0: the latest) as the session's
// user, who gives their password again now: an electronic signature. A wrong
// password (which counts as a failed login), a disabled user, a role that may not
// approve, a stale version: refused, and the refusal audited.
func (db *DB) Sign(ctx context.Context, s *Session, encID int64, version int, password string) (Signature, error) {
	if s == nil || s.db != db {
		db.refusal(ctx, 0, "no session", ActionSignRefused, encID, "reason=no_session")
		return Signature{}, domain.Errorf(domain.EForbidden, "no user is logged in")
	}
	u := s.user
	if _, _, err := db.checkPassword(ctx, u.Name, password); err != nil {
		db.refusal(ctx, u.ID, u.Name, ActionSignRefused, encID, "reason=password")
		return Signature{}, err
	}
	sig := Signature{EncounterID: encID, SignerID: u.ID, Signer: u.Name}
	err := db.write(ctx, "sign", func(tx *sql.Tx) error {
		a, err := db.sessionActorTx(ctx, tx, s)
		if err != nil {
			return err
		}
		var body []byte
		if sig.Version, body, err = db.approveTx(ctx, tx, a, encID, version); err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		sig.SHA256, sig.SignedAt, sig.Signer = hex.EncodeToString(sum[:]), db.now(), a.Name
		return db.auditTx(ctx, tx, a, ActionApprove, encID,
			fmt.Sprintf("version=%d sha256=%s password=checked meaning=%q", sig.Version, sig.SHA256, SignatureMeaning))
	})
	if err != nil {
		db.refusal(ctx, u.ID, u.Name, ActionSignRefused, encID, "reason="+domain.ErrorCode(err))
		return Signature{}, err
	}
	return sig, nil
}

// approveTx applies the approval rules and records it on the encounter: only a
// physician approves; the note must be drafted or in review; the version signed
// must be the latest (EConflict if someone saved a newer one, so a physician never
// signs text they have not seen). It returns the version and its note JSON.
func (db *DB) approveTx(ctx context.Context, tx *sql.Tx, a actor, encID int64, version int) (int, []byte, error) {
	if err := a.require("approving a note", domain.UserPhysician); err != nil {
		return 0, nil, err
	}
	st, err := lockEncounterTx(ctx, tx, encID)
	if err != nil {
		return 0, nil, err
	}
	if st != domain.StateDrafted && st != domain.StateInReview {
		return 0, nil, domain.Errorf(domain.EConflict, "encounter %d is %s: only a drafted or in-review note can be approved", encID, st)
	}
	var latest int
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM draft_versions WHERE encounter_id = ?`, encID).Scan(&latest); err != nil {
		return 0, nil, fmt.Errorf("approve: %w", err)
	}
	if latest == 0 {
		return 0, nil, domain.Errorf(domain.EConflict, "encounter %d has no note to approve", encID)
	}
	if version != 0 && version != latest {
		return 0, nil, domain.Errorf(domain.EConflict, "encounter %d: version %d is not the latest (%d); review the latest before signing", encID, version, latest)
	}
	var sealed []byte
	if err := tx.QueryRowContext(ctx, `SELECT body_enc FROM draft_versions WHERE encounter_id = ? AND version = ?`, encID, latest).Scan(&sealed); err != nil {
		return 0, nil, fmt.Errorf("approve: %w", err)
	}
	body, err := db.keys.Open(sealed, []byte(draftAAD(encID, latest, "body")))
	if err != nil {
		return 0, nil, fmt.Errorf("approve: version %d: %w", latest, err)
	}
	now := db.now()
	if _, err := tx.ExecContext(ctx, `UPDATE encounters SET state = ?, approved_version = ?, approved_by = ?, approved_at = ?, updated_at = ? WHERE id = ?`,
		domain.StateApproved, latest, a.ID, ms(now), ms(now), encID); err != nil {
		return 0, nil, fmt.Errorf("approve: %w", err)
	}
	return latest, body, nil
}
