package store

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
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

// Seal formats. A seal is a JWS (RFC 7515, compact serialization) signed with
// HS256 under a key derived from the database's master key: whoever holds the key
// (this database, unlocked by a user's password) can tell that the approval it
// describes was recorded by Greffier and not altered since. It is not a public-key
// signature: a receiver cannot check it without the clinic's database, which
// verifies it with VerifySeal.
const (
	SealFormat = "application/jose"
	sealAlg    = "HS256"
	sealKeyID  = "greffier-approval-seal-v1"
)

// SealClaims is what a seal states: the approval, the note's SHA-256, and whether
// the signer's password was checked at the moment of signing (false for an approval
// made before passwords, on a key-file database).
type SealClaims struct {
	EncounterID     int64  `json:"encounter_id"`
	Version         int    `json:"version"`
	SHA256          string `json:"sha256"`
	SignerID        int64  `json:"signer_id"`
	Signer          string `json:"signer"`
	SignedAt        string `json:"signed_at"` // RFC 3339, milliseconds, UTC
	PasswordChecked bool   `json:"password_checked"`
	Meaning         string `json:"meaning"`
}

// Approval is an approved note's signature as exports carry it.
type Approval struct {
	Signature
	PasswordChecked bool `json:"password_checked"`
	// Seal is the JWS over SealClaims (format SealFormat).
	Seal string `json:"seal"`
}

// Approval returns the signature of an encounter's approved version, from the
// authenticated approval columns and the stored note (its SHA-256 recomputed), with
// its seal. EConflict if the note is not approved.
func (db *DB) Approval(ctx context.Context, encID int64) (Approval, error) {
	e, err := db.GetEncounter(ctx, encID)
	if err != nil {
		return Approval{}, err
	}
	if e.ApprovedVersion == 0 || e.ApprovedAt == nil || e.ApprovedBy == 0 {
		return Approval{}, domain.Errorf(domain.EConflict, "encounter %d is not approved", encID)
	}
	v, err := db.GetVersion(ctx, encID, e.ApprovedVersion)
	if err != nil {
		return Approval{}, err
	}
	sum := sha256.Sum256(v.Body)
	a := Approval{Signature: Signature{EncounterID: encID, Version: e.ApprovedVersion, SHA256: hex.EncodeToString(sum[:]),
		SignerID: e.ApprovedBy, SignedAt: *e.ApprovedAt}}
	var name string
	if err := db.db.QueryRowContext(ctx, `SELECT `+userNameChecked+` FROM users WHERE id = ?`, e.ApprovedBy).Scan(&name); err != nil {
		return Approval{}, funcErr(err, "load signer of encounter %d", encID)
	}
	a.Signer = name
	if a.PasswordChecked, err = db.passwordChecked(ctx, a.Signature); err != nil {
		return Approval{}, err
	}
	a.Seal = db.seal(a.claims())
	return a, nil
}

func (a Approval) claims() SealClaims {
	return SealClaims{EncounterID: a.EncounterID, Version: a.Version, SHA256: a.SHA256, SignerID: a.SignerID,
		Signer: a.Signer, SignedAt: a.SignedAt.UTC().Format("2006-01-02T15:04:05.000Z07:00"),
		PasswordChecked: a.PasswordChecked, Meaning: SignatureMeaning}
}

// passwordChecked looks for the audit entry of this approval made by Sign: the
// signer, the version and its SHA-256, with the password checked.
func (db *DB) passwordChecked(ctx context.Context, s Signature) (bool, error) {
	entries, err := db.Audit(ctx, AuditFilter{EncounterID: s.EncounterID})
	if err != nil {
		return false, err
	}
	want := fmt.Sprintf("version=%d sha256=%s password=checked", s.Version, s.SHA256)
	for i := len(entries) - 1; i >= 0; i-- {
		e := entries[i]
		if e.Action == ActionApprove && e.UserID == s.SignerID && strings.HasPrefix(e.Detail, want) {
			return true, nil
		}
	}
	return false, nil
}

var sealHeader = base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"` + sealAlg + `","kid":"` + sealKeyID + `"}`))

// seal returns the JWS compact serialization of c.
func (db *DB) seal(c SealClaims) string {
	payload, _ := json.Marshal(c) // a struct of strings, numbers and bools
	input := sealHeader + "." + base64.RawURLEncoding.EncodeToString(payload)
	return input + "." + base64.RawURLEncoding.EncodeToString(db.keys.SealMAC([]byte(input)))
}

// VerifySeal checks a seal made by this database and returns what it states.
// EInvalid if it is not one of Greffier's seals or does not verify under this
// database's key (altered, or made by another database).
func (db *DB) VerifySeal(token string) (SealClaims, error) {
	parts := strings.Split(strings.TrimSpace(token), ".")
	if len(parts) != 3 || parts[0] != sealHeader {
		return SealClaims{}, domain.Errorf(domain.EInvalid, "not a Greffier approval seal (want a JWS with header alg=%s kid=%s)", sealAlg, sealKeyID)
	}
	mac, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || !hmac.Equal(mac, db.keys.SealMAC([]byte(parts[0]+"."+parts[1]))) {
		return SealClaims{}, domain.Errorf(domain.EInvalid, "the seal does not verify: it was altered or made by another database")
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	var c SealClaims
	if err == nil {
		err = json.Unmarshal(payload, &c)
	}
	if err != nil {
		return SealClaims{}, domain.Wrap(domain.EInvalid, err, "the seal's payload is unreadable")
	}
	return c, nil
}
