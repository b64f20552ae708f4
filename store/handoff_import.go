package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base32"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"greffier/domain"
	"greffier/store/crypt"
)

// Hand-off, the clinic server's side: an admin makes a one-time pairing code; a
// laptop trades it for a device credential; the laptop's uploads are imported in one
// transaction each, keyed by the encounter's UUID, so a second import of the same
// encounter changes nothing.
//
// The server opens locked (no key in memory until someone logs in). So that a laptop
// can pair and hand off after a restart, the master key is also wrapped under the
// pairing code (until it is used or expires) and under each device's credential:
// both are 100+ random bits, so a plain hash derives the wrapping key.

// DefaultPairCodeTTL is how long a pairing code stays valid.
const DefaultPairCodeTTL = 24 * time.Hour

// Device is a paired laptop.
type Device struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// DeviceInfo is a paired laptop as admins list it.
type DeviceInfo struct {
	Device
	PairedAt  time.Time  `json:"paired_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// Devices lists the paired laptops (admins only).
func (db *DB) Devices(ctx context.Context, s *Session) ([]DeviceInfo, error) {
	var out []DeviceInfo
	err := db.admin(ctx, s, "listing paired devices", func(tx *sql.Tx, _ actor) error {
		out = nil // a write may run again (tx.go)
		rows, err := tx.QueryContext(ctx, `SELECT id, name, created_at, revoked_at FROM handoff_devices ORDER BY id`)
		if err != nil {
			return fmt.Errorf("list devices: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var d DeviceInfo
			var at int64
			var rev sql.NullInt64
			if err := rows.Scan(&d.ID, &d.Name, &at, &rev); err != nil {
				return fmt.Errorf("list devices: %w", err)
			}
			d.PairedAt, d.RevokedAt = fromMS(at), fromNullMS(rev)
			out = append(out, d)
		}
		return rows.Err()
	})
	return out, err
}

// RevokeDevice stops a paired laptop (lost, stolen, replaced): its uploads are
// refused, and its copy of the wrapped master key is erased (secure_delete), so its
// credential opens nothing even with a copy of the database made later. Admins only.
func (db *DB) RevokeDevice(ctx context.Context, s *Session, id int64) error {
	return db.admin(ctx, s, "revoking a device", func(tx *sql.Tx, a actor) error {
		res, err := tx.ExecContext(ctx, `UPDATE handoff_devices SET revoked_at = ?, wrapped = X'' WHERE id = ? AND revoked_at IS NULL`, ms(db.now()), id)
		if err != nil {
			return fmt.Errorf("revoke device: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return domain.Errorf(domain.ENotFound, "no paired device %d (or revoked already)", id)
		}
		return db.auditTx(ctx, tx, a, "handoff_revoke", 0, fmt.Sprintf("device=%d", id))
	})
}

func secretKEK(kind, secret string) []byte {
	sum := sha256.Sum256([]byte("greffier " + kind + "\x00" + secret))
	return sum[:]
}

func secretHash(kind, secret string) []byte {
	sum := sha256.Sum256([]byte("greffier " + kind + " id\x00" + secret))
	return sum[:]
}

// NormalizePairCode removes spaces and dashes and upper-cases a typed code.
func NormalizePairCode(code string) string {
	return strings.ToUpper(strings.NewReplacer("-", "", " ", "").Replace(strings.TrimSpace(code)))
}

func pairSlotAAD(hash []byte) string      { return fmt.Sprintf("slot/pair/%x", hash) }
func deviceSlotAAD(hash []byte) string    { return fmt.Sprintf("slot/device/%x", hash) }
func receivedAuditAAD(uuid string) string { return "handoff/" + uuid + "/audit" }

// NewPairCode makes a one-time pairing code (admins only), valid for ttl
// (DefaultPairCodeTTL when 0). It is shown once; only its hash is kept.
func (db *DB) NewPairCode(ctx context.Context, s *Session, ttl time.Duration) (string, error) {
	if ttl <= 0 {
		ttl = DefaultPairCodeTTL
	}
	raw := make([]byte, 15) // 120 bits: 24 base32 characters
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("pairing code: %w", err)
	}
	code := base32.StdEncoding.EncodeToString(raw)
	h := secretHash("pair code", code)
	wrapped, err := crypt.Wrap(secretKEK("pair code", code), db.master, pairSlotAAD(h))
	if err != nil {
		return "", err
	}
	err = db.admin(ctx, s, "making a pairing code", func(tx *sql.Tx, a actor) error {
		now := db.now()
		if _, err := tx.ExecContext(ctx, `DELETE FROM handoff_pair_codes WHERE expires_at <= ?`, ms(now)); err != nil {
			return fmt.Errorf("pairing code: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO handoff_pair_codes (code_hash, wrapped, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
			h, wrapped, a.ID, ms(now), ms(now.Add(ttl))); err != nil {
			return fmt.Errorf("pairing code: %w", err)
		}
		return db.auditTx(ctx, tx, a, ActionHandoffCode, 0, "expires="+now.Add(ttl).Format(time.RFC3339))
	})
	if err != nil {
		return "", err
	}
	var groups []string
	for i := 0; i < len(code); i += 4 {
		groups = append(groups, code[i:i+4])
	}
	return strings.Join(groups, "-"), nil
}

var errBadPairCode = domain.Errorf(domain.EForbidden, "unknown, used or expired pairing code: ask an admin for a new one (greffier server pair-code)")

// openSecretSlot unwraps the master key from a pairing code's or a device's slot.
func (db *DB) openSecretSlot(ctx context.Context, kind, secret string) ([]byte, error) {
	h := secretHash(kind, secret)
	var wrapped []byte
	var err error
	aad := deviceSlotAAD(h)
	if kind == "pair code" {
		aad = pairSlotAAD(h)
		err = db.db.QueryRowContext(ctx, `SELECT wrapped FROM handoff_pair_codes WHERE code_hash = ? AND expires_at > ?`, h, ms(db.now())).Scan(&wrapped)
	} else {
		err = db.db.QueryRowContext(ctx, `SELECT wrapped FROM handoff_devices WHERE cred_hash = ? AND revoked_at IS NULL`, h).Scan(&wrapped)
	}
	if errors.Is(err, sql.ErrNoRows) {
		// Audited like a failed login (waiting in pending_audit while locked).
		db.authEvent(ctx, 0, kind, ActionLoginFailed, "reason=unknown_"+strings.ReplaceAll(kind, " ", "_"))
		if kind == "pair code" {
			return nil, errBadPairCode
		}
		return nil, domain.Errorf(domain.EForbidden, "unknown or revoked device: pair this laptop again")
	}
	if err != nil {
		return nil, fmt.Errorf("read %s slot: %w", kind, err)
	}
	master, err := crypt.Unwrap(secretKEK(kind, secret), wrapped, aad)
	if err != nil {
		return nil, domain.Errorf(domain.EConflict, "the %s slot does not open: it was altered", kind)
	}
	return master, nil
}

// UnlockWithPairCode unlocks a locked server database with a valid pairing code
// (the code is not used up here: Pair does that).
func (l *Locked) UnlockWithPairCode(ctx context.Context, code string) (*DB, error) {
	return l.unlockWith(ctx, "pair code", NormalizePairCode(code))
}

// UnlockWithDevice unlocks a locked server database with a paired device's credential.
func (l *Locked) UnlockWithDevice(ctx context.Context, cred string) (*DB, error) {
	return l.unlockWith(ctx, "device", cred)
}

func (l *Locked) unlockWith(ctx context.Context, kind, secret string) (*DB, error) {
	db := l.db
	master, err := db.openSecretSlot(ctx, kind, secret)
	if err != nil {
		return nil, err
	}
	if err := db.unlock(ctx, master); err != nil {
		return nil, err
	}
	if err := db.write(ctx, "unlock", func(tx *sql.Tx) error { return db.flushPendingTx(ctx, tx) }); err != nil {
		db.keys, db.master = nil, nil
		return nil, err
	}
	return db, nil
}

// Pair uses up a pairing code and registers a device named name; it returns the
// device and its credential (shown to the laptop once, kept here only hashed).
func (db *DB) Pair(ctx context.Context, code, name string) (Device, string, error) {
	code = NormalizePairCode(code)
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 100 {
		return Device{}, "", domain.Errorf(domain.EInvalid, "a device needs a name of at most 100 bytes")
	}
	if _, err := db.openSecretSlot(ctx, "pair code", code); err != nil {
		return Device{}, "", err
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return Device{}, "", fmt.Errorf("device credential: %w", err)
	}
	cred := base64.RawURLEncoding.EncodeToString(raw)
	h := secretHash("device", cred)
	wrapped, err := crypt.Wrap(secretKEK("device", cred), db.master, deviceSlotAAD(h))
	if err != nil {
		return Device{}, "", err
	}
	d := Device{Name: name}
	err = db.write(ctx, "pair a device", func(tx *sql.Tx) error {
		var by int64
		err := tx.QueryRowContext(ctx, `DELETE FROM handoff_pair_codes WHERE code_hash = ? AND expires_at > ? RETURNING created_by`,
			secretHash("pair code", code), ms(db.now())).Scan(&by)
		if errors.Is(err, sql.ErrNoRows) {
			return errBadPairCode // used meanwhile
		}
		if err != nil {
			return fmt.Errorf("pair: %w", err)
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO handoff_devices (name, cred_hash, wrapped, paired_by, created_at) VALUES (?, ?, ?, ?, ?)`,
			name, h, wrapped, by, ms(db.now()))
		if err != nil {
			return fmt.Errorf("pair: %w", err)
		}
		if d.ID, err = res.LastInsertId(); err != nil {
			return err
		}
		return db.auditTx(ctx, tx, actor{Name: "device:" + name}, ActionHandoffPair, 0, fmt.Sprintf("device=%d code_by=%d", d.ID, by))
	})
	if err != nil {
		return Device{}, "", err
	}
	return d, cred, nil
}

// DeviceByCredential returns the paired device a credential belongs to.
func (db *DB) DeviceByCredential(ctx context.Context, cred string) (Device, error) {
	var d Device
	err := db.db.QueryRowContext(ctx, `SELECT id, name FROM handoff_devices WHERE cred_hash = ? AND revoked_at IS NULL`,
		secretHash("device", cred)).Scan(&d.ID, &d.Name)
	if errors.Is(err, sql.ErrNoRows) {
		db.authEvent(ctx, 0, "device", ActionLoginFailed, "reason=unknown_device")
		return d, domain.Errorf(domain.EForbidden, "unknown or revoked device: pair this laptop again")
	}
	if err != nil {
		return d, fmt.Errorf("find device: %w", err)
	}
	return d, nil
}

// Received is what the server holds of a hand-off, by UUID.
type Received struct {
	UUID        string    `json:"uuid"`
	EncounterID int64     `json:"encounter_id"`
	SHA256      string    `json:"sha256"`
	DeviceID    int64     `json:"device_id"`
	ReceivedAt  time.Time `json:"received_at"`
}

// ReceivedHandoff returns the import of uuid, ENotFound if none.
func (db *DB) ReceivedHandoff(ctx context.Context, uuid string) (Received, error) {
	r := Received{UUID: uuid}
	var at int64
	err := db.db.QueryRowContext(ctx, `SELECT encounter_id, sha256, device_id, received_at FROM handoff_received WHERE uuid = ?`, uuid).Scan(&r.EncounterID, &r.SHA256, &r.DeviceID, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return r, domain.Errorf(domain.ENotFound, "no hand-off %s", uuid)
	}
	if err != nil {
		return r, fmt.Errorf("find hand-off: %w", err)
	}
	r.ReceivedAt = fromMS(at)
	return r, nil
}

// LaptopAudit returns the laptop's audit entries that came with a hand-off.
func (db *DB) LaptopAudit(ctx context.Context, uuid string) ([]AuditEntry, error) {
	var sealed []byte
	if err := db.db.QueryRowContext(ctx, `SELECT audit_enc FROM handoff_received WHERE uuid = ?`, uuid).Scan(&sealed); err != nil {
		return nil, funcErr(err, "hand-off %s", uuid)
	}
	plain, err := db.keys.Open(sealed, []byte(receivedAuditAAD(uuid)))
	if err != nil {
		return nil, err
	}
	var out []AuditEntry
	return out, json.Unmarshal(plain, &out)
}

// ImportHandoff imports a bundle received from dev, whose bytes hash to sum, in one
// transaction. A UUID imported before is not imported again: the first import is
// returned with dup set (EConflict if the bytes differ: the laptop froze the
// encounter when it queued it, so a different bundle is not a retry). The bundle's
// recordings are written to audioDir, encrypted under keys of this database, before
// the transaction, and removed if it does not commit.
func (db *DB) ImportHandoff(ctx context.Context, dev Device, sum string, b Bundle, audioDir string) (Received, bool, error) {
	if err := checkBundle(b); err != nil {
		return Received{}, false, err
	}
	if r, err := db.ReceivedHandoff(ctx, b.UUID); err == nil {
		if r.SHA256 != sum {
			return Received{}, false, domain.Errorf(domain.EConflict, "encounter %s was handed off before with different content", b.UUID)
		}
		return r, true, nil
	}
	audio, err := writeReceivedAudio(audioDir, b.UUID, b.Audio)
	if err != nil {
		return Received{}, false, err
	}
	committed := false
	defer func() {
		if !committed {
			removeReceivedAudio(audio)
		}
	}()
	dup := false
	err = db.write(ctx, "import hand-off", func(tx *sql.Tx) error {
		var id int64
		var prev string
		err := tx.QueryRowContext(ctx, `SELECT encounter_id, sha256 FROM handoff_received WHERE uuid = ?`, b.UUID).Scan(&id, &prev)
		if err == nil {
			if prev != sum {
				return domain.Errorf(domain.EConflict, "encounter %s was handed off before with different content", b.UUID)
			}
			dup = true
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("import hand-off: %w", err)
		}
		return db.importTx(ctx, tx, dev, sum, b, audio)
	})
	if err != nil {
		return Received{}, false, err
	}
	committed = !dup
	r, err := db.ReceivedHandoff(ctx, b.UUID)
	return r, dup, err
}

func checkBundle(b Bundle) error {
	switch {
	case b.Format != BundleFormat && b.Format != BundleFormatAudio:
		return domain.Errorf(domain.EInvalid, "hand-off format %d: this server reads formats %d and %d (update Greffier)", b.Format, BundleFormat, BundleFormatAudio)
	case len(b.Audio) > 0 && b.Format != BundleFormatAudio:
		return domain.Errorf(domain.EInvalid, "hand-off %s carries audio in format %d", b.UUID, b.Format)
	case !ValidUUID(b.UUID):
		return domain.Errorf(domain.EInvalid, "hand-off without a valid encounter UUID")
	case len(b.Versions) == 0:
		return domain.Errorf(domain.EInvalid, "hand-off %s has no draft", b.UUID)
	}
	switch b.Encounter.State {
	case domain.StateDrafted, domain.StateInReview, domain.StateApproved, domain.StateExported:
	default:
		return domain.Errorf(domain.EInvalid, "hand-off %s: state %q cannot be handed off", b.UUID, b.Encounter.State)
	}
	for i, v := range b.Versions {
		if v.Version != i+1 || !json.Valid(v.Body) {
			return domain.Errorf(domain.EInvalid, "hand-off %s: version %d is out of order or not JSON", b.UUID, v.Version)
		}
	}
	if b.Encounter.ApprovedVersion > len(b.Versions) {
		return domain.Errorf(domain.EInvalid, "hand-off %s approves a version it does not hold", b.UUID)
	}
	for _, u := range b.Users {
		if !ValidRole(u.Role) {
			return domain.Errorf(domain.EInvalid, "hand-off %s: user role %q", b.UUID, u.Role)
		}
	}
	return nil
}

func (db *DB) importTx(ctx context.Context, tx *sql.Tx, dev Device, sum string, b Bundle, audio []receivedAudio) error {
	users, err := db.importUsersTx(ctx, tx, b.Users)
	if err != nil {
		return err
	}
	user := func(name string) sql.NullInt64 { return nullID(users[name]) }
	var patient int64
	if b.Patient != nil {
		if patient, err = db.importPatientTx(ctx, tx, *b.Patient); err != nil {
			return err
		}
	}
	e := b.Encounter
	var consentAt, approvedAt, exportedAt sql.NullInt64
	if e.ConsentAt != nil {
		consentAt = sql.NullInt64{Int64: ms(*e.ConsentAt), Valid: true}
	}
	if e.ApprovedAt != nil {
		approvedAt = sql.NullInt64{Int64: ms(*e.ApprovedAt), Valid: true}
	}
	if e.ExportedAt != nil {
		exportedAt = sql.NullInt64{Int64: ms(*e.ExportedAt), Valid: true}
	}
	approvedVersion := sql.NullInt64{Int64: int64(e.ApprovedVersion), Valid: e.ApprovedVersion > 0}
	res, err := tx.ExecContext(ctx, `INSERT INTO encounters (uuid, state, patient_id, started_at, language, template, consent_kind, consent_by, consent_at,
		approved_version, approved_by, approved_at, exported_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		b.UUID, e.State, nullID(patient), ms(e.StartedAt), e.Language, e.Template, sql.NullString{String: e.ConsentKind, Valid: e.ConsentKind != ""},
		user(e.ConsentBy), consentAt, approvedVersion, user(e.ApprovedBy), approvedAt, exportedAt, ms(e.CreatedAt), ms(e.UpdatedAt))
	if err != nil {
		if strings.Contains(err.Error(), "UNIQUE") {
			return domain.Errorf(domain.EConflict, "encounter %s already exists on this server", b.UUID)
		}
		return fmt.Errorf("import encounter: %w", err)
	}
	encID, err := res.LastInsertId()
	if err != nil {
		return err
	}
	if len(b.Segments) > 0 {
		if err := db.saveSegmentsTx(ctx, tx, encID, b.Segments); err != nil {
			return err
		}
	}
	for _, v := range b.Versions {
		if _, err := tx.ExecContext(ctx, `INSERT INTO draft_versions (encounter_id, version, author_id, created_at, body_enc, text_enc) VALUES (?, ?, ?, ?, ?, ?)`,
			encID, v.Version, user(v.Author), ms(v.CreatedAt),
			db.keys.Seal(v.Body, []byte(draftAAD(encID, v.Version, "body"))),
			db.keys.SealString(v.Text, draftAAD(encID, v.Version, "text"))); err != nil {
			return fmt.Errorf("import version %d: %w", v.Version, err)
		}
	}
	if err := db.indexTx(ctx, tx, encID, kindNote, b.Versions[len(b.Versions)-1].Text); err != nil {
		return err
	}
	for _, c := range b.Codes {
		if err := db.importCodeTx(ctx, tx, encID, c, user(c.DecidedBy)); err != nil {
			return err
		}
	}
	if err := db.recordReceivedAudioTx(ctx, tx, encID, audio); err != nil {
		return err
	}
	audit, err := json.Marshal(b.Audit)
	if err != nil {
		return fmt.Errorf("import hand-off: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO handoff_received (uuid, encounter_id, device_id, sha256, received_at, audit_enc) VALUES (?, ?, ?, ?, ?, ?)`,
		b.UUID, encID, dev.ID, sum, ms(db.now()), db.keys.Seal(audit, []byte(receivedAuditAAD(b.UUID)))); err != nil {
		return fmt.Errorf("import hand-off: %w", err)
	}
	return db.auditTx(ctx, tx, actor{Name: "device:" + dev.Name}, ActionHandoffImport, encID,
		fmt.Sprintf("uuid=%s device=%d sha256=%s versions=%d segments=%d codes=%d laptop_audit=%d recordings=%d",
			b.UUID, dev.ID, sum, len(b.Versions), len(b.Segments), len(b.Codes), len(b.Audit), len(audio)))
}

// importUsersTx maps the bundle's user names to this server's users; a name unknown
// here is added with the laptop's role and no password (an admin gives one, e.g. for
// the physician to sign on the server), so versions keep their author.
func (db *DB) importUsersTx(ctx context.Context, tx *sql.Tx, us []BundleUser) (map[string]int64, error) {
	out := map[string]int64{}
	for _, u := range us {
		var id int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM users WHERE name = ?`, strings.TrimSpace(u.Name)).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			nu, err := db.insertUserTx(ctx, tx, u.Name, u.Role, crypt.Password{}, nil)
			if err != nil {
				return nil, err
			}
			id = nu.ID
			if err := db.auditTx(ctx, tx, actor{Name: "greffier"}, ActionUserAdd, 0, fmt.Sprintf("user=%d role=%s reason=handoff", id, u.Role)); err != nil {
				return nil, err
			}
		} else if err != nil {
			return nil, fmt.Errorf("import users: %w", err)
		}
		out[u.Name] = id
	}
	return out, nil
}

// importPatientTx finds the patient by exact local id, else by MRN, else adds them.
func (db *DB) importPatientTx(ctx context.Context, tx *sql.Tx, p Patient) (int64, error) {
	if err := checkPatient(p); err != nil {
		return 0, err
	}
	var id int64
	if p.LocalID != "" {
		err := tx.QueryRowContext(ctx, `SELECT id FROM patients WHERE local_id = ?`, strings.TrimSpace(p.LocalID)).Scan(&id)
		if err == nil {
			return id, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return 0, fmt.Errorf("import patient: %w", err)
		}
	}
	if p.MRN != "" {
		err := tx.QueryRowContext(ctx, `SELECT id FROM patients WHERE mrn_mac = ?`, db.keys.LookupMAC(p.MRN)).Scan(&id)
		if err == nil {
			return id, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return 0, fmt.Errorf("import patient: %w", err)
		}
	}
	return db.insertPatientTx(ctx, tx, p)
}

func (db *DB) importCodeTx(ctx context.Context, tx *sql.Tx, encID int64, c BundleCode, by sql.NullInt64) error {
	if c.System == "" {
		c.System = "icd-10-cm"
	}
	switch c.Status {
	case CodeSuggested, CodeAccepted, CodeRejected:
	default:
		return domain.Errorf(domain.EInvalid, "code %s: status %q", c.Code, c.Status)
	}
	var ev []byte
	if c.Evidence != "" {
		ev = db.keys.SealString(c.Evidence, codeAAD(encID, c.System, c.Code))
	}
	var at sql.NullInt64
	if c.DecidedAt != nil {
		at = sql.NullInt64{Int64: ms(*c.DecidedAt), Valid: true}
	}
	// Codes are sealed like every other patient field (see codeseal.go): the column
	// holds a keyed token, the code and its display are encrypted.
	tok := db.codeToken(encID, c.System, c.Code)
	if _, err := tx.ExecContext(ctx, `INSERT INTO codes (encounter_id, system, code, code_enc, display, display_enc, evidence_enc, status, decided_by, decided_at, created_at)
		VALUES (?, ?, ?, ?, '', ?, ?, ?, ?, ?, ?)`, encID, c.System, tok,
		db.keys.SealString(c.Code, codeFieldAAD(encID, c.System, tok, "code")),
		db.keys.SealString(c.Display, codeFieldAAD(encID, c.System, tok, "display")),
		ev, c.Status, by, at, ms(db.now())); err != nil {
		return fmt.Errorf("import code %s: %w", c.Code, err)
	}
	return nil
}
