package server_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"greffier/domain"
	"greffier/icd10"
	"greffier/notes/draft"
	"greffier/notes/templates"
	"greffier/notes/transcript"
	"greffier/pipeline"
	"greffier/server"
	"greffier/store"
	"greffier/store/crypt"
)

const (
	adminPW = "root password long enough"
	docPW   = "doctor password long enough"
	secPW   = "secretary password long"
)

const visit = `[doctor] What brings you in today?
[patient] I have had a cough for a week and my blood pressure has been high, I have hypertension.
[doctor] Your blood pressure is 150/95 today. Keep taking lisinopril 10 mg once a day.`

// clock is the test's time, shared by the store (login backoff) and the server
// (idle timeout), so neither test waits.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// seedClinic makes DIR/greffier.db as the CLI would: an admin, a physician, a
// secretary, and n drafted encounters (the real extractive drafter and ICD-10 table).
func seedClinic(t testing.TB, dir string, opt store.Options, n int) []int64 {
	t.Helper()
	ctx := context.Background()
	l, err := store.OpenLocked(ctx, filepath.Join(dir, server.DBName), opt)
	if err != nil {
		t.Fatal(err)
	}
	db, admin, err := l.Setup(ctx, "Root", adminPW)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	doc, err := db.AddUser(ctx, admin, "Dr House", domain.UserPhysician, docPW)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.AddUser(ctx, admin, "Camille", domain.UserSecretary, secPW); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Authenticate(ctx, "Dr House", docPW); err != nil {
		t.Fatal(err)
	}
	ix, err := icd10.Open(ctx, ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	tmpl, err := templates.Loader{}.Get("soap")
	if err != nil {
		t.Fatal(err)
	}
	segs, _ := transcript.ParseDialogue(visit)
	note, err := pipeline.Draft(ctx, draft.Extractive{Codes: ix}, draft.Request{Segments: segs, Template: tmpl, Language: "en"})
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for i := range n {
		p, err := db.CreatePatient(ctx, store.Patient{LocalID: fmt.Sprintf("PAT-%05d", i+1), Name: fmt.Sprintf("Patient %d", i+1)})
		if err != nil {
			t.Fatal(err)
		}
		e, err := db.CreateEncounter(ctx, store.NewEncounter{By: doc.ID, PatientID: p.ID, Language: "en", Template: "soap"})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.SaveSegments(ctx, e.ID, segs); err != nil {
			t.Fatal(err)
		}
		if _, err := pipeline.SaveDraft(ctx, db, e.ID, doc.ID, note, segs, "SOAP note"); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, e.ID)
	}
	return ids
}

// clinic is a running server over HTTPS on loopback and a client that trusts only
// the CA that `serve init` made.
type clinic struct {
	url   string
	ca    *x509.CertPool
	clock *clock
	enc   []int64
	cert  []byte // the server certificate (DER)
	dir   string
	opt   store.Options
}

func startClinic(t testing.TB, n int) *clinic { return startClinicWith(t, n, nil) }

// asAdmin opens a second handle on the database in dir as its admin, beside a
// running server (as the CLI does: settings, users, pairing codes); it is closed
// when the test ends.
func asAdmin(t testing.TB, dir string, opt store.Options) (*store.DB, *store.Session) {
	t.Helper()
	l, err := store.OpenLocked(context.Background(), filepath.Join(dir, server.DBName), opt)
	if err != nil {
		t.Fatal(err)
	}
	db, admin, err := l.Login(context.Background(), "Root", adminPW)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, admin
}

// startClinicWith starts a clinic serving assets; each before runs on the seeded
// database folder before the server opens it (an admin's settings, say).
func startClinicWith(t testing.TB, n int, assets fs.FS, before ...func(dir string, opt store.Options)) *clinic {
	t.Helper()
	dir := t.TempDir()
	clk := &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	opt := store.Options{KDF: crypt.TestKDF(), Now: clk.now}
	ids := seedClinic(t, dir, opt, n)
	for _, f := range before {
		f(dir, opt)
	}
	fp, err := server.InitDir(dir, []string{"localhost", "127.0.0.1"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	tc, fp2, err := server.LoadTLS(dir, "", "")
	if err != nil || fp2 != fp {
		t.Fatalf("LoadTLS: %v; fingerprint %s, init printed %s", err, fp2, fp)
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := server.Open(ctx, server.Config{Dir: dir, TLS: tc, Assets: assets, Idle: 10 * time.Minute, Now: clk.now, Store: opt, MaxBody: 64 << 10})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, l) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		srv.Close()
	})
	pem, err := os.ReadFile(filepath.Join(dir, server.TLSDir, server.CAFile))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	return &clinic{url: "https://" + l.Addr().String(), ca: pool, clock: clk, enc: ids, cert: tc.Certificates[0].Certificate[0], dir: dir, opt: opt}
}

// browser is one user's client: its own cookie jar, the CSRF token from login.
type browser struct {
	t    testing.TB
	c    *clinic
	http *http.Client
	csrf string
}

func (c *clinic) browser(t testing.TB) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, c: c, http: &http.Client{Jar: jar, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: c.ca}}}}
}

type apiErr struct {
	Error struct{ Code, Message string } `json:"error"`
}

// do sends a request with the session's CSRF token and decodes the answer into out
// (or the error body); it returns the status and the error code, if any.
func (b *browser) do(method, path string, body, out any) (int, string) {
	b.t.Helper()
	var r io.Reader
	if body != nil {
		j, _ := json.Marshal(body)
		r = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, b.c.url+path, r)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if b.csrf != "" {
		req.Header.Set("X-CSRF-Token", b.csrf)
	}
	res, err := b.http.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		var e apiErr
		if err := json.Unmarshal(raw, &e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
			b.t.Fatalf("%s %s: status %d without a JSON error body: %s", method, path, res.StatusCode, raw)
		}
		b.t.Logf("%s %s: %s", method, path, e.Error.Message)
		return res.StatusCode, e.Error.Code
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			b.t.Fatalf("%s %s: %v in %s", method, path, err, raw)
		}
	}
	return res.StatusCode, ""
}

func (b *browser) login(user, password string) (int, string) {
	b.t.Helper()
	var me server.Me
	st, code := b.do("POST", "/api/login", map[string]string{"user": user, "password": password}, &me)
	if st == http.StatusOK {
		b.csrf = me.CSRF
	}
	return st, code
}

func (b *browser) mustLogin(user, password string) {
	b.t.Helper()
	if st, code := b.login(user, password); st != http.StatusOK {
		b.t.Fatalf("login %s: status %d (%s)", user, st, code)
	}
}

func mustStatus(t *testing.T, what string, st int, code string, want int) {
	t.Helper()
	if st != want {
		t.Fatalf("%s: status %d (%s), want %d", what, st, code, want)
	}
}

type draftView struct {
	State   domain.EncounterState `json:"state"`
	Version int                   `json:"version"`
	Note    struct {
		Sections []struct {
			Key string `json:"key"`
		} `json:"sections"`
	} `json:"note"`
}

func TestLoginSessionAndSecurityHeaders(t *testing.T) {
	c := startClinic(t, 1)
	b := c.browser(t)
	st, code := b.do("GET", "/api/encounters", nil, nil)
	mustStatus(t, "list without a session", st, code, http.StatusUnauthorized)

	st, code = b.login("Camille", "not the password")
	mustStatus(t, "wrong password", st, code, http.StatusUnauthorized)
	if code != "unauthorized" {
		t.Errorf("wrong password: code %q", code)
	}
	st, code = b.login("Nobody", secPW)
	mustStatus(t, "unknown user", st, code, http.StatusUnauthorized)

	req, _ := http.NewRequest("POST", c.url+"/api/login", strings.NewReader(`{"user":"Camille","password":"`+secPW+`"}`))
	req.Header.Set("Content-Type", "application/json")
	res, err := b.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var me server.Me
	json.NewDecoder(res.Body).Decode(&me)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || me.CSRF == "" || me.User.Role != domain.UserSecretary {
		t.Fatalf("login: %d %+v", res.StatusCode, me)
	}
	b.csrf = me.CSRF
	var cookie *http.Cookie
	for _, ck := range res.Cookies() {
		cookie = ck
	}
	if cookie == nil || !cookie.HttpOnly || !cookie.Secure || cookie.SameSite != http.SameSiteStrictMode || !strings.HasPrefix(cookie.Name, "__Host-") {
		t.Errorf("session cookie %+v: want HttpOnly, Secure, SameSite=Strict, __Host-", cookie)
	}
	for h, want := range map[string]string{
		"Strict-Transport-Security": "max-age=",
		"Content-Security-Policy":   "frame-ancestors 'none'",
		"X-Content-Type-Options":    "nosniff",
	} {
		if !strings.Contains(res.Header.Get(h), want) {
			t.Errorf("header %s = %q, want it to contain %q", h, res.Header.Get(h), want)
		}
	}
	if csp := res.Header.Get("Content-Security-Policy"); strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP allows inline code: %s", csp)
	}

	var list []struct {
		ID    int64                 `json:"id"`
		State domain.EncounterState `json:"state"`
	}
	st, code = b.do("GET", "/api/encounters?state=drafted", nil, &list)
	mustStatus(t, "list", st, code, http.StatusOK)
	if len(list) != 1 || list[0].ID != c.enc[0] || list[0].State != domain.StateDrafted {
		t.Errorf("drafted queue = %+v, want encounter %d", list, c.enc[0])
	}
	st, code = b.do("GET", "/api/encounters?state=bogus", nil, nil)
	mustStatus(t, "unknown state", st, code, http.StatusBadRequest)

	// Idle: the session ends, then logout ends another one at once.
	c.clock.add(11 * time.Minute)
	st, code = b.do("GET", "/api/encounters", nil, nil)
	mustStatus(t, "after the idle timeout", st, code, http.StatusUnauthorized)
	b.login("Camille", secPW)
	st, code = b.do("POST", "/api/logout", nil, nil)
	mustStatus(t, "logout", st, code, http.StatusOK)
	st, code = b.do("GET", "/api/encounters", nil, nil)
	mustStatus(t, "after logout", st, code, http.StatusUnauthorized)
}

func TestLoginThrottledWithPersistedBackoff(t *testing.T) {
	c := startClinic(t, 1)
	b := c.browser(t)
	for i := range 3 {
		st, code := b.login("Camille", fmt.Sprintf("wrong guess %d", i))
		mustStatus(t, "guess", st, code, http.StatusUnauthorized)
	}
	// The third failure imposes a wait: even the right password is refused now.
	st, code := b.login("Camille", secPW)
	mustStatus(t, "right password during the backoff", st, code, http.StatusUnauthorized)
	c.clock.add(2 * time.Second)
	st, code = b.login("Camille", secPW)
	mustStatus(t, "right password after the backoff", st, code, http.StatusOK)
}

func TestCSRFRefusedAndBodiesChecked(t *testing.T) {
	c := startClinic(t, 1)
	b := c.browser(t)
	b.mustLogin("Camille", secPW)
	good := b.csrf
	path := fmt.Sprintf("/api/encounters/%d/ready", c.enc[0])
	for _, tok := range []string{"", "forged-token"} {
		b.csrf = tok
		st, code := b.do("POST", path, nil, nil)
		mustStatus(t, "ready with CSRF token "+tok, st, code, http.StatusForbidden)
		if code != "csrf" {
			t.Errorf("code %q, want csrf", code)
		}
	}
	b.csrf = good
	var d draftView
	// Nothing was changed by the refused requests.
	b.do("GET", fmt.Sprintf("/api/encounters/%d/draft", c.enc[0]), nil, &d)
	if d.State != domain.StateDrafted {
		t.Fatalf("state %s after refused requests", d.State)
	}
	big := map[string]any{"text": strings.Repeat("x", 70<<10), "base_version": d.Version}
	st, code := b.do("PUT", fmt.Sprintf("/api/encounters/%d/sections/%s", c.enc[0], d.Note.Sections[0].Key), big, nil)
	mustStatus(t, "oversized body", st, code, http.StatusRequestEntityTooLarge)
}

func TestSecretaryEditsAndMarksReadyPhysicianSigns(t *testing.T) {
	c := startClinic(t, 1)
	id := c.enc[0]
	sec, doc := c.browser(t), c.browser(t)
	sec.mustLogin("Camille", secPW)
	doc.mustLogin("Dr House", docPW)

	var d draftView
	st, code := sec.do("GET", fmt.Sprintf("/api/encounters/%d/draft", id), nil, &d)
	mustStatus(t, "open the draft", st, code, http.StatusOK)
	key := d.Note.Sections[0].Key
	save := fmt.Sprintf("/api/encounters/%d/sections/%s", id, key)
	var saved draftView
	st, code = sec.do("PUT", save, map[string]any{"text": "Cough for one week. Known hypertension.", "base_version": d.Version}, &saved)
	mustStatus(t, "save a section", st, code, http.StatusOK)
	if saved.Version != d.Version+1 {
		t.Fatalf("saved version %d, want %d", saved.Version, d.Version+1)
	}
	var versions []struct{ Version int }
	sec.do("GET", fmt.Sprintf("/api/encounters/%d/versions", id), nil, &versions)
	if len(versions) != 2 || versions[1].Version != saved.Version {
		t.Errorf("versions after one save: %+v", versions)
	}
	// The physician still has the old version open: a stale save is refused.
	st, code = doc.do("PUT", save, map[string]any{"text": "Something else.", "base_version": d.Version}, nil)
	mustStatus(t, "stale save", st, code, http.StatusConflict)

	st, code = sec.do("POST", fmt.Sprintf("/api/encounters/%d/approve", id), map[string]any{"version": saved.Version, "password": secPW}, nil)
	mustStatus(t, "secretary approves", st, code, http.StatusForbidden)
	st, code = sec.do("POST", fmt.Sprintf("/api/encounters/%d/ready", id), nil, &d)
	mustStatus(t, "mark ready", st, code, http.StatusOK)
	if d.State != domain.StateInReview {
		t.Fatalf("state after ready: %s", d.State)
	}

	approve := fmt.Sprintf("/api/encounters/%d/approve", id)
	st, code = doc.do("POST", approve, map[string]any{"version": saved.Version, "password": "not my password"}, nil)
	mustStatus(t, "sign with a wrong password", st, code, http.StatusForbidden)
	st, code = doc.do("POST", approve, map[string]any{"version": d.Version - 1, "password": docPW}, nil)
	mustStatus(t, "sign an older version", st, code, http.StatusConflict)
	var signed server.Signed
	st, code = doc.do("POST", approve, map[string]any{"version": saved.Version, "password": docPW}, &signed)
	mustStatus(t, "sign", st, code, http.StatusOK)
	if signed.Draft.State != domain.StateApproved || signed.Signature.Signer != "Dr House" || len(signed.Signature.SHA256) != 64 {
		t.Errorf("signed = %+v", signed)
	}
	var list []struct{ ID int64 }
	sec.do("GET", "/api/encounters?state=approved", nil, &list)
	if len(list) != 1 || list[0].ID != id {
		t.Errorf("approved list %+v", list)
	}
}

func TestPlainHTTPOnlyOnLoopback(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	srv, err := server.Open(ctx, server.Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	l, err := net.Listen("tcp", "0.0.0.0:0")
	if err != nil {
		t.Skipf("cannot listen on all interfaces here: %v", err)
	}
	defer l.Close()
	err = srv.Serve(ctx, l)
	var de *domain.Error
	if !errors.As(err, &de) || de.Code != domain.EInvalid {
		t.Errorf("plain HTTP on %s: %v, want EInvalid", l.Addr(), err)
	}
}
