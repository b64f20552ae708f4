// Package server is `greffier serve`: the review core and the embedded frontend over
// HTTPS on the clinic's network, for secretaries and physicians at their own
// workstations. Users log in with their Greffier password (package store); a session
// cookie (HttpOnly, Secure, SameSite=Strict) and a CSRF token guard the JSON API
// under /api/ (docs/server.md). Roles are enforced by the core, as on the laptop.
package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"greffier/domain"
	"greffier/store"
)

// DBName is the server's database inside its data folder, so the usual CLI commands
// manage it (`greffier users add ... --db DIR/greffier.db`).
const DBName = "greffier.db"

// Defaults of Config.
const (
	DefaultIdle    = 15 * time.Minute
	DefaultMaxBody = 1 << 20
	sweepEvery     = time.Minute
)

// Config is what `greffier serve` (or a test) decides.
type Config struct {
	// Dir is the data folder: DIR/greffier.db, and DIR/tls unless TLS is given.
	Dir string
	// TLS is the certificate to serve; nil serves plain HTTP, which Serve allows only
	// on a loopback address.
	TLS *tls.Config
	// Assets is the built frontend (frontend.Dist()); nil serves the API only.
	Assets fs.FS
	// Idle ends a session unused for this long (DefaultIdle when 0).
	Idle time.Duration
	// MaxBody caps a request body in bytes (DefaultMaxBody when 0).
	MaxBody int64
	// Now is the clock (time.Now when nil); tests move it to expire sessions.
	Now func() time.Time
	// Store is how the database opens (its Now and KDF matter to tests).
	Store store.Options
}

// Server is an open server: its database (locked until the first login) and sessions.
type Server struct {
	cfg     Config
	core    *core
	handoff uploads // laptops' uploads in progress (handoff.go)
}

// Open opens DIR/greffier.db locked: no key is in memory until a user logs in.
func Open(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.Idle <= 0 {
		cfg.Idle = DefaultIdle
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	l, err := store.OpenLocked(ctx, filepath.Join(cfg.Dir, DBName), cfg.Store)
	if err != nil {
		return nil, fmt.Errorf("open the server's database: %w", err)
	}
	return &Server{cfg: cfg, core: &core{idle: cfg.Idle, now: cfg.Now, locked: l, sessions: map[string]*session{}}}, nil
}

// Close ends the sessions and closes the database.
func (s *Server) Close() error { return s.core.close() }

// IsLoopback reports whether addr (host:port) is on a loopback interface.
func IsLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Serve answers on l until ctx ends, then shuts down gracefully. Without TLS, l must
// be a loopback listener: patient data never crosses the network in clear.
func (s *Server) Serve(ctx context.Context, l net.Listener) error {
	if s.cfg.TLS == nil && !IsLoopback(l.Addr().String()) {
		return domain.Errorf(domain.EInvalid, "plain HTTP only on loopback, not on %s: give a certificate (serve init)", l.Addr())
	}
	hs := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    16 << 10,
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	if s.cfg.TLS != nil {
		tc := s.cfg.TLS.Clone()
		tc.MinVersion = tls.VersionTLS12
		l = tls.NewListener(l, tc)
	}
	done := make(chan error, 1)
	go func() { done <- hs.Serve(l) }()
	tick := time.NewTicker(sweepEvery)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			if errors.Is(err, http.ErrServerClosed) {
				return nil
			}
			return fmt.Errorf("serve: %w", err)
		case <-tick.C:
			s.core.sweep()
		case <-ctx.Done():
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			err := hs.Shutdown(sctx)
			cancel()
			<-done
			return err
		}
	}
}
