package store_test

import (
	"context"
	"sync"
	"testing"

	"greffier/domain"
	"greffier/store"
)

// Writes arriving together share one commit (commit.go), each in its own savepoint:
// of twenty saves made from the same version exactly one wins, the others are
// refused as stale, and the views recorded meanwhile all land in the audit chain,
// which still verifies.
func TestGroupCommitKeepsEachWriteApart(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	if _, err := f.db.SaveDraftVersion(ctx, store.DraftInput{EncounterID: f.enc.ID, By: store.System, Body: note("Rest.")}); err != nil {
		t.Fatal(err)
	}
	before, err := f.db.VerifyAudit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	const n = 20
	var wg sync.WaitGroup
	saves := make(chan error, n)
	views := make(chan error, n)
	for range n {
		wg.Add(2)
		go func() {
			defer wg.Done()
			_, err := f.db.SaveDraftVersion(ctx, store.DraftInput{EncounterID: f.enc.ID, By: f.secretary.ID, Body: note("Fluids."), Base: 1})
			saves <- err
		}()
		go func() {
			defer wg.Done()
			_, err := f.db.ViewEncounter(ctx, f.enc.ID, f.physician.ID)
			views <- err
		}()
	}
	wg.Wait()
	close(saves)
	close(views)
	won := 0
	for err := range saves {
		switch domain.ErrorCode(err) {
		case "":
			won++
		case domain.EConflict:
		default:
			t.Errorf("save: %v", err)
		}
	}
	for err := range views {
		if err != nil {
			t.Errorf("view: %v", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d saves from version 1 won, want exactly 1", won)
	}
	vs, err := f.db.ListVersions(ctx, f.enc.ID)
	if err != nil || len(vs) != 2 {
		t.Fatalf("versions %d (%v), want 2", len(vs), err)
	}
	after, err := f.db.VerifyAudit(ctx)
	if err != nil || after != before+1+n {
		t.Fatalf("audit: %d entries (%v), want %d: the edit and %d views", after, err, before+1+n, n)
	}
}

// A write returns once it is committed: another handle on the file sees it at once.
func TestWriteIsCommittedWhenItReturns(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t)
	other, err := store.Open(ctx, db.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e, err := db.CreateEncounter(ctx, store.NewEncounter{})
			if err != nil {
				t.Error(err)
				return
			}
			if _, err := other.GetEncounter(ctx, e.ID); err != nil {
				t.Errorf("encounter %d, just created, not seen by another handle: %v", e.ID, err)
			}
		}()
	}
	wg.Wait()
}

// A write after Close is refused, not left waiting.
func TestWriteAfterCloseRefused(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t)
	if _, err := db.CreateEncounter(ctx, store.NewEncounter{}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := db.CreateEncounter(ctx, store.NewEncounter{}); err == nil {
		t.Fatal("a write after Close succeeded")
	}
}
