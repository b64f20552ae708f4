package store_test

import (
	"bytes"
	"context"
	"database/sql"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"greffier/domain"
	"greffier/store"
)

// copyDir copies a data folder as a backup tool (or a thief) would.
func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o700)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o600)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A copy of the whole data folder, without a password: no patient text in any
// file, no key in clear, and the store refuses to open it.
func TestCopiedDataFolderRevealsNothingWithoutAPassword(t *testing.T) {
	ctx := context.Background()
	f := newAuthFixture(t)
	dir := filepath.Dir(f.path)
	secrets := []string{"Zéphyrine Quillebeuf", "Quillebeuf", "xylophonic palpitations", "MRN-778899", "1931-02-28",
		"T75.4XXA", "Electrocution, initial encounter"}
	p, err := f.db.CreatePatient(ctx, store.Patient{LocalID: "P-1", MRN: "MRN-778899", Name: "Zéphyrine Quillebeuf", BirthDate: "1931-02-28"})
	if err != nil {
		t.Fatal(err)
	}
	e, err := f.db.CreateEncounter(ctx, store.NewEncounter{By: f.docUser.ID, PatientID: p.ID})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.db.SaveSegments(ctx, e.ID, []domain.Segment{{Text: "Madame Zéphyrine Quillebeuf reports xylophonic palpitations."}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.SaveDraftVersion(ctx, store.DraftInput{EncounterID: e.ID, By: f.docUser.ID, Body: note("Quillebeuf: xylophonic palpitations, MRN-778899.")}); err != nil {
		t.Fatal(err)
	}
	// A diagnosis code, suggested then accepted: neither it nor its title is in clear.
	if err := f.db.SuggestCodes(ctx, e.ID, store.System, []store.CodeSuggestion{{Code: "T75.4XXA", Display: "Electrocution, initial encounter"}}); err != nil {
		t.Fatal(err)
	}
	if err := f.db.SetCodeStatus(ctx, e.ID, "", "T75.4XXA", store.CodeAccepted, f.docUser.ID); err != nil {
		t.Fatal(err)
	}
	audio := filepath.Join(dir, "audio", "rec.enc")
	os.MkdirAll(filepath.Dir(audio), 0o700)
	raw := filepath.Join(t.TempDir(), "rec.raw")
	os.WriteFile(raw, []byte(strings.Repeat("Zéphyrine Quillebeuf xylophonic palpitations ", 2000)), 0o600)
	if err := f.db.Keys().EncryptFile(raw, audio); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.Sign(ctx, f.doc, e.ID, 0, docPW); err != nil {
		t.Fatal(err)
	}
	f.db.Close()

	cp := filepath.Join(t.TempDir(), "copy")
	copyDir(t, dir, cp)
	n := 0
	filepath.WalkDir(cp, func(fn string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		n++
		if filepath.Base(fn) == store.KeyFileName {
			t.Errorf("the copy holds a key file %s", fn)
		}
		b, _ := os.ReadFile(fn)
		for _, s := range secrets {
			if bytes.Contains(bytes.ToLower(b), bytes.ToLower([]byte(s))) {
				t.Errorf("%s holds %q in plain", filepath.Base(fn), s)
			}
		}
		return nil
	})
	if n < 2 {
		t.Fatalf("copied %d files: the test would prove nothing", n)
	}
	cdb := filepath.Join(cp, filepath.Base(f.path))
	if _, err := store.Open(ctx, cdb); domain.ErrorCode(err) != domain.EForbidden {
		t.Fatalf("Open of the copy without a password: %v", err)
	}
	if _, _, err := openLocked(t, cdb, f.opt).Login(ctx, "Dr House", "a guess at the password"); domain.ErrorCode(err) != domain.EForbidden {
		t.Fatalf("copy with a wrong password: %v", err)
	}
	db, _ := login(t, cdb, f.opt, "Dr House", docPW)
	if got, err := db.GetPatient(ctx, p.ID); err != nil || got.Name != "Zéphyrine Quillebeuf" {
		t.Fatalf("copy with the password: %+v %v", got, err)
	}
	if codes, err := db.Codes(ctx, e.ID); err != nil || len(codes) != 1 || codes[0].Code != "T75.4XXA" ||
		codes[0].Display != "Electrocution, initial encounter" || codes[0].Status != store.CodeAccepted {
		t.Fatalf("codes with the password: %+v %v", codes, err)
	}
}

// tamper writes to the file as someone without Greffier (and its key) would: a plain
// SQLite connection, the triggers that need the key dropped first.
func tamper(t *testing.T, path string, qs ...string) {
	t.Helper()
	raw, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	for _, q := range qs {
		if _, err := raw.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

func TestAuthorityColumnsEditedInTheFileAreDetected(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name string
		qs   func(f authFixture) []string
		want string
	}{
		{"encounter approved", func(f authFixture) []string {
			return []string{`DROP TRIGGER encounters_mac_v1_update`,
				`UPDATE encounters SET state = 'approved', approved_version = 1, approved_by = ` + itoa(f.docUser.ID) + ` WHERE id = ` + itoa(f.enc)}
		}, "encounter"},
		{"secretary promoted", func(f authFixture) []string {
			return []string{`DROP TRIGGER users_mac_v1_update`, `UPDATE users SET role = 'admin' WHERE name = 'Sam'`}
		}, "user"},
		{"MAC removed", func(f authFixture) []string {
			return []string{`UPDATE users SET mac = NULL WHERE name = 'Sam'`}
		}, "user"},
		{"setting changed", func(f authFixture) []string {
			return []string{`DROP TRIGGER settings_mac_v1_insert`, `INSERT INTO settings (key, value, updated_at) VALUES ('retention.days', '1', 0)`}
		}, "setting"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newAuthFixture(t)
			f.db.Close()
			tamper(t, f.path, c.qs(f)...)
			_, _, err := openLocked(t, f.path, f.opt).Login(ctx, "Root", adminPW)
			if domain.ErrorCode(err) != domain.EConflict || !strings.Contains(err.Error(), "integrity: "+c.want) {
				t.Fatalf("unlock after tampering: %v", err)
			}
		})
	}
}

// While the database is open, a row changed behind Greffier's back fails when read.
func TestTamperedRowFailsWhenRead(t *testing.T) {
	ctx := context.Background()
	f := newAuthFixture(t)
	if _, err := f.db.GetEncounter(ctx, f.enc); err != nil {
		t.Fatal(err)
	}
	tamper(t, f.path, `DROP TRIGGER encounters_mac_v1_update`, `UPDATE encounters SET state = 'approved' WHERE id = `+itoa(f.enc))
	if _, err := f.db.GetEncounter(ctx, f.enc); err == nil || !strings.Contains(err.Error(), "integrity") {
		t.Fatalf("read of a tampered encounter: %v", err)
	}
	if _, err := f.db.Sign(ctx, f.doc, f.enc, 0, docPW); err == nil || !strings.Contains(err.Error(), "integrity") {
		t.Fatalf("sign of a tampered encounter: %v", err)
	}
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

// A patient's sealed name moved onto another patient's row does not open: the AAD
// binds it to its row. Values sealed before that binding are resealed when the
// database moves to passwords.
func TestPatientFieldsAreBoundToTheirRow(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "greffier.db")
	old, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := old.CreatePatient(ctx, store.Patient{Name: "Anselme Vétiver"})
	b, _ := old.CreatePatient(ctx, store.Patient{Name: "Berthe Ombellule"})
	// b's name as the previous version sealed it (bound to the field only).
	if err := old.RawExec(ctx, `UPDATE patients SET name_enc = ? WHERE id = ?`, old.Keys().SealString("Berthe Ombellule", "patient/name"), b.ID); err != nil {
		t.Fatal(err)
	}
	if got, err := old.GetPatient(ctx, b.ID); err != nil || got.Name != "Berthe Ombellule" {
		t.Fatalf("old-style value before the move to passwords: %+v %v", got, err)
	}
	old.CreateUser(ctx, "Root", domain.UserAdmin)
	old.Close()
	db, _ := login(t, path, testOpt(nil), "Root", adminPW)
	if got, err := db.GetPatient(ctx, b.ID); err != nil || got.Name != "Berthe Ombellule" {
		t.Fatalf("resealed value: %+v %v", got, err)
	}
	if err := db.RawExec(ctx, `UPDATE patients SET name_enc = (SELECT name_enc FROM patients WHERE id = ?) WHERE id = ?`, a.ID, b.ID); err != nil {
		t.Fatal(err)
	}
	if got, err := db.GetPatient(ctx, b.ID); err == nil {
		t.Fatalf("a name moved from patient %d to %d opened: %+v", a.ID, b.ID, got)
	}
}

// A user row slipped into the file of an open database cannot log in there.
func TestUserAddedInTheFileCannotAuthenticate(t *testing.T) {
	ctx := context.Background()
	f := newAuthFixture(t)
	// Eve copies Sam's verifier (she knows no password, but reuses his) under her name, as an admin.
	tamper(t, f.path, `DROP TRIGGER users_mac_v1_insert`,
		`INSERT INTO users (name, role, created_at, pw_kdf, pw_salt, pw_verifier) SELECT 'Eve', 'admin', 0, pw_kdf, pw_salt, pw_verifier FROM users WHERE name = 'Sam'`)
	if _, err := f.db.Authenticate(ctx, "Eve", secPW); err == nil || !strings.Contains(err.Error(), "integrity") {
		t.Fatalf("forged user authenticates: %v", err)
	}
}
