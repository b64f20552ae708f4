package main

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"greffier/domain"
	"greffier/store"
)

func TestStoreCommands(t *testing.T) {
	dir := t.TempDir()
	dbp := filepath.Join(dir, "greffier.db")
	if code, _, errs := runCLI(t, "users", "add", "X", "--role", "nurse", "--db", dbp); code != 2 || !strings.Contains(errs, "--role") {
		t.Errorf("bad role: %d %q", code, errs)
	}
	root := secretFile(t, "root password 1")
	if code, out, errs := runCLI(t, "users", "add", "Root", "--role", "admin", "--password-file", root, "--db", dbp); code != 0 {
		t.Fatalf("bootstrap: %d %q %q", code, out, errs)
	}
	auth := map[string]string{"Root": root}
	for i, u := range [][]string{{"Dr Martin", "physician"}, {"Léa", "secretary"}} {
		auth[u[0]] = secretFile(t, "a long password "+strconv.Itoa(i))
		if code, out, errs := runCLI(t, "users", "add", u[0], "--role", u[1], "--password-file", auth[u[0]], "--as", "Root", "--auth-file", root, "--db", dbp); code != 0 || !strings.Contains(out, u[0]) {
			t.Fatalf("users add %s: %d %q %q", u[0], code, out, errs)
		}
	}
	as := func(name string) []string { return []string{"--as", name, "--auth-file", auth[name], "--db", dbp} }
	code, out, _ := runCLI(t, append([]string{"users", "list"}, as("Léa")...)...)
	if code != 0 || !strings.Contains(out, "Dr Martin") || !strings.Contains(out, "secretary") {
		t.Fatalf("users list: %d %q", code, out)
	}

	// greffier process (another package) will create encounters; here the store does.
	ctx := context.Background()
	l, err := store.OpenLocked(ctx, dbp, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	db, _, err := l.Login(ctx, "Root", "root password 1")
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

	code, _, errs := runCLI(t, append([]string{"approve", id}, as("Léa")...)...)
	if code != exitUsage || !strings.Contains(errs, "not allowed") {
		t.Fatalf("secretary approves: exit %d, %q; want 2 and a message", code, errs)
	}
	if code, _, errs := runCLI(t, append([]string{"approve", "99"}, as("Dr Martin")...)...); code != exitNotFound || !strings.Contains(errs, "no encounter") {
		t.Errorf("approve missing encounter: %d %q", code, errs)
	}
	if code, out, errs := runCLI(t, append([]string{"approve", id}, as("Dr Martin")...)...); code != 0 || !strings.Contains(out, "approved by Dr Martin") {
		t.Fatalf("physician approves: %d %q %q", code, out, errs)
	}
	if code, out, _ := runCLI(t, append([]string{"encounters", "list"}, as("Léa")...)...); code != 0 || !strings.Contains(out, "approved") {
		t.Errorf("encounters list: %d %q", code, out)
	}
	if code, out, _ := runCLI(t, append([]string{"encounters", "show", id}, as("Léa")...)...); code != 0 || !strings.Contains(out, "Angor") || !strings.Contains(out, "version 1 by greffier") {
		t.Errorf("encounters show: %d %q", code, out)
	}
	if code, out, errs := runCLI(t, append([]string{"encounters", "audit", id}, as("Root")...)...); code != 0 || !strings.Contains(out, "Dr Martin  approve") || !strings.Contains(errs, "verified") {
		t.Errorf("encounters audit: %d %q %q", code, out, errs)
	}
	if code, out, errs := runCLI(t, append([]string{"search", "effort", "--patient", "P-7"}, as("Léa")...)...); code != 0 || strings.Count(out, "\n") != 3 || !strings.Contains(out, "Douleur") {
		t.Errorf("search: %d %q %q", code, out, errs)
	}
	if code, out, _ := runCLI(t, append([]string{"search", "effort", "--to", "2000-01-01"}, as("Léa")...)...); code != 0 || out != "" {
		t.Errorf("search before any encounter: %d %q", code, out)
	}
	if code, _, _ := runCLI(t, append([]string{"search", "effort", "--from", "yesterday"}, as("Léa")...)...); code != 2 {
		t.Errorf("bad date: exit %d", code)
	}
	bk := filepath.Join(dir, "backup.db")
	if code, out, errs := runCLI(t, append([]string{"backup", bk}, as("Root")...)...); code != 0 || !strings.Contains(out, bk) || !strings.Contains(errs, "recovery key") {
		t.Errorf("backup: %d %q %q", code, out, errs)
	}
	if code, _, _ := runCLI(t, append([]string{"backup", bk}, as("Root")...)...); code != exitConflict {
		t.Errorf("backup over existing file: exit %d", code)
	}
	// Approved just now: nothing is old enough to delete.
	if code, out, errs := runCLI(t, append([]string{"retention", "run"}, as("Root")...)...); code != 0 || !strings.Contains(out, "30 days: 0 recordings deleted") {
		t.Errorf("retention: %d %q %q", code, out, errs)
	}
	if _, err := os.Stat(audio); err != nil {
		t.Errorf("audio deleted too early: %v", err)
	}
	if code, out, errs := runCLI(t, append([]string{"retention", "set", "0"}, as("Dr Martin")...)...); code != 0 || !strings.Contains(out, "0 days") {
		t.Errorf("retention set: %d %q %q", code, out, errs)
	}
	if code, out, errs := runCLI(t, append([]string{"retention", "run"}, as("Root")...)...); code != 0 || !strings.Contains(out, "1 recordings deleted") {
		t.Errorf("retention run after set 0: %d %q %q", code, out, errs)
	}
	if _, err := os.Stat(audio); !os.IsNotExist(err) {
		t.Errorf("audio kept: %v", err)
	}
}
