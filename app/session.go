package app

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"time"

	"greffier/domain"
	"greffier/store"
)

// EUnauthenticated is the code of a call made with no user logged in, or while the
// session is locked: the UI then shows the login or the lock screen.
const EUnauthenticated = "unauthenticated"

// DefaultIdleLock is how long without activity locks the window when Settings says
// nothing (IdleLockMinutes).
const DefaultIdleLock = 5 * time.Minute

// settingIdleLock is the idle lock in minutes (0: never).
const settingIdleLock = "session.idle_lock_minutes"

// AuthState is what the window shows: the first admin's setup, the login, the
// lock screen or the app.
type AuthState string

// The session's states, as SessionState.State.
const (
	StateSetup    AuthState = "setup"       // an empty database: create the first admin
	StateLogin    AuthState = "login"       // nobody logged in
	StateLocked   AuthState = "locked"      // the session's user must give their password again
	StateActive   AuthState = "active"      // a user works
	StateNotReady AuthState = "unavailable" // the database could not be opened
)

// Session is the login service: it holds who uses the window. Every other bound
// method acts as this session's user, never as a user id sent by the UI.
type Session struct{ s *Services }

// SessionUser is the logged-in user.
type SessionUser struct {
	ID   int64           `json:"id"`
	Name string          `json:"name"`
	Role domain.UserRole `json:"role"`
}

// SessionState is what the window shows first: setup, login, lock or the app.
type SessionState struct {
	State AuthState    `json:"state"`
	User  *SessionUser `json:"user,omitempty"`
	// IdleLockMinutes is the idle lock in force (0: never).
	IdleLockMinutes int `json:"idle_lock_minutes"`
	// HasModel is false when no whisper model is installed: the first run points to
	// the model import.
	HasModel bool `json:"has_model"`
	// RecoveryKey is set only in the answer to the Setup (or the Login that migrated
	// a key-file database) that created it: show it once, for IT to store offline.
	RecoveryKey string `json:"recovery_key,omitempty"`
}

// auth is the session part of Services, under its own lock.
type auth struct {
	mu      sync.Mutex
	locked  *store.Locked
	sess    *store.Session
	isLock  bool
	last    time.Time
	idle    time.Duration
	started bool // upkeep started after the first unlock
}

func (s *Services) now() time.Time {
	if s.cfg.Now != nil {
		return s.cfg.Now()
	}
	return time.Now()
}

func unauthenticated(format string, args ...any) error {
	return domain.Errorf(EUnauthenticated, format, args...)
}

// session returns the active session, or why there is none (as a UI error). A
// session idle past the lock time is locked here, so that no call slips through
// between two ticks of the idle watcher.
func (s *Services) session() (*store.Session, error) {
	s.auth.mu.Lock()
	defer s.auth.mu.Unlock()
	if s.db == nil && s.auth.locked == nil {
		if s.startErr != nil {
			return nil, s.fail(s.startErr)
		}
		return nil, s.fail(domain.Errorf(domain.EUnavailable, "the database is not open yet"))
	}
	if s.auth.sess == nil {
		return nil, s.fail(unauthenticated("no user is logged in"))
	}
	s.lockIfIdleLocked()
	if s.auth.isLock {
		return nil, s.fail(unauthenticated("the session is locked: give your password again"))
	}
	return s.auth.sess, nil
}

// actingUser is the id of the active session's user.
func (s *Services) actingUser() (int64, error) {
	sess, err := s.session()
	if err != nil {
		return 0, err
	}
	return sess.User().ID, nil
}

// lockIfIdleLocked locks an active session idle for too long; it reports whether
// it did. Called with auth.mu held.
func (s *Services) lockIfIdleLocked() bool {
	a := &s.auth
	if a.sess == nil || a.isLock || a.idle <= 0 || s.now().Sub(a.last) < a.idle {
		return false
	}
	a.isLock = true
	return true
}

// watchIdle locks the session once it is idle past the lock time and tells the UI,
// which hides patient data behind the lock screen.
func (s *Services) watchIdle(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.auth.mu.Lock()
			locked := s.lockIfIdleLocked()
			s.auth.mu.Unlock()
			if locked {
				s.emitSession()
			}
		}
	}
}

func (s *Services) emitSession() {
	if s.events != nil {
		st, _ := s.Session.State()
		s.emit("session", st)
	}
}

// State tells the window what to show: the first admin's setup, the login, the lock
// screen or the app (with the user).
func (se *Session) State() (SessionState, error) {
	s := se.s
	st := SessionState{HasModel: s.hasModel()}
	s.auth.mu.Lock()
	defer s.auth.mu.Unlock()
	switch {
	case s.db == nil && s.auth.locked == nil:
		st.State = StateNotReady
		if s.startErr != nil {
			return st, s.fail(s.startErr)
		}
		return st, nil
	case s.db == nil:
		empty, err := s.auth.locked.NeedsSetup(s.ctx)
		if err != nil {
			return st, s.fail(err)
		}
		st.State = StateLogin
		if empty {
			st.State = StateSetup
		}
		return st, nil
	case s.auth.sess == nil:
		st.State = StateLogin
		return st, nil
	}
	s.lockIfIdleLocked()
	u := s.auth.sess.User()
	st.User = &SessionUser{ID: u.ID, Name: u.Name, Role: u.Role}
	st.IdleLockMinutes = int(s.auth.idle / time.Minute)
	st.State = StateActive
	if s.auth.isLock {
		st.State = StateLocked
	}
	return st, nil
}

// hasModel reports whether a whisper model is installed (or configured).
func (s *Services) hasModel() bool {
	_, err := s.whisperModel()
	return err == nil
}

// Setup creates the first user, an admin, on an empty database, and logs them in.
// The answer carries the recovery key, once.
func (se *Session) Setup(name, password string) (SessionState, error) {
	s := se.s
	s.auth.mu.Lock()
	l := s.auth.locked
	s.auth.mu.Unlock()
	if l == nil {
		return SessionState{}, s.fail(domain.Errorf(domain.EConflict, "the database already has users: log in"))
	}
	db, sess, err := l.Setup(s.ctx, strings.TrimSpace(name), password)
	if err != nil {
		return SessionState{}, s.fail(err)
	}
	return se.begin(db, sess)
}

// Login checks a user's password and makes them the window's user (the first login
// unlocks the database; one still protected by a key file is migrated, and the
// answer then carries the new recovery key, once). The user logged in before, if
// any, is logged out.
func (se *Session) Login(name, password string) (SessionState, error) {
	s := se.s
	s.auth.mu.Lock()
	db, l := s.db, s.auth.locked
	s.auth.mu.Unlock()
	var sess *store.Session
	var err error
	switch {
	case db != nil:
		// Outside the lock: the password check (argon2id) takes a while.
		sess, err = db.Authenticate(s.ctx, name, password)
	case l != nil:
		db, sess, err = l.Login(s.ctx, name, password)
	default:
		_, err = se.State()
		if err == nil {
			err = domain.Errorf(domain.EUnavailable, "the database is not open yet")
		}
	}
	if err != nil {
		return SessionState{}, s.fail(err)
	}
	return se.begin(db, sess)
}

// begin makes sess the window's session on db (unlocked now if it was not).
func (se *Session) begin(db *store.DB, sess *store.Session) (SessionState, error) {
	s := se.s
	idle := s.idleLock(db)
	s.auth.mu.Lock()
	first := s.db == nil
	if first {
		s.db, s.auth.locked = db, nil
	}
	if old := s.auth.sess; old != nil {
		db.Logout(old)
	}
	s.auth.sess, s.auth.isLock, s.auth.last, s.auth.idle = sess, false, s.now(), idle
	startUpkeep := !s.auth.started
	s.auth.started = true
	s.auth.mu.Unlock()
	if startUpkeep {
		s.startUpkeep()
	}
	st, err := se.State()
	st.RecoveryKey = sess.RecoveryKey
	sess.RecoveryKey = ""
	return st, err
}

// idleLock reads the idle lock setting (DefaultIdleLock when unset or unreadable).
func (s *Services) idleLock(db *store.DB) time.Duration {
	v, ok, err := db.Setting(s.ctx, settingIdleLock)
	if err != nil || !ok {
		return DefaultIdleLock
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return DefaultIdleLock
	}
	return time.Duration(n) * time.Minute
}

// Logout ends the session ("switch user"): the login screen follows.
func (se *Session) Logout() (SessionState, error) {
	s := se.s
	s.auth.mu.Lock()
	if sess := s.auth.sess; sess != nil && s.db != nil {
		s.db.Logout(sess)
	}
	s.auth.sess, s.auth.isLock = nil, false
	s.auth.mu.Unlock()
	return se.State()
}

// Lock hides the app behind the lock screen until the user gives their password
// again (Unlock). Work already started (a recording, a draft) goes on.
func (se *Session) Lock() (SessionState, error) {
	s := se.s
	s.auth.mu.Lock()
	if s.auth.sess == nil {
		s.auth.mu.Unlock()
		return SessionState{}, s.fail(unauthenticated("no user is logged in"))
	}
	s.auth.isLock = true
	s.auth.mu.Unlock()
	return se.State()
}

// Unlock checks the locked session's user's password again (a wrong one counts as
// a failed login, audited, with the same backoff) and reopens the app.
func (se *Session) Unlock(password string) (SessionState, error) {
	s := se.s
	s.auth.mu.Lock()
	sess, db := s.auth.sess, s.db
	s.auth.mu.Unlock()
	if sess == nil || db == nil {
		return SessionState{}, s.fail(unauthenticated("no user is logged in"))
	}
	fresh, err := db.Authenticate(s.ctx, sess.User().Name, password)
	if err != nil {
		return SessionState{}, s.fail(err)
	}
	s.auth.mu.Lock()
	if s.auth.sess != sess { // logged out meanwhile
		s.auth.mu.Unlock()
		db.Logout(fresh)
		return SessionState{}, s.fail(unauthenticated("no user is logged in"))
	}
	db.Logout(sess)
	s.auth.sess, s.auth.isLock, s.auth.last = fresh, false, s.now()
	s.auth.mu.Unlock()
	return se.State()
}

// Touch records the user's activity (a key, a click), which defers the idle lock.
// It does not reopen a locked session. The answer tells whether it is locked.
func (se *Session) Touch() (SessionState, error) {
	s := se.s
	s.auth.mu.Lock()
	if s.auth.sess != nil && !s.lockIfIdleLocked() && !s.auth.isLock {
		s.auth.last = s.now()
	}
	s.auth.mu.Unlock()
	return se.State()
}

// setIdleLock changes the idle lock at once (Settings).
func (s *Services) setIdleLock(d time.Duration) {
	s.auth.mu.Lock()
	s.auth.idle = d
	s.auth.mu.Unlock()
}

// role is the active session's user's role as of login ("" for none). The store
// checks the current role itself for what it guards; this is for the app's own
// checks (who may change where patient text goes).
func (s *Services) role() domain.UserRole {
	sess, err := s.session()
	if err != nil {
		return ""
	}
	return sess.User().Role
}
