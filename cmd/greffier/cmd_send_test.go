package main

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"greffier/domain"
	"greffier/server"
	"greffier/server/servertest"
	"greffier/store"
	"greffier/store/crypt"
)

// laptopDB is a physician's laptop database with n drafted encounters.
func laptopDB(t *testing.T, n int) (string, []int64) {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "greffier.db")
	l, err := store.OpenLocked(ctx, path, store.Options{KDF: crypt.TestKDF()})
	if err != nil {
		t.Fatal(err)
	}
	db, admin, err := l.Setup(ctx, "Root", "root password 1")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	doc, err := db.AddUser(ctx, admin, "Dr House", domain.UserPhysician, "doctor password 2")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Authenticate(ctx, "Dr House", "doctor password 2"); err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for i := range n {
		e, err := db.CreateEncounter(ctx, store.NewEncounter{By: doc.ID, NewPatient: &store.Patient{LocalID: fmt.Sprintf("P-%d", i)}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.SaveDraftVersion(ctx, store.DraftInput{EncounterID: e.ID, By: doc.ID, Body: []byte(`{"sections":[{"title":"Plan","text":"Rest."}]}`)}); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, e.ID)
	}
	return path, ids
}

var pairCodeRE = regexp.MustCompile(`[A-Z2-7]{4}(-[A-Z2-7]{4}){5}`)

func TestSendPairsThenHandsOffAndQueuesWhileOffline(t *testing.T) {
	h := servertest.New(t)
	root, doc := secretFile(t, "root password 1"), secretFile(t, "doctor password 2")
	srvDB := filepath.Join(h.Dir, server.DBName)
	lap, ids := laptopDB(t, 3)
	as := []string{"--db", lap, "--as", "Dr House", "--auth-file", doc}
	cli := func(args ...string) (int, string, string) {
		t.Helper()
		return runCLI(t, append(args, as...)...)
	}

	// Nothing is sent, or queued, without a paired server.
	if code, _, errOut := cli("send", fmt.Sprint(ids[0])); code != exitNotFound || !strings.Contains(errOut, "not paired") {
		t.Fatalf("send before pairing: %d %s", code, errOut)
	}
	code, out, errOut := runCLI(t, "server", "pair-code", "--db", srvDB, "--as", "Root", "--auth-file", root)
	pc := pairCodeRE.FindString(out)
	if code != 0 || pc == "" {
		t.Fatalf("pair-code: %d %q %s", code, out, errOut)
	}
	url := "https://" + h.Addr
	wrongFP := strings.Repeat("00:", 31) + "00"
	if code, _, errOut := cli("server", "pair", url, "--fingerprint", wrongFP, "--code", pc); code != exitUsage || !strings.Contains(errOut, "pinned") {
		t.Fatalf("pair with a wrong fingerprint: %d %s", code, errOut)
	}
	if code, _, errOut := cli("server", "pair", url, "--fingerprint", h.Fingerprint, "--code", pc, "--name", "laptop-1"); code != 0 {
		t.Fatalf("pair: %d %s", code, errOut)
	}
	if code, _, errOut := cli("server", "pair", url, "--fingerprint", h.Fingerprint, "--code", pc); code != exitUsage || !strings.Contains(errOut, "used") {
		t.Fatalf("pair with a used code: %d %s", code, errOut)
	}

	// Sent: the server has it; the laptop's copy is read-only; a second send is a no-op.
	code, out, errOut = cli("send", fmt.Sprint(ids[0]))
	if code != 0 || !strings.Contains(out, "handed off: server encounter") {
		t.Fatalf("send: %d %q %s", code, out, errOut)
	}
	if code, out, _ := cli("send", fmt.Sprint(ids[0])); code != 0 || !strings.Contains(out, "already") {
		t.Fatalf("second send: %d %q", code, out)
	}
	ctx := context.Background()
	l, err := store.OpenLocked(ctx, lap, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ldb, sess, err := l.Login(ctx, "Dr House", "doctor password 2")
	if err != nil {
		t.Fatal(err)
	}
	_, err = ldb.SaveDraftVersion(ctx, store.DraftInput{EncounterID: ids[0], By: sess.User().ID, Body: []byte(`{"sections":[]}`), Base: 1})
	if domain.ErrorCode(err) != domain.EConflict {
		t.Errorf("saving a handed-off encounter on the laptop: %v", err)
	}
	ldb.Close()

	// Offline: both go to the queue (exit 6, unavailable), --pending retries with
	// backoff and counts; back online, --pending sends them.
	h.Stop()
	for _, id := range ids[1:] {
		if code, _, errOut := cli("send", fmt.Sprint(id)); code != exitUnavailable || !strings.Contains(errOut, "queued") {
			t.Fatalf("send offline: %d %s", code, errOut)
		}
	}
	code, out, _ = cli("send", "--pending", "--retries", "2", "--backoff", "10ms")
	if code != exitUnavailable || !strings.Contains(out, "2 encounter(s) queued") || !strings.Contains(out, "still queued 2") {
		t.Fatalf("send --pending offline: %d %q", code, out)
	}
	if code, out, _ := cli("server", "status"); code != 0 || !strings.Contains(out, "2 encounter(s) waiting") {
		t.Fatalf("status: %d %q", code, out)
	}
	h.Start()
	code, out, errOut = cli("send", "--pending", "--backoff", "10ms")
	if code != 0 || !strings.Contains(out, "sent 2, refused 0, still queued 0") {
		t.Fatalf("send --pending online: %d %q %s", code, out, errOut)
	}
	if code, out, _ := cli("server", "status"); code != 0 || !strings.Contains(out, "0 encounter(s) waiting") ||
		strings.Count(out, "on the server: drafted, version 1") != 3 {
		t.Fatalf("status after: %d %q", code, out)
	}

	// A lost laptop: the admin revokes it, and its sends are refused (exit 2).
	code, out, errOut = runCLI(t, "server", "devices", "--db", srvDB, "--as", "Root", "--auth-file", root)
	if code != 0 || !strings.Contains(out, "laptop-1") || !strings.Contains(out, "active") {
		t.Fatalf("devices: %d %q %s", code, out, errOut)
	}
	devID := strings.Fields(out)[0]
	if code, _, errOut := runCLI(t, "server", "revoke", devID, "--db", srvDB, "--as", "Root", "--auth-file", root); code != 0 {
		t.Fatalf("revoke: %d %s", code, errOut)
	}
	l, err = store.OpenLocked(ctx, lap, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ldb, sess, err = l.Login(ctx, "Dr House", "doctor password 2")
	if err != nil {
		t.Fatal(err)
	}
	e, err := ldb.CreateEncounter(ctx, store.NewEncounter{By: sess.User().ID})
	if err == nil {
		_, err = ldb.SaveDraftVersion(ctx, store.DraftInput{EncounterID: e.ID, By: sess.User().ID, Body: []byte(`{"sections":[]}`)})
	}
	ldb.Close()
	if err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := cli("send", fmt.Sprint(e.ID)); code != exitUsage || !strings.Contains(errOut, "revoked") {
		t.Fatalf("send from a revoked laptop: %d %s", code, errOut)
	}

	// The server holds the three encounters, each once.
	h.Stop()
	sl, err := store.OpenLocked(ctx, srvDB, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	sdb, _, err := sl.Login(ctx, "Root", "root password 1")
	if err != nil {
		t.Fatal(err)
	}
	defer sdb.Close()
	if all, err := sdb.ListEncounters(ctx, store.ListFilter{}); err != nil || len(all) != 3 {
		t.Fatalf("server encounters: %d %v", len(all), err)
	}
}
