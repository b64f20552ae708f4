package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"greffier/domain"
)

// Version is one saved draft of an encounter's note. Versions never change: every
// save makes a new one, numbered 1, 2, 3… per encounter.
type Version struct {
	ID          int64           `json:"id"`
	EncounterID int64           `json:"encounter_id"`
	Version     int             `json:"version"`
	AuthorID    int64           `json:"author_id,omitempty"` // 0: drafted by Greffier
	Author      string          `json:"author"`
	CreatedAt   time.Time       `json:"created_at"`
	Body        json.RawMessage `json:"body,omitempty"` // the note JSON (schema.Note)
	Text        string          `json:"text,omitempty"` // its rendered text
}

// DraftInput is a draft to save.
type DraftInput struct {
	EncounterID int64
	By          int64           // the author; System for Greffier's own draft
	Body        json.RawMessage // the note as JSON
	// Text is the note rendered as plain text, for diffs and search. If empty it is
	// rendered from Body (RenderText).
	Text string
	// Base is the version the draft was made from: if another was saved since, the
	// save fails with EConflict. It is checked inside the write transaction, so two
	// writers with the same base cannot both win. 0: no check (a first draft).
	Base int
}

// ErrStale is the cause of the EConflict a save made from an older version gets.
var ErrStale = errors.New("a newer version was saved")

func draftAAD(encID int64, v int, what string) string {
	return fmt.Sprintf("draft/%d/%d/%s", encID, v, what)
}

// SaveDraftVersion saves a new immutable version of the note.
//
// Rules: Greffier (System) drafts only before review (recording, transcribed,
// drafted); physicians and secretaries edit in any state; admins do not edit notes.
// A first draft moves the encounter to drafted. Editing an approved or exported note
// clears the approval and moves it back to in_review: it needs signing again.
func (db *DB) SaveDraftVersion(ctx context.Context, in DraftInput) (Version, error) {
	if !json.Valid(in.Body) {
		return Version{}, domain.Errorf(domain.EInvalid, "the note is not valid JSON")
	}
	text := in.Text
	if text == "" {
		var err error
		if text, err = RenderText(in.Body); err != nil {
			return Version{}, domain.Wrap(domain.EInvalid, err, "render the note")
		}
	}
	var v Version
	err := db.write(ctx, "save draft", func(tx *sql.Tx) error {
		var err error
		v, err = db.saveDraftTx(ctx, tx, in, text)
		return err
	})
	return v, err
}

func (db *DB) saveDraftTx(ctx context.Context, tx *sql.Tx, in DraftInput, text string) (Version, error) {
	a, err := actorTx(ctx, tx, in.By)
	if err != nil {
		return Version{}, err
	}
	st, err := lockEncounterTx(ctx, tx, in.EncounterID)
	if err != nil {
		return Version{}, err
	}
	next := st
	switch {
	case a.ID == System:
		if st != domain.StateRecording && st != domain.StateTranscribed && st != domain.StateDrafted {
			return Version{}, domain.Errorf(domain.EConflict, "encounter %d is %s: Greffier no longer redrafts it; a user edits it", in.EncounterID, st)
		}
		next = domain.StateDrafted
	default:
		if err := a.require("editing a note", domain.UserPhysician, domain.UserSecretary); err != nil {
			return Version{}, err
		}
		switch st {
		case domain.StateRecording, domain.StateTranscribed:
			next = domain.StateDrafted
		case domain.StateApproved, domain.StateExported:
			next = domain.StateInReview
		}
	}
	v := Version{EncounterID: in.EncounterID, AuthorID: a.ID, Author: a.Name, CreatedAt: db.now(), Body: in.Body, Text: text}
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) + 1 FROM draft_versions WHERE encounter_id = ?`, in.EncounterID).Scan(&v.Version); err != nil {
		return v, fmt.Errorf("save draft: %w", err)
	}
	if in.Base != 0 && v.Version-1 != in.Base {
		return v, domain.Wrap(domain.EConflict, ErrStale, "version %d was saved since version %d was opened; reload to see it", v.Version-1, in.Base)
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO draft_versions (encounter_id, version, author_id, created_at, body_enc, text_enc) VALUES (?, ?, ?, ?, ?, ?)`,
		in.EncounterID, v.Version, nullID(a.ID), ms(v.CreatedAt),
		db.keys.Seal(in.Body, []byte(draftAAD(in.EncounterID, v.Version, "body"))),
		db.keys.SealString(text, draftAAD(in.EncounterID, v.Version, "text")))
	if err != nil {
		return v, fmt.Errorf("save draft: %w", err)
	}
	if v.ID, err = res.LastInsertId(); err != nil {
		return v, err
	}
	if st == domain.StateApproved || st == domain.StateExported || next != st {
		if _, err := tx.ExecContext(ctx, `UPDATE encounters SET state = ?, approved_version = NULL, approved_by = NULL, approved_at = NULL, updated_at = ? WHERE id = ?`,
			next, ms(db.now()), in.EncounterID); err != nil {
			return v, fmt.Errorf("save draft: %w", err)
		}
	}
	if err := db.indexTx(ctx, tx, in.EncounterID, kindNote, text); err != nil {
		return v, err
	}
	detail := fmt.Sprintf("version=%d", v.Version)
	if next != st {
		detail += fmt.Sprintf(" state=%s->%s", st, next)
	}
	return v, db.auditTx(ctx, tx, a, ActionEdit, in.EncounterID, detail)
}

// GetLatestDraft returns the newest version of an encounter's note.
func (db *DB) GetLatestDraft(ctx context.Context, encID int64) (Version, error) {
	return db.GetVersion(ctx, encID, 0)
}

// GetVersion returns version v of an encounter's note (0: the latest).
func (db *DB) GetVersion(ctx context.Context, encID int64, v int) (Version, error) {
	q := `SELECT d.id, d.version, coalesce(d.author_id, 0), coalesce(u.name, 'greffier'), d.created_at, d.body_enc, d.text_enc
		FROM draft_versions d LEFT JOIN users u ON u.id = d.author_id WHERE d.encounter_id = ?`
	args := []any{encID}
	if v > 0 {
		q += ` AND d.version = ?`
		args = append(args, v)
	} else {
		q += ` ORDER BY d.version DESC LIMIT 1`
	}
	out := Version{EncounterID: encID}
	var at int64
	var body, text []byte
	err := db.db.QueryRowContext(ctx, q, args...).Scan(&out.ID, &out.Version, &out.AuthorID, &out.Author, &at, &body, &text)
	if errors.Is(err, sql.ErrNoRows) {
		if v > 0 {
			return out, domain.Errorf(domain.ENotFound, "encounter %d has no version %d", encID, v)
		}
		return out, domain.Errorf(domain.ENotFound, "encounter %d has no draft yet", encID)
	}
	if err != nil {
		return out, fmt.Errorf("load draft: %w", err)
	}
	out.CreatedAt = fromMS(at)
	b, err := db.keys.Open(body, []byte(draftAAD(encID, out.Version, "body")))
	if err != nil {
		return out, fmt.Errorf("encounter %d version %d: %w", encID, out.Version, err)
	}
	out.Body = b
	if out.Text, err = db.keys.OpenString(text, draftAAD(encID, out.Version, "text")); err != nil {
		return out, fmt.Errorf("encounter %d version %d: %w", encID, out.Version, err)
	}
	return out, nil
}

// ListVersions returns an encounter's versions, oldest first, without their bodies.
func (db *DB) ListVersions(ctx context.Context, encID int64) ([]Version, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT d.id, d.version, coalesce(d.author_id, 0), coalesce(u.name, 'greffier'), d.created_at
		FROM draft_versions d LEFT JOIN users u ON u.id = d.author_id WHERE d.encounter_id = ? ORDER BY d.version`, encID)
	if err != nil {
		return nil, fmt.Errorf("list versions: %w", err)
	}
	defer rows.Close()
	var out []Version
	for rows.Next() {
		v := Version{EncounterID: encID}
		var at int64
		if err := rows.Scan(&v.ID, &v.Version, &v.AuthorID, &v.Author, &at); err != nil {
			return nil, fmt.Errorf("list versions: %w", err)
		}
		v.CreatedAt = fromMS(at)
		out = append(out, v)
	}
	return out, rows.Err()
}

// Diff compares two versions of an encounter's note line by line (rendered text).
func (db *DB) Diff(ctx context.Context, encID int64, from, to int) (TextDiff, error) {
	a, err := db.GetVersion(ctx, encID, from)
	if err != nil {
		return nil, err
	}
	b, err := db.GetVersion(ctx, encID, to)
	if err != nil {
		return nil, err
	}
	return DiffText(a.Text, b.Text), nil
}
