package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"greffier/domain"
)

// RetentionReport says what a retention run did.
type RetentionReport struct {
	Days    int      `json:"days"`
	Deleted int      `json:"deleted"`          // recordings deleted, their keys destroyed
	Keys    int      `json:"keys"`             // keys of orphaned audio (spools never kept) destroyed
	Files   int      `json:"files"`            // other files removed: exports, recorder leftovers, orphaned spools
	Failed  []string `json:"failed,omitempty"` // what could not be deleted; retried on the next run
}

// RetentionScope names the folders a retention run sweeps besides the recordings
// the database knows: the exports folder, and the recordings folder for what the
// recorder leaves (metadata, spools of recordings never kept). "" skips one.
type RetentionScope struct {
	Exports    string
	Recordings string
}

// RunRetention is RunRetentionWith and no folder to sweep.
func (db *DB) RunRetention(ctx context.Context) (RetentionReport, error) {
	return db.RunRetentionWith(ctx, RetentionScope{})
}

// RunRetentionWith deletes patient audio and files older than RetentionDays:
//   - kept recordings of encounters approved that long ago, or never approved and
//     untouched that long; the row is marked deleted and the file's key destroyed,
//     so no copy of the file (a backup) can be decrypted again;
//   - keys of audio never kept (a spool abandoned) created that long ago;
//   - in the scope's folders, files last modified that long ago that are not a
//     kept recording still due to stay: exports, recorder metadata, orphaned spools.
//
// Notes and transcripts stay. A file already gone counts as deleted; one that
// cannot be removed is reported and retried on the next run.
func (db *DB) RunRetentionWith(ctx context.Context, scope RetentionScope) (RetentionReport, error) {
	days, err := db.RetentionDays(ctx)
	rep := RetentionReport{Days: days}
	if err != nil {
		// Deleting patient audio on a misread setting is worse than not deleting.
		return rep, domain.Wrap(domain.EInvalid, err, "retention not run")
	}
	cutoff := db.now().Add(-time.Duration(days) * 24 * time.Hour)
	if err := db.retainRecordings(ctx, cutoff, &rep); err != nil {
		return rep, err
	}
	if err := db.retainOrphanKeys(ctx, cutoff, &rep); err != nil {
		return rep, err
	}
	if rep.Deleted+rep.Keys > 0 {
		// The WAL still holds the pages with the keys until a checkpoint.
		if _, err := db.db.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
			return rep, fmt.Errorf("retention: checkpoint: %w", err)
		}
	}
	keep, err := db.liveRecordingPaths(ctx)
	if err != nil {
		return rep, err
	}
	for _, dir := range []string{scope.Exports, scope.Recordings} {
		if dir != "" {
			sweep(dir, cutoff, keep, &rep)
		}
	}
	return rep, nil
}

type dueRecording struct {
	id, enc, key int64
	path         string
}

func (db *DB) retainRecordings(ctx context.Context, cutoff time.Time, rep *RetentionReport) error {
	rows, err := db.db.QueryContext(ctx, `SELECT r.id, r.encounter_id, r.path_enc, coalesce(r.key_id, 0) FROM recordings r JOIN encounters e ON e.id = r.encounter_id
		WHERE r.deleted_at IS NULL AND ((e.approved_at IS NOT NULL AND e.approved_at <= ?)
			OR (e.approved_at IS NULL AND e.updated_at <= ? AND r.created_at <= ?
				AND NOT EXISTS (SELECT 1 FROM draft_versions d WHERE d.encounter_id = e.id AND d.created_at > ?)))
		ORDER BY r.id`, ms(cutoff), ms(cutoff), ms(cutoff), ms(cutoff))
	if err != nil {
		return fmt.Errorf("retention: %w", err)
	}
	var due []dueRecording
	for rows.Next() {
		var r dueRecording
		var path []byte
		if err := rows.Scan(&r.id, &r.enc, &path, &r.key); err != nil {
			rows.Close()
			return fmt.Errorf("retention: %w", err)
		}
		if r.path, err = db.keys.OpenString(path, recordingAAD(r.enc)); err != nil {
			rows.Close()
			return fmt.Errorf("retention: recording %d path: %w", r.id, err)
		}
		due = append(due, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("retention: %w", err)
	}
	for _, r := range due {
		if err := ctx.Err(); err != nil {
			return err
		}
		// File first, then the row and the key: a crash in between leaves a row
		// that the next run finishes (the file is then already gone).
		if err := os.Remove(r.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			rep.Failed = append(rep.Failed, fmt.Sprintf("recording %d: %v", r.id, err))
			continue
		}
		err := db.write(ctx, "retention", func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, `UPDATE recordings SET deleted_at = ? WHERE id = ?`, ms(db.now()), r.id); err != nil {
				return fmt.Errorf("retention: %w", err)
			}
			if r.key != 0 {
				if err := db.destroyFileKeyTx(ctx, tx, r.key); err != nil {
					return err
				}
			}
			return db.auditTx(ctx, tx, actor{Name: "greffier"}, ActionRetain, r.enc, fmt.Sprintf("recording=%d days=%d", r.id, rep.Days))
		})
		if err != nil {
			return err
		}
		rep.Deleted++
	}
	return nil
}

// retainOrphanKeys destroys the keys of audio that was never kept as a recording
// (an abandoned spool): after the retention period, whatever is left of it must not
// be readable.
func (db *DB) retainOrphanKeys(ctx context.Context, cutoff time.Time, rep *RetentionReport) error {
	return db.write(ctx, "retention", func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id FROM file_keys k WHERE key_enc IS NOT NULL AND created_at <= ?
			AND NOT EXISTS (SELECT 1 FROM recordings r WHERE r.key_id = k.id AND r.deleted_at IS NULL)`, ms(cutoff))
		if err != nil {
			return fmt.Errorf("retention: %w", err)
		}
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return fmt.Errorf("retention: %w", err)
			}
			ids = append(ids, id)
		}
		rows.Close()
		for _, id := range ids {
			if err := db.destroyFileKeyTx(ctx, tx, id); err != nil {
				return err
			}
		}
		rep.Keys = len(ids)
		return rows.Err()
	})
}

// liveRecordingPaths are the files of recordings not deleted: a sweep keeps them
// whatever their age (their encounter decides when they go).
func (db *DB) liveRecordingPaths(ctx context.Context) (map[string]bool, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT encounter_id, path_enc FROM recordings WHERE deleted_at IS NULL`)
	if err != nil {
		return nil, fmt.Errorf("retention: %w", err)
	}
	defer rows.Close()
	keep := map[string]bool{}
	for rows.Next() {
		var enc int64
		var sealed []byte
		if err := rows.Scan(&enc, &sealed); err != nil {
			return nil, fmt.Errorf("retention: %w", err)
		}
		p, err := db.keys.OpenString(sealed, recordingAAD(enc))
		if err != nil {
			return nil, fmt.Errorf("retention: recording path: %w", err)
		}
		keep[filepath.Clean(p)] = true
	}
	return keep, rows.Err()
}

// sweep removes the files under dir last modified before cutoff, except those in
// keep, then the folders left empty. A spool being recorded is written every 100 ms,
// so it is never that old.
func sweep(dir string, cutoff time.Time, keep map[string]bool, rep *RetentionReport) {
	var dirs []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if !errors.Is(err, fs.ErrNotExist) {
				rep.Failed = append(rep.Failed, fmt.Sprintf("%s: %v", p, err))
			}
			return nil
		}
		if d.IsDir() {
			if p != dir {
				dirs = append(dirs, p)
			}
			return nil
		}
		info, err := d.Info()
		if err != nil || !info.Mode().IsRegular() || !info.ModTime().Before(cutoff) || keep[filepath.Clean(p)] {
			return nil
		}
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			rep.Failed = append(rep.Failed, fmt.Sprintf("%s: %v", p, err))
			return nil
		}
		rep.Files++
		return nil
	})
	// Deepest first; a folder that is not empty stays.
	for i := len(dirs) - 1; i >= 0; i-- {
		os.Remove(dirs[i])
	}
}
