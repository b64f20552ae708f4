package store_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"greffier/domain"
	"greffier/store"
)

// Codes stored in clear by an older Greffier are sealed at the next open with the
// key; they read back the same and can still be decided on; the file no longer
// holds them.
func TestCodesInClearAreSealedAtOpen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "g.db")
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	u, err := db.CreateUser(ctx, "Dr Who", domain.UserPhysician)
	if err != nil {
		t.Fatal(err)
	}
	e, err := db.CreateEncounter(ctx, store.NewEncounter{})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	// What an older Greffier wrote: the code and its title in clear.
	tamper(t, path, `DROP TRIGGER codes_mac_v1_insert`, `INSERT INTO codes (encounter_id, system, code, display, created_at) VALUES (`+itoa(e.ID)+`, 'icd-10-cm', 'T75.4XXA', 'Electrocution, initial encounter', 0)`,
		`PRAGMA wal_checkpoint(TRUNCATE)`)
	db, err = store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	codes, err := db.Codes(ctx, e.ID)
	if err != nil || len(codes) != 1 || codes[0].Code != "T75.4XXA" || codes[0].Display != "Electrocution, initial encounter" {
		t.Fatalf("codes after sealing: %+v %v", codes, err)
	}
	if err := db.SetCodeStatus(ctx, e.ID, "", "T75.4XXA", store.CodeAccepted, u.ID); err != nil {
		t.Fatal(err)
	}
	// A second suggestion of the same code is the same row (the token is unique).
	if err := db.SuggestCodes(ctx, e.ID, store.System, []store.CodeSuggestion{{Code: "T75.4XXA", Display: "again"}}); err != nil {
		t.Fatal(err)
	}
	if codes, _ := db.Codes(ctx, e.ID); len(codes) != 1 || codes[0].Status != store.CodeAccepted {
		t.Fatalf("codes after a repeated suggestion: %+v", codes)
	}
	if _, err := db.IntegrityCheck(ctx); err != nil {
		t.Fatal(err)
	}
	db.Close()
	for _, fn := range []string{path, path + "-wal"} {
		b, _ := os.ReadFile(fn)
		for _, s := range []string{"T75.4XXA", "Electrocution"} {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("%s still holds %q", filepath.Base(fn), s)
			}
		}
	}
}
