package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"greffier/domain"
	"greffier/store"
)

// laptopEncounter makes, on the laptop fixture, an encounter with everything a
// hand-off carries: a patient, consent, a transcript, two versions by two users, and
// a code accepted by the secretary.
func laptopEncounter(t *testing.T, f authFixture) int64 {
	t.Helper()
	ctx := context.Background()
	e, err := f.db.CreateEncounter(ctx, store.NewEncounter{By: f.docUser.ID, Language: "en", Template: "soap",
		NewPatient: &store.Patient{LocalID: "PAT-7", Name: "Jeanne Martin", MRN: "MRN-42", BirthDate: "1961-04-02"},
		Consent:    &store.Consent{Kind: "verbal", By: f.docUser.ID}})
	if err != nil {
		t.Fatal(err)
	}
	segs := []domain.Segment{{StartMS: 0, EndMS: 1500, Text: "My throat hurts since Monday."}, {StartMS: 1500, EndMS: 3000, Text: "Take paracetamol."}}
	if err := f.db.SaveSegments(ctx, e.ID, segs); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.SaveDraftVersion(ctx, store.DraftInput{EncounterID: e.ID, By: f.docUser.ID, Body: note("Paracetamol.")}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.SaveDraftVersion(ctx, store.DraftInput{EncounterID: e.ID, By: f.secUser.ID, Body: note("Paracetamol 1 g."), Base: 1}); err != nil {
		t.Fatal(err)
	}
	if err := f.db.SuggestCodes(ctx, e.ID, f.docUser.ID, []store.CodeSuggestion{{Code: "J02.9", Display: "Acute pharyngitis", Evidence: "My throat hurts"}}); err != nil {
		t.Fatal(err)
	}
	if err := f.db.SetCodeStatus(ctx, e.ID, "", "J02.9", store.CodeAccepted, f.secUser.ID); err != nil {
		t.Fatal(err)
	}
	return e.ID
}

// laptopEncounter2 is a drafted note marked ready for signature.
func laptopEncounter2(t *testing.T, f authFixture) int64 {
	t.Helper()
	ctx := context.Background()
	e, err := f.db.CreateEncounter(ctx, store.NewEncounter{By: f.docUser.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.SaveDraftVersion(ctx, store.DraftInput{EncounterID: e.ID, By: f.docUser.ID, Body: note("Rest.")}); err != nil {
		t.Fatal(err)
	}
	if err := f.db.MarkReady(ctx, e.ID, f.secUser.ID); err != nil {
		t.Fatal(err)
	}
	return e.ID
}

func TestHandoffBundleImportsOnceAndFreezesTheLaptopCopy(t *testing.T) {
	ctx := context.Background()
	laptop := newAuthFixture(t)
	enc := laptopEncounter(t, laptop)

	// Admins do not send notes; a physician does. Queuing twice is one queuing.
	if _, err := laptop.db.QueueHandoff(ctx, laptop.admin, enc); domain.ErrorCode(err) != domain.EForbidden {
		t.Fatalf("admin queues: %v", err)
	}
	h, err := laptop.db.QueueHandoff(ctx, laptop.doc, enc)
	if err != nil || !store.ValidUUID(h.UUID) || h.AckedAt != nil {
		t.Fatalf("queue: %+v %v", h, err)
	}
	if h2, err := laptop.db.QueueHandoff(ctx, laptop.doc, enc); err != nil || h2.UUID != h.UUID {
		t.Fatalf("second queue: %+v %v", h2, err)
	}
	if p, err := laptop.db.PendingHandoffs(ctx); err != nil || len(p) != 1 || p[0].EncounterID != enc {
		t.Fatalf("pending: %+v %v", p, err)
	}

	// Queued, the laptop copy is read-only: a save, a code decision, marking ready.
	_, err = laptop.db.SaveDraftVersion(ctx, store.DraftInput{EncounterID: enc, By: laptop.docUser.ID, Body: note("Late edit."), Base: 2})
	if domain.ErrorCode(err) != domain.EConflict || !strings.Contains(err.Error(), "read-only here") {
		t.Fatalf("save after queue: %v", err)
	}
	for what, err := range map[string]error{
		"code decision": laptop.db.SetCodeStatus(ctx, enc, "", "J02.9", store.CodeRejected, laptop.secUser.ID),
		"mark ready":    laptop.db.MarkReady(ctx, enc, laptop.secUser.ID),
	} {
		if domain.ErrorCode(err) != domain.EConflict || !strings.Contains(err.Error(), "read-only here") {
			t.Errorf("%s after queue: %v", what, err)
		}
	}
	// A note ready for signature, queued, is signed on the server, not here.
	ready := laptopEncounter2(t, laptop)
	if _, err := laptop.db.QueueHandoff(ctx, laptop.sec, ready); err != nil {
		t.Fatal(err)
	}
	if _, err := laptop.db.Sign(ctx, laptop.doc, ready, 0, docPW); domain.ErrorCode(err) != domain.EConflict || !strings.Contains(err.Error(), "read-only here") {
		t.Errorf("sign after queue: %v", err)
	}
	if vs, _ := laptop.db.ListVersions(ctx, enc); len(vs) != 2 {
		t.Fatalf("versions after refused save: %d", len(vs))
	}

	b := queuedBundle(t, laptop.db, enc)
	if b.UUID != h.UUID || len(b.Versions) != 2 || len(b.Segments) != 2 || len(b.Codes) != 1 || b.Patient == nil || len(b.Audit) == 0 {
		t.Fatalf("bundle: uuid %s versions %d segments %d codes %d patient %v audit %d", b.UUID, len(b.Versions), len(b.Segments), len(b.Codes), b.Patient, len(b.Audit))
	}

	// The server: only an admin makes a pairing code; it pairs one device, once,
	// and the device's credential unlocks the restarted (locked) server.
	srv := newAuthFixture(t)
	if _, err := srv.db.NewPairCode(ctx, srv.doc, 0); domain.ErrorCode(err) != domain.EForbidden {
		t.Fatalf("physician makes a pairing code: %v", err)
	}
	expired, err := srv.db.NewPairCode(ctx, srv.admin, time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Millisecond)
	if _, _, err := srv.db.Pair(ctx, expired, "late laptop"); domain.ErrorCode(err) != domain.EForbidden {
		t.Fatalf("expired code: %v", err)
	}
	code, err := srv.db.NewPairCode(ctx, srv.admin, 0)
	if err != nil {
		t.Fatal(err)
	}
	srv.db.Close()
	l := openLocked(t, srv.path, srv.opt)
	if _, err := l.UnlockWithPairCode(ctx, "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF"); domain.ErrorCode(err) != domain.EForbidden {
		t.Fatalf("made-up code: %v", err)
	}
	sdb, err := l.UnlockWithPairCode(ctx, strings.ToLower(code))
	if err != nil {
		t.Fatal(err)
	}
	dev, cred, err := sdb.Pair(ctx, code, "laptop Dr House")
	if err != nil || cred == "" {
		t.Fatalf("pair: %v", err)
	}
	if _, _, err := sdb.Pair(ctx, code, "another"); domain.ErrorCode(err) != domain.EForbidden {
		t.Fatalf("used code: %v", err)
	}
	sdb.Close()
	l = openLocked(t, srv.path, srv.opt)
	if _, err := l.UnlockWithDevice(ctx, cred+"x"); domain.ErrorCode(err) != domain.EForbidden {
		t.Fatalf("wrong credential: %v", err)
	}
	sdb, err = l.UnlockWithDevice(ctx, cred)
	if err != nil {
		t.Fatal(err)
	}
	if d, err := sdb.DeviceByCredential(ctx, cred); err != nil || d != dev {
		t.Fatalf("device: %+v %v", d, err)
	}
	if _, err := sdb.DeviceByCredential(ctx, "made-up"); domain.ErrorCode(err) != domain.EForbidden {
		t.Fatalf("made-up credential: %v", err)
	}
	// The refusals (made-up code, wrong credential, made-up credential) are audited.
	var refused int
	entries, _ := sdb.Audit(ctx, store.AuditFilter{})
	for _, e := range entries {
		if e.Action == store.ActionLoginFailed && strings.Contains(e.Detail, "reason=unknown_") {
			refused++
		}
	}
	if refused < 3 {
		t.Fatalf("%d refused pairing/device attempts audited, want at least 3", refused)
	}

	before, _ := sdb.ListEncounters(ctx, store.ListFilter{})
	rec, dup, err := sdb.ImportHandoff(ctx, dev, "sum-1", b, t.TempDir())
	if err != nil || dup {
		t.Fatalf("import: %v dup %v", err, dup)
	}
	for range 2 {
		r2, dup, err := sdb.ImportHandoff(ctx, dev, "sum-1", b, t.TempDir())
		if err != nil || !dup || r2.EncounterID != rec.EncounterID {
			t.Fatalf("second import: %+v %v dup %v", r2, err, dup)
		}
	}
	if _, _, err := sdb.ImportHandoff(ctx, dev, "sum-2", b, t.TempDir()); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("same UUID, other content: %v", err)
	}
	after, _ := sdb.ListEncounters(ctx, store.ListFilter{})
	if len(after) != len(before)+1 {
		t.Fatalf("encounters %d -> %d, want one more", len(before), len(after))
	}

	// The server's copy: the same patient, consent, transcript, versions (authors
	// by name), codes and decisions; the laptop's audit kept beside the server's.
	got, err := sdb.GetEncounter(ctx, rec.EncounterID)
	if err != nil || got.State != domain.StateDrafted || got.LatestVersion != 2 || got.Consent == nil || got.Consent.Kind != "verbal" {
		t.Fatalf("server encounter: %+v %v", got, err)
	}
	p, err := sdb.GetPatient(ctx, got.PatientID)
	if err != nil || p.Name != "Jeanne Martin" || p.MRN != "MRN-42" || p.LocalID != "PAT-7" {
		t.Fatalf("patient: %+v %v", p, err)
	}
	for v, author := range map[int]string{1: "Dr House", 2: "Sam"} {
		sv, err := sdb.GetVersion(ctx, rec.EncounterID, v)
		lv, _ := laptop.db.GetVersion(ctx, enc, v)
		if err != nil || sv.Text != lv.Text || string(sv.Body) != string(lv.Body) || sv.Author != author || !sv.CreatedAt.Equal(lv.CreatedAt) {
			t.Fatalf("version %d: server %q by %s, laptop %q (%v)", v, sv.Text, sv.Author, lv.Text, err)
		}
	}
	segs, _ := sdb.Segments(ctx, rec.EncounterID)
	codes, _ := sdb.Codes(ctx, rec.EncounterID)
	if len(segs) != 2 || segs[1].Text != "Take paracetamol." || len(codes) != 1 || codes[0].Status != store.CodeAccepted || codes[0].Evidence != "My throat hurts" {
		t.Fatalf("segments %+v codes %+v", segs, codes)
	}
	la, err := sdb.LaptopAudit(ctx, b.UUID)
	if err != nil || len(la) != len(b.Audit) {
		t.Fatalf("laptop audit: %d of %d, %v", len(la), len(b.Audit), err)
	}
	hits, err := sdb.Search(ctx, store.Query{Text: "paracetamol"})
	if err != nil || len(hits) == 0 {
		t.Fatalf("search the imported note: %v %v", hits, err)
	}
	if _, err := sdb.VerifyAudit(ctx); err != nil {
		t.Fatal(err)
	}
	// The secretary edits on the server: the server owns the encounter.
	if _, err := sdb.Authenticate(ctx, "Sam", secPW); err != nil {
		t.Fatal(err)
	}

	// A lost laptop is revoked by an admin: its credential no longer works.
	admin, err := sdb.Authenticate(ctx, "Root", adminPW)
	if err != nil {
		t.Fatal(err)
	}
	if devs, err := sdb.Devices(ctx, admin); err != nil || len(devs) != 1 || devs[0].ID != dev.ID || devs[0].RevokedAt != nil {
		t.Fatalf("devices: %+v %v", devs, err)
	}
	if err := sdb.RevokeDevice(ctx, admin, dev.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := sdb.DeviceByCredential(ctx, cred); domain.ErrorCode(err) != domain.EForbidden {
		t.Fatalf("revoked device: %v", err)
	}
	wantCode(t, sdb.RevokeDevice(ctx, admin, dev.ID), domain.ENotFound)
	sdb.Close()
	if _, err := openLocked(t, srv.path, srv.opt).UnlockWithDevice(ctx, cred); domain.ErrorCode(err) != domain.EForbidden {
		t.Fatalf("a revoked device unlocks the server: %v", err)
	}

	// The laptop records the acknowledgement: the bundle is dropped, it stays read-only.
	if err := laptop.db.HandoffAcked(ctx, laptop.doc, enc, rec.EncounterID); err != nil {
		t.Fatal(err)
	}
	if h, _ := laptop.db.HandoffStatus(ctx, enc); h.AckedAt == nil || h.ServerEncounterID != rec.EncounterID {
		t.Fatalf("status after ack: %+v", h)
	}
	if _, err := laptop.db.HandoffBundle(ctx, enc); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("bundle after ack: %v", err)
	}
	if p, _ := laptop.db.PendingHandoffs(ctx); len(p) != 1 || p[0].EncounterID != ready {
		t.Fatalf("pending after ack: %+v", p)
	}
	_, err = laptop.db.SaveDraftVersion(ctx, store.DraftInput{EncounterID: enc, By: laptop.docUser.ID, Body: note("Later."), Base: 2})
	wantCode(t, err, domain.EConflict)
}

func TestHandoffNeedsADraftAndAPairedServer(t *testing.T) {
	ctx := context.Background()
	f := newAuthFixture(t)
	e, err := f.db.CreateEncounter(ctx, store.NewEncounter{By: f.docUser.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.QueueHandoff(ctx, f.doc, e.ID); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("queue a recording: %v", err)
	}
	if _, err := f.db.PairedServer(ctx); domain.ErrorCode(err) != domain.ENotFound {
		t.Fatalf("paired server before pairing: %v", err)
	}
	hs := store.HandoffServer{URL: "https://clinic.lan:8443", Fingerprint: strings.Repeat("ab", 32), DeviceID: 3, Credential: "secret-credential"}
	if err := f.db.SetHandoffServer(ctx, f.doc, hs); err != nil {
		t.Fatal(err)
	}
	got, err := f.db.PairedServer(ctx)
	if err != nil || got.URL != hs.URL || got.Credential != hs.Credential || got.DeviceID != 3 {
		t.Fatalf("paired server: %+v %v", got, err)
	}
	// The credential is sealed in the file.
	var raw []byte
	if err := f.db.RawQueryRow(ctx, `SELECT cred_enc FROM handoff_server`).Scan(&raw); err != nil || strings.Contains(string(raw), "secret-credential") {
		t.Fatalf("credential stored in clear: %v", err)
	}
}
