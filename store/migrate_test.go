package store

import (
	"context"
	"path/filepath"
	"testing"
)

// A migration that fails part-way leaves nothing behind: neither its first
// statements nor its record.
func TestFailedMigrationRollsBack(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "g.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	bad := migration{version: 999, name: "0999_bad.sql", sql: "CREATE TABLE half_done (a);\nSELECT nope FROM nowhere;"}
	if err := db.applyMigration(ctx, bad); err == nil {
		t.Fatal("a broken migration applied")
	}
	var n int
	if err := db.db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE name = 'half_done'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("half_done table left behind: %d %v", n, err)
	}
	if v, _ := db.SchemaVersion(ctx); v == 999 {
		t.Error("broken migration recorded")
	}
	ms, err := loadMigrations()
	if err != nil || len(ms) < 3 || ms[0].version != 1 || ms[0].name != "0001_encounters.sql" {
		t.Fatalf("migrations: %+v %v", ms, err)
	}
}
