package store

import (
	"context"
	"database/sql"
	"encoding/hex"
	"fmt"
	"strings"
)

// Codes at rest. A diagnosis code names a diagnosis, so the codes table holds, in
// the code column, a keyed token (see codeToken) that keeps lookups and the
// uniqueness constraint, and the code and its display sealed and bound to that row
// (encounter, system, token).

// codeTokenPrefix marks a token: no ICD-10 code starts with a lowercase letter.
const codeTokenPrefix = "k"

// codeToken is the lookup value stored in place of a code.
func (db *DB) codeToken(encID int64, system, code string) string {
	return codeTokenPrefix + hex.EncodeToString(db.keys.Token("code", fmt.Sprint(encID), system, code))
}

func codeFieldAAD(encID int64, system, token, field string) string {
	return fmt.Sprintf("code/%d/%s/%s/%s", encID, system, token, field)
}

// sealCodes converts the codes written before they were sealed (a database made
// by an older Greffier): run once the key is loaded.
func (db *DB) sealCodes(ctx context.Context) error {
	return db.write(ctx, "seal codes", func(tx *sql.Tx) error { return db.sealCodesTx(ctx, tx) })
}

func (db *DB) sealCodesTx(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT id, encounter_id, system, code, display FROM codes WHERE code_enc IS NULL`)
	if err != nil {
		return fmt.Errorf("seal codes: %w", err)
	}
	type row struct {
		id, enc             int64
		system, code, label string
	}
	var all []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.enc, &r.system, &r.code, &r.label); err != nil {
			rows.Close()
			return fmt.Errorf("seal codes: %w", err)
		}
		all = append(all, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("seal codes: %w", err)
	}
	for _, r := range all {
		if strings.HasPrefix(r.code, codeTokenPrefix) {
			continue // not a code in clear (a row altered by hand): left for the MAC check
		}
		tok := db.codeToken(r.enc, r.system, r.code)
		if _, err := tx.ExecContext(ctx, `UPDATE codes SET code = ?, code_enc = ?, display = '', display_enc = ? WHERE id = ?`,
			tok, db.keys.SealString(r.code, codeFieldAAD(r.enc, r.system, tok, "code")),
			db.keys.SealString(r.label, codeFieldAAD(r.enc, r.system, tok, "display")), r.id); err != nil {
			return fmt.Errorf("seal code %d: %w", r.id, err)
		}
	}
	return nil
}
