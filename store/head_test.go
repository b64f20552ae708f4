package store_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"greffier/domain"
	"greffier/store"
)

// copyDB copies a closed database (and its WAL, if one was left) to dst.
func copyDB(t *testing.T, src, dst string) {
	t.Helper()
	for _, sfx := range []string{"", "-wal"} {
		b, err := os.ReadFile(src + sfx)
		if err != nil {
			if sfx != "" {
				os.Remove(dst + sfx)
				continue
			}
			t.Fatal(err)
		}
		if err := os.WriteFile(dst+sfx, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	os.Remove(dst + "-shm")
}

// The whole database put back to an older, consistent copy (its own audit head
// matches its own chain) is caught at unlock by the head file kept beside it; an
// admin accepts a restore made on purpose, and that is audited.
func TestRollbackToAnOlderCopyIsDetected(t *testing.T) {
	ctx := context.Background()
	f := newAuthFixture(t)
	f.db.Close()
	opt := f.opt
	opt.HeadFile = store.HeadFile(f.path)
	open := func(name, pw string, accept bool) (*store.DB, error) {
		t.Helper()
		l := openLocked(t, f.path, opt)
		if accept {
			l.AcceptRestore()
		}
		db, _, err := l.Login(ctx, name, pw)
		if err != nil {
			l.Close()
			return nil, err
		}
		return db, nil
	}
	db, err := open("Dr House", docPW, false)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := os.Stat(opt.HeadFile); err != nil {
		t.Fatalf("no head file after a login: %v", err)
	}
	old := filepath.Join(t.TempDir(), "old.db")
	copyDB(t, f.path, old)

	// Changes made since the copy: the note signed.
	db, err = open("Dr House", docPW, false)
	if err != nil {
		t.Fatal(err)
	}
	s, err := db.Authenticate(ctx, "Dr House", docPW)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Sign(ctx, s, f.enc, 0, docPW); err != nil {
		t.Fatal(err)
	}
	db.Close()

	// The older copy put back: refused, for everyone, without the restore accepted.
	copyDB(t, old, f.path)
	for _, u := range [][2]string{{"Dr House", docPW}, {"Root", adminPW}} {
		if _, err := open(u[0], u[1], false); domain.ErrorCode(err) != domain.EConflict || !strings.Contains(err.Error(), "older") {
			t.Fatalf("%s opens a rolled-back database: %v", u[0], err)
		}
	}
	// Accepting a restore is an admin's: a physician asking is still refused.
	if _, err := open("Dr House", docPW, true); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("a physician accepts a restore: %v", err)
	}
	db, err = open("Root", adminPW, true)
	if err != nil {
		t.Fatalf("admin accepts the restore: %v", err)
	}
	if e, _ := db.GetEncounter(ctx, f.enc); e.State == domain.StateApproved {
		t.Fatal("the restored copy holds the later approval")
	}
	entries, _ := db.Audit(ctx, store.AuditFilter{})
	accepted, refusals := 0, 0
	for _, e := range entries {
		switch {
		case e.Action == store.ActionRollbackAccepted && e.Actor == "Root":
			accepted++
		case e.Action == store.ActionLoginFailed && strings.Contains(e.Detail, "reason=rollback"):
			refusals++
		}
	}
	if accepted != 1 || refusals != 3 {
		t.Errorf("audit: %d restores accepted, %d refusals; want 1 and 3", accepted, refusals)
	}
	db.Close()
	// From now on this copy is the reference: normal logins work again.
	if db, err = open("Dr House", docPW, false); err != nil {
		t.Fatalf("login after the accepted restore: %v", err)
	}
	db.Close()

	// The head file deleted along with the database replaced: the log says there
	// was one, so its absence is a refusal too.
	copyDB(t, f.path, old)
	if db, err = open("Dr House", docPW, false); err != nil {
		t.Fatal(err)
	}
	db.Close()
	copyDB(t, old, f.path)
	os.Remove(opt.HeadFile)
	if _, err := open("Dr House", docPW, false); domain.ErrorCode(err) != domain.EConflict || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("head file removed: %v", err)
	}
	// Another database's head file does not open here.
	other := newAuthFixture(t)
	oopt := other.opt
	oopt.HeadFile = store.HeadFile(other.path)
	other.db.Close()
	ol := openLocked(t, other.path, oopt)
	odb, _, err := ol.Login(ctx, "Dr House", docPW)
	if err != nil {
		t.Fatal(err)
	}
	odb.Close()
	b, _ := os.ReadFile(oopt.HeadFile)
	os.WriteFile(opt.HeadFile, b, 0o600)
	if _, err := open("Dr House", docPW, false); domain.ErrorCode(err) != domain.EConflict || !strings.Contains(err.Error(), "does not open") {
		t.Fatalf("another database's head file: %v", err)
	}
	// The recovery key (IT's) is refused too unless the restore is accepted.
	l := openLocked(t, f.path, opt)
	if _, _, err := l.Recover(ctx, f.recovery, "Dr House", "a brand new password"); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("recover on a rolled-back database: %v", err)
	}
	l.AcceptRestore()
	db, _, err = l.Recover(ctx, f.recovery, "Dr House", "a brand new password")
	if err != nil {
		t.Fatalf("recover accepting the restore: %v", err)
	}
	db.Close()
	if db, err = open("Dr House", "a brand new password", false); err != nil {
		t.Fatalf("login after recovery: %v", err)
	}
	db.Close()
}
