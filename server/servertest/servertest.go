// Package servertest runs a clinic server in-process for the tests of the laptop
// side (the app and the CLI hand-off): its folder made as `serve init` and the first
// `users add` would, served over HTTPS on loopback, stopped and started again on the
// same address to test a server that goes away.
package servertest

import (
	"context"
	"net"
	"path/filepath"
	"testing"
	"time"

	"greffier/server"
	"greffier/store"
	"greffier/store/crypt"
)

// Root is the server's first admin and RootPassword its password.
const Root, RootPassword = "Root", "root password 1"

// Clinic is one clinic server. Fingerprint is its certificate's SHA-256, as
// `serve init` prints it for pinning.
type Clinic struct {
	Dir, Fingerprint, Addr string

	t    testing.TB
	stop func()
}

// New makes the server's folder and starts it; the test's cleanup stops it.
func New(t testing.TB) *Clinic {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	l, err := store.OpenLocked(ctx, filepath.Join(dir, server.DBName), store.Options{KDF: crypt.TestKDF()})
	if err != nil {
		t.Fatal(err)
	}
	db, _, err := l.Setup(ctx, Root, RootPassword)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	fp, err := server.InitDir(dir, []string{"127.0.0.1"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	c := &Clinic{Dir: dir, Fingerprint: fp, Addr: "127.0.0.1:0", t: t}
	c.Start()
	t.Cleanup(c.Stop)
	return c
}

// URL is the server's address for pairing.
func (c *Clinic) URL() string { return "https://" + c.Addr }

// Start serves the folder again, on the address it had (a restart).
func (c *Clinic) Start() {
	c.t.Helper()
	tc, _, err := server.LoadTLS(c.Dir, "", "")
	if err != nil {
		c.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := server.Open(ctx, server.Config{Dir: c.Dir, TLS: tc})
	if err != nil {
		cancel()
		c.t.Fatal(err)
	}
	l, err := net.Listen("tcp", c.Addr)
	if err != nil {
		cancel()
		srv.Close()
		c.t.Fatal(err)
	}
	c.Addr = l.Addr().String()
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, l) }()
	stopped := false
	c.stop = func() {
		if !stopped {
			stopped = true
			cancel()
			<-done
			srv.Close()
		}
	}
}

// Stop ends the server; calling it again does nothing.
func (c *Clinic) Stop() {
	if c.stop != nil {
		c.stop()
	}
}

// WithAdmin opens the server's database as its admin, beside the running server,
// as the CLI does on the server's machine.
func (c *Clinic) WithAdmin(f func(db *store.DB, sess *store.Session)) {
	c.t.Helper()
	ctx := context.Background()
	l, err := store.OpenLocked(ctx, filepath.Join(c.Dir, server.DBName), store.Options{KDF: crypt.TestKDF()})
	if err != nil {
		c.t.Fatal(err)
	}
	db, sess, err := l.Login(ctx, Root, RootPassword)
	if err != nil {
		l.Close()
		c.t.Fatal(err)
	}
	defer db.Close()
	f(db, sess)
}
