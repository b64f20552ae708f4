package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"greffier/domain"
)

// Recording is an audio file of an encounter. SHA256 is of the file as stored (after
// encryption when Encrypted), so it checks the file on disk.
type Recording struct {
	ID          int64      `json:"id"`
	EncounterID int64      `json:"encounter_id"`
	Path        string     `json:"path"`
	SHA256      string     `json:"sha256"`
	Size        int64      `json:"size"`
	Encrypted   bool       `json:"encrypted"`
	CreatedAt   time.Time  `json:"created_at"`
	DeletedAt   *time.Time `json:"deleted_at,omitempty"`
	KeyID       int64      `json:"-"` // its file key (FileKey); 0: the database's
}

// SaveRecording registers the audio file at path for an encounter, hashing it.
// Encrypt the file first (Keys().EncryptFile or Keys().NewWriter) and say so.
func (db *DB) SaveRecording(ctx context.Context, encID int64, path string, encrypted bool) (Recording, error) {
	return db.saveRecording(ctx, encID, path, encrypted, 0)
}

func (db *DB) saveRecording(ctx context.Context, encID int64, path string, encrypted bool, keyID int64) (Recording, error) {
	sum, size, err := hashFile(path)
	if err != nil {
		return Recording{}, domain.Wrap(domain.EInvalid, err, "recording %s", path)
	}
	r := Recording{EncounterID: encID, Path: path, SHA256: sum, Size: size, Encrypted: encrypted, CreatedAt: db.now(), KeyID: keyID}
	err = db.write(ctx, "save recording", func(tx *sql.Tx) error {
		if _, err := lockEncounterTx(ctx, tx, encID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO recordings (encounter_id, path_enc, sha256, size, encrypted, created_at, key_id) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			encID, db.keys.SealString(path, recordingAAD(encID)), sum, size, encrypted, ms(r.CreatedAt), nullID(keyID))
		if err != nil {
			return fmt.Errorf("save recording: %w", err)
		}
		if r.ID, err = res.LastInsertId(); err != nil {
			return err
		}
		return db.auditTx(ctx, tx, actor{Name: "greffier"}, ActionRecord, encID, fmt.Sprintf("recording=%d", r.ID))
	})
	return r, err
}

func recordingAAD(encID int64) string { return fmt.Sprintf("recording/%d/path", encID) }

func hashFile(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, fmt.Errorf("read: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// Recordings returns an encounter's recordings, deleted ones included.
func (db *DB) Recordings(ctx context.Context, encID int64) ([]Recording, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT id, encounter_id, path_enc, sha256, size, encrypted, created_at, deleted_at, coalesce(key_id, 0)
		FROM recordings WHERE encounter_id = ? ORDER BY id`, encID)
	if err != nil {
		return nil, fmt.Errorf("list recordings: %w", err)
	}
	defer rows.Close()
	var out []Recording
	for rows.Next() {
		var r Recording
		var created int64
		var deleted sql.NullInt64
		var path []byte
		if err := rows.Scan(&r.ID, &r.EncounterID, &path, &r.SHA256, &r.Size, &r.Encrypted, &created, &deleted, &r.KeyID); err != nil {
			return nil, fmt.Errorf("list recordings: %w", err)
		}
		if r.Path, err = db.keys.OpenString(path, recordingAAD(r.EncounterID)); err != nil {
			return nil, fmt.Errorf("recording %d path: %w", r.ID, err)
		}
		r.CreatedAt, r.DeletedAt = fromMS(created), fromNullMS(deleted)
		out = append(out, r)
	}
	return out, rows.Err()
}

func segmentAAD(encID int64, idx int) string { return fmt.Sprintf("segment/%d/%d", encID, idx) }

// SaveSegments stores an encounter's transcript, replacing any previous one, and
// moves it from recording to transcribed. Once a note is drafted the transcript is
// evidence and can no longer be replaced (EConflict).
func (db *DB) SaveSegments(ctx context.Context, encID int64, segs []domain.Segment) error {
	return db.write(ctx, "save transcript", func(tx *sql.Tx) error {
		st, err := lockEncounterTx(ctx, tx, encID)
		if err != nil {
			return err
		}
		if st != domain.StateRecording && st != domain.StateTranscribed {
			return domain.Errorf(domain.EConflict, "encounter %d is %s: its transcript can no longer be replaced", encID, st)
		}
		if err := db.saveSegmentsTx(ctx, tx, encID, segs); err != nil {
			return err
		}
		if err := db.setStateTx(ctx, tx, encID, domain.StateTranscribed); err != nil {
			return err
		}
		return db.auditTx(ctx, tx, actor{Name: "greffier"}, ActionTranscr, encID, fmt.Sprintf("segments=%d", len(segs)))
	})
}

func (db *DB) saveSegmentsTx(ctx context.Context, tx *sql.Tx, encID int64, segs []domain.Segment) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM segments WHERE encounter_id = ?`, encID); err != nil {
		return fmt.Errorf("replace transcript: %w", err)
	}
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO segments (encounter_id, idx, start_ms, end_ms, turn, role, token_prob, min_token_prob, no_speech_prob, text_enc)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return fmt.Errorf("save transcript: %w", err)
	}
	defer stmt.Close()
	var all strings.Builder
	for i, s := range segs {
		if _, err := stmt.ExecContext(ctx, encID, i, s.StartMS, s.EndMS, s.Turn, string(s.Role), s.TokenProb, s.MinTokenProb, s.NoSpeechProb,
			db.keys.SealString(s.Text, segmentAAD(encID, i))); err != nil {
			return fmt.Errorf("save segment %d: %w", i, err)
		}
		all.WriteString(s.Text)
		all.WriteByte('\n')
	}
	return db.indexTx(ctx, tx, encID, kindTranscript, all.String())
}

// Segments returns an encounter's transcript, decrypted. IDs are the segment's index.
func (db *DB) Segments(ctx context.Context, encID int64) ([]domain.Segment, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT idx, start_ms, end_ms, turn, role, token_prob, min_token_prob, no_speech_prob, text_enc
		FROM segments WHERE encounter_id = ? ORDER BY idx`, encID)
	if err != nil {
		return nil, fmt.Errorf("load transcript: %w", err)
	}
	defer rows.Close()
	var out []domain.Segment
	for rows.Next() {
		var s domain.Segment
		var enc []byte
		if err := rows.Scan(&s.ID, &s.StartMS, &s.EndMS, &s.Turn, &s.Role, &s.TokenProb, &s.MinTokenProb, &s.NoSpeechProb, &enc); err != nil {
			return nil, fmt.Errorf("load transcript: %w", err)
		}
		if s.Text, err = db.keys.OpenString(enc, segmentAAD(encID, s.ID)); err != nil {
			return nil, fmt.Errorf("encounter %d segment %d: %w", encID, s.ID, err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
