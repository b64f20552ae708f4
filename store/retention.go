package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"greffier/domain"
)

// RetentionReport says what a retention run did.
type RetentionReport struct {
	Days    int      `json:"days"`
	Deleted int      `json:"deleted"`
	Failed  []string `json:"failed,omitempty"` // recordings whose file could not be deleted
}

// RunRetention deletes the audio files of encounters approved more than
// RetentionDays ago and marks their recordings deleted. Notes and transcripts stay.
// A file already gone counts as deleted; one that cannot be removed is reported and
// retried on the next run.
func (db *DB) RunRetention(ctx context.Context) (RetentionReport, error) {
	days, err := db.RetentionDays(ctx)
	rep := RetentionReport{Days: days}
	if err != nil {
		// Deleting patient audio on a misread setting is worse than not deleting.
		return rep, domain.Wrap(domain.EInvalid, err, "retention not run")
	}
	cutoff := db.now().Add(-time.Duration(days) * 24 * time.Hour)
	rows, err := db.db.QueryContext(ctx, `SELECT r.id, r.encounter_id, r.path_enc FROM recordings r JOIN encounters e ON e.id = r.encounter_id
		WHERE r.deleted_at IS NULL AND e.approved_at IS NOT NULL AND e.approved_at <= ? ORDER BY r.id`, ms(cutoff))
	if err != nil {
		return rep, fmt.Errorf("retention: %w", err)
	}
	type rec struct {
		id, enc int64
		path    string
	}
	var due []rec
	for rows.Next() {
		var r rec
		var path []byte
		if err := rows.Scan(&r.id, &r.enc, &path); err != nil {
			rows.Close()
			return rep, fmt.Errorf("retention: %w", err)
		}
		if r.path, err = db.keys.OpenString(path, recordingAAD(r.enc)); err != nil {
			rows.Close()
			return rep, fmt.Errorf("retention: recording %d path: %w", r.id, err)
		}
		due = append(due, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return rep, fmt.Errorf("retention: %w", err)
	}
	for _, r := range due {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		// File first, then the row: a crash in between leaves a row that the next
		// run finishes (the file is then already gone).
		if err := os.Remove(r.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			rep.Failed = append(rep.Failed, fmt.Sprintf("recording %d: %v", r.id, err))
			continue
		}
		err := db.write(ctx, "retention", func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, `UPDATE recordings SET deleted_at = ? WHERE id = ?`, ms(db.now()), r.id); err != nil {
				return fmt.Errorf("retention: %w", err)
			}
			return db.auditTx(ctx, tx, actor{Name: "greffier"}, ActionRetain, r.enc, fmt.Sprintf("recording=%d days=%d", r.id, days))
		})
		if err != nil {
			return rep, err
		}
		rep.Deleted++
	}
	return rep, nil
}
