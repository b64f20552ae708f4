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

// Encounter is one consultation and where it is in the workflow.
type Encounter struct {
	ID        int64                 `json:"id"`
	State     domain.EncounterState `json:"state"`
	PatientID int64                 `json:"patient_id,omitempty"`
	StartedAt time.Time             `json:"started_at"`
	CreatedAt time.Time             `json:"created_at"`
	UpdatedAt time.Time             `json:"updated_at"`
	Language  domain.Language       `json:"language,omitempty"`
	Template  string                `json:"template,omitempty"`
	Consent   *Consent              `json:"consent,omitempty"`
	// LatestVersion is the number of the newest draft version, 0 if none.
	LatestVersion int `json:"latest_version"`
	// The approval: which version, by whom, when. Cleared when the note changes.
	ApprovedVersion int        `json:"approved_version,omitempty"`
	ApprovedBy      int64      `json:"approved_by,omitempty"`
	ApprovedAt      *time.Time `json:"approved_at,omitempty"`
	ExportedAt      *time.Time `json:"exported_at,omitempty"`
	// PhysicianID is whose encounter it is: the user who recorded the patient's
	// consent (on a laptop, the physician who saw the patient; a hand-off carries
	// it), else the user who created it here. 0 when neither is known (created by
	// Greffier itself, or handed off without a consent).
	PhysicianID int64 `json:"physician_id,omitempty"`
}

// Consent records that the patient agreed to the recording: how, noted by whom, when.
type Consent struct {
	Kind string    `json:"kind"` // e.g. "verbal", "written"
	By   int64     `json:"by"`   // the user who recorded it
	At   time.Time `json:"at"`
}

// NewEncounter is what CreateEncounter needs; every field is optional.
type NewEncounter struct {
	By        int64 // who creates it; System for Greffier
	PatientID int64
	// NewPatient, if not nil, is created in the same transaction and the encounter
	// filed under them (PatientID must be 0): a refused encounter leaves no patient.
	NewPatient *Patient
	StartedAt  time.Time // defaults to now
	Language   domain.Language
	Template   string
	Consent    *Consent
}

// CreateEncounter starts an encounter in state recording.
func (db *DB) CreateEncounter(ctx context.Context, n NewEncounter) (Encounter, error) {
	now := db.now()
	if n.StartedAt.IsZero() {
		n.StartedAt = now
	}
	var id int64
	err := db.write(ctx, "create encounter", func(tx *sql.Tx) error {
		a, err := actorTx(ctx, tx, n.By)
		if err != nil {
			return err
		}
		if n.NewPatient != nil {
			if n.PatientID != 0 {
				return domain.Errorf(domain.EInvalid, "an encounter is filed under a new patient or an existing one, not both")
			}
			if err := checkPatient(*n.NewPatient); err != nil {
				return err
			}
			if n.PatientID, err = db.insertPatientTx(ctx, tx, *n.NewPatient); err != nil {
				return err
			}
		}
		id, err = db.insertEncounterTx(ctx, tx, n, now)
		if err != nil {
			return err
		}
		if err := db.auditTx(ctx, tx, a, ActionCreate, id, ""); err != nil {
			return err
		}
		if n.Consent != nil {
			return db.consentTx(ctx, tx, id, *n.Consent)
		}
		return nil
	})
	if err != nil {
		return Encounter{}, err
	}
	return db.GetEncounter(ctx, id)
}

func (db *DB) insertEncounterTx(ctx context.Context, tx *sql.Tx, n NewEncounter, now time.Time) (int64, error) {
	res, err := tx.ExecContext(ctx, `INSERT INTO encounters (state, patient_id, started_at, language, template, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, domain.StateRecording, nullID(n.PatientID), ms(n.StartedAt), n.Language, n.Template, ms(now), ms(now))
	if err != nil {
		if strings.Contains(err.Error(), "FOREIGN KEY") {
			return 0, domain.Errorf(domain.ENotFound, "no patient %d", n.PatientID)
		}
		return 0, fmt.Errorf("create encounter: %w", err)
	}
	return res.LastInsertId()
}

// RecordConsent records the patient's consent to recording.
func (db *DB) RecordConsent(ctx context.Context, encID int64, c Consent) error {
	return db.write(ctx, "record consent", func(tx *sql.Tx) error {
		if _, err := lockEncounterTx(ctx, tx, encID); err != nil {
			return err
		}
		return db.consentTx(ctx, tx, encID, c)
	})
}

func (db *DB) consentTx(ctx context.Context, tx *sql.Tx, encID int64, c Consent) error {
	a, err := actorTx(ctx, tx, c.By)
	if err != nil {
		return err
	}
	if a.ID == System {
		return domain.Errorf(domain.EForbidden, "consent must be recorded by a user")
	}
	if strings.TrimSpace(c.Kind) == "" {
		c.Kind = "verbal"
	}
	if c.At.IsZero() {
		c.At = db.now()
	}
	if _, err := tx.ExecContext(ctx, `UPDATE encounters SET consent_kind = ?, consent_by = ?, consent_at = ?, updated_at = ? WHERE id = ?`,
		c.Kind, c.By, ms(c.At), ms(db.now()), encID); err != nil {
		return fmt.Errorf("record consent: %w", err)
	}
	return db.auditTx(ctx, tx, a, ActionConsent, encID, "kind="+c.Kind)
}

// encounterMACCols are the encounter's MAC and the columns it authenticates (see
// mac.go), read raw: scanEncounterThen checks the MAC in Go as each row is read.
// (In Go rather than with grf_checked in SQL: a list of a hundred encounters then
// makes no hundred calls back from SQLite into Go, a quarter of the review queue's
// CPU in the server benchmark.)
const encounterMACCols = `e.mac, e.id, e.state, e.patient_id, e.approved_version, e.approved_by, e.approved_at, e.exported_at`

const encounterCols = encounterMACCols + `, e.started_at, e.created_at, e.updated_at, e.language, e.template,
	e.consent_kind, coalesce(e.consent_by, 0), e.consent_at,
	coalesce((SELECT max(version) FROM draft_versions d WHERE d.encounter_id = e.id), 0),
	` + physicianExpr

// physicianExpr is the encounter's physician (see Encounter.PhysicianID): the
// consent's recorder, else the creator in the audit log (whose chain is MACed).
const physicianExpr = `coalesce(e.consent_by, (SELECT a.user_id FROM audit_log a WHERE a.encounter_id = e.id AND a.action = 'create' ORDER BY a.id LIMIT 1), 0)`

type scanner interface{ Scan(...any) error }

func (db *DB) scanEncounter(s scanner) (Encounter, error) {
	var e Encounter
	err := db.scanEncounterThen(s, &e)
	return e, err
}

// scanEncounterThen scans encounterCols into e, then the columns after them into
// more, and checks the row's MAC (an error that funcErr makes EConflict).
func (db *DB) scanEncounterThen(s scanner, e *Encounter, more ...any) error {
	var mac, id, state, patient, approvedVersion, approvedBy, approvedAt, exportedAt any
	var started, created, updated int64
	var consentKind sql.NullString
	var consentBy int64
	var consentAt sql.NullInt64
	dst := append([]any{&mac, &id, &state, &patient, &approvedVersion, &approvedBy, &approvedAt, &exportedAt,
		&started, &created, &updated, &e.Language, &e.Template,
		&consentKind, &consentBy, &consentAt, &e.LatestVersion, &e.PhysicianID}, more...)
	if err := s.Scan(dst...); err != nil {
		return err
	}
	vals := []any{id, state, patient, approvedVersion, approvedBy, approvedAt, exportedAt}
	for i, v := range vals {
		if v == nil {
			vals[i] = []byte(nil) // as SQLite hands a NULL to grf_mac (go-sqlite3)
		}
	}
	if _, err := db.sqlChecked("encounter", nil, mac, vals...); err != nil {
		return err
	}
	e.ID, _ = id.(int64)
	st, _ := state.(string)
	e.State = domain.EncounterState(st)
	e.PatientID, _ = patient.(int64)
	av, _ := approvedVersion.(int64)
	e.ApprovedVersion = int(av)
	e.ApprovedBy, _ = approvedBy.(int64)
	e.StartedAt, e.CreatedAt, e.UpdatedAt = fromMS(started), fromMS(created), fromMS(updated)
	if consentKind.Valid {
		e.Consent = &Consent{Kind: consentKind.String, By: consentBy, At: fromMS(consentAt.Int64)}
	}
	e.ApprovedAt, e.ExportedAt = nullableMS(approvedAt), nullableMS(exportedAt)
	return nil
}

func nullableMS(v any) *time.Time {
	n, ok := v.(int64)
	return fromNullMS(sql.NullInt64{Int64: n, Valid: ok})
}

// GetEncounter returns an encounter without recording a view (see ViewEncounter).
func (db *DB) GetEncounter(ctx context.Context, id int64) (Encounter, error) {
	e, err := db.scanEncounter(db.db.QueryRowContext(ctx, `SELECT `+encounterCols+` FROM encounters e WHERE e.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return e, domain.Errorf(domain.ENotFound, "no encounter %d", id)
	}
	if err != nil {
		return e, funcErr(err, "load encounter %d", id)
	}
	return e, nil
}

// ViewEncounter returns an encounter and records in the audit log that by viewed it.
func (db *DB) ViewEncounter(ctx context.Context, id, by int64) (Encounter, error) {
	e, err := db.GetEncounter(ctx, id)
	if err != nil {
		return e, err
	}
	return e, db.AuditRecordView(ctx, id, by)
}

// ListFilter selects encounters; zero fields select everything.
type ListFilter struct {
	State     domain.EncounterState
	PatientID int64
	// PhysicianID selects one physician's encounters (Encounter.PhysicianID).
	PhysicianID int64
	From, To    time.Time // on StartedAt, To exclusive
	Limit       int       // default 100
}

// sql is the filter's WHERE clause (with its leading space, or "") and arguments,
// and its ORDER BY and LIMIT: newest first.
func (f ListFilter) sql() (string, []any) {
	var where []string
	var args []any
	if f.State != "" {
		where, args = append(where, "e.state = ?"), append(args, f.State)
	}
	if f.PatientID != 0 {
		where, args = append(where, "e.patient_id = ?"), append(args, f.PatientID)
	}
	if f.PhysicianID != 0 {
		where, args = append(where, physicianExpr+" = ?"), append(args, f.PhysicianID)
	}
	if !f.From.IsZero() {
		where, args = append(where, "e.started_at >= ?"), append(args, ms(f.From))
	}
	if !f.To.IsZero() {
		where, args = append(where, "e.started_at < ?"), append(args, ms(f.To))
	}
	q := ""
	if len(where) > 0 {
		q = " WHERE " + strings.Join(where, " AND ")
	}
	if f.Limit <= 0 {
		f.Limit = 100
	}
	return q + fmt.Sprintf(" ORDER BY e.started_at DESC, e.id DESC LIMIT %d", f.Limit), args
}

// ListEncounters returns encounters, newest first.
func (db *DB) ListEncounters(ctx context.Context, f ListFilter) ([]Encounter, error) {
	where, args := f.sql()
	rows, err := db.db.QueryContext(ctx, `SELECT `+encounterCols+` FROM encounters e`+where, args...)
	if err != nil {
		return nil, fmt.Errorf("list encounters: %w", err)
	}
	defer rows.Close()
	var out []Encounter
	for rows.Next() {
		e, err := db.scanEncounter(rows)
		if err != nil {
			return nil, funcErr(err, "list encounters")
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// encounterStateChecked is the state, its row's MAC checked.
const encounterStateChecked = `grf_checked('encounter', e.state, e.mac, e.id, e.state, e.patient_id, e.approved_version, e.approved_by, e.approved_at, e.exported_at)`

// lockEncounterTx reads an encounter's state inside a write transaction.
func lockEncounterTx(ctx context.Context, tx *sql.Tx, id int64) (domain.EncounterState, error) {
	var st domain.EncounterState
	err := tx.QueryRowContext(ctx, `SELECT `+encounterStateChecked+` FROM encounters e WHERE e.id = ?`, id).Scan(&st)
	if errors.Is(err, sql.ErrNoRows) {
		return st, domain.Errorf(domain.ENotFound, "no encounter %d", id)
	}
	if err != nil {
		return st, fmt.Errorf("load encounter %d: %w", id, err)
	}
	return st, nil
}

func (db *DB) setStateTx(ctx context.Context, tx *sql.Tx, id int64, st domain.EncounterState) error {
	if _, err := tx.ExecContext(ctx, `UPDATE encounters SET state = ?, updated_at = ? WHERE id = ?`, st, ms(db.now()), id); err != nil {
		return fmt.Errorf("set encounter %d state: %w", id, err)
	}
	return nil
}
