package server

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"sync"
	"time"

	"greffier/app"
	"greffier/store"
)

// core is the server's database and its logged-in users. The database opens locked:
// the first successful login unwraps its key (store.Locked.Login), later ones check
// the password on the unlocked handle (DB.Authenticate). Each browser login is a
// store.Session on this handle; logout and the idle timeout end it (DB.Logout).
type core struct {
	idle time.Duration
	now  func() time.Time

	mu       sync.Mutex
	locked   *store.Locked
	db       *store.DB
	served   *app.Served
	sessions map[string]*session
}

// session is one browser's login: the cookie's token maps to it.
type session struct {
	store *store.Session
	csrf  string
	lang  string
	seen  time.Time
}

func newToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("session token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// login checks the user's password (unlocking the database at the first login) and
// returns the new session's token.
func (c *core) login(ctx context.Context, name, password, lang string) (string, *session, error) {
	st, err := c.authenticate(ctx, name, password)
	if err != nil {
		return "", nil, err
	}
	tok, err := newToken()
	if err != nil {
		return "", nil, err
	}
	csrf, err := newToken()
	if err != nil {
		return "", nil, err
	}
	s := &session{store: st, csrf: csrf, lang: lang, seen: c.now()}
	c.mu.Lock()
	c.sessions[tok] = s
	c.mu.Unlock()
	return tok, s, nil
}

func (c *core) authenticate(ctx context.Context, name, password string) (*store.Session, error) {
	c.mu.Lock()
	db := c.db
	c.mu.Unlock()
	if db != nil {
		// Outside the lock: the password check (argon2id) takes a while.
		return db.Authenticate(ctx, name, password)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.db != nil { // another login unlocked it meanwhile
		return c.db.Authenticate(ctx, name, password)
	}
	db, s, err := c.locked.Login(ctx, name, password)
	if err != nil {
		return nil, err
	}
	c.db, c.locked, c.served = db, nil, app.NewServed(db)
	return s, nil
}

// store is the unlocked database (nil before the first login; a live session means
// it is there).
func (c *core) store() *store.DB {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.db
}

// get returns the live session of tok, touching its idle clock; an expired one is
// ended here.
func (c *core) get(tok string) (*session, *app.Served, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.sessions[tok]
	if !ok || tok == "" {
		return nil, nil, errNoSession
	}
	now := c.now()
	if now.Sub(s.seen) > c.idle {
		c.endLocked(tok, s)
		return nil, nil, errNoSession
	}
	s.seen = now
	return s, c.served, nil
}

func (c *core) logout(tok string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.sessions[tok]; ok {
		c.endLocked(tok, s)
	}
}

func (c *core) endLocked(tok string, s *session) {
	delete(c.sessions, tok)
	c.db.Logout(s.store)
}

// sweep ends the sessions idle for longer than the timeout.
func (c *core) sweep() {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	for tok, s := range c.sessions {
		if now.Sub(s.seen) > c.idle {
			c.endLocked(tok, s)
		}
	}
}

// close ends every session and closes the database.
func (c *core) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for tok, s := range c.sessions {
		c.endLocked(tok, s)
	}
	switch {
	case c.db != nil:
		return c.db.Close()
	case c.locked != nil:
		return c.locked.Close()
	}
	return nil
}

// checkCSRF compares the header's token with the session's in constant time.
func (s *session) checkCSRF(header string) error {
	if header == "" || subtle.ConstantTimeCompare([]byte(header), []byte(s.csrf)) != 1 {
		return errCSRF
	}
	return nil
}
