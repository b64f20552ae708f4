package main

import (
	"context"
	"strings"
	"testing"

	"greffier/store"
)

// Reading patient data through the CLI is on record with the session's user:
// opening a note, comparing versions, searching, exporting — and an export that a
// receiver refused, which it may still have received.
func TestCLIReadsAreAuditedWithTheSessionUser(t *testing.T) {
	dbp, _ := exportFixture(t)
	auth := protectDB(t, dbp, "Dr Éloïse Durand", "Léa")
	as := func(user string, args ...string) {
		t.Helper()
		if code, _, errs := runCLI(t, append(args, "--db", dbp, "--as", user, "--auth-file", auth[user])...); code != 0 && !strings.Contains(strings.Join(args, " "), "AE") {
			t.Fatalf("%v: %d %s", args, code, errs)
		}
	}
	as("Léa", "encounters", "show", "1")
	as("Léa", "encounters", "diff", "1", "1", "1")
	as("Léa", "search", "Pneumopathie")
	as("Dr Éloïse Durand", "approve", "1")
	refusing := mllpListener(t, "AE", "unknown patient")
	runCLI(t, "export", "1", "--format", "hl7", "--post", refusing, "--db", dbp, "--as", "Léa", "--auth-file", auth["Léa"])
	as("Léa", "export", "1", "--format", "txt")

	ctx := context.Background()
	l, err := store.OpenLocked(ctx, dbp, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	db, _, err := l.Login(ctx, "Root", "root password 1")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	entries, err := db.Audit(ctx, store.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ action, detail string }{
		{store.ActionView, ""},
		{store.ActionView, "diff=1..1"},
		{store.ActionSearch, "results=1 encounters=1"},
		{store.ActionExportFailed, "format=hl7 error=invalid"},
		{store.ActionExport, "format=txt"},
	}
	for _, w := range want {
		found := false
		for _, e := range entries {
			if e.Action == w.action && e.Detail == w.detail && e.Actor == "Léa" {
				found = true
			}
		}
		if !found {
			t.Errorf("no %s %q by Léa in the audit log", w.action, w.detail)
		}
	}
	for _, e := range entries {
		if strings.Contains(e.Detail, "Pneumopathie") {
			t.Errorf("the words searched are in the audit log: %+v", e)
		}
	}
}
