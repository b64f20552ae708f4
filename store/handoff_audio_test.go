package store_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"greffier/domain"
	"greffier/store"
)

// keepAudio keeps audio with encounter enc as the app does: encrypted under a file
// key of its own.
func keepAudio(t *testing.T, db *store.DB, enc int64, audio []byte) store.Recording {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	plain := filepath.Join(dir, "visit.wav")
	if err := os.WriteFile(plain, audio, 0o600); err != nil {
		t.Fatal(err)
	}
	fk, err := db.NewFileKey(ctx, enc)
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(dir, "encounter-1-1.wav.enc")
	if err := fk.Keys.EncryptFile(plain, dst); err != nil {
		t.Fatal(err)
	}
	rec, err := db.SaveKeyedRecording(ctx, enc, dst, fk.ID)
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

// readAudio decrypts a kept recording.
func readAudio(t *testing.T, db *store.DB, r store.Recording) []byte {
	t.Helper()
	rc, err := db.OpenRecording(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// queuedBundle reads the bundle queued for encounter enc.
func queuedBundle(t *testing.T, db *store.DB, enc int64) store.Bundle {
	t.Helper()
	plain, err := db.HandoffBundle(context.Background(), enc)
	if err != nil {
		t.Fatal(err)
	}
	var b store.Bundle
	if err := json.Unmarshal(plain, &b); err != nil {
		t.Fatal(err)
	}
	return b
}

func TestHandoffCarriesTheKeptAudio(t *testing.T) {
	ctx := context.Background()
	laptop := newAuthFixture(t)
	enc := laptopEncounter(t, laptop)
	audio := append([]byte("RIFF....WAVEfmt "), bytes.Repeat([]byte{1, 2, 3, 250}, 40000)...)
	keepAudio(t, laptop.db, enc, audio)
	if _, err := laptop.db.QueueHandoff(ctx, laptop.doc, enc); err != nil {
		t.Fatal(err)
	}
	b := queuedBundle(t, laptop.db, enc)
	if b.Format != store.BundleFormatAudio || len(b.Audio) != 1 || !bytes.Equal(b.Audio[0].Data, audio) || b.Audio[0].Ext != ".wav" {
		t.Fatalf("bundle format %d, %d recordings", b.Format, len(b.Audio))
	}

	srv := newAuthFixture(t)
	code, err := srv.db.NewPairCode(ctx, srv.admin, 0)
	if err != nil {
		t.Fatal(err)
	}
	dev, _, err := srv.db.Pair(ctx, code, "laptop")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "recordings")

	// Audio altered on the way (the bundle's own SHA-256 would catch it first on the
	// wire; this is the recording's): refused, nothing imported, nothing left on disk.
	bad := b
	bad.Audio = []store.BundleAudio{b.Audio[0]}
	bad.Audio[0].Data = append([]byte(nil), audio...)
	bad.Audio[0].Data[100] ^= 1
	if _, _, err := srv.db.ImportHandoff(ctx, dev, "sum-bad", bad, dir); domain.ErrorCode(err) != domain.EInvalid {
		t.Fatalf("altered audio: %v", err)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Fatalf("files left by a refused import: %v", left)
	}
	// Audio in a bundle of the format without audio: refused, not silently dropped.
	old := b
	old.Format = store.BundleFormat
	if _, _, err := srv.db.ImportHandoff(ctx, dev, "sum-old", old, dir); domain.ErrorCode(err) != domain.EInvalid {
		t.Fatalf("audio in format 1: %v", err)
	}

	rec, dup, err := srv.db.ImportHandoff(ctx, dev, "sum-1", b, dir)
	if err != nil || dup {
		t.Fatalf("import: %v dup %v", err, dup)
	}
	recs, err := srv.db.Recordings(ctx, rec.EncounterID)
	if err != nil || len(recs) != 1 || !recs[0].Encrypted || !strings.HasPrefix(recs[0].Path, dir) {
		t.Fatalf("server recordings: %+v %v", recs, err)
	}
	if got := readAudio(t, srv.db, recs[0]); !bytes.Equal(got, audio) {
		t.Fatalf("the server's copy of the audio differs (%d bytes, want %d)", len(got), len(audio))
	}
	onDisk, _ := os.ReadFile(recs[0].Path)
	if bytes.Contains(onDisk, audio[:64]) {
		t.Fatal("the server keeps the audio in clear")
	}
	// A second send of the same bundle writes nothing more.
	if _, dup, err := srv.db.ImportHandoff(ctx, dev, "sum-1", b, dir); err != nil || !dup {
		t.Fatalf("second import: %v dup %v", err, dup)
	}
	if files, _ := os.ReadDir(dir); len(files) != 1 {
		t.Fatalf("%d files after a repeated send, want 1", len(files))
	}
	// The server's retention deletes it like its own: its key is destroyed.
	time.Sleep(2 * time.Millisecond) // past the import's millisecond
	if err := srv.db.SetSetting(ctx, store.SettingRetentionDays, "0", srv.admin.User().ID); err != nil {
		t.Fatal(err)
	}
	if rep, err := srv.db.RunRetention(ctx); err != nil || rep.Deleted != 1 {
		t.Fatalf("retention on the server: %+v %v", rep, err)
	}
	if _, err := srv.db.RecordingKey(ctx, recs[0].ID); domain.ErrorCode(err) != domain.ENotFound {
		t.Fatalf("key after retention: %v", err)
	}
}

func TestHandoffLeavesDeletedAudioBehind(t *testing.T) {
	ctx := context.Background()
	laptop := newAuthFixture(t)
	enc := laptopEncounter(t, laptop)
	keepAudio(t, laptop.db, enc, []byte("RIFF audio that retention deletes"))
	time.Sleep(2 * time.Millisecond)
	if err := laptop.db.SetSetting(ctx, store.SettingRetentionDays, "0", laptop.admin.User().ID); err != nil {
		t.Fatal(err)
	}
	if rep, err := laptop.db.RunRetention(ctx); err != nil || rep.Deleted != 1 {
		t.Fatalf("retention: %+v %v", rep, err)
	}
	if _, err := laptop.db.QueueHandoff(ctx, laptop.doc, enc); err != nil {
		t.Fatal(err)
	}
	b := queuedBundle(t, laptop.db, enc)
	if b.Format != store.BundleFormat || len(b.Audio) != 0 {
		t.Fatalf("deleted audio handed off: format %d, %d recordings", b.Format, len(b.Audio))
	}
}
