package store_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"greffier/domain"
	"greffier/store"
	"greffier/store/crypt"
)

const (
	adminPW = "admin correct horse"
	docPW   = "doctor battery staple"
	secPW   = "secretary paper clip"
)

// testOpt keeps argon2id cheap: the production cost would make each login here a
// quarter second. Time is fixed so that backoff is deterministic.
func testOpt(now *time.Time) store.Options {
	o := store.Options{KDF: crypt.TestKDF()}
	if now != nil {
		o.Now = func() time.Time { return *now }
	}
	return o
}

func openLocked(t *testing.T, path string, opt store.Options) *store.Locked {
	t.Helper()
	l, err := store.OpenLocked(context.Background(), path, opt)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func login(t *testing.T, path string, opt store.Options, name, pw string) (*store.DB, *store.Session) {
	t.Helper()
	l := openLocked(t, path, opt)
	db, s, err := l.Login(context.Background(), name, pw)
	if err != nil {
		l.Close()
		t.Fatalf("login %s: %v", name, err)
	}
	t.Cleanup(func() { db.Close() })
	return db, s
}

// authFixture is a database set up with passwords: an admin, a physician, a
// secretary, and an encounter with a drafted note.
type authFixture struct {
	path             string
	opt              store.Options
	db               *store.DB
	admin, doc, sec  *store.Session
	docUser, secUser store.User
	enc              int64
	recovery         string
}

func newAuthFixture(t *testing.T) authFixture {
	t.Helper()
	ctx := context.Background()
	f := authFixture{path: filepath.Join(t.TempDir(), "greffier.db"), opt: testOpt(nil)}
	l := openLocked(t, f.path, f.opt)
	if need, err := l.NeedsSetup(ctx); err != nil || !need {
		t.Fatalf("fresh database needs setup: %v %v", need, err)
	}
	var err error
	f.db, f.admin, err = l.Setup(ctx, "Root", adminPW)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.db.Close() })
	f.recovery = f.admin.RecoveryKey
	if f.recovery == "" || f.admin.User().Role != domain.UserAdmin {
		t.Fatalf("setup: recovery %q, user %+v", f.recovery, f.admin.User())
	}
	if f.docUser, err = f.db.AddUser(ctx, f.admin, "Dr House", domain.UserPhysician, docPW); err != nil {
		t.Fatal(err)
	}
	if f.secUser, err = f.db.AddUser(ctx, f.admin, "Sam", domain.UserSecretary, secPW); err != nil {
		t.Fatal(err)
	}
	if f.doc, err = f.db.Authenticate(ctx, "Dr House", docPW); err != nil {
		t.Fatal(err)
	}
	if f.sec, err = f.db.Authenticate(ctx, "sam", secPW); err != nil {
		t.Fatal(err)
	}
	e, err := f.db.CreateEncounter(ctx, store.NewEncounter{By: f.docUser.ID})
	if err != nil {
		t.Fatal(err)
	}
	f.enc = e.ID
	if _, err := f.db.SaveDraftVersion(ctx, store.DraftInput{EncounterID: e.ID, By: f.docUser.ID, Body: note("Rest.")}); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestSetupThenOnlyAdminsManageUsers(t *testing.T) {
	ctx := context.Background()
	f := newAuthFixture(t)
	db := f.db
	if _, err := db.CreateUser(ctx, "Nobody", domain.UserAdmin); domain.ErrorCode(err) != domain.EForbidden {
		t.Fatalf("CreateUser without a session on a password database: %v", err)
	}
	if _, err := db.AddUser(ctx, f.sec, "Eve", domain.UserAdmin, "eve eve eve eve"); domain.ErrorCode(err) != domain.EForbidden {
		t.Fatalf("secretary adds a user: %v", err)
	}
	if _, err := db.AddUser(ctx, f.doc, "Eve", domain.UserAdmin, "eve eve eve eve"); domain.ErrorCode(err) != domain.EForbidden {
		t.Fatalf("physician adds a user: %v", err)
	}
	if _, err := db.AddUser(ctx, nil, "Eve", domain.UserAdmin, "eve eve eve eve"); domain.ErrorCode(err) != domain.EForbidden {
		t.Fatalf("no session adds a user: %v", err)
	}
	if err := db.SetRole(ctx, f.sec, f.secUser.ID, domain.UserAdmin); domain.ErrorCode(err) != domain.EForbidden {
		t.Fatalf("secretary promotes herself: %v", err)
	}
	if _, err := db.AddUser(ctx, f.admin, "Shorty", domain.UserPhysician, "short"); domain.ErrorCode(err) != domain.EInvalid {
		t.Fatalf("short password: %v", err)
	}
	if err := db.Disable(ctx, f.admin, f.admin.User().ID); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("disabling the last admin: %v", err)
	}
	// A session of another database carries no authority here.
	other := newAuthFixture(t)
	if _, err := db.AddUser(ctx, other.admin, "Eve", domain.UserAdmin, "eve eve eve eve"); domain.ErrorCode(err) != domain.EForbidden {
		t.Fatalf("foreign session adds a user: %v", err)
	}

	// The admin promotes the secretary; the change applies to her open session at once.
	if err := db.SetRole(ctx, f.admin, f.secUser.ID, domain.UserAdmin); err != nil {
		t.Fatal(err)
	}
	if _, err := db.AddUser(ctx, f.sec, "Eve", domain.UserSecretary, "eve eve eve eve"); err != nil {
		t.Fatalf("promoted secretary adds a user: %v", err)
	}
	// Disabling removes the slot and refuses logins, also for an open session.
	if err := db.Disable(ctx, f.admin, f.docUser.ID); err != nil {
		t.Fatal(err)
	}
	var slots int
	db.RawQueryRow(ctx, `SELECT count(*) FROM key_slots WHERE user_id = ?`, f.docUser.ID).Scan(&slots)
	if slots != 0 {
		t.Errorf("disabled user keeps %d key slots", slots)
	}
	if _, err := db.Authenticate(ctx, "Dr House", docPW); domain.ErrorCode(err) != domain.EForbidden || !strings.Contains(err.Error(), "disabled") {
		t.Fatalf("disabled user logs in: %v", err)
	}
	if err := db.SetRole(ctx, f.doc, f.docUser.ID, domain.UserAdmin); domain.ErrorCode(err) != domain.EForbidden {
		t.Fatalf("disabled user's session still acts: %v", err)
	}
	us, _ := db.ListUsers(ctx)
	if len(us) != 4 {
		t.Errorf("users after disable: %d, want 4 (never deleted)", len(us))
	}
	// An admin resets the password: the user is back, with a new slot.
	if err := db.ResetPassword(ctx, f.admin, f.docUser.ID, "a brand new secret"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, _, err := openLocked(t, f.path, f.opt).Login(ctx, "Dr House", docPW); domain.ErrorCode(err) != domain.EForbidden {
		t.Fatalf("old password after reset: %v", err)
	}
	login(t, f.path, f.opt, "Dr House", "a brand new secret")
}

func TestChangePasswordRewrapsOnlyOwnSlot(t *testing.T) {
	ctx := context.Background()
	f := newAuthFixture(t)
	slot := func(id int64) []byte {
		var b []byte
		f.db.RawQueryRow(ctx, `SELECT wrapped FROM key_slots WHERE user_id = ?`, id).Scan(&b)
		return b
	}
	docBefore, secBefore := slot(f.docUser.ID), slot(f.secUser.ID)
	if err := f.db.ChangePassword(ctx, f.doc, "not my password", "whatever whatever"); domain.ErrorCode(err) != domain.EForbidden {
		t.Fatalf("change with a wrong old password: %v", err)
	}
	if err := f.db.ChangePassword(ctx, f.doc, docPW, "my new long password"); err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(slot(f.docUser.ID), docBefore) {
		t.Error("the physician's slot was not rewrapped")
	}
	if !bytes.Equal(slot(f.secUser.ID), secBefore) {
		t.Error("another user's slot changed")
	}
	f.db.Close()
	if _, _, err := openLocked(t, f.path, f.opt).Login(ctx, "Dr House", docPW); err == nil {
		t.Fatal("old password still opens the database")
	}
	login(t, f.path, f.opt, "Dr House", "my new long password")
	login(t, f.path, f.opt, "Sam", secPW)
}

func TestLoginBackoffSurvivesReopenAndIsAudited(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	opt := testOpt(&now)
	path := filepath.Join(t.TempDir(), "greffier.db")
	db, _, err := openLocked(t, path, opt).Setup(ctx, "Root", adminPW)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	for i := 0; i < 5; i++ {
		l := openLocked(t, path, opt)
		if _, _, err := l.Login(ctx, "Root", "wrong password!"); domain.ErrorCode(err) != domain.EForbidden {
			t.Fatalf("wrong password %d: %v", i, err)
		}
		l.Close()
		now = now.Add(10 * time.Second) // past the 0, 0, 1 s and 2 s delays
	}
	// After the fifth failure the wait is 4 s: the right password is refused until then,
	// although the database was closed and opened again.
	now = now.Add(-10*time.Second + 2*time.Second)
	l := openLocked(t, path, opt)
	_, _, err = l.Login(ctx, "Root", adminPW)
	if domain.ErrorCode(err) != domain.EForbidden || !strings.Contains(err.Error(), "try again in 2s") {
		t.Fatalf("login during backoff: %v", err)
	}
	l.Close()
	now = now.Add(3 * time.Second)
	db, _ = login(t, path, opt, "Root", adminPW)
	entries, err := db.Audit(ctx, store.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var failed, backoff int
	for _, e := range entries {
		if e.Action == store.ActionLoginFailed {
			failed++
			if strings.Contains(e.Detail, "reason=backoff") {
				backoff++
			}
		}
	}
	if failed != 6 || backoff != 1 {
		t.Errorf("audited failures %d (backoff %d), want 6 (1)", failed, backoff)
	}
	if _, err := db.VerifyAudit(ctx); err != nil {
		t.Error(err)
	}
	// A success resets the count: a typo now costs no wait.
	if _, err := db.Authenticate(ctx, "Root", "wrong again!!"); domain.ErrorCode(err) != domain.EForbidden {
		t.Errorf("wrong password: %v", err)
	}
	if _, err := db.Authenticate(ctx, "Root", adminPW); err != nil {
		t.Errorf("after a success and one typo: %v", err)
	}
}

func TestRehashWhenParametersChange(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "greffier.db")
	old := store.Options{KDF: crypt.KDF{Time: 1, MemoryKiB: 64, Threads: 1}}
	db, _, err := openLocked(t, path, old).Setup(ctx, "Root", adminPW)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	stronger := store.Options{KDF: crypt.KDF{Time: 2, MemoryKiB: 128, Threads: 1}}
	db, _ = login(t, path, stronger, "Root", adminPW)
	var kdf string
	db.RawQueryRow(ctx, `SELECT pw_kdf FROM users WHERE name = 'Root'`).Scan(&kdf)
	if kdf != stronger.KDF.String() {
		t.Fatalf("stored parameters %q, want %q", kdf, stronger.KDF.String())
	}
	db.Close()
	login(t, path, stronger, "Root", adminPW)
	login(t, path, old, "Root", adminPW) // each hash carries its parameters
}

func TestSignNeedsThePasswordNow(t *testing.T) {
	ctx := context.Background()
	f := newAuthFixture(t)
	db := f.db
	wantCode(t, db.Approve(ctx, f.enc, f.docUser.ID, 0), domain.EForbidden)
	if _, err := db.Sign(ctx, f.doc, f.enc, 0, "not the password"); domain.ErrorCode(err) != domain.EForbidden {
		t.Fatalf("sign with a wrong password: %v", err)
	}
	if _, err := db.Sign(ctx, f.sec, f.enc, 0, secPW); domain.ErrorCode(err) != domain.EForbidden {
		t.Fatalf("secretary signs: %v", err)
	}
	if _, err := db.Sign(ctx, nil, f.enc, 0, docPW); domain.ErrorCode(err) != domain.EForbidden {
		t.Fatalf("sign without a session: %v", err)
	}
	// A session cannot be made outside the store: a zero one, or the physician's
	// own from another database, carries no identity here.
	if _, err := db.Sign(ctx, &store.Session{}, f.enc, 0, docPW); domain.ErrorCode(err) != domain.EForbidden {
		t.Fatalf("sign with a made-up session: %v", err)
	}
	if e, _ := db.GetEncounter(ctx, f.enc); e.State == domain.StateApproved {
		t.Fatal("refused signatures approved the note")
	}
	v, err := db.GetLatestDraft(ctx, f.enc)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	sig, err := db.Sign(ctx, f.doc, f.enc, 0, docPW)
	if err != nil {
		t.Fatal(err)
	}
	if sig.Version != v.Version || sig.SHA256 != sha256Hex(v.Body) || sig.Signer != "Dr House" || sig.SignedAt.Before(now.Add(-time.Second)) {
		t.Errorf("signature %+v, want version %d sha %s", sig, v.Version, sha256Hex(v.Body))
	}
	// A disabled physician cannot sign, even with an open session and the password.
	if _, err := db.SaveDraftVersion(ctx, store.DraftInput{EncounterID: f.enc, By: f.docUser.ID, Body: note("Rest and fluids.")}); err != nil {
		t.Fatal(err)
	}
	if err := db.Disable(ctx, f.admin, f.docUser.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Sign(ctx, f.doc, f.enc, 0, docPW); domain.ErrorCode(err) != domain.EForbidden {
		t.Fatalf("disabled physician signs: %v", err)
	}
	entries, _ := db.Audit(ctx, store.AuditFilter{EncounterID: f.enc})
	var refused []string
	var signed string
	for _, e := range entries {
		switch e.Action {
		case store.ActionSignRefused:
			refused = append(refused, e.Detail)
		case store.ActionApprove:
			signed = e.Detail
		}
	}
	if len(refused) != 6 {
		t.Errorf("refused signatures audited: %q, want 6", refused)
	}
	if !strings.Contains(signed, "sha256="+sig.SHA256) || !strings.Contains(signed, "password=checked") || !strings.Contains(signed, "version=1") {
		t.Errorf("approval audit detail %q", signed)
	}
}

func TestMigrateKeyFileOnFirstLogin(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "greffier.db")
	old, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := old.CreateUser(ctx, "Dr Old", domain.UserPhysician)
	old.CreateUser(ctx, "Sec Old", domain.UserSecretary)
	p, err := old.CreatePatient(ctx, store.Patient{Name: "Anselme Vétiver", MRN: "MRN-55"})
	if err != nil {
		t.Fatal(err)
	}
	e, _ := old.CreateEncounter(ctx, store.NewEncounter{By: doc.ID, PatientID: p.ID})
	old.Close()

	opt := testOpt(nil)
	if _, _, err := openLocked(t, path, opt).Login(ctx, "Dr Old", "short"); domain.ErrorCode(err) != domain.EInvalid {
		t.Fatalf("migration with a short password: %v", err)
	}
	db, s := login(t, path, opt, "Dr Old", docPW)
	if s.RecoveryKey == "" || s.User().Role != domain.UserAdmin {
		t.Fatalf("migration: recovery %q, role %s (no admin existed: the first to log in becomes one)", s.RecoveryKey, s.User().Role)
	}
	if _, err := os.Stat(store.KeyFile(path)); !os.IsNotExist(err) {
		t.Fatalf("key file still there after migration: %v", err)
	}
	got, err := db.GetPatient(ctx, p.ID)
	if err != nil || got.Name != "Anselme Vétiver" {
		t.Fatalf("patient after migration: %+v %v", got, err)
	}
	if _, err := db.GetEncounter(ctx, e.ID); err != nil {
		t.Fatal(err)
	}
	// The other user has no password: they wait for an admin.
	if _, err := db.Authenticate(ctx, "Sec Old", secPW); domain.ErrorCode(err) != domain.EForbidden {
		t.Fatalf("passwordless user after migration: %v", err)
	}
	db.Close()
	if _, err := store.Open(ctx, path); domain.ErrorCode(err) != domain.EForbidden {
		t.Fatalf("Open without a password after migration: %v", err)
	}
	// The recovery key shown once opens it and sets a new password.
	l := openLocked(t, path, opt)
	if _, _, err := l.Recover(ctx, "AAAAA-"+s.RecoveryKey[6:], "Dr Old", "recovered password"); domain.ErrorCode(err) != domain.EForbidden {
		t.Fatalf("wrong recovery key: %v", err)
	}
	db2, _, err := l.Recover(ctx, strings.ToLower(s.RecoveryKey), "Dr Old", "recovered password")
	if err != nil {
		t.Fatal(err)
	}
	db2.Close()
	login(t, path, opt, "Dr Old", "recovered password")
}

func TestAuditCutFromTheEndIsDetectedAtUnlock(t *testing.T) {
	ctx := context.Background()
	f := newAuthFixture(t)
	n, err := f.db.VerifyAudit(ctx)
	if err != nil || n < 5 {
		t.Fatalf("audit: %d %v", n, err)
	}
	for _, q := range []string{`DROP TRIGGER audit_log_no_delete`, `DELETE FROM audit_log WHERE id = (SELECT max(id) FROM audit_log)`} {
		if err := f.db.RawExec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.db.VerifyAudit(ctx); err != nil {
		t.Fatalf("the chain alone cannot see a cut end, yet: %v", err)
	}
	f.db.Close()
	_, _, err = openLocked(t, f.path, f.opt).Login(ctx, "Root", adminPW)
	if domain.ErrorCode(err) != domain.EConflict || !strings.Contains(err.Error(), "cut") {
		t.Fatalf("unlock after cutting the audit log: %v", err)
	}
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// Audit details are sealed on disk (a code decision names a diagnosis) and read
// back in clear through the store; a search is audited without its words.
func TestAuditDetailsAreSealed(t *testing.T) {
	ctx := context.Background()
	f := newAuthFixture(t)
	if err := f.db.SuggestCodes(ctx, f.enc, store.System, []store.CodeSuggestion{{Code: "R00.2"}}); err != nil {
		t.Fatal(err)
	}
	if err := f.db.SetCodeStatus(ctx, f.enc, "", "R00.2", store.CodeAccepted, f.docUser.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.db.AuditRecordSearch(ctx, f.secUser.ID, 3); err != nil {
		t.Fatal(err)
	}
	var plain int
	f.db.RawQueryRow(ctx, `SELECT count(*) FROM audit_log WHERE detail LIKE '%R00.2%' OR CAST(detail_enc AS TEXT) LIKE '%R00.2%'`).Scan(&plain)
	if plain != 0 {
		t.Errorf("%d audit rows hold the code in clear", plain)
	}
	entries, err := f.db.Audit(ctx, store.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var sawCode, sawSearch bool
	for _, e := range entries {
		sawCode = sawCode || (e.Action == store.ActionCode && strings.Contains(e.Detail, "code=R00.2 status=accepted"))
		sawSearch = sawSearch || (e.Action == store.ActionSearch && e.Detail == "results=3" && e.Actor == "Sam")
	}
	if !sawCode || !sawSearch {
		t.Errorf("audit read back: code %v, search %v", sawCode, sawSearch)
	}
	// A sealed detail moved to another entry does not open: the chain check says so.
	if err := f.db.RawExec(ctx, `DROP TRIGGER audit_log_no_update`); err != nil {
		t.Fatal(err)
	}
	if err := f.db.RawExec(ctx, `UPDATE audit_log SET detail_enc = (SELECT detail_enc FROM audit_log WHERE action = 'search') WHERE id = 1`); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.VerifyAudit(ctx); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("verify after moving a sealed detail: %v", err)
	}
}

// On a database with passwords, a method that takes a user id acts only for a user
// logged in on this handle: passing another user's id (as a UI bridge could) is
// refused, and so is acting after logging out.
func TestActingByAnotherUsersIDIsRefused(t *testing.T) {
	ctx := context.Background()
	f := newAuthFixture(t)
	two, err := f.db.AddUser(ctx, f.admin, "Dr Two", domain.UserPhysician, "second doctor pw")
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.db.SaveDraftVersion(ctx, store.DraftInput{EncounterID: f.enc, By: two.ID, Body: note("Forged.")})
	wantCode(t, err, domain.EForbidden)
	f.db.Logout(f.doc)
	wantCode(t, f.db.MarkReady(ctx, f.enc, f.docUser.ID), domain.EForbidden)
	if _, err := f.db.Sign(ctx, f.doc, f.enc, 0, docPW); domain.ErrorCode(err) != domain.EForbidden {
		t.Fatalf("sign with an ended session: %v", err)
	}
	// The secretary, still logged in, acts; Greffier itself (System) too.
	if err := f.db.MarkReady(ctx, f.enc, f.secUser.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.db.SuggestCodes(ctx, f.enc, store.System, []store.CodeSuggestion{{Code: "J02.9"}}); err != nil {
		t.Fatal(err)
	}
	if v, _ := f.db.GetLatestDraft(ctx, f.enc); v.Version != 1 {
		t.Errorf("a refused edit saved a version: latest %d", v.Version)
	}
}
