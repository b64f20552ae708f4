package store_test

import (
	"context"
	"path/filepath"
	"testing"

	"greffier/domain"
	"greffier/store"
)

func TestBackupIsAReadableCopy(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "greffier.db")
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	e, _ := db.CreateEncounter(ctx, store.NewEncounter{})
	if _, err := db.SaveDraftVersion(ctx, store.DraftInput{EncounterID: e.ID, By: store.System, Body: note("Backup me.")}); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "backup.db")
	if err := db.Backup(ctx, dst); err != nil {
		t.Fatal(err)
	}
	if err := db.Backup(ctx, dst); domain.ErrorCode(err) != domain.EConflict {
		t.Errorf("backup over an existing file: %v", err)
	}
	// The copy opens with the original key file and holds the note.
	cp, err := store.OpenWith(ctx, dst, store.Options{KeyFile: store.KeyFile(path)})
	if err != nil {
		t.Fatal(err)
	}
	defer cp.Close()
	v, err := cp.GetLatestDraft(ctx, e.ID)
	if err != nil || v.Version != 1 {
		t.Fatalf("draft in backup: %+v %v", v, err)
	}
	if res, err := cp.IntegrityCheck(ctx); err != nil || res != "ok" {
		t.Fatalf("integrity of backup: %q %v", res, err)
	}
	if _, err := cp.VerifyAudit(ctx); err != nil {
		t.Fatalf("audit chain of backup: %v", err)
	}
}
