package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"greffier/domain"
	"greffier/store/crypt"
)

// What a search document holds: the transcript or the latest note.
const (
	kindTranscript = 0
	kindNote       = 1
)

// indexTx replaces the search document of an encounter's transcript or note. The
// index holds keyed hashes of the words, never the words (package crypt).
// The document also carries a tag token for the encounter's patient, so a search
// for one patient's encounters is an intersection inside the index rather than a
// scan of every match.
func (db *DB) indexTx(ctx context.Context, tx *sql.Tx, encID int64, kind int, text string) error {
	var patient int64
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(patient_id, 0) FROM encounters WHERE id = ?`, encID).Scan(&patient); err != nil {
		return fmt.Errorf("update search index: %w", err)
	}
	return indexWith(ctx, tx, db.keys.NewTokenizer(), encID, patient, kind, text)
}

func patientTag(tok *crypt.Tokenizer, patient int64) string {
	return tok.Tag(fmt.Sprintf("patient/%d", patient))
}

func indexWith(ctx context.Context, tx *sql.Tx, tok *crypt.Tokenizer, encID, patient int64, kind int, text string) error {
	doc := tok.Document(text)
	if patient != 0 {
		doc += " " + patientTag(tok, patient)
	}
	rowid := encID*2 + int64(kind)
	if _, err := tx.ExecContext(ctx, `DELETE FROM search_fts WHERE rowid = ?`, rowid); err != nil {
		return fmt.Errorf("update search index: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO search_fts (rowid, tokens) VALUES (?, ?)`, rowid, doc); err != nil {
		return fmt.Errorf("update search index: %w", err)
	}
	return nil
}

// Query is a search: words that must all appear (accents and case ignored; "word*"
// for a prefix of 4 to 6 letters), and optional filters.
type Query struct {
	Text      string
	PatientID int64     // 0: any patient
	From, To  time.Time // on the encounter's start, To exclusive; zero: unbounded
	Limit     int       // default 20
}

// Hit is an encounter that matches, most recently created first. Snippet is the first matching line
// (decrypted for the caller: show it only to users).
type Hit struct {
	EncounterID int64                 `json:"encounter_id"`
	Kind        string                `json:"kind"` // "transcript" or "note"
	StartedAt   time.Time             `json:"started_at"`
	PatientID   int64                 `json:"patient_id,omitempty"`
	State       domain.EncounterState `json:"state"`
	Snippet     string                `json:"snippet,omitempty"`
}

// Search finds encounters whose transcript or latest note holds all the words.
func (db *DB) Search(ctx context.Context, q Query) ([]Hit, error) {
	tok := db.keys.NewTokenizer()
	match := tok.Query(q.Text)
	if match == "" {
		return nil, domain.Errorf(domain.EInvalid, "the search has no words")
	}
	if q.PatientID != 0 {
		match = "(" + match + ") AND " + patientTag(tok, q.PatientID)
	}
	var filters []string
	var fargs []any
	if !q.From.IsZero() {
		filters, fargs = append(filters, "e.started_at >= ?"), append(fargs, ms(q.From))
	}
	if !q.To.IsZero() {
		filters, fargs = append(filters, "e.started_at < ?"), append(fargs, ms(q.To))
	}
	where := append([]string{"search_fts MATCH ?"}, filters...)
	args := append([]any{match}, fargs...)
	if q.PatientID != 0 { // the tag already selects the patient; this keeps it exact
		where, args = append(where, "e.patient_id = ?"), append(args, q.PatientID)
	}
	if len(filters) > 0 {
		// Bound the index scan by the ids of the encounters the filters allow: exact
		// (every allowed id lies between their min and max) and, since ids grow with
		// time, usually tight.
		var lo, hi sql.NullInt64
		if err := db.db.QueryRowContext(ctx, `SELECT min(e.id), max(e.id) FROM encounters e WHERE `+strings.Join(filters, " AND "), fargs...).Scan(&lo, &hi); err != nil {
			return nil, fmt.Errorf("search: %w", err)
		}
		if !lo.Valid {
			return nil, nil
		}
		where, args = append(where, "f.rowid BETWEEN ? AND ?"), append(args, lo.Int64*2, hi.Int64*2+1)
	}
	if q.Limit <= 0 {
		q.Limit = 20
	}
	// Newest encounters first (by id, the order they were created): FTS5 walks its
	// index in rowid order, so a LIMIT stops the scan early even for common words.
	rows, err := db.db.QueryContext(ctx, `SELECT f.rowid, e.started_at, coalesce(e.patient_id, 0), e.state
		FROM search_fts f JOIN encounters e ON e.id = f.rowid / 2
		WHERE `+strings.Join(where, " AND ")+fmt.Sprintf(` ORDER BY f.rowid DESC LIMIT %d`, q.Limit), args...)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	var hits []Hit
	for rows.Next() {
		var h Hit
		var rowid, at int64
		if err := rows.Scan(&rowid, &at, &h.PatientID, &h.State); err != nil {
			rows.Close()
			return nil, fmt.Errorf("search: %w", err)
		}
		h.EncounterID, h.StartedAt, h.Kind = rowid/2, fromMS(at), "transcript"
		if rowid%2 == kindNote {
			h.Kind = "note"
		}
		hits = append(hits, h)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	for i := range hits {
		if hits[i].Snippet, err = db.snippet(ctx, hits[i], q.Text); err != nil {
			return nil, err
		}
	}
	return hits, nil
}

// snippet decrypts the matched document and returns its first line holding a query word.
func (db *DB) snippet(ctx context.Context, h Hit, query string) (string, error) {
	var lines []string
	if h.Kind == "note" {
		v, err := db.GetLatestDraft(ctx, h.EncounterID)
		if err != nil {
			return "", err
		}
		lines = strings.Split(v.Text, "\n")
	} else {
		segs, err := db.Segments(ctx, h.EncounterID)
		if err != nil {
			return "", err
		}
		for _, s := range segs {
			lines = append(lines, s.Text)
		}
	}
	type term struct {
		w      string
		prefix bool
	}
	var terms []term
	for _, f := range strings.Fields(query) {
		for _, w := range crypt.Words(f) {
			terms = append(terms, term{w, strings.HasSuffix(f, "*")})
		}
	}
	for _, l := range lines {
		for _, w := range crypt.Words(l) {
			for _, t := range terms {
				if w == t.w || (t.prefix && strings.HasPrefix(w, t.w)) {
					l = strings.TrimSpace(l)
					if r := []rune(l); len(r) > 160 {
						l = string(r[:160]) + "…"
					}
					return l, nil
				}
			}
		}
	}
	return "", nil
}
