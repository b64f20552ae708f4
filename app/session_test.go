package app_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"greffier/app"
	"greffier/appdirs"
	"greffier/domain"
	"greffier/store"
	"greffier/store/crypt"
)

// testPassword is every test user's password (the store wants 12 characters).
const testPassword = "correct horse battery"

// testAdmin is the first admin that services sets up.
const testAdmin = "Admin"

// startServices starts the real services on dirs with a cheap password hash; nobody
// is logged in.
func startServices(t *testing.T, cfg app.Config) *app.Services {
	t.Helper()
	if cfg.KDF == (crypt.KDF{}) {
		cfg.KDF = crypt.TestKDF()
	}
	s := app.New(cfg)
	if err := s.Start(context.Background(), &recorder{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// setUp creates the first admin on a fresh database; the admin stays logged in.
func setUp(t testing.TB, s *app.Services) {
	t.Helper()
	st, err := s.Session.Setup(testAdmin, testPassword)
	if err != nil || st.State != app.StateActive || st.RecoveryKey == "" {
		t.Fatalf("setup: %+v, %v", st, err)
	}
}

// addUser has the admin add a user with testPassword; the admin is logged in after.
func addUser(t testing.TB, s *app.Services, name, role string) store.User {
	t.Helper()
	act(t, s, testAdmin)
	u, err := s.Settings.CreateUser(name, role, testPassword)
	if err != nil {
		t.Fatalf("add %s: %v", name, err)
	}
	return u
}

// act logs name in (switching user) and returns s, so that a call reads
// act(t, s, "Dr Test").Drafts.SaveSection(…): the call acts as that user.
func act(t testing.TB, s *app.Services, name string) *app.Services {
	t.Helper()
	st, err := s.Session.Login(name, testPassword)
	if err != nil || st.State != app.StateActive || st.User == nil || st.User.Name != name {
		t.Fatalf("login %s: %+v, %v", name, st, err)
	}
	return s
}

// openDB opens a second handle on the services' database, unlocked by the admin's
// password, for what the app does not offer (writing segments, reading the audit).
func openDB(t *testing.T, dirs appdirs.Dirs) *store.DB {
	t.Helper()
	ctx := context.Background()
	l, err := store.OpenLocked(ctx, dirs.Database(), store.Options{KDF: crypt.TestKDF()})
	if err != nil {
		t.Fatal(err)
	}
	db, _, err := l.Login(ctx, testAdmin, testPassword)
	if err != nil {
		l.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestFirstRunSetup(t *testing.T) {
	dirs := appdirs.Dirs{Data: filepath.Join(t.TempDir(), "data")}
	s := startServices(t, app.Config{Dirs: dirs})
	st, err := s.Session.State()
	if err != nil || st.State != app.StateSetup || st.User != nil {
		t.Fatalf("first run: %+v, %v", st, err)
	}
	if st.HasModel {
		t.Fatal("a fresh data folder has no whisper model: the first run must point to the import")
	}
	if fi, err := os.Stat(dirs.Data); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("data folder: %v, %v", fi, err)
	}
	// Logging in before there is a user: refused, still in setup.
	if _, err := s.Session.Login("Admin", testPassword); err == nil {
		t.Fatal("login on an empty database")
	}
	if _, err := s.Session.Setup("Admin", "short"); code(t, err) != domain.EInvalid {
		t.Fatalf("a short password: %v", err)
	}
	st, err = s.Session.Setup(" Admin ", testPassword)
	if err != nil || st.State != app.StateActive || st.User == nil || st.User.Name != "Admin" || st.User.Role != domain.UserAdmin {
		t.Fatalf("setup: %+v, %v", st, err)
	}
	if len(st.RecoveryKey) < 20 {
		t.Fatalf("the recovery key is shown once at setup: %q", st.RecoveryKey)
	}
	// Once: the state never repeats it.
	if again, _ := s.Session.State(); again.RecoveryKey != "" {
		t.Fatal("the recovery key is shown again")
	}
	if _, err := s.Session.Setup("Eve", testPassword); err == nil {
		t.Fatal("a second setup created another admin")
	}
	if st.IdleLockMinutes != 5 {
		t.Fatalf("default idle lock = %d minutes, want 5", st.IdleLockMinutes)
	}
	// The admin adds a physician; after a restart the login screen comes first.
	if _, err := s.Settings.CreateUser("Dr Test", "physician", testPassword); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s2 := startServices(t, app.Config{Dirs: dirs})
	if st, err := s2.Session.State(); err != nil || st.State != app.StateLogin {
		t.Fatalf("after restart: %+v, %v", st, err)
	}
	if _, err := s2.Session.Login("Dr Test", "wrong password!"); code(t, err) != domain.EForbidden {
		t.Fatalf("wrong password: %v", err)
	}
	if st, err := s2.Session.Login("Dr Test", testPassword); err != nil || st.User.Role != domain.UserPhysician || st.RecoveryKey != "" {
		t.Fatalf("physician login: %+v, %v", st, err)
	}
	// Switch user: logged out, the login screen, no call answers.
	if st, err := s2.Session.Logout(); err != nil || st.State != app.StateLogin {
		t.Fatalf("logout: %+v, %v", st, err)
	}
	if _, err := s2.Encounters.Today(); code(t, err) != app.EUnauthenticated {
		t.Fatalf("after logout: %v", err)
	}
}

// A database made before passwords (a key file beside it) is migrated at the first
// login: the recovery key is shown, the key file goes.
func TestKeyFileDatabaseMigratesAtLogin(t *testing.T) {
	dirs := appdirs.Dirs{Data: t.TempDir()}
	ctx := context.Background()
	old, err := store.Open(ctx, dirs.Database())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := old.CreateUser(ctx, "Dr Old", domain.UserPhysician); err != nil {
		t.Fatal(err)
	}
	old.Close()
	s := startServices(t, app.Config{Dirs: dirs})
	if st, err := s.Session.State(); err != nil || st.State != app.StateLogin {
		t.Fatalf("key-file database: %+v, %v", st, err)
	}
	st, err := s.Session.Login("Dr Old", testPassword)
	if err != nil || st.State != app.StateActive || st.RecoveryKey == "" {
		t.Fatalf("migrating login: %+v, %v", st, err)
	}
	if _, err := os.Stat(filepath.Join(dirs.Data, store.KeyFileName)); !os.IsNotExist(err) {
		t.Fatalf("the key file is still there: %v", err)
	}
}

// boundMethods lists every bound method as "Service.Method" with its value.
func boundMethods(s *app.Services) map[string]reflect.Value {
	out := map[string]reflect.Value{}
	for _, svc := range s.Bind() {
		v := reflect.ValueOf(svc)
		name := v.Elem().Type().Name()
		for i := 0; i < v.NumMethod(); i++ {
			out[name+"."+v.Type().Method(i).Name] = v.Method(i)
		}
	}
	return out
}

// openWithoutLogin are the bound methods that work before anyone logs in.
var openWithoutLogin = map[string]bool{"Settings.Info": true, "Settings.SetLanguage": true}

func TestCallsWithoutSessionRefused(t *testing.T) {
	dirs := appdirs.Dirs{Data: t.TempDir()}
	s := startServices(t, app.Config{Dirs: dirs})
	setUp(t, s)
	enc, err := s.Encounters.Create(app.NewEncounter{PatientLabel: "P-1", Consent: true})
	if err != nil {
		t.Fatal(err)
	}
	check := func(when string) {
		t.Helper()
		for name, m := range boundMethods(s) {
			if strings.HasPrefix(name, "Session.") || openWithoutLogin[name] {
				continue
			}
			args := make([]reflect.Value, m.Type().NumIn())
			for i := range args {
				args[i] = reflect.Zero(m.Type().In(i))
				if m.Type().In(i).Kind() == reflect.Int64 {
					args[i] = reflect.ValueOf(enc.ID) // a real encounter: only the session is missing
				}
			}
			out := m.Call(args)
			err, _ := out[len(out)-1].Interface().(error)
			if err == nil {
				t.Errorf("%s: %s answered", when, name)
				continue
			}
			if c := code(t, err); c != app.EUnauthenticated {
				t.Errorf("%s: %s refused with %s, want %s", when, name, c, app.EUnauthenticated)
			}
		}
	}
	if _, err := s.Session.Logout(); err != nil {
		t.Fatal(err)
	}
	check("logged out")
	act(t, s, testAdmin)
	if _, err := s.Session.Lock(); err != nil {
		t.Fatal(err)
	}
	check("locked")
	// The message is in the user's language.
	s.Settings.SetLanguage("fr")
	_, err = s.Encounters.Today()
	if ue := err.(*app.UIError); !strings.HasPrefix(ue.Message, "Non connecté") {
		t.Fatalf("French message: %q", ue.Message)
	}
	// Open before login: what the login screen needs.
	if _, err := s.Settings.Info(); err != nil {
		t.Fatal(err)
	}
}

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestIdleLock(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	s := startServices(t, app.Config{Dirs: appdirs.Dirs{Data: t.TempDir()}, Now: clock.Now, IdleCheckEvery: 10 * time.Millisecond})
	setUp(t, s)
	addUser(t, s, "Dr Test", "physician")
	act(t, s, "Dr Test")
	clock.Advance(4 * time.Minute)
	if _, err := s.Encounters.Today(); err != nil {
		t.Fatalf("4 minutes idle: %v", err)
	}
	// Activity defers the lock.
	if st, err := s.Session.Touch(); err != nil || st.State != app.StateActive {
		t.Fatalf("touch: %+v, %v", st, err)
	}
	clock.Advance(4 * time.Minute)
	if _, err := s.Encounters.Today(); err != nil {
		t.Fatalf("4 minutes after a touch: %v", err)
	}
	// Five minutes without activity (the default): locked, patient data refused.
	clock.Advance(time.Minute + time.Second)
	deadline := time.Now().Add(5 * time.Second)
	for {
		st, _ := s.Session.State()
		if st.State == app.StateLocked {
			if st.User == nil || st.User.Name != "Dr Test" {
				t.Fatalf("the lock screen names the user: %+v", st)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not locked after 5 idle minutes: %+v", st)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := s.Encounters.Today(); code(t, err) != app.EUnauthenticated {
		t.Fatalf("locked: %v", err)
	}
	// A touch does not reopen it; a wrong password neither.
	if st, _ := s.Session.Touch(); st.State != app.StateLocked {
		t.Fatalf("a touch unlocked: %+v", st)
	}
	if _, err := s.Session.Unlock("not the password"); code(t, err) != domain.EForbidden {
		t.Fatalf("unlock with a wrong password: %v", err)
	}
	if st, err := s.Session.Unlock(testPassword); err != nil || st.State != app.StateActive {
		t.Fatalf("unlock: %+v, %v", st, err)
	}
	if _, err := s.Encounters.Today(); err != nil {
		t.Fatal(err)
	}
	// The admin sets one minute; it applies at once.
	act(t, s, testAdmin)
	p, err := s.Settings.Preferences()
	if err != nil || p.IdleLockMinutes != 5 {
		t.Fatalf("preferences: %+v, %v", p, err)
	}
	p.IdleLockMinutes = 1
	if p, err = s.Settings.SavePreferences(p); err != nil || p.IdleLockMinutes != 1 {
		t.Fatalf("save: %+v, %v", p, err)
	}
	clock.Advance(61 * time.Second)
	if _, err := s.Encounters.Today(); code(t, err) != app.EUnauthenticated {
		t.Fatalf("one idle minute with a one-minute lock: %v", err)
	}
	// Lock by hand (the toolbar's button).
	if _, err := s.Session.Unlock(testPassword); err != nil {
		t.Fatal(err)
	}
	if st, err := s.Session.Lock(); err != nil || st.State != app.StateLocked {
		t.Fatalf("lock: %+v, %v", st, err)
	}
}

func TestApproveNeedsPassword(t *testing.T) {
	s, dirs := services(t)
	enc, doc, sec := drafted(t, s, dirs)
	for _, c := range []struct {
		name, user, password string
		want                 string
	}{
		{"no password", doc, "", domain.EForbidden},
		{"wrong password", doc, "not my password", domain.EForbidden},
		{"secretary", sec, testPassword, domain.EForbidden},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := act(t, s, c.user).Drafts.Approve(enc, 0, c.password); code(t, err) != c.want {
				t.Fatalf("approve: %v, want %s", err, c.want)
			}
			d, err := s.Drafts.Get(enc, 0)
			if err != nil || d.State == domain.StateApproved {
				t.Fatalf("approved anyway: %+v, %v", d.State, err)
			}
		})
	}
	d, err := act(t, s, doc).Drafts.Approve(enc, 0, testPassword)
	if err != nil || d.State != domain.StateApproved {
		t.Fatalf("approve with the password: %+v, %v", d.State, err)
	}
	// The refusals and the signature are in the audit log.
	entries, err := openDB(t, dirs).Audit(context.Background(), store.AuditFilter{EncounterID: enc})
	if err != nil {
		t.Fatal(err)
	}
	refused, signed := 0, false
	for _, e := range entries {
		if e.Action == store.ActionSignRefused {
			refused++
		}
		if e.Action == store.ActionApprove && e.Actor == doc && strings.Contains(e.Detail, "password=checked") {
			signed = true
		}
	}
	if refused != 3 || !signed {
		t.Fatalf("audit: %d refusals (want 3), signed %v: %+v", refused, signed, entries)
	}
}

// No bound method takes a user: the acting user is the session's, so the UI (or a
// script on the bridge) cannot act as someone else by sending their id.
func TestBoundMethodsTakeNoUser(t *testing.T) {
	s := app.New(app.Config{})
	params := goParams(t)
	for name, m := range boundMethods(s) {
		for i := 0; i < m.Type().NumIn(); i++ {
			in := m.Type().In(i)
			if in == reflect.TypeOf(store.User{}) || in == reflect.TypeOf(&store.Session{}) || in == reflect.TypeOf(app.SessionUser{}) {
				t.Errorf("%s takes a %s", name, in)
			}
			if in.Kind() == reflect.Struct {
				for j := 0; j < in.NumField(); j++ {
					if f := strings.ToLower(in.Field(j).Name); isUserName(f) {
						t.Errorf("%s: argument %s has a field %s", name, in, in.Field(j).Name)
					}
				}
			}
		}
		for _, p := range params[name] {
			if isUserName(strings.ToLower(p)) {
				t.Errorf("%s has a parameter %s", name, p)
			}
		}
	}
	if len(params) < 40 {
		t.Fatalf("only %d methods' parameter names read", len(params))
	}
}

// goParams reads the bound methods' parameter names from the source (as the
// TypeScript generator does).
func goParams(t *testing.T) map[string][]string {
	t.Helper()
	ps, err := methodParams(".")
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

func isUserName(lower string) bool {
	for _, w := range []string{"userid", "user_id", "by", "actor", "signer", "author", "asuser"} {
		if lower == w {
			return true
		}
	}
	return strings.HasSuffix(lower, "userid")
}

func TestEndpointChangeNeedsAdmin(t *testing.T) {
	s, dirs := services(t)
	_, doc, sec := drafted(t, s, dirs)
	for _, who := range []string{doc, sec} {
		act(t, s, who)
		p, err := s.Settings.Preferences()
		if err != nil {
			t.Fatal(err)
		}
		p.LLMEndpoint = "https://llm.elsewhere.example/v1"
		if _, err := s.Settings.SavePreferences(p); code(t, err) != domain.EForbidden {
			t.Fatalf("%s changing the LLM endpoint: %v", who, err)
		}
		if _, err := s.Settings.TestLLM("https://llm.elsewhere.example/v1"); code(t, err) != domain.EForbidden {
			t.Fatalf("%s probing an endpoint: %v", who, err)
		}
		// What is theirs to change still saves.
		p.LLMEndpoint, p.ClinicName = "", "Clinique du Parc"
		if _, err := s.Settings.SavePreferences(p); err != nil {
			t.Fatalf("%s changing the clinic's name: %v", who, err)
		}
		if dest, err := s.Drafts.Destination(); err != nil || dest.Leaves {
			t.Fatalf("destination with no endpoint: %+v, %v", dest, err)
		}
	}
	act(t, s, testAdmin)
	p, err := s.Settings.Preferences()
	if err != nil {
		t.Fatal(err)
	}
	p.LLMEndpoint = "https://llm.clinic.example/v1"
	if p, err = s.Settings.SavePreferences(p); err != nil || p.LLMEndpoint != "https://llm.clinic.example/v1" {
		t.Fatalf("admin: %+v, %v", p, err)
	}
	// Before a draft leaves the machine, the UI can say where it goes.
	if dest, err := act(t, s, doc).Drafts.Destination(); err != nil || !dest.Leaves || dest.Host != "llm.clinic.example" {
		t.Fatalf("destination: %+v, %v", dest, err)
	}
}

// savePrefs saves p as the admin (who alone changes the language model), then logs
// then in again.
func savePrefs(t testing.TB, s *app.Services, p app.Preferences, then string) (app.Preferences, error) {
	t.Helper()
	got, err := act(t, s, testAdmin).Settings.SavePreferences(p)
	act(t, s, then)
	return got, err
}

// window starts another window's services on the same data folder, with name
// logged in: another user at another desk.
func window(t *testing.T, dirs appdirs.Dirs, name string) *app.Services {
	t.Helper()
	return act(t, startServices(t, app.Config{Dirs: dirs}), name)
}

// A search from the app is audited as the session's user (how many results, never
// the words).
func TestSearchIsAudited(t *testing.T) {
	s, dirs := services(t)
	_, doc, _ := drafted(t, s, dirs)
	hits, err := act(t, s, doc).Encounters.Search("cough")
	if err != nil || len(hits) == 0 {
		t.Fatalf("search: %+v, %v", hits, err)
	}
	entries, err := openDB(t, dirs).Audit(context.Background(), store.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Action == store.ActionSearch && e.Actor == doc && e.Detail == fmt.Sprintf("results=%d", len(hits)) {
			return
		}
	}
	t.Fatalf("no search by %s in the audit: %+v", doc, entries)
}

// Only an admin manages users: a physician's attempt is refused; a disabled user
// no longer logs in; a reset password lets them in again.
func TestAdminManagesUsers(t *testing.T) {
	s, dirs := services(t)
	_, doc, sec := drafted(t, s, dirs)
	if _, err := act(t, s, doc).Settings.DisableUser(sec); code(t, err) != domain.EForbidden {
		t.Fatalf("a physician disabling a user: %v", err)
	}
	if _, err := s.Settings.SetUserRole(doc, "admin"); code(t, err) != domain.EForbidden {
		t.Fatalf("a physician making themself admin: %v", err)
	}
	act(t, s, testAdmin)
	if u, err := s.Settings.DisableUser(sec); err != nil || u.Status != store.UserDisabled {
		t.Fatalf("disable: %+v, %v", u, err)
	}
	if _, err := s.Session.Login(sec, testPassword); code(t, err) != domain.EForbidden {
		t.Fatalf("a disabled user logged in: %v", err)
	}
	if _, err := act(t, s, testAdmin).Settings.ResetUserPassword(sec, "another long password"); err != nil {
		t.Fatal(err)
	}
	if st, err := s.Session.Login(sec, "another long password"); err != nil || st.User.Role != domain.UserSecretary {
		t.Fatalf("login after reset: %+v, %v", st, err)
	}
	if u, err := act(t, s, testAdmin).Settings.SetUserRole(sec, "physician"); err != nil || u.Role != domain.UserPhysician {
		t.Fatalf("set role: %+v, %v", u, err)
	}
	// The last admin stays admin.
	if _, err := s.Settings.SetUserRole(testAdmin, "physician"); code(t, err) != domain.EConflict && code(t, err) != domain.EForbidden {
		t.Fatalf("demoting the last admin: %v", err)
	}
}

// A user changes their own password from the app: the old one must be right, and
// afterwards only the new one logs in.
func TestChangeOwnPassword(t *testing.T) {
	s, dirs := services(t)
	_, doc, _ := drafted(t, s, dirs)
	act(t, s, doc)
	if _, err := s.Settings.ChangePassword("not the password", "a brand new passphrase"); code(t, err) != domain.EForbidden {
		t.Fatalf("wrong old password: %v", err)
	}
	if _, err := s.Settings.ChangePassword(testPassword, "a brand new passphrase"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session.Login(doc, testPassword); code(t, err) != domain.EForbidden {
		t.Fatalf("the old password still logs in: %v", err)
	}
	if st, err := s.Session.Login(doc, "a brand new passphrase"); err != nil || st.User == nil || st.User.Name != doc {
		t.Fatalf("login with the new password: %+v, %v", st, err)
	}
}
