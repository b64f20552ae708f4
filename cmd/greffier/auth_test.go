package main

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"greffier/domain"
	"greffier/store"
)

// secretFile writes a password file as a script would: mode 0600, one line.
func secretFile(t *testing.T, pw string) string {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), "pw")
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(pw + "\n")
	f.Close()
	return f.Name()
}

// protectDB gives passwords to a database made with store.Open and CreateUser (a
// key file, no passwords), as a clinic upgrading would: an admin's first login moves
// the key into slots, then the admin sets each user's password. It returns each
// user's --auth-file, the admin "Root" included.
func protectDB(t *testing.T, dbp string, users ...string) map[string]string {
	t.Helper()
	ctx := context.Background()
	old, err := store.Open(ctx, dbp)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := old.CreateUser(ctx, "Root", domain.UserAdmin); err != nil {
		t.Fatal(err)
	}
	old.Close()
	l, err := store.OpenLocked(ctx, dbp, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{"Root": secretFile(t, "root password 1")}
	db, admin, err := l.Login(ctx, "Root", "root password 1")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for i, name := range users {
		pw := "password of user " + strconv.Itoa(i)
		u, err := db.UserByName(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.ResetPassword(ctx, admin, u.ID, pw); err != nil {
			t.Fatal(err)
		}
		files[name] = secretFile(t, pw)
	}
	return files
}

// The CLI acts as a user who proves it: bootstrap of the first admin, users added
// only by an admin, approval signed with the password, reads that need a login;
// every refusal exits 2 with its reason and changes nothing.
func TestCLIActsAsAnAuthenticatedUser(t *testing.T) {
	ctx := context.Background()
	dbp := filepath.Join(t.TempDir(), "greffier.db")
	rootPW, docPW, secPW := "root password 1", "doctor password 2", "secretary password 3"
	root, doc, sec := secretFile(t, rootPW), secretFile(t, docPW), secretFile(t, secPW)
	wrong := secretFile(t, "not the password")
	db := []string{"--db", dbp}
	cli := func(args ...string) (int, string, string) {
		t.Helper()
		return runCLI(t, append(args, db...)...)
	}

	if code, _, errs := cli("users", "add", "Root", "--role", "physician", "--password-file", root); code != 2 || !strings.Contains(errs, "must be an admin") {
		t.Fatalf("first user not an admin: %d %q", code, errs)
	}
	code, out, errs := cli("users", "add", "Root", "--role", "admin", "--password-file", root)
	if code != 0 || !strings.Contains(out, "Recovery key") {
		t.Fatalf("bootstrap: %d %q %q", code, out, errs)
	}
	if code, _, errs := cli("users", "add", "Dr Martin", "--role", "physician", "--password-file", doc); code != 2 || !strings.Contains(errs, "--as USER is required") {
		t.Fatalf("second user without --as: %d %q", code, errs)
	}
	if code, _, errs := cli("users", "add", "Dr Martin", "--role", "physician", "--password-file", doc, "--as", "Root", "--auth-file", wrong); code != 2 || !strings.Contains(errs, "wrong password") {
		t.Fatalf("wrong admin password: %d %q", code, errs)
	}
	for _, u := range [][]string{{"Dr Martin", "physician", doc}, {"Léa", "secretary", sec}} {
		if code, out, errs := cli("users", "add", u[0], "--role", u[1], "--password-file", u[2], "--as", "Root", "--auth-file", root); code != 0 || !strings.Contains(out, u[0]) {
			t.Fatalf("users add %s: %d %q %q", u[0], code, out, errs)
		}
	}
	if code, _, errs := cli("users", "add", "Eve", "--role", "admin", "--password-file", sec, "--as", "Léa", "--auth-file", sec); code != 2 || !strings.Contains(errs, "not allowed") {
		t.Fatalf("secretary adds an admin: %d %q", code, errs)
	}
	if code, _, errs := cli("users", "role", "Léa", "--role", "admin", "--as", "Léa", "--auth-file", sec); code != 2 || !strings.Contains(errs, "not allowed") {
		t.Fatalf("secretary promotes herself: %d %q", code, errs)
	}
	loose := secretFile(t, secPW)
	os.Chmod(loose, 0o644)
	if code, _, errs := cli("users", "list", "--as", "Léa", "--auth-file", loose); code != 2 || !strings.Contains(errs, "chmod 600") {
		t.Fatalf("auth file readable by others: %d %q", code, errs)
	}
	code, out, _ = cli("users", "list", "--as", "Léa", "--auth-file", sec)
	if code != 0 || strings.Contains(out, "Eve") || !strings.Contains(out, "Dr Martin") || !strings.Contains(out, "secretary") {
		t.Fatalf("users list: %d %q", code, out)
	}

	// An encounter with a draft, written through the store as Dr Martin.
	l, err := store.OpenLocked(ctx, dbp, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s, sess, err := l.Login(ctx, "Dr Martin", docPW)
	if err != nil {
		t.Fatal(err)
	}
	e, _ := s.CreateEncounter(ctx, store.NewEncounter{By: sess.User().ID})
	if _, err := s.SaveDraftVersion(ctx, store.DraftInput{EncounterID: e.ID, By: store.System, Body: []byte(`{"assessment":"Angor d'effort probable."}`)}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	id := strconv.FormatInt(e.ID, 10)

	for _, c := range []struct {
		name, want string
		args       []string
	}{
		{"secretary", "not allowed", []string{"--as", "Léa", "--auth-file", sec}},
		{"wrong password", "wrong password", []string{"--as", "Dr Martin", "--auth-file", wrong}},
		{"no --as", "--as USER is required", nil},
		{"no terminal, no file", "no terminal", []string{"--as", "Dr Martin"}},
	} {
		code, _, errs := cli(append([]string{"approve", id}, c.args...)...)
		if code != 2 || !strings.Contains(errs, c.want) {
			t.Errorf("approve, %s: exit %d %q; want 2 and %q", c.name, code, errs, c.want)
		}
	}
	if st, _ := encounterState(t, dbp, e.ID); st != domain.StateDrafted { // as Root: rootPW
		t.Fatalf("state after refused approvals: %s", st)
	}
	code, out, errs = cli("approve", id, "--as", "Dr Martin", "--auth-file", doc)
	if code != 0 || !strings.Contains(out, "approved by Dr Martin") || !strings.Contains(out, "sha256 ") {
		t.Fatalf("physician approves: %d %q %q", code, out, errs)
	}
	if code, _, errs := cli("encounters", "show", id); code != 2 || !strings.Contains(errs, "--as") {
		t.Errorf("show without --as: %d %q", code, errs)
	}
	if code, out, errs := cli("encounters", "show", id, "--as", "Léa", "--auth-file", sec); code != 0 || !strings.Contains(out, "Angor") || !strings.Contains(out, "approved") {
		t.Errorf("encounters show: %d %q %q", code, out, errs)
	}
	code, out, errs = cli("encounters", "audit", id, "--as", "Root", "--auth-file", root)
	// The secretary's attempt is refused by the store and audited against the
	// encounter; a wrong password fails at login, audited as login_failed.
	if code != 0 || !strings.Contains(out, "password=checked") || !strings.Contains(out, "Léa        approve_refused") {
		t.Errorf("encounters audit: %d %q %q", code, out, errs)
	}
	// A disabled user is refused, with the reason.
	if code, _, errs := cli("users", "disable", "Dr Martin", "--as", "Root", "--auth-file", root); code != 0 {
		t.Fatalf("disable: %d %q", code, errs)
	}
	if code, _, errs := cli("encounters", "show", id, "--as", "Dr Martin", "--auth-file", doc); code != 2 || !strings.Contains(errs, "disabled") {
		t.Errorf("disabled user reads: %d %q", code, errs)
	}
}

// A database still protected by a key file moves to passwords when its first admin
// is created; the key file goes, and the data stays readable with the password.
func TestCLIBootstrapMigratesAKeyFile(t *testing.T) {
	ctx := context.Background()
	dbp := filepath.Join(t.TempDir(), "greffier.db")
	old, err := store.Open(ctx, dbp)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := old.CreatePatient(ctx, store.Patient{LocalID: "P-1", Name: "Anselme Vétiver"})
	e, _ := old.CreateEncounter(ctx, store.NewEncounter{PatientID: p.ID})
	old.Close()
	root := secretFile(t, "root password 1")
	if code, out, errs := runCLI(t, "users", "add", "Root", "--role", "admin", "--password-file", root, "--db", dbp); code != 0 || !strings.Contains(out, "Recovery key") {
		t.Fatalf("bootstrap on a key-file database: %d %q %q", code, out, errs)
	}
	if _, err := os.Stat(store.KeyFile(dbp)); !os.IsNotExist(err) {
		t.Fatalf("key file after bootstrap: %v", err)
	}
	if code, out, errs := runCLI(t, "encounters", "show", strconv.FormatInt(e.ID, 10), "--as", "Root", "--auth-file", root, "--db", dbp); code != 0 || !strings.Contains(out, "recording") {
		t.Fatalf("show after migration: %d %q %q", code, out, errs)
	}
}

// openPTY returns a real pseudo-terminal pair: the CLI reads the password from the
// terminal side as from a person typing, echo off.
func openPTY(t *testing.T) (master, tty *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here (%v): the prompt cannot be exercised", err)
	}
	fd := int(m.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	// TIOCGPTPEER opens this master's own terminal, whatever /dev/pts is mounted here.
	peer, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), unix.TIOCGPTPEER, uintptr(unix.O_RDWR|unix.O_NOCTTY))
	if errno != 0 {
		t.Skipf("TIOCGPTPEER: %v: the prompt cannot be exercised", errno)
	}
	s := os.NewFile(peer, "pty")
	t.Cleanup(func() { s.Close(); m.Close() })
	return m, s
}

// Without --auth-file the password is typed at the terminal, not echoed.
func TestCLIPromptsForThePasswordAtATerminal(t *testing.T) {
	dbp := filepath.Join(t.TempDir(), "greffier.db")
	root := secretFile(t, "root password 1")
	if code, _, errs := runCLI(t, "users", "add", "Root", "--role", "admin", "--password-file", root, "--db", dbp); code != 0 {
		t.Fatalf("bootstrap: %d %s", code, errs)
	}
	for _, c := range []struct {
		typed string
		code  int
	}{{"root password 1", 0}, {"not it at all", 2}} {
		master, tty := openPTY(t)
		var out, errb strings.Builder
		done := make(chan int, 1)
		go func() {
			done <- run(context.Background(), &cli{stdin: tty, stdout: &out, stderr: &errb}, []string{"users", "list", "--as", "Root", "--db", dbp})
		}()
		// Type once the prompt has turned echo off, as a person would after seeing it.
		for i := 0; ; i++ {
			tio, err := unix.IoctlGetTermios(int(tty.Fd()), unix.TCGETS)
			if err == nil && tio.Lflag&unix.ECHO == 0 {
				break
			}
			if i == 3000 {
				t.Fatalf("the prompt never turned echo off (%v)", err)
			}
			time.Sleep(10 * time.Millisecond)
		}
		master.Write([]byte(c.typed + "\n"))
		var code int
		select {
		case code = <-done:
		case <-time.After(30 * time.Second):
			tty.Close() // ends the read the prompt is blocked in
			t.Fatalf("the prompt did not read the typed password: stderr %q", errb.String())
		}
		if code != c.code || !strings.Contains(errb.String(), "password for Root: ") {
			t.Errorf("typed %q: exit %d, stderr %q; want %d after a prompt", c.typed, code, errb.String(), c.code)
		}
		// Whatever the terminal shows, read without blocking.
		mfd := int(master.Fd()) // Fd makes the file blocking: take it once, then unblock
		unix.SetNonblock(mfd, true)
		echo := make([]byte, 4096)
		n, _ := unix.Read(mfd, echo)
		if n > 0 && strings.Contains(string(echo[:n]), c.typed) {
			t.Errorf("the password was echoed to the terminal: %q", echo[:n])
		}
	}
}
