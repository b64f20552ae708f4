package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"greffier/domain"
)

// Hand-off, the laptop's side (issue 11): an encounter is queued for the clinic
// server as a Bundle, built and sealed when queued so that every upload attempt
// sends the same bytes. From the moment it is queued the encounter is read-only here
// (triggers of migration 0007): an edit made after the bundle was built would
// otherwise never reach the server. Once the server acknowledges the import, the
// server owns the encounter; the laptop keeps its copy to read.

// Audit actions of the hand-off.
const (
	ActionHandoffQueue  = "handoff_queue"
	ActionHandoffSent   = "handoff_sent"
	ActionHandoffPair   = "handoff_pair"
	ActionHandoffCode   = "handoff_pair_code"
	ActionHandoffImport = "handoff_import"
)

// BundleFormat is the version of Bundle's JSON; a bundle with audio is
// BundleFormatAudio, so that a server that would drop the audio refuses it instead.
const (
	BundleFormat      = 1
	BundleFormatAudio = 2
)

// Bundle is one encounter as handed off: patient, consent, transcript, every draft
// version, codes and the laptop's audit entries about it. Users are named, not
// numbered: ids differ between the laptop and the server.
type Bundle struct {
	Format    int              `json:"format"`
	UUID      string           `json:"uuid"`
	Encounter BundleEncounter  `json:"encounter"`
	Patient   *Patient         `json:"patient,omitempty"`
	Users     []BundleUser     `json:"users"`
	Segments  []domain.Segment `json:"segments"`
	Versions  []BundleVersion  `json:"versions"`
	Codes     []BundleCode     `json:"codes"`
	Audit     []AuditEntry     `json:"audit"`
	// Audio is the encounter's kept recordings (none once retention deleted them);
	// AudioSkipped says why they stayed on the laptop, if they did.
	Audio        []BundleAudio `json:"audio,omitempty"`
	AudioSkipped string        `json:"audio_skipped,omitempty"`
}

// BundleEncounter is the encounter row; users by name ("" for none).
type BundleEncounter struct {
	State           domain.EncounterState `json:"state"`
	StartedAt       time.Time             `json:"started_at"`
	CreatedAt       time.Time             `json:"created_at"`
	UpdatedAt       time.Time             `json:"updated_at"`
	Language        domain.Language       `json:"language,omitempty"`
	Template        string                `json:"template,omitempty"`
	ConsentKind     string                `json:"consent_kind,omitempty"`
	ConsentBy       string                `json:"consent_by,omitempty"`
	ConsentAt       *time.Time            `json:"consent_at,omitempty"`
	ApprovedVersion int                   `json:"approved_version,omitempty"`
	ApprovedBy      string                `json:"approved_by,omitempty"`
	ApprovedAt      *time.Time            `json:"approved_at,omitempty"`
	ExportedAt      *time.Time            `json:"exported_at,omitempty"`
}

// BundleUser is a user the bundle names, with their role on the laptop.
type BundleUser struct {
	Name string          `json:"name"`
	Role domain.UserRole `json:"role"`
}

// BundleVersion is one draft version; Author "" is Greffier.
type BundleVersion struct {
	Version   int             `json:"version"`
	Author    string          `json:"author,omitempty"`
	CreatedAt time.Time       `json:"created_at"`
	Body      json.RawMessage `json:"body"`
	Text      string          `json:"text"`
}

// BundleCode is a code and its review decision.
type BundleCode struct {
	CodeSuggestion
	Status    CodeStatus `json:"status"`
	DecidedBy string     `json:"decided_by,omitempty"`
	DecidedAt *time.Time `json:"decided_at,omitempty"`
}

// Handoff is an encounter's place in the laptop's queue.
type Handoff struct {
	EncounterID       int64      `json:"encounter_id"`
	UUID              string     `json:"uuid"`
	QueuedAt          time.Time  `json:"queued_at"`
	Attempts          int        `json:"attempts"`
	LastError         string     `json:"last_error,omitempty"`
	AckedAt           *time.Time `json:"acked_at,omitempty"`
	ServerEncounterID int64      `json:"server_encounter_id,omitempty"`
}

// HandoffServer is the clinic server this laptop is paired with.
type HandoffServer struct {
	URL         string    `json:"url"`
	Fingerprint string    `json:"fingerprint"` // SHA-256 of its certificate, pinned
	DeviceID    int64     `json:"device_id"`
	Credential  string    `json:"-"` // this device's secret, sealed in the database
	PairedAt    time.Time `json:"paired_at"`
}

// handedOffMarker is the text of the triggers' refusal (migration 0007).
const handedOffMarker = "handed_off:"

// handedOff turns the triggers' refusal into a clear conflict; other errors pass.
func handedOff(err error) error {
	if err == nil || !strings.Contains(err.Error(), handedOffMarker) {
		return err
	}
	var de *domain.Error
	if errors.As(err, &de) && de.Code == domain.EConflict {
		return err
	}
	return domain.Wrap(domain.EConflict, err, "this encounter was handed off to the clinic server (or is queued for it): it is read-only here; edit and sign it on the server")
}

func newUUID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("new uuid: %w", err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]), nil
}

// ValidUUID reports whether s is a UUID in the canonical lower-case form.
func ValidUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, c := range s {
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if c != '-' {
				return false
			}
		case (c < '0' || c > '9') && (c < 'a' || c > 'f'):
			return false
		}
	}
	return true
}

func bundleAAD(encID int64) string { return fmt.Sprintf("handoff/%d/bundle", encID) }

// QueueHandoff queues an encounter for the clinic server: it gets its UUID, its
// bundle is built and sealed, and it becomes read-only here. Queuing twice returns
// the first queuing. Only a drafted (or later) encounter is handed off.
func (db *DB) QueueHandoff(ctx context.Context, s *Session, encID int64) (Handoff, error) {
	err := db.write(ctx, "queue hand-off", func(tx *sql.Tx) error {
		a, err := db.sessionActorTx(ctx, tx, s)
		if err != nil {
			return err
		}
		if err := a.require("sending an encounter to the clinic server", domain.UserPhysician, domain.UserSecretary); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM handoff_sent WHERE encounter_id = ?`, encID).Scan(&n); err != nil {
			return fmt.Errorf("queue hand-off: %w", err)
		}
		if n > 0 {
			return nil
		}
		st, err := lockEncounterTx(ctx, tx, encID)
		if err != nil {
			return err
		}
		if st == domain.StateRecording || st == domain.StateTranscribed {
			return domain.Errorf(domain.EConflict, "encounter %d is %s: only a drafted note is sent for review", encID, st)
		}
		var uuid sql.NullString
		if err := tx.QueryRowContext(ctx, `SELECT uuid FROM encounters WHERE id = ?`, encID).Scan(&uuid); err != nil {
			return fmt.Errorf("queue hand-off: %w", err)
		}
		if !uuid.Valid {
			if uuid.String, err = newUUID(); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE encounters SET uuid = ? WHERE id = ?`, uuid.String, encID); err != nil {
				return fmt.Errorf("queue hand-off: %w", err)
			}
		}
		// Read through the pool while this transaction holds the write lock: no save
		// can land between the bundle and the freeze.
		b, err := db.buildBundle(ctx, encID, uuid.String)
		if err != nil {
			return err
		}
		plain, err := json.Marshal(b)
		if err != nil {
			return fmt.Errorf("queue hand-off: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO handoff_sent (encounter_id, uuid, bundle_enc, queued_at, queued_by) VALUES (?, ?, ?, ?, ?)`,
			encID, uuid.String, db.keys.Seal(plain, []byte(bundleAAD(encID))), ms(db.now()), a.ID); err != nil {
			return fmt.Errorf("queue hand-off: %w", err)
		}
		detail := fmt.Sprintf("uuid=%s versions=%d recordings=%d bytes=%d", uuid.String, len(b.Versions), len(b.Audio), len(plain))
		if b.AudioSkipped != "" {
			detail += " audio_kept_here=" + b.AudioSkipped
		}
		return db.auditTx(ctx, tx, a, ActionHandoffQueue, encID, detail)
	})
	if err != nil {
		return Handoff{}, err
	}
	return db.HandoffStatus(ctx, encID)
}

// buildBundle reads an encounter into a Bundle (committed state, through the pool).
func (db *DB) buildBundle(ctx context.Context, encID int64, uuid string) (Bundle, error) {
	b := Bundle{Format: BundleFormat, UUID: uuid}
	e, err := db.GetEncounter(ctx, encID)
	if err != nil {
		return b, err
	}
	users, err := db.ListUsers(ctx)
	if err != nil {
		return b, err
	}
	byID := map[int64]User{}
	for _, u := range users {
		byID[u.ID] = u
	}
	named := map[string]bool{}
	name := func(id int64) string {
		u, ok := byID[id]
		if id == 0 || !ok {
			return ""
		}
		if !named[u.Name] {
			named[u.Name] = true
			b.Users = append(b.Users, BundleUser{Name: u.Name, Role: u.Role})
		}
		return u.Name
	}
	b.Encounter = BundleEncounter{State: e.State, StartedAt: e.StartedAt, CreatedAt: e.CreatedAt, UpdatedAt: e.UpdatedAt,
		Language: e.Language, Template: e.Template, ApprovedVersion: e.ApprovedVersion, ApprovedBy: name(e.ApprovedBy),
		ApprovedAt: e.ApprovedAt, ExportedAt: e.ExportedAt}
	if c := e.Consent; c != nil {
		at := c.At
		b.Encounter.ConsentKind, b.Encounter.ConsentBy, b.Encounter.ConsentAt = c.Kind, name(c.By), &at
	}
	if e.PatientID != 0 {
		p, err := db.GetPatient(ctx, e.PatientID)
		if err != nil {
			return b, err
		}
		p.ID = 0
		b.Patient = &p
	}
	if b.Segments, err = db.Segments(ctx, encID); err != nil {
		return b, err
	}
	vs, err := db.ListVersions(ctx, encID)
	if err != nil {
		return b, err
	}
	for _, v := range vs {
		full, err := db.GetVersion(ctx, encID, v.Version)
		if err != nil {
			return b, err
		}
		b.Versions = append(b.Versions, BundleVersion{Version: v.Version, Author: name(v.AuthorID), CreatedAt: v.CreatedAt, Body: full.Body, Text: full.Text})
	}
	codes, err := db.Codes(ctx, encID)
	if err != nil {
		return b, err
	}
	for _, c := range codes {
		b.Codes = append(b.Codes, BundleCode{CodeSuggestion: c.CodeSuggestion, Status: c.Status, DecidedBy: name(c.DecidedBy), DecidedAt: c.DecidedAt})
	}
	if b.Audit, err = db.Audit(ctx, AuditFilter{EncounterID: encID}); err != nil {
		return b, err
	}
	for i := range b.Audit {
		b.Audit[i].EncounterID = 0 // the laptop's id means nothing on the server
	}
	if b.Audio, b.AudioSkipped, err = db.bundleAudio(ctx, encID); err != nil {
		return b, err
	}
	if len(b.Audio) > 0 {
		b.Format = BundleFormatAudio
	}
	return b, nil
}

// HandoffStatus returns an encounter's place in the queue, ENotFound if it was never
// queued.
func (db *DB) HandoffStatus(ctx context.Context, encID int64) (Handoff, error) {
	h, err := scanHandoff(db.db.QueryRowContext(ctx, `SELECT `+handoffCols+` FROM handoff_sent WHERE encounter_id = ?`, encID))
	if errors.Is(err, sql.ErrNoRows) {
		return h, domain.Errorf(domain.ENotFound, "encounter %d was not sent to the clinic server", encID)
	}
	if err != nil {
		return h, fmt.Errorf("hand-off status: %w", err)
	}
	return h, nil
}

const handoffCols = `encounter_id, uuid, queued_at, attempts, last_error, acked_at, coalesce(server_encounter_id, 0)`

func scanHandoff(s scanner) (Handoff, error) {
	var h Handoff
	var queued int64
	var acked sql.NullInt64
	err := s.Scan(&h.EncounterID, &h.UUID, &queued, &h.Attempts, &h.LastError, &acked, &h.ServerEncounterID)
	h.QueuedAt, h.AckedAt = fromMS(queued), fromNullMS(acked)
	return h, err
}

// PendingHandoffs returns the queued encounters the server has not acknowledged,
// oldest first.
func (db *DB) PendingHandoffs(ctx context.Context) ([]Handoff, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT `+handoffCols+` FROM handoff_sent WHERE acked_at IS NULL ORDER BY queued_at, encounter_id`)
	if err != nil {
		return nil, fmt.Errorf("pending hand-offs: %w", err)
	}
	defer rows.Close()
	var out []Handoff
	for rows.Next() {
		h, err := scanHandoff(rows)
		if err != nil {
			return nil, fmt.Errorf("pending hand-offs: %w", err)
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// HandedOff returns the encounters the server acknowledged, the latest first (at
// most limit, 50 when 0).
func (db *DB) HandedOff(ctx context.Context, limit int) ([]Handoff, error) {
	if limit <= 0 {
		limit = 50
	}
	rows, err := db.db.QueryContext(ctx, `SELECT `+handoffCols+` FROM handoff_sent WHERE acked_at IS NOT NULL ORDER BY acked_at DESC, encounter_id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("handed-off encounters: %w", err)
	}
	defer rows.Close()
	var out []Handoff
	for rows.Next() {
		h, err := scanHandoff(rows)
		if err != nil {
			return nil, fmt.Errorf("handed-off encounters: %w", err)
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// HandoffBundle returns a queued encounter's bundle (JSON), as sealed when queued.
func (db *DB) HandoffBundle(ctx context.Context, encID int64) ([]byte, error) {
	var sealed []byte
	err := db.db.QueryRowContext(ctx, `SELECT bundle_enc FROM handoff_sent WHERE encounter_id = ?`, encID).Scan(&sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, domain.Errorf(domain.ENotFound, "encounter %d is not queued for the clinic server", encID)
	}
	if err != nil {
		return nil, fmt.Errorf("read hand-off bundle: %w", err)
	}
	if sealed == nil {
		return nil, domain.Errorf(domain.EConflict, "encounter %d was already handed off", encID)
	}
	return db.keys.Open(sealed, []byte(bundleAAD(encID)))
}

// HandoffFailed records a failed attempt (the message holds no patient text: it is
// one of Greffier's errors about the network or the server).
func (db *DB) HandoffFailed(ctx context.Context, encID int64, msg string) error {
	return db.write(ctx, "record hand-off attempt", func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE handoff_sent SET attempts = attempts + 1, last_error = ? WHERE encounter_id = ? AND acked_at IS NULL`, msg, encID)
		return err
	})
}

// HandoffAcked records that the server imported the encounter (as its encounter
// serverID): the server owns it now, and the sealed bundle is dropped.
func (db *DB) HandoffAcked(ctx context.Context, s *Session, encID, serverID int64) error {
	return db.write(ctx, "record hand-off", func(tx *sql.Tx) error {
		a, err := db.sessionActorTx(ctx, tx, s)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE handoff_sent SET acked_at = ?, bundle_enc = NULL, attempts = attempts + 1, last_error = '', server_encounter_id = ?
			WHERE encounter_id = ? AND acked_at IS NULL`, ms(db.now()), serverID, encID)
		if err != nil {
			return fmt.Errorf("record hand-off: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // acknowledged already
		}
		return db.auditTx(ctx, tx, a, ActionHandoffSent, encID, fmt.Sprintf("server_encounter=%d", serverID))
	})
}

func serverCredAAD() string { return "handoff/server/credential" }

// SetHandoffServer records the paired clinic server (replacing a previous one).
func (db *DB) SetHandoffServer(ctx context.Context, s *Session, hs HandoffServer) error {
	return db.write(ctx, "pair with the clinic server", func(tx *sql.Tx) error {
		a, err := db.sessionActorTx(ctx, tx, s)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO handoff_server (id, url, fingerprint, device_id, cred_enc, paired_at, paired_by) VALUES (1, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET url = excluded.url, fingerprint = excluded.fingerprint, device_id = excluded.device_id,
			cred_enc = excluded.cred_enc, paired_at = excluded.paired_at, paired_by = excluded.paired_by`,
			hs.URL, hs.Fingerprint, hs.DeviceID, db.keys.SealString(hs.Credential, serverCredAAD()), ms(db.now()), a.ID); err != nil {
			return fmt.Errorf("pair: %w", err)
		}
		return db.auditTx(ctx, tx, a, ActionHandoffPair, 0, fmt.Sprintf("device=%d", hs.DeviceID))
	})
}

// PairedServer returns the clinic server this laptop is paired with, ENotFound if none.
func (db *DB) PairedServer(ctx context.Context) (HandoffServer, error) {
	var hs HandoffServer
	var cred []byte
	var at int64
	err := db.db.QueryRowContext(ctx, `SELECT url, fingerprint, device_id, cred_enc, paired_at FROM handoff_server WHERE id = 1`).
		Scan(&hs.URL, &hs.Fingerprint, &hs.DeviceID, &cred, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return hs, domain.Errorf(domain.ENotFound, "this laptop is not paired with a clinic server: run greffier server pair URL --fingerprint SHA256 --code CODE")
	}
	if err != nil {
		return hs, fmt.Errorf("read the paired server: %w", err)
	}
	hs.PairedAt = fromMS(at)
	if hs.Credential, err = db.keys.OpenString(cred, serverCredAAD()); err != nil {
		return hs, fmt.Errorf("the paired server's credential: %w", err)
	}
	return hs, nil
}
