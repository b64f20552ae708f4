package store

import (
	"context"
	"database/sql"
)

// RawQueryRow and RawExec let tests look under the API (pragmas, tampering).
func (db *DB) RawQueryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return db.db.QueryRowContext(ctx, q, args...)
}

func (db *DB) RawExec(ctx context.Context, q string, args ...any) error {
	_, err := db.db.ExecContext(ctx, q, args...)
	return err
}
