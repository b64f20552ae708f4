package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"greffier/domain"
)

// MarkReady marks a drafted note ready for the physician's signature (in_review).
// Secretaries and physicians may; the note must be drafted.
func (db *DB) MarkReady(ctx context.Context, encID, by int64) error {
	return db.write(ctx, "mark ready", func(tx *sql.Tx) error {
		a, err := actorTx(ctx, tx, by)
		if err != nil {
			return err
		}
		if err := a.require("marking a note ready for signature", domain.UserSecretary, domain.UserPhysician); err != nil {
			return err
		}
		st, err := lockEncounterTx(ctx, tx, encID)
		if err != nil {
			return err
		}
		if st != domain.StateDrafted {
			return domain.Errorf(domain.EConflict, "encounter %d is %s: only a drafted note can be marked ready for signature", encID, st)
		}
		if err := db.setStateTx(ctx, tx, encID, domain.StateInReview); err != nil {
			return err
		}
		return db.auditTx(ctx, tx, a, ActionReady, encID, "")
	})
}

// Approve signs version of an encounter's note (0: the latest) without a password:
// only on a database still opened with a key file (Open). Once users have
// passwords, approving is Sign, with the signer's password at that moment; Approve
// is then refused and the attempt audited. See approveTx for the rules.
func (db *DB) Approve(ctx context.Context, encID, by int64, version int) error {
	if db.mode == modeSlots {
		db.refusal(ctx, by, "", ActionSignRefused, encID, "reason=no_password")
		return domain.Errorf(domain.EForbidden, "approving a note needs the signer's password at the moment of signing")
	}
	return db.write(ctx, "approve", func(tx *sql.Tx) error {
		a, err := actorTx(ctx, tx, by)
		if err != nil {
			return err
		}
		latest, _, err := db.approveTx(ctx, tx, a, encID, version)
		if err != nil {
			return err
		}
		return db.auditTx(ctx, tx, a, ActionApprove, encID, fmt.Sprintf("version=%d", latest))
	})
}

// MarkExported records that an approved note was exported (format: fhir, hl7, pdf,
// txt…). Only approved (or already exported) notes export: EConflict otherwise.
// Callers check with CanExport before producing the export, then call this.
func (db *DB) MarkExported(ctx context.Context, encID, by int64, format string) error {
	return db.write(ctx, "mark exported", func(tx *sql.Tx) error {
		a, err := actorTx(ctx, tx, by)
		if err != nil {
			return err
		}
		if err := exportableTx(ctx, tx, encID); err != nil {
			return err
		}
		now := db.now()
		if _, err := tx.ExecContext(ctx, `UPDATE encounters SET state = ?, exported_at = ?, updated_at = ? WHERE id = ?`,
			domain.StateExported, ms(now), ms(now), encID); err != nil {
			return fmt.Errorf("mark exported: %w", err)
		}
		return db.auditTx(ctx, tx, a, ActionExport, encID, "format="+format)
	})
}

// CanExport returns nil if the encounter's note may be exported (it is approved or
// already exported), else EConflict.
func (db *DB) CanExport(ctx context.Context, encID int64) error {
	e, err := db.GetEncounter(ctx, encID)
	if err != nil {
		return err
	}
	return exportable(encID, e.State)
}

func exportableTx(ctx context.Context, tx *sql.Tx, encID int64) error {
	st, err := lockEncounterTx(ctx, tx, encID)
	if err != nil {
		return err
	}
	return exportable(encID, st)
}

func exportable(encID int64, st domain.EncounterState) error {
	if st != domain.StateApproved && st != domain.StateExported {
		return domain.Errorf(domain.EConflict, "encounter %d is %s: only a note approved by a physician can be exported", encID, st)
	}
	return nil
}

// CodeStatus is where a suggested code stands.
type CodeStatus string

const (
	CodeSuggested CodeStatus = "suggested"
	CodeAccepted  CodeStatus = "accepted"
	CodeRejected  CodeStatus = "rejected"
)

// CodeSuggestion is a code proposed by drafting, with the transcript evidence.
type CodeSuggestion struct {
	System   string `json:"system,omitempty"` // default "icd-10-cm"
	Code     string `json:"code"`
	Display  string `json:"display,omitempty"`
	Evidence string `json:"evidence,omitempty"` // patient text: stored encrypted
}

// Code is a code of an encounter and its review status.
type Code struct {
	CodeSuggestion
	ID        int64      `json:"id"`
	Status    CodeStatus `json:"status"`
	DecidedBy int64      `json:"decided_by,omitempty"`
	DecidedAt *time.Time `json:"decided_at,omitempty"`
}

func codeAAD(encID int64, system, code string) string {
	return fmt.Sprintf("code/%d/%s/%s", encID, system, code)
}

// SuggestCodes adds suggested codes to an encounter; codes already there are kept as
// they are (a reviewer's decision is not undone by a new suggestion).
func (db *DB) SuggestCodes(ctx context.Context, encID, by int64, codes []CodeSuggestion) error {
	return db.write(ctx, "suggest codes", func(tx *sql.Tx) error {
		a, err := actorTx(ctx, tx, by)
		if err != nil {
			return err
		}
		if _, err := lockEncounterTx(ctx, tx, encID); err != nil {
			return err
		}
		for _, c := range codes {
			if err := db.suggestCodeTx(ctx, tx, encID, c); err != nil {
				return err
			}
		}
		return db.auditTx(ctx, tx, a, ActionCode, encID, fmt.Sprintf("suggested=%d", len(codes)))
	})
}

func (db *DB) suggestCodeTx(ctx context.Context, tx *sql.Tx, encID int64, c CodeSuggestion) error {
	if c.System == "" {
		c.System = "icd-10-cm"
	}
	c.Code = strings.TrimSpace(c.Code)
	if c.Code == "" {
		return domain.Errorf(domain.EInvalid, "empty code")
	}
	var ev []byte
	if c.Evidence != "" {
		ev = db.keys.SealString(c.Evidence, codeAAD(encID, c.System, c.Code))
	}
	tok := db.codeToken(encID, c.System, c.Code)
	if _, err := tx.ExecContext(ctx, `INSERT INTO codes (encounter_id, system, code, code_enc, display, display_enc, evidence_enc, created_at)
		VALUES (?, ?, ?, ?, '', ?, ?, ?) ON CONFLICT (encounter_id, system, code) DO NOTHING`,
		encID, c.System, tok, db.keys.SealString(c.Code, codeFieldAAD(encID, c.System, tok, "code")),
		db.keys.SealString(c.Display, codeFieldAAD(encID, c.System, tok, "display")), ev, ms(db.now())); err != nil {
		return fmt.Errorf("suggest code %s: %w", c.Code, err)
	}
	return nil
}

// SetCodeStatus accepts, rejects, or resets a code (system "" means icd-10-cm).
// Physicians and secretaries decide. Codes are part of the note: changing one on an
// approved or exported note sends it back to in_review for a new signature.
func (db *DB) SetCodeStatus(ctx context.Context, encID int64, system, code string, status CodeStatus, by int64) error {
	if status != CodeSuggested && status != CodeAccepted && status != CodeRejected {
		return domain.Errorf(domain.EInvalid, "unknown code status %q", status)
	}
	if system == "" {
		system = "icd-10-cm"
	}
	return db.write(ctx, "set code status", func(tx *sql.Tx) error {
		a, err := actorTx(ctx, tx, by)
		if err != nil {
			return err
		}
		if err := a.require("deciding on codes", domain.UserPhysician, domain.UserSecretary); err != nil {
			return err
		}
		st, err := lockEncounterTx(ctx, tx, encID)
		if err != nil {
			return err
		}
		now := db.now()
		res, err := tx.ExecContext(ctx, `UPDATE codes SET status = ?, decided_by = ?, decided_at = ? WHERE encounter_id = ? AND system = ? AND code = ?`,
			status, a.ID, ms(now), encID, system, db.codeToken(encID, system, code))
		if err != nil {
			return fmt.Errorf("set code status: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return domain.Errorf(domain.ENotFound, "encounter %d has no code %s", encID, code)
		}
		detail := fmt.Sprintf("code=%s status=%s", code, status)
		if st == domain.StateApproved || st == domain.StateExported {
			if _, err := tx.ExecContext(ctx, `UPDATE encounters SET state = ?, approved_version = NULL, approved_by = NULL, approved_at = NULL, updated_at = ? WHERE id = ?`,
				domain.StateInReview, ms(now), encID); err != nil {
				return fmt.Errorf("set code status: %w", err)
			}
			detail += fmt.Sprintf(" state=%s->%s", st, domain.StateInReview)
		}
		return db.auditTx(ctx, tx, a, ActionCode, encID, detail)
	})
}

// Codes returns an encounter's codes, decrypted.
func (db *DB) Codes(ctx context.Context, encID int64) ([]Code, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT id, system, code, code_enc, display, display_enc, evidence_enc, status, coalesce(decided_by, 0), decided_at
		FROM codes WHERE encounter_id = ? ORDER BY id`, encID)
	if err != nil {
		return nil, fmt.Errorf("list codes: %w", err)
	}
	defer rows.Close()
	var out []Code
	for rows.Next() {
		var c Code
		var ev, codeEnc, displayEnc []byte
		var at sql.NullInt64
		if err := rows.Scan(&c.ID, &c.System, &c.Code, &codeEnc, &c.Display, &displayEnc, &ev, &c.Status, &c.DecidedBy, &at); err != nil {
			return nil, fmt.Errorf("list codes: %w", err)
		}
		if codeEnc != nil {
			tok := c.Code
			if c.Code, err = db.keys.OpenString(codeEnc, codeFieldAAD(encID, c.System, tok, "code")); err != nil {
				return nil, domain.Errorf(domain.EConflict, "integrity: code %d of encounter %d does not open (moved or altered)", c.ID, encID)
			}
			if c.Display, err = db.keys.OpenString(displayEnc, codeFieldAAD(encID, c.System, tok, "display")); err != nil {
				return nil, domain.Errorf(domain.EConflict, "integrity: code %d of encounter %d does not open (moved or altered)", c.ID, encID)
			}
			if tok != db.codeToken(encID, c.System, c.Code) {
				return nil, domain.Errorf(domain.EConflict, "integrity: code %d of encounter %d does not match its lookup token", c.ID, encID)
			}
		}
		if ev != nil {
			if c.Evidence, err = db.keys.OpenString(ev, codeAAD(encID, c.System, c.Code)); err != nil {
				return nil, fmt.Errorf("code %s evidence: %w", c.Code, err)
			}
		}
		c.DecidedAt = fromNullMS(at)
		out = append(out, c)
	}
	return out, rows.Err()
}
