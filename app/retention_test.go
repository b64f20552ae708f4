package app_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"greffier/app"
	"greffier/appdirs"
	"greffier/store/crypt"
)

// The app runs retention when it starts (then daily, RetentionEvery shortens it
// here): an export and a recorder leftover past the retention period go; a recent
// export stays. Close stops the background work.
func TestAppRunsRetention(t *testing.T) {
	dirs := appdirs.Dirs{Data: t.TempDir()}
	old := time.Now().Add(-31 * 24 * time.Hour)
	mk := func(p string, mtime time.Time) string {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("patient data"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			t.Fatal(err)
		}
		return p
	}
	oldExport := mk(filepath.Join(dirs.Data, "exports", "encounter-1.fhir.json"), old)
	oldMeta := mk(filepath.Join(dirs.Recordings(), "encounter-1", "rec.json"), old)
	newExport := mk(filepath.Join(dirs.Data, "exports", "encounter-2.txt"), time.Now())
	s := app.New(app.Config{Dirs: dirs, RetentionEvery: 50 * time.Millisecond, KDF: crypt.TestKDF()})
	if err := s.Start(context.Background(), &recorder{}); err != nil {
		t.Fatal(err)
	}
	// Retention runs once a user unlocks the database (the first admin here).
	setUp(t, s)
	deadline := time.Now().Add(20 * time.Second)
	for _, p := range []string{oldExport, oldMeta} {
		for {
			if _, err := os.Stat(p); os.IsNotExist(err) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s still there after the start's retention", p)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	// A file made old after the start is swept by a later (here: 50 ms) run.
	later := mk(filepath.Join(dirs.Data, "exports", "encounter-3.hl7"), old)
	for {
		if _, err := os.Stat(later); os.IsNotExist(err) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no retention run after the first")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(newExport); err != nil {
		t.Errorf("a recent export was deleted: %v", err)
	}
}
