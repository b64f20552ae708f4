package store_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"greffier/domain"
	"greffier/store"
)

func TestRetentionDeletesAudioAfterApproval(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t)
	clock := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return clock }
	doc, _ := db.CreateUser(ctx, "Dr R", domain.UserPhysician)
	dir := t.TempDir()
	mk := func(approve bool) (int64, string) {
		e, err := db.CreateEncounter(ctx, store.NewEncounter{})
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, filepath.Base(t.Name())+time.Now().Format("150405.000000000")+".enc")
		if err := os.WriteFile(p, []byte("audio"), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SaveRecording(ctx, e.ID, p, true); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SaveDraftVersion(ctx, store.DraftInput{EncounterID: e.ID, By: store.System, Body: note("Rest.")}); err != nil {
			t.Fatal(err)
		}
		if approve {
			if err := db.Approve(ctx, e.ID, doc.ID, 0); err != nil {
				t.Fatal(err)
			}
		}
		return e.ID, p
	}
	approved, approvedFile := mk(true)
	pending, pendingFile := mk(false)
	// The unapproved note is worked on at day 20: its audio stays 30 days from then.
	clock = clock.Add(20 * 24 * time.Hour)
	if _, err := db.SaveDraftVersion(ctx, store.DraftInput{EncounterID: pending, By: doc.ID, Body: note("Rest and fluids.")}); err != nil {
		t.Fatal(err)
	}

	run := func(days int, wantDeleted int) {
		t.Helper()
		clock = time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC).Add(time.Duration(days) * 24 * time.Hour)
		rep, err := db.RunRetention(ctx)
		if err != nil || rep.Deleted != wantDeleted || len(rep.Failed) != 0 {
			t.Fatalf("day %d: %+v %v", days, rep, err)
		}
	}
	run(29, 0)
	if _, err := os.Stat(approvedFile); err != nil {
		t.Fatalf("audio deleted before 30 days: %v", err)
	}
	run(31, 1)
	if _, err := os.Stat(approvedFile); !os.IsNotExist(err) {
		t.Fatalf("audio kept after 30 days: %v", err)
	}
	if _, err := os.Stat(pendingFile); err != nil {
		t.Fatalf("audio of an unapproved note worked on 11 days ago deleted: %v", err)
	}
	recs, _ := db.Recordings(ctx, approved)
	if len(recs) != 1 || recs[0].DeletedAt == nil {
		t.Fatalf("recording row not marked deleted: %+v", recs)
	}
	if v, err := db.GetLatestDraft(ctx, approved); err != nil || v.Version != 1 {
		t.Fatalf("note lost by retention: %v", err)
	}
	run(51, 1) // the unapproved note, untouched for 31 days
	if _, err := os.Stat(pendingFile); !os.IsNotExist(err) {
		t.Fatalf("audio of a note untouched for 31 days kept: %v", err)
	}
	run(400, 0) // nothing left to do, and no error for a file already gone

	// A shorter setting applies; a bad one stops the run rather than guess.
	e3, f3 := mk(true)
	if err := db.SetSetting(ctx, store.SettingRetentionDays, "7", doc.ID); err != nil {
		t.Fatal(err)
	}
	clock = clock.Add(8 * 24 * time.Hour)
	rep, err := db.RunRetention(ctx)
	if err != nil || rep.Deleted != 1 || rep.Days != 7 {
		t.Fatalf("7-day setting: %+v %v", rep, err)
	}
	if _, err := os.Stat(f3); !os.IsNotExist(err) {
		t.Fatalf("encounter %d audio kept", e3)
	}
	db.SetSetting(ctx, store.SettingRetentionDays, "soon", doc.ID)
	if _, err := db.RunRetention(ctx); domain.ErrorCode(err) != domain.EInvalid {
		t.Fatalf("bad setting: %v", err)
	}
}
