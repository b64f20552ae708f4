package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"greffier/domain"
	"greffier/store"
)

func TestStoreCommands(t *testing.T) {
	dir := t.TempDir()
	dbp := filepath.Join(dir, "greffier.db")
	for _, u := range [][]string{{"Dr Martin", "physician"}, {"Léa", "secretary"}} {
		if code, out, errs := runCLI(t, "users", "add", u[0], "--role", u[1], "--db", dbp); code != 0 || !strings.Contains(out, u[0]) {
			t.Fatalf("users add %s: %d %q %q", u[0], code, out, errs)
		}
	}
	if code, _, errs := runCLI(t, "users", "add", "X", "--role", "nurse", "--db", dbp); code != 2 || !strings.Contains(errs, "--role") {
		t.Errorf("bad role: %d %q", code, errs)
	}
	code, out, _ := runCLI(t, "users", "list", "--db", dbp)
	if code != 0 || !strings.Contains(out, "Dr Martin") || !strings.Contains(out, "secretary") {
		t.Fatalf("users list: %d %q", code, out)
	}

	// greffier process (another package) will create encounters; here the store does.
	ctx := context.Background()
	db, err := store.Open(ctx, dbp)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := db.CreatePatient(ctx, store.Patient{LocalID: "P-7"})
	e, _ := db.CreateEncounter(ctx, store.NewEncounter{PatientID: p.ID})
	if err := db.SaveSegments(ctx, e.ID, []domain.Segment{{Text: "Douleur thoracique à l'effort."}}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SaveDraftVersion(ctx, store.DraftInput{EncounterID: e.ID, By: store.System, Body: []byte(`{"assessment":"Angor d'effort probable."}`)}); err != nil {
		t.Fatal(err)
	}
	audio := filepath.Join(dir, "a.enc")
	os.WriteFile(audio, []byte("x"), 0o600)
	db.SaveRecording(ctx, e.ID, audio, true)
	db.Close()
	id := "1"

	code, _, errs := runCLI(t, "approve", id, "--as", "Léa", "--db", dbp)
	if code != exitForbidden || !strings.Contains(errs, "not allowed") {
		t.Fatalf("secretary approves: exit %d, %q; want 4 and a message", code, errs)
	}
	if code, _, errs := runCLI(t, "approve", "99", "--as", "Dr Martin", "--db", dbp); code != exitNotFound || !strings.Contains(errs, "no encounter") {
		t.Errorf("approve missing encounter: %d %q", code, errs)
	}
	if code, out, errs := runCLI(t, "approve", id, "--as", "Dr Martin", "--db", dbp); code != 0 || !strings.Contains(out, "approved by Dr Martin") {
		t.Fatalf("physician approves: %d %q %q", code, out, errs)
	}
	if code, out, _ := runCLI(t, "encounters", "list", "--db", dbp); code != 0 || !strings.Contains(out, "approved") {
		t.Errorf("encounters list: %d %q", code, out)
	}
	if code, out, _ := runCLI(t, "encounters", "show", id, "--as", "Léa", "--db", dbp); code != 0 || !strings.Contains(out, "Angor") || !strings.Contains(out, "version 1 by greffier") {
		t.Errorf("encounters show: %d %q", code, out)
	}
	if code, out, errs := runCLI(t, "encounters", "audit", id, "--db", dbp); code != 0 || !strings.Contains(out, "Dr Martin  approve") || !strings.Contains(errs, "verified") {
		t.Errorf("encounters audit: %d %q %q", code, out, errs)
	}
	if code, out, errs := runCLI(t, "search", "effort", "--patient", "P-7", "--db", dbp); code != 0 || strings.Count(out, "\n") != 3 || !strings.Contains(out, "Douleur") {
		t.Errorf("search: %d %q %q", code, out, errs)
	}
	if code, out, _ := runCLI(t, "search", "effort", "--to", "2000-01-01", "--db", dbp); code != 0 || out != "" {
		t.Errorf("search before any encounter: %d %q", code, out)
	}
	if code, _, _ := runCLI(t, "search", "effort", "--from", "yesterday", "--db", dbp); code != 2 {
		t.Errorf("bad date: exit %d", code)
	}
	bk := filepath.Join(dir, "backup.db")
	if code, out, errs := runCLI(t, "backup", bk, "--db", dbp); code != 0 || !strings.Contains(out, bk) || !strings.Contains(errs, "key file") {
		t.Errorf("backup: %d %q %q", code, out, errs)
	}
	if code, _, _ := runCLI(t, "backup", bk, "--db", dbp); code != exitConflict {
		t.Errorf("backup over existing file: exit %d", code)
	}
	// Approved just now: nothing is old enough to delete.
	if code, out, errs := runCLI(t, "retention", "run", "--db", dbp); code != 0 || !strings.Contains(out, "30 days: 0 recordings deleted") {
		t.Errorf("retention: %d %q %q", code, out, errs)
	}
	if _, err := os.Stat(audio); err != nil {
		t.Errorf("audio deleted too early: %v", err)
	}
	if code, out, errs := runCLI(t, "retention", "set", "0", "--as", "Dr Martin", "--db", dbp); code != 0 || !strings.Contains(out, "0 days") {
		t.Errorf("retention set: %d %q %q", code, out, errs)
	}
	if code, out, errs := runCLI(t, "retention", "run", "--db", dbp); code != 0 || !strings.Contains(out, "1 recordings deleted") {
		t.Errorf("retention run after set 0: %d %q %q", code, out, errs)
	}
	if _, err := os.Stat(audio); !os.IsNotExist(err) {
		t.Errorf("audio kept: %v", err)
	}
}
