package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The database file put back to an older copy (changes made since: the note
// signed) is refused at the next command; an admin accepts a restore made on
// purpose with --accept-restore.
func TestCLIRefusesADatabaseRolledBack(t *testing.T) {
	dbp, _ := exportFixture(t)
	auth := protectDB(t, dbp, "Dr Éloïse Durand", "Léa")
	as := func(user string, args ...string) (int, string, string) {
		t.Helper()
		return runCLI(t, append(args, "--db", dbp, "--as", user, "--auth-file", auth[user])...)
	}
	if code, _, errs := as("Léa", "encounters", "list"); code != 0 {
		t.Fatalf("list: %d %s", code, errs)
	}
	saved := filepath.Join(t.TempDir(), "old.db")
	copyFile(t, dbp, saved)
	if code, _, errs := as("Dr Éloïse Durand", "approve", "1"); code != 0 {
		t.Fatalf("approve: %d %s", code, errs)
	}
	copyFile(t, saved, dbp)
	os.Remove(dbp + "-wal")
	os.Remove(dbp + "-shm")
	code, _, errs := as("Léa", "encounters", "list")
	if code != exitConflict || !strings.Contains(errs, "older copy") {
		t.Fatalf("rolled-back database: exit %d %q, want 5", code, errs)
	}
	if code, _, _ := as("Léa", "encounters", "list", "--accept-restore"); code != exitConflict {
		t.Fatalf("a secretary accepts a restore: exit %d, want 5", code)
	}
	if code, _, errs := as("Root", "users", "list", "--accept-restore"); code != 0 {
		t.Fatalf("admin accepts the restore: %d %s", code, errs)
	}
	if code, out, errs := as("Léa", "encounters", "list"); code != 0 || strings.Contains(out, "approved") {
		t.Fatalf("after the accepted restore: %d %q %q", code, out, errs)
	}
}

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o600); err != nil {
		t.Fatal(err)
	}
}
