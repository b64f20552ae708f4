package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func openForCommit(t *testing.T) *DB {
	t.Helper()
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "greffier.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func setting(key string) func(tx *sql.Tx) error {
	return func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO settings (key, value, updated_at) VALUES (?, 'x', 0)`, key)
		return err
	}
}

// A group whose transaction is lost (here a write ends it with ROLLBACK) is run again
// write by write: the others are committed once each, the culprit fails alone.
func TestLostGroupRunsEachWriteAlone(t *testing.T) {
	ctx := context.Background()
	db := openForCommit(t)
	var group []*writeJob
	for i := range 4 {
		f := setting(fmt.Sprintf("test.k%d", i))
		if i == 2 {
			f = func(tx *sql.Tx) error {
				_, err := tx.Exec(`ROLLBACK`)
				return err
			}
		}
		group = append(group, &writeJob{ctx: ctx, what: fmt.Sprint("write ", i), f: f, done: make(chan error, 1)})
	}
	db.runGroup(group)
	for i, j := range group {
		err := <-j.done
		if (err != nil) != (i == 2) {
			t.Errorf("write %d: %v", i, err)
		}
	}
	var n int
	if err := db.db.QueryRow(`SELECT count(*) FROM settings WHERE key LIKE 'test.k%'`).Scan(&n); err != nil || n != 3 {
		t.Fatalf("%d settings written (%v), want 3", n, err)
	}
}

// A write that panics fails alone, and the committer goes on serving.
func TestPanickingWriteFailsAlone(t *testing.T) {
	ctx := context.Background()
	db := openForCommit(t)
	err := db.write(ctx, "boom", func(tx *sql.Tx) error { panic("boom") })
	if err == nil || !strings.Contains(err.Error(), "panic") {
		t.Fatalf("panicking write: %v", err)
	}
	if err := db.write(ctx, "after", setting("test.after")); err != nil {
		t.Fatalf("write after a panic: %v", err)
	}
}

// A handle closed before it ever wrote refuses writes too, rather than leaving them
// waiting for a committer that never started.
func TestWriteAfterCloseWithoutWritesRefused(t *testing.T) {
	ctx := context.Background()
	l, err := OpenLocked(ctx, filepath.Join(t.TempDir(), "greffier.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
	done := make(chan error, 1)
	go func() { done <- l.db.write(ctx, "late", setting("test.late")) }()
	select {
	case err := <-done:
		if !errors.Is(err, errClosed) {
			t.Fatalf("write after Close: %v, want %v", err, errClosed)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a write after Close is left waiting")
	}
}
