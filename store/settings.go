package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
)

// Settings keys.
const (
	// SettingRetentionDays is how many days after approval audio is deleted.
	SettingRetentionDays = "retention.audio_days"
)

// DefaultRetentionDays is the audio retention when the setting is absent.
const DefaultRetentionDays = 30

// Setting returns a setting's value and whether it is set.
func (db *DB) Setting(ctx context.Context, key string) (string, bool, error) {
	var v string
	err := db.db.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("read setting %s: %w", key, err)
	}
	return v, true, nil
}

// SetSetting stores a setting; by is recorded in the audit log.
func (db *DB) SetSetting(ctx context.Context, key, value string, by int64) error {
	return db.write(ctx, "save setting", func(tx *sql.Tx) error {
		a, err := actorTx(ctx, tx, by)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, key, value, ms(db.now())); err != nil {
			return fmt.Errorf("save setting %s: %w", key, err)
		}
		return db.auditTx(ctx, tx, a, ActionSettings, 0, "key="+key)
	})
}

// RetentionDays returns the audio retention in days (DefaultRetentionDays if unset
// or not a non-negative number).
func (db *DB) RetentionDays(ctx context.Context) (int, error) {
	v, ok, err := db.Setting(ctx, SettingRetentionDays)
	if err != nil || !ok {
		return DefaultRetentionDays, err
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return DefaultRetentionDays, fmt.Errorf("setting %s = %q is not a number of days; using %d", SettingRetentionDays, v, DefaultRetentionDays)
	}
	return n, nil
}
