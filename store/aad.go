package store

import (
	"context"
	"database/sql"
	"fmt"
)

// openPatientField decrypts a patient's field. A value sealed before the patient id
// was part of its AAD still opens on a database not yet protected by key slots;
// once it is, every value was resealed (resealPatientsTx) and only the bound form
// is accepted, so a value moved from another patient fails.
func (db *DB) openPatientField(sealed []byte, id int64, field string) (string, error) {
	v, err := db.keys.OpenString(sealed, patientAAD(id, field))
	if err != nil && db.mode != modeSlots {
		return db.keys.OpenString(sealed, legacyPatientAAD(field))
	}
	return v, err
}

// resealPatientsTx binds every patient field sealed the old way to its row: run when
// a database moves to key slots.
func (db *DB) resealPatientsTx(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT id, mrn_enc, name_enc, birth_date_enc FROM patients`)
	if err != nil {
		return fmt.Errorf("reseal patients: %w", err)
	}
	type row struct {
		id     int64
		fields [3][]byte
	}
	var all []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.fields[0], &r.fields[1], &r.fields[2]); err != nil {
			rows.Close()
			return fmt.Errorf("reseal patients: %w", err)
		}
		all = append(all, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("reseal patients: %w", err)
	}
	names := [3]string{"mrn", "name", "birth_date"}
	for _, r := range all {
		for i, sealed := range r.fields {
			if sealed == nil {
				continue
			}
			if _, err := db.keys.OpenString(sealed, patientAAD(r.id, names[i])); err == nil {
				continue
			}
			v, err := db.keys.OpenString(sealed, legacyPatientAAD(names[i]))
			if err != nil {
				return fmt.Errorf("reseal patient %d %s: %w", r.id, names[i], err)
			}
			if _, err := tx.ExecContext(ctx, fmt.Sprintf(`UPDATE patients SET %s_enc = ? WHERE id = ?`, names[i]),
				db.keys.SealString(v, patientAAD(r.id, names[i])), r.id); err != nil {
				return fmt.Errorf("reseal patient %d: %w", r.id, err)
			}
		}
	}
	return nil
}
