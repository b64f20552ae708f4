package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"greffier/domain"
)

// Patient is who an encounter is about. Every field is optional until export. Name,
// MRN and birth date are stored encrypted; LocalID (the clinic's own pseudonymous
// identifier) is stored plain so it can be listed and filtered.
type Patient struct {
	ID        int64  `json:"id"`
	LocalID   string `json:"local_id,omitempty"`
	MRN       string `json:"mrn,omitempty"`
	Name      string `json:"name,omitempty"`
	BirthDate string `json:"birth_date,omitempty"` // YYYY-MM-DD
}

// patientAAD binds a sealed field to its patient's row, so values cannot be moved
// between patients unnoticed.
func patientAAD(id int64, field string) string { return fmt.Sprintf("patient/%d/%s", id, field) }

// legacyPatientAAD is the binding before patient ids were part of it; such values
// are resealed when the database moves to key slots (resealPatientsTx).
func legacyPatientAAD(field string) string { return "patient/" + field }

// CreatePatient adds a patient. LocalID and MRN, when given, must be unique.
func (db *DB) CreatePatient(ctx context.Context, p Patient) (Patient, error) {
	if err := checkPatient(p); err != nil {
		return p, err
	}
	err := db.write(ctx, "add patient", func(tx *sql.Tx) error {
		var err error
		p.ID, err = db.insertPatientTx(ctx, tx, p)
		return err
	})
	return p, err
}

func checkPatient(p Patient) error {
	if p.BirthDate != "" {
		if _, err := time.Parse(time.DateOnly, p.BirthDate); err != nil {
			return domain.Errorf(domain.EInvalid, "birth date %q: want YYYY-MM-DD", p.BirthDate)
		}
	}
	return nil
}

func (db *DB) insertPatientTx(ctx context.Context, tx *sql.Tx, p Patient) (int64, error) {
	// The id is part of the fields' AAD, so it is chosen first (the write transaction
	// is exclusive: no other insert can take it).
	var id int64
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) + 1 FROM patients`).Scan(&id); err != nil {
		return 0, fmt.Errorf("add patient: %w", err)
	}
	var mrnMAC, mrnEnc, nameEnc, birthEnc []byte
	if p.MRN != "" {
		mrnMAC = db.keys.LookupMAC(p.MRN)
		mrnEnc = db.keys.SealString(p.MRN, patientAAD(id, "mrn"))
	}
	if p.Name != "" {
		nameEnc = db.keys.SealString(p.Name, patientAAD(id, "name"))
	}
	if p.BirthDate != "" {
		birthEnc = db.keys.SealString(p.BirthDate, patientAAD(id, "birth_date"))
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO patients (id, local_id, mrn_mac, mrn_enc, name_enc, birth_date_enc, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, id, sql.NullString{String: p.LocalID, Valid: p.LocalID != ""}, mrnMAC, mrnEnc, nameEnc, birthEnc, ms(db.now()))
	if err != nil {
		if strings.Contains(err.Error(), "UNIQUE") {
			return 0, domain.Errorf(domain.EConflict, "a patient with this local id or MRN already exists")
		}
		return 0, fmt.Errorf("add patient: %w", err)
	}
	return res.LastInsertId()
}

// GetPatient returns a patient, decrypted.
func (db *DB) GetPatient(ctx context.Context, id int64) (Patient, error) {
	p := Patient{ID: id}
	var local sql.NullString
	var mrn, name, birth []byte
	err := db.db.QueryRowContext(ctx, `SELECT local_id, mrn_enc, name_enc, birth_date_enc FROM patients WHERE id = ?`, id).
		Scan(&local, &mrn, &name, &birth)
	if errors.Is(err, sql.ErrNoRows) {
		return p, domain.Errorf(domain.ENotFound, "no patient %d", id)
	}
	if err != nil {
		return p, fmt.Errorf("load patient %d: %w", id, err)
	}
	p.LocalID = local.String
	for _, f := range []struct {
		dst   *string
		src   []byte
		field string
	}{{&p.MRN, mrn, "mrn"}, {&p.Name, name, "name"}, {&p.BirthDate, birth, "birth_date"}} {
		if f.src == nil {
			continue
		}
		if *f.dst, err = db.openPatientField(f.src, id, f.field); err != nil {
			return p, fmt.Errorf("patient %d %s: %w", id, f.field, err)
		}
	}
	return p, nil
}

// PatientByLocalID returns the patient whose local id is exactly localID (after
// trimming spaces), decrypted, or ENotFound. It is the only match used to file an
// encounter under a label: never an MRN, never a row id, which a new label can equal
// by chance ("12" is not patient row 12).
func (db *DB) PatientByLocalID(ctx context.Context, localID string) (Patient, error) {
	localID = strings.TrimSpace(localID)
	var id int64
	err := db.db.QueryRowContext(ctx, `SELECT id FROM patients WHERE local_id = ?`, localID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) || localID == "" {
		return Patient{}, domain.Errorf(domain.ENotFound, "no patient with local id %q", localID)
	}
	if err != nil {
		return Patient{}, fmt.Errorf("find patient: %w", err)
	}
	return db.GetPatient(ctx, id)
}

// FindPatient finds a patient to filter by (search, listings): by exact local id,
// else by exact MRN. Never by row id. To file an encounter use PatientByLocalID.
func (db *DB) FindPatient(ctx context.Context, ref string) (int64, error) {
	ref = strings.TrimSpace(ref)
	var id int64
	err := db.db.QueryRowContext(ctx, `SELECT id FROM patients WHERE local_id = ? OR mrn_mac = ? ORDER BY local_id = ? DESC LIMIT 1`,
		ref, db.keys.LookupMAC(ref), ref).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) || ref == "" {
		return 0, domain.Errorf(domain.ENotFound, "no patient with local id or MRN %q", ref)
	}
	if err != nil {
		return 0, fmt.Errorf("find patient: %w", err)
	}
	return id, nil
}
