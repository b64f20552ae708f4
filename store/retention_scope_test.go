package store_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"greffier/domain"
	"greffier/store"
)

// Retention covers every copy of patient audio and export Greffier leaves: kept
// recordings (their per-file key destroyed, so a backup of the file cannot be
// decrypted, even with the database's key), the exports folder, the recorder's
// leftovers and orphaned spools in the recordings folder, and the keys of audio
// never kept. What is younger than the retention period stays.
func TestRetentionCoversExportsAndSpools(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t)
	t0 := time.Now().UTC()
	clock := t0
	db.Now = func() time.Time { return clock }
	doc, _ := db.CreateUser(ctx, "Dr R", domain.UserPhysician)
	data := t.TempDir()
	exports, recs := filepath.Join(data, "exports"), filepath.Join(data, "recordings")
	backup := t.TempDir()
	if err := os.MkdirAll(recs, 0o700); err != nil {
		t.Fatal(err)
	}
	old := t0.Add(-40 * 24 * time.Hour)
	file := func(p string, body string, mtime time.Time) string {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// keep stores an encrypted recording under its own key, and a copy of it as a
	// backup would hold it.
	keep := func(approve bool) (enc int64, path string, key store.FileKey) {
		t.Helper()
		e, err := db.CreateEncounter(ctx, store.NewEncounter{})
		if err != nil {
			t.Fatal(err)
		}
		if key, err = db.NewFileKey(ctx, e.ID); err != nil {
			t.Fatal(err)
		}
		plain := file(filepath.Join(t.TempDir(), "a.wav"), "RIFF patient audio", t0)
		path = filepath.Join(recs, filepath.Base(t.TempDir())+".enc")
		if err := key.Keys.EncryptFile(plain, path); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SaveKeyedRecording(ctx, e.ID, path, key.ID); err != nil {
			t.Fatal(err)
		}
		if err := key.Keys.EncryptFile(plain, filepath.Join(backup, filepath.Base(path))); err != nil {
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
		return e.ID, path, key
	}
	oldEnc, oldRec, oldKey := keep(true)
	var sealed []byte
	if err := db.RawQueryRow(ctx, `SELECT key_enc FROM file_keys WHERE id = ?`, oldKey.ID).Scan(&sealed); err != nil || len(sealed) < 32 {
		t.Fatalf("sealed key: %d bytes, %v", len(sealed), err)
	}
	orphan, err := db.NewFileKey(ctx, oldEnc) // a spool that was never kept
	if err != nil {
		t.Fatal(err)
	}
	oldExport := file(filepath.Join(exports, "encounter-1.fhir.json"), "{patient}", old)
	oldSpool := file(filepath.Join(recs, "encounter-9", "rec.gspool"), "GSB1 audio", old)
	oldMeta := file(filepath.Join(recs, "encounter-9", "rec.json"), `{"consent":{}}`, old)

	// Thirty-one days on: a new encounter recorded today, and new files.
	clock = t0.Add(31 * 24 * time.Hour)
	_, newRec, newKey := keep(false)
	newExport := file(filepath.Join(exports, "encounter-2.hl7"), "MSH", clock)
	newSpool := file(filepath.Join(recs, "encounter-10", "rec.gspool"), "GSB1 audio", clock)

	rep, err := db.RunRetentionWith(ctx, store.RetentionScope{Exports: exports, Recordings: recs})
	if err != nil || rep.Deleted != 1 || rep.Keys != 1 || rep.Files != 3 || len(rep.Failed) != 0 {
		t.Fatalf("retention: %+v, %v", rep, err)
	}
	for _, p := range []string{oldRec, oldExport, oldSpool, oldMeta, filepath.Join(recs, "encounter-9")} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s kept: %v", p, err)
		}
	}
	for _, p := range []string{newRec, newExport, newSpool} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s (younger than 30 days) deleted: %v", p, err)
		}
	}
	for _, id := range []int64{oldKey.ID, orphan.ID} {
		if _, err := db.GetFileKey(ctx, id); domain.ErrorCode(err) != domain.ENotFound {
			t.Errorf("key %d after retention: %v", id, err)
		}
	}
	if _, err := db.GetFileKey(ctx, newKey.ID); err != nil {
		t.Errorf("the new recording's key: %v", err)
	}
	// The backup copy of the deleted recording: the database's key does not open it,
	// and its own key is nowhere in the database files any more.
	if err := db.Keys().DecryptFile(filepath.Join(backup, filepath.Base(oldRec)), filepath.Join(t.TempDir(), "out.wav")); err == nil {
		t.Error("the backup of deleted audio decrypts with the database key")
	}
	for _, f := range []string{db.Path(), db.Path() + "-wal"} {
		b, err := os.ReadFile(f)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		if bytes.Contains(b, sealed) {
			t.Errorf("%s still holds the destroyed key", f)
		}
	}
	if v, err := db.GetLatestDraft(ctx, oldEnc); err != nil || v.Version != 1 {
		t.Errorf("the note went with the audio: %v", err)
	}
}
