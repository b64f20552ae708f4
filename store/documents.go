package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"greffier/domain"
)

// Document kinds the store keeps (package notes/documents writes their JSON).
const (
	DocInstructions = "instructions"
	DocReferral     = "referral"
)

// DocumentMeaning is what the signer of a document states.
const DocumentMeaning = "I have reviewed and approve this document"

// DocumentVersion is one saved version of a document drafted from an encounter's
// note. Versions never change: every save makes a new one, numbered 1, 2, 3… per
// encounter and kind.
type DocumentVersion struct {
	ID          int64           `json:"id"`
	EncounterID int64           `json:"encounter_id"`
	Kind        string          `json:"kind"`
	Version     int             `json:"version"`
	AuthorID    int64           `json:"author_id,omitempty"` // 0: drafted by Greffier
	Author      string          `json:"author"`
	CreatedAt   time.Time       `json:"created_at"`
	Body        json.RawMessage `json:"body,omitempty"`
	// Signature is set when a physician signed this version.
	Signature *DocumentSignature `json:"signature,omitempty"`
}

// DocumentSignature is a document's approval: who signed which version, when, and
// the SHA-256 of that version's JSON, with the password checked at that moment.
type DocumentSignature struct {
	EncounterID int64     `json:"encounter_id"`
	Kind        string    `json:"kind"`
	Version     int       `json:"version"`
	SHA256      string    `json:"sha256"`
	SignerID    int64     `json:"signer_id"`
	Signer      string    `json:"signer"`
	SignedAt    time.Time `json:"signed_at"`
}

// DocumentInput is a document version to save.
type DocumentInput struct {
	EncounterID int64
	Kind        string
	By          int64 // the author; System for Greffier's draft
	Body        json.RawMessage
	// Base is the version the edit was made from: if another was saved since, the
	// save fails with EConflict (checked in the write transaction). 0: no check.
	Base int
}

func documentAAD(encID int64, kind string, v int, what string) string {
	return fmt.Sprintf("document/%d/%s/%d/%s", encID, kind, v, what)
}

func checkDocKind(kind string) error {
	if kind != DocInstructions && kind != DocReferral {
		return domain.Errorf(domain.EInvalid, "document kind %q: want instructions or referral", kind)
	}
	return nil
}

// SaveDocumentVersion saves a new immutable version of a document. Greffier (System)
// drafts only while no user has saved a version of it: a redraft would bury their
// edit. Physicians and secretaries edit; admins do not. A new version is not signed,
// so a signed document that is edited needs signing again before export.
func (db *DB) SaveDocumentVersion(ctx context.Context, in DocumentInput) (DocumentVersion, error) {
	if err := checkDocKind(in.Kind); err != nil {
		return DocumentVersion{}, err
	}
	if !json.Valid(in.Body) {
		return DocumentVersion{}, domain.Errorf(domain.EInvalid, "the document is not valid JSON")
	}
	v := DocumentVersion{EncounterID: in.EncounterID, Kind: in.Kind, Body: in.Body}
	err := db.write(ctx, "save document", func(tx *sql.Tx) error {
		a, err := actorTx(ctx, tx, in.By)
		if err != nil {
			return err
		}
		if a.ID != System {
			if err := a.require("editing a document", domain.UserPhysician, domain.UserSecretary); err != nil {
				return err
			}
		}
		if _, err := lockEncounterTx(ctx, tx, in.EncounterID); err != nil {
			return err
		}
		var latest int
		var lastAuthor sql.NullInt64
		err = tx.QueryRowContext(ctx, `SELECT version, author_id FROM document_versions WHERE encounter_id = ? AND kind = ?
			ORDER BY version DESC LIMIT 1`, in.EncounterID, in.Kind).Scan(&latest, &lastAuthor)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("save document: %w", err)
		}
		if in.Base != 0 && latest != in.Base {
			return domain.Wrap(domain.EConflict, ErrStale, "%s version %d was saved since version %d was opened; reload to see it", in.Kind, latest, in.Base)
		}
		if a.ID == System && lastAuthor.Valid {
			return domain.Errorf(domain.EConflict, "the %s of encounter %d was edited by a user (version %d): Greffier no longer redrafts it", in.Kind, in.EncounterID, latest)
		}
		v.Version, v.AuthorID, v.Author, v.CreatedAt = latest+1, a.ID, a.Name, db.now()
		res, err := tx.ExecContext(ctx, `INSERT INTO document_versions (encounter_id, kind, version, author_id, created_at, body_enc) VALUES (?, ?, ?, ?, ?, ?)`,
			in.EncounterID, in.Kind, v.Version, nullID(a.ID), ms(v.CreatedAt),
			db.keys.Seal(in.Body, []byte(documentAAD(in.EncounterID, in.Kind, v.Version, "body"))))
		if err != nil {
			return fmt.Errorf("save document: %w", err)
		}
		if v.ID, err = res.LastInsertId(); err != nil {
			return err
		}
		return db.auditTx(ctx, tx, a, ActionEdit, in.EncounterID, fmt.Sprintf("document=%s version=%d", in.Kind, v.Version))
	})
	return v, err
}

// GetDocument returns version v of an encounter's document of kind (0: the
// latest), with its signature if it was signed.
func (db *DB) GetDocument(ctx context.Context, encID int64, kind string, v int) (DocumentVersion, error) {
	if err := checkDocKind(kind); err != nil {
		return DocumentVersion{}, err
	}
	q := `SELECT d.id, d.version, coalesce(d.author_id, 0), coalesce(u.name, 'greffier'), d.created_at, d.body_enc
		FROM document_versions d LEFT JOIN users u ON u.id = d.author_id WHERE d.encounter_id = ? AND d.kind = ?`
	args := []any{encID, kind}
	if v > 0 {
		q += ` AND d.version = ?`
		args = append(args, v)
	} else {
		q += ` ORDER BY d.version DESC LIMIT 1`
	}
	out := DocumentVersion{EncounterID: encID, Kind: kind}
	var at int64
	var body []byte
	err := db.db.QueryRowContext(ctx, q, args...).Scan(&out.ID, &out.Version, &out.AuthorID, &out.Author, &at, &body)
	if errors.Is(err, sql.ErrNoRows) {
		if v > 0 {
			return out, domain.Errorf(domain.ENotFound, "encounter %d has no %s version %d", encID, kind, v)
		}
		return out, domain.Errorf(domain.ENotFound, "encounter %d has no %s yet", encID, kind)
	}
	if err != nil {
		return out, fmt.Errorf("load document: %w", err)
	}
	out.CreatedAt = fromMS(at)
	if out.Body, err = db.keys.Open(body, []byte(documentAAD(encID, kind, out.Version, "body"))); err != nil {
		return out, fmt.Errorf("encounter %d %s version %d: %w", encID, kind, out.Version, err)
	}
	if out.Signature, err = db.documentSignature(ctx, db.db, encID, kind, out.Version); err != nil {
		return out, err
	}
	return out, nil
}

// ListDocuments returns an encounter's document versions, by kind then version,
// without their bodies.
func (db *DB) ListDocuments(ctx context.Context, encID int64) ([]DocumentVersion, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT d.id, d.kind, d.version, coalesce(d.author_id, 0), coalesce(u.name, 'greffier'), d.created_at
		FROM document_versions d LEFT JOIN users u ON u.id = d.author_id WHERE d.encounter_id = ? ORDER BY d.kind, d.version`, encID)
	if err != nil {
		return nil, fmt.Errorf("list documents: %w", err)
	}
	var out []DocumentVersion
	for rows.Next() {
		v := DocumentVersion{EncounterID: encID}
		var at int64
		if err := rows.Scan(&v.ID, &v.Kind, &v.Version, &v.AuthorID, &v.Author, &at); err != nil {
			rows.Close()
			return nil, fmt.Errorf("list documents: %w", err)
		}
		v.CreatedAt = fromMS(at)
		out = append(out, v)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list documents: %w", err)
	}
	for i := range out {
		if out[i].Signature, err = db.documentSignature(ctx, db.db, encID, out[i].Kind, out[i].Version); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// SignDocument approves version (0: the latest) of an encounter's document of kind
// as the session's user, who gives their password again now. Only a physician
// signs, only the latest version, once. Refusals are audited.
func (db *DB) SignDocument(ctx context.Context, s *Session, encID int64, kind string, version int, password string) (DocumentSignature, error) {
	if err := checkDocKind(kind); err != nil {
		return DocumentSignature{}, err
	}
	if s == nil || s.db != db {
		db.refusal(ctx, 0, "no session", ActionSignRefused, encID, "document="+kind+" reason=no_session")
		return DocumentSignature{}, domain.Errorf(domain.EForbidden, "no user is logged in")
	}
	u := s.user
	if _, _, err := db.checkPassword(ctx, u.Name, password); err != nil {
		db.refusal(ctx, u.ID, u.Name, ActionSignRefused, encID, "document="+kind+" reason=password")
		return DocumentSignature{}, err
	}
	sig := DocumentSignature{EncounterID: encID, Kind: kind}
	err := db.write(ctx, "sign document", func(tx *sql.Tx) error {
		a, err := db.sessionActorTx(ctx, tx, s)
		if err != nil {
			return err
		}
		if err := a.require("signing a document", domain.UserPhysician); err != nil {
			return err
		}
		var latest int
		var sealed []byte
		err = tx.QueryRowContext(ctx, `SELECT version, body_enc FROM document_versions WHERE encounter_id = ? AND kind = ? ORDER BY version DESC LIMIT 1`,
			encID, kind).Scan(&latest, &sealed)
		if errors.Is(err, sql.ErrNoRows) {
			return domain.Errorf(domain.EConflict, "encounter %d has no %s to sign", encID, kind)
		}
		if err != nil {
			return fmt.Errorf("sign document: %w", err)
		}
		if version != 0 && version != latest {
			return domain.Errorf(domain.EConflict, "encounter %d: %s version %d is not the latest (%d); review the latest before signing", encID, kind, version, latest)
		}
		if prev, err := db.documentSignature(ctx, tx, encID, kind, latest); err != nil {
			return err
		} else if prev != nil {
			return domain.Errorf(domain.EConflict, "encounter %d: %s version %d is already signed by %s", encID, kind, latest, prev.Signer)
		}
		body, err := db.keys.Open(sealed, []byte(documentAAD(encID, kind, latest, "body")))
		if err != nil {
			return fmt.Errorf("sign document: version %d: %w", latest, err)
		}
		sum := sha256.Sum256(body)
		sig.Version, sig.SHA256, sig.SignerID, sig.Signer, sig.SignedAt = latest, hex.EncodeToString(sum[:]), a.ID, a.Name, db.now()
		sealedSig, err := json.Marshal(sealedSignature{SHA256: sig.SHA256, SignerID: sig.SignerID, SignedAt: ms(sig.SignedAt)})
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO document_signatures (encounter_id, kind, version, signer_id, signed_at, sig_enc) VALUES (?, ?, ?, ?, ?, ?)`,
			encID, kind, latest, a.ID, ms(sig.SignedAt), db.keys.Seal(sealedSig, []byte(documentAAD(encID, kind, latest, "signature")))); err != nil {
			return fmt.Errorf("sign document: %w", err)
		}
		return db.auditTx(ctx, tx, a, ActionApprove, encID,
			fmt.Sprintf("document=%s version=%d sha256=%s password=checked meaning=%q", kind, latest, sig.SHA256, DocumentMeaning))
	})
	if err != nil {
		db.refusal(ctx, u.ID, u.Name, ActionSignRefused, encID, "document="+kind+" reason="+domain.ErrorCode(err))
		return DocumentSignature{}, err
	}
	return sig, nil
}

// sealedSignature is what a signature row seals: the plain columns must say the same.
type sealedSignature struct {
	SHA256   string `json:"sha256"`
	SignerID int64  `json:"signer_id"`
	SignedAt int64  `json:"signed_at"`
}

type rowQuerier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// documentSignature returns the signature of a version, nil if unsigned. A row whose
// sealed part does not open, or says otherwise than its columns, was not written by
// Greffier: an error, never a signature.
func (db *DB) documentSignature(ctx context.Context, q rowQuerier, encID int64, kind string, v int) (*DocumentSignature, error) {
	sig := DocumentSignature{EncounterID: encID, Kind: kind, Version: v}
	var at int64
	var sealed []byte
	err := q.QueryRowContext(ctx, `SELECT s.signer_id, coalesce(u.name, ''), s.signed_at, s.sig_enc FROM document_signatures s
		LEFT JOIN users u ON u.id = s.signer_id WHERE s.encounter_id = ? AND s.kind = ? AND s.version = ?`, encID, kind, v).Scan(&sig.SignerID, &sig.Signer, &at, &sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load document signature: %w", err)
	}
	plain, err := db.keys.Open(sealed, []byte(documentAAD(encID, kind, v, "signature")))
	var s sealedSignature
	if err == nil {
		err = json.Unmarshal(plain, &s)
	}
	if err != nil || s.SignerID != sig.SignerID || s.SignedAt != at {
		return nil, domain.Errorf(domain.EConflict, "the signature of encounter %d %s version %d was not made by Greffier: the database was altered", encID, kind, v)
	}
	sig.SHA256, sig.SignedAt = s.SHA256, fromMS(at)
	return &sig, nil
}

// ExportableDocument returns the latest version of a document if a physician
// signed it: what may leave Greffier. Otherwise EConflict (or ENotFound).
func (db *DB) ExportableDocument(ctx context.Context, encID int64, kind string) (DocumentVersion, error) {
	d, err := db.GetDocument(ctx, encID, kind, 0)
	if err != nil {
		return d, err
	}
	if d.Signature == nil {
		return d, domain.Errorf(domain.EConflict, "encounter %d: %s version %d is not signed: a physician signs it before export", encID, kind, d.Version)
	}
	sum := sha256.Sum256(d.Body)
	if hex.EncodeToString(sum[:]) != d.Signature.SHA256 {
		return d, domain.Errorf(domain.EConflict, "encounter %d: %s version %d differs from what was signed", encID, kind, d.Version)
	}
	return d, nil
}

// DocumentExported records in the audit log that a signed document version left
// Greffier in format. It refuses a version that is not the latest signed one.
func (db *DB) DocumentExported(ctx context.Context, encID int64, kind string, version int, by int64, format string) error {
	d, err := db.ExportableDocument(ctx, encID, kind)
	if err != nil {
		return err
	}
	if d.Version != version {
		return domain.Errorf(domain.EConflict, "encounter %d: %s version %d is not the latest signed version", encID, kind, version)
	}
	return db.write(ctx, "document exported", func(tx *sql.Tx) error {
		a, err := actorTx(ctx, tx, by)
		if err != nil {
			return err
		}
		return db.auditTx(ctx, tx, a, ActionExport, encID, fmt.Sprintf("document=%s version=%d format=%s", kind, version, format))
	})
}
