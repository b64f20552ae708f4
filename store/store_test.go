package store_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"greffier/domain"
	"greffier/store"
	"greffier/store/crypt"
)

// mustOpen opens a fresh database in a temporary folder and closes it at the end.
func mustOpen(tb testing.TB) *store.DB {
	tb.Helper()
	db, err := store.Open(context.Background(), filepath.Join(tb.TempDir(), "greffier.db"))
	if err != nil {
		tb.Fatalf("open: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func TestOpenSetsPragmasAndMigrates(t *testing.T) {
	ctx := context.Background()
	// Spaces, # and % in the path are plain file name characters, not URI syntax.
	path := filepath.Join(t.TempDir(), "sub dir#1%20", "greffier.db")
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	v1, err := db.SchemaVersion(ctx)
	if err != nil || v1 < 3 {
		t.Fatalf("schema version %d, %v", v1, err)
	}
	for pragma, want := range map[string]string{"journal_mode": "wal", "foreign_keys": "1", "synchronous": "2", "busy_timeout": "10000"} {
		var got string
		if err := db.RawQueryRow(ctx, "PRAGMA "+pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("PRAGMA %s = %s, want %s", pragma, got, want)
		}
	}
	ver, err := db.SQLiteVersion(ctx)
	if err != nil || !strings.HasPrefix(ver, "3.") {
		t.Errorf("sqlite version %q, %v", ver, err)
	}
	if _, err := db.CreateEncounter(ctx, store.NewEncounter{}); err != nil {
		t.Fatal(err)
	}
	db.Close()

	// Migrating twice is harmless: reopening applies nothing and keeps the data.
	db, err = store.Open(ctx, path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer db.Close()
	v2, _ := db.SchemaVersion(ctx)
	if v2 != v1 {
		t.Errorf("schema version changed on reopen: %d -> %d", v1, v2)
	}
	// One row per migration file (numbers may have gaps while branches merge).
	files, err := filepath.Glob("migrations/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("migration files: %v %v", files, err)
	}
	var n int
	if err := db.RawQueryRow(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil || n != len(files) {
		t.Errorf("schema_migrations rows %d, want %d (%v)", n, len(files), err)
	}
	list, err := db.ListEncounters(ctx, store.ListFilter{})
	if err != nil || len(list) != 1 {
		t.Errorf("encounters after reopen: %d, %v", len(list), err)
	}
	for _, f := range []string{path, path + "-wal"} {
		if st, err := os.Stat(f); err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v %v, want mode 0600", f, st, err)
		}
	}
	if st, err := os.Stat(store.KeyFile(path)); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("key file: %v %v", st, err)
	}
}

func TestOpenDamagedDatabaseSaysHowToRecover(t *testing.T) {
	path := filepath.Join(t.TempDir(), "greffier.db")
	if err := os.WriteFile(path, []byte(strings.Repeat("not a database ", 500)), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := store.Open(context.Background(), path)
	if err == nil {
		t.Fatal("opened garbage")
	}
	if domain.ErrorCode(err) != domain.EUnavailable || !strings.Contains(err.Error(), "greffier backup") {
		t.Errorf("error = %v (code %s), want the recovery path", err, domain.ErrorCode(err))
	}
}

func TestOpenRefusesWrongKey(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "greffier.db")
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	other := filepath.Join(t.TempDir(), "other.key")
	if _, _, err := crypt.LoadOrCreateKeyFile(other); err != nil {
		t.Fatal(err)
	}
	if _, err := store.OpenWith(ctx, path, store.Options{KeyFile: other}); err == nil || !strings.Contains(err.Error(), "does not match") {
		t.Errorf("open with another key file: %v", err)
	}
	if err := os.Remove(store.KeyFile(path)); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Open(ctx, path); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("open without the key file: %v", err)
	}
}

func TestOpenWithPassphrase(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "greffier.db")
	db, err := store.OpenWith(ctx, path, store.Options{Passphrase: "correct horse"})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := store.OpenWith(ctx, path, store.Options{Passphrase: "wrong horse"}); domain.ErrorCode(err) != domain.EInvalid {
		t.Errorf("wrong passphrase: %v", err)
	}
	db, err = store.OpenWith(ctx, path, store.Options{Passphrase: "correct horse"})
	if err != nil {
		t.Fatalf("right passphrase: %v", err)
	}
	db.Close()
}

func TestOpenDetectsDamagedPages(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "greffier.db")
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 50; i++ {
		if _, err := db.CreateEncounter(ctx, store.NewEncounter{}); err != nil {
			t.Fatal(err)
		}
	}
	db.Close() // checkpoints: everything is in the main file now
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	garbage := []byte(strings.Repeat("\xde\xad\xbe\xef", 1024))
	for _, page := range []int64{8, 12} {
		if _, err := f.WriteAt(garbage, page*4096); err != nil {
			t.Fatal(err)
		}
	}
	f.Close()
	_, err = store.OpenWith(ctx, path, store.Options{CheckEvery: -1})
	if domain.ErrorCode(err) != domain.EUnavailable || !strings.Contains(err.Error(), "damaged") || !strings.Contains(err.Error(), "greffier backup") {
		t.Fatalf("open a damaged file: %v", err)
	}
}

// Two handles on one file (the app and the CLI) write at the same time: the busy
// timeout and immediate transactions serialise them without "database is locked".
func TestConcurrentWriters(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "greffier.db")
	var dbs []*store.DB
	for i := 0; i < 2; i++ {
		db, err := store.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		dbs = append(dbs, db)
	}
	errs := make(chan error, 2)
	for i, db := range dbs {
		go func() {
			e, err := db.CreateEncounter(ctx, store.NewEncounter{})
			for v := 0; err == nil && v < 15; v++ {
				_, err = db.SaveDraftVersion(ctx, store.DraftInput{EncounterID: e.ID, By: store.System, Body: []byte(fmt.Sprintf(`{"writer":%d,"v":%d}`, i, v))})
			}
			errs <- err
		}()
	}
	for range dbs {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if n, err := dbs[0].VerifyAudit(ctx); err != nil || n != 2+30 {
		t.Fatalf("audit after concurrent writes: %d entries, %v", n, err)
	}
}
