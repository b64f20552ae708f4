package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"greffier/domain"
)

// SaveLiveSegments stores the transcript so far of an encounter being recorded,
// replacing the previous so-far, each time a window of the live transcription is
// final: a crash loses none of it. The state stays recording (SaveSegments, at the
// end, moves it on); past recording it is EConflict.
func (db *DB) SaveLiveSegments(ctx context.Context, encID int64, segs []domain.Segment) error {
	return db.write(ctx, "save live transcript", func(tx *sql.Tx) error {
		st, err := lockEncounterTx(ctx, tx, encID)
		if err != nil {
			return err
		}
		if st != domain.StateRecording {
			return domain.Errorf(domain.EConflict, "encounter %d is %s: the live transcript is no longer saved", encID, st)
		}
		return db.saveSegmentsTx(ctx, tx, encID, segs)
	})
}

// RecordingByKey returns the recording kept under file key keyID, if any: keeping a
// spool twice (a crash between registering it and removing the spool) registers it
// once.
func (db *DB) RecordingByKey(ctx context.Context, keyID int64) (int64, bool, error) {
	var id int64
	err := db.db.QueryRowContext(ctx, `SELECT id FROM recordings WHERE key_id = ?`, keyID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("find recording of key %d: %w", keyID, err)
	}
	return id, true, nil
}
