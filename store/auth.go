package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"greffier/domain"
	"greffier/store/crypt"
)

// Identity. A database set up with users' passwords (mode "slots") opens locked:
// OpenLocked applies the migrations and reads nothing else; Setup (an empty
// database), Login (a user's password) or Recover (the recovery key) unwrap the
// master key and return the DB with a Session. The Session is the acting user for
// the methods that need authority; it cannot be made outside this package.

// MinPasswordLength is the shortest password accepted, in characters.
const MinPasswordLength = 12

// maxLoginDelay caps the backoff after failed logins.
const maxLoginDelay = 15 * time.Minute

// Audit actions of identity.
const (
	ActionSetup        = "setup"
	ActionLogin        = "login"
	ActionLoginFailed  = "login_failed"
	ActionKeysMigrated = "keys_migrated"
	ActionRecovery     = "recovery_used"
	ActionUserAdd      = "user_add"
	ActionUserRole     = "user_role"
	ActionUserDisable  = "user_disable"
	ActionPassword     = "password_change"
	ActionPasswordSet  = "password_reset"
	ActionSignRefused  = "approve_refused"
	// ActionSettingRefused is a refused change of where patient text may go.
	ActionSettingRefused = "setting_refused"
)

// Session is a user who proved their identity with their password. Store methods
// that need authority take it and read the user's current role and status from the
// database at each call, so a role change or a disable takes effect at once.
type Session struct {
	db   *DB
	user User
	// RecoveryKey is set only when this login created the recovery key (setup, or
	// the migration of a key file): show it once for IT to store offline, then drop it.
	RecoveryKey string
}

// User returns the session's user as of login.
func (s *Session) User() User { return s.user }

// liveSessions counts the sessions per user on one DB handle. On a database with
// passwords, the methods that take a user id (by int64) act only for a user with a
// live session here, so a caller cannot act as another user by passing their id.
type liveSessions struct {
	mu    sync.Mutex
	users map[int64]int
	ended map[*Session]bool
}

func (db *DB) begin(s *Session) *Session {
	db.live.mu.Lock()
	defer db.live.mu.Unlock()
	if db.live.users == nil {
		db.live.users, db.live.ended = map[int64]int{}, map[*Session]bool{}
	}
	db.live.users[s.user.ID]++
	return s
}

// Logout ends a session (switching user, an idle lock): it no longer acts, and its
// user no longer acts by id unless they have another session here.
func (db *DB) Logout(s *Session) {
	if s == nil || s.db != db {
		return
	}
	db.live.mu.Lock()
	defer db.live.mu.Unlock()
	if db.live.ended[s] || db.live.users[s.user.ID] == 0 {
		return
	}
	db.live.ended[s] = true
	if db.live.users[s.user.ID]--; db.live.users[s.user.ID] == 0 {
		delete(db.live.users, s.user.ID)
	}
}

// live reports whether s is a session of db that has not ended.
func (db *DB) liveSession(s *Session) bool {
	if s == nil || s.db != db {
		return false
	}
	db.live.mu.Lock()
	defer db.live.mu.Unlock()
	return !db.live.ended[s] && db.live.users[s.user.ID] > 0
}

// sqlLoggedIn is grf_logged_in(user id), used by actorTx: on a database with
// passwords, an error unless the user has a live session on this handle.
func (db *DB) sqlLoggedIn(id int64) (int64, error) {
	if db.mode != modeSlots {
		return 1, nil
	}
	db.live.mu.Lock()
	defer db.live.mu.Unlock()
	if db.live.users[id] == 0 {
		return 0, fmt.Errorf("user %d is not logged in: act through their own session", id)
	}
	return 1, nil
}

// Locked is a database opened without its key: nothing but the users' names and
// the key slots can be read until Setup, Login or Recover.
type Locked struct {
	db  *DB
	opt Options
}

// OpenLocked opens, checks and migrates the database at path; see OpenWith for the
// options (KeyFile and Passphrase matter only to migrate an older database).
func OpenLocked(ctx context.Context, path string, opt Options) (*Locked, error) {
	db, err := openFile(ctx, path, opt)
	if err != nil {
		return nil, err
	}
	return &Locked{db: db, opt: opt}, nil
}

// Close closes the database; call it only if no unlock succeeded (an unlock hands
// the connection over to the DB it returns).
func (l *Locked) Close() error { return l.db.Close() }

// NeedsSetup reports whether the database has no users yet: the first one, created
// with Setup, is the admin.
func (l *Locked) NeedsSetup(ctx context.Context) (bool, error) {
	var n int
	if err := l.db.db.QueryRowContext(ctx, `SELECT count(*) FROM users`).Scan(&n); err != nil {
		return false, fmt.Errorf("count users: %w", err)
	}
	return n == 0, nil
}

// keyKind returns crypto_meta's kind, "" for a database that has none yet.
func (db *DB) keyKind(ctx context.Context) (string, error) {
	var kind string
	err := db.db.QueryRowContext(ctx, `SELECT kind FROM crypto_meta WHERE id = 1`).Scan(&kind)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read key metadata: %w", err)
	}
	return kind, nil
}

// Setup creates the first user, an admin, on a database without users, and protects
// the master key with their password and a new recovery key (Session.RecoveryKey).
// A database made before passwords (key file) keeps its key, now wrapped; the key
// file is removed once the slots are written and checked.
func (l *Locked) Setup(ctx context.Context, name, password string) (*DB, *Session, error) {
	db := l.db
	name = strings.TrimSpace(name)
	if name == "" {
		return nil, nil, domain.Errorf(domain.EInvalid, "a user needs a name")
	}
	if err := checkPasswordRules(password); err != nil {
		return nil, nil, err
	}
	if empty, err := l.NeedsSetup(ctx); err != nil {
		return nil, nil, err
	} else if !empty {
		return nil, nil, domain.Errorf(domain.EConflict, "database %s already has users: an admin adds the others", db.path)
	}
	kind, err := db.keyKind(ctx)
	if err != nil {
		return nil, nil, err
	}
	switch kind {
	case "":
		if db.master, err = crypt.NewMasterKey(); err != nil {
			return nil, nil, err
		}
		if db.keys, err = crypt.New(db.master); err != nil {
			return nil, nil, err
		}
	case modeSlots:
		return nil, nil, domain.Errorf(domain.EConflict, "database %s has key slots but no users: open it with the recovery key", db.path)
	default:
		if db.keys, err = db.loadKeys(ctx, l.opt); err != nil {
			return nil, nil, err
		}
	}
	pwd, salt, err := db.newPassword(password)
	if err != nil {
		return nil, nil, err
	}
	s := &Session{db: db}
	err = db.write(ctx, "set up", func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users`).Scan(&n); err != nil {
			return fmt.Errorf("set up: %w", err)
		}
		if n > 0 {
			return domain.Errorf(domain.EConflict, "database %s already has users: an admin adds the others", db.path)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO crypto_meta (id, kind, key_check) VALUES (1, ?, ?)
			ON CONFLICT (id) DO NOTHING`, modeSlots, db.keys.Check()); err != nil {
			return fmt.Errorf("set up: %w", err)
		}
		u, err := db.insertUserTx(ctx, tx, name, domain.UserAdmin, pwd, salt)
		if err != nil {
			return err
		}
		s.user = u
		a := actor{ID: u.ID, Name: u.Name, Role: u.Role}
		if s.RecoveryKey, err = db.enableSlotsTx(ctx, tx, u.ID, pwd); err != nil {
			return err
		}
		if err := db.auditTx(ctx, tx, a, ActionSetup, 0, "from="+orNone(kind)); err != nil {
			return err
		}
		return db.auditTx(ctx, tx, a, ActionUserAdd, 0, fmt.Sprintf("user=%d role=%s", u.ID, u.Role))
	})
	if err != nil {
		db.keys, db.master = nil, nil
		return nil, nil, err
	}
	if err := db.finishSlots(ctx, l.opt, kind, s.user.ID, pwd, s.RecoveryKey); err != nil {
		return nil, nil, err
	}
	if err := db.writeHead(ctx); err != nil {
		return nil, nil, err
	}
	return db, db.begin(s), nil
}

func orNone(s string) string {
	if s == "" {
		return "new"
	}
	return s
}

// Login unlocks the database with a user's password. Failed attempts make the user
// wait longer each time (persisted) and are audited. A database still protected by
// a key file (made before passwords) is migrated: the user's password (set now if
// they had none) and a new recovery key (Session.RecoveryKey) wrap the key, and the
// key file is removed after the slots are checked; if no admin exists, this user
// becomes one.
func (l *Locked) Login(ctx context.Context, name, password string) (*DB, *Session, error) {
	db := l.db
	kind, err := db.keyKind(ctx)
	if err != nil {
		return nil, nil, err
	}
	switch kind {
	case "":
		return nil, nil, domain.Errorf(domain.EConflict, "database %s has no users yet: create the first admin", db.path)
	case modeSlots:
		return l.loginSlots(ctx, name, password)
	}
	return l.migrate(ctx, kind, name, password)
}

func (l *Locked) loginSlots(ctx context.Context, name, password string) (*DB, *Session, error) {
	db := l.db
	u, pwd, err := db.checkPassword(ctx, name, password)
	if err != nil {
		return nil, nil, err
	}
	master, err := db.openSlot(ctx, u, pwd)
	if err != nil {
		return nil, nil, err
	}
	if err := db.unlock(ctx, master); err != nil {
		return nil, nil, err
	}
	if err := db.headChecked(ctx, l.opt.AcceptRestore, actor{ID: u.ID, Name: u.Name, Role: u.Role}, false); err != nil {
		db.keys, db.master = nil, nil
		return nil, nil, err
	}
	s := &Session{db: db, user: u.User}
	if err := db.loginDone(ctx, u, password, pwd, ActionLogin); err != nil {
		db.keys, db.master = nil, nil
		return nil, nil, err
	}
	if err := db.writeHead(ctx); err != nil {
		db.keys, db.master = nil, nil
		return nil, nil, err
	}
	return db, db.begin(s), nil
}

// AcceptRestore makes the next login accept a database older than its head file
// (see Options.AcceptRestore).
func (l *Locked) AcceptRestore() { l.opt.AcceptRestore = true }

// Authenticate checks a user's password on an unlocked database (switching user,
// or re-entering the password after an idle lock) and returns their session.
func (db *DB) Authenticate(ctx context.Context, name, password string) (*Session, error) {
	if db.mode != modeSlots {
		return nil, domain.Errorf(domain.EConflict, "database %s has no passwords yet: log in once to set them up", db.path)
	}
	u, pwd, err := db.checkPassword(ctx, name, password)
	if err != nil {
		return nil, err
	}
	if err := db.loginDone(ctx, u, password, pwd, ActionLogin); err != nil {
		return nil, err
	}
	return db.begin(&Session{db: db, user: u.User}), nil
}

// authUser is a user row with what login needs.
type authUser struct {
	User
	kdf      string
	salt     []byte
	verifier []byte
	failed   int
	next     int64
}

func (db *DB) authUserByName(ctx context.Context, q querier, name string) (authUser, error) {
	var u authUser
	var at int64
	var kdf sql.NullString
	// The row's MAC is checked once the key is loaded (Authenticate on an unlocked
	// database): a user row added or changed in the file is refused.
	err := q.QueryRowContext(ctx, `SELECT `+userIDChecked+`, name, role, status, created_at, pw_kdf, pw_salt, pw_verifier, failed_logins, next_login_at
		FROM users WHERE name = ?`, strings.TrimSpace(name)).
		Scan(&u.ID, &u.Name, &u.Role, &u.Status, &at, &kdf, &u.salt, &u.verifier, &u.failed, &u.next)
	if err != nil {
		return u, err
	}
	u.CreatedAt, u.kdf, u.HasPassword = fromMS(at), kdf.String, u.verifier != nil
	return u, nil
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// checkPassword verifies name's password, enforcing the backoff; a failure is
// recorded (count, next allowed time, audit) before it is returned.
func (db *DB) checkPassword(ctx context.Context, name, password string) (authUser, crypt.Password, error) {
	u, err := db.authUserByName(ctx, db.db, name)
	if errors.Is(err, sql.ErrNoRows) {
		// The name typed may be a password typed in the wrong field: not logged.
		db.authEvent(ctx, 0, "unknown user", ActionLoginFailed, "reason=unknown_user")
		return u, crypt.Password{}, domain.Errorf(domain.EForbidden, "unknown user or wrong password")
	}
	if err != nil {
		return u, crypt.Password{}, funcErr(err, "find user %q", name)
	}
	switch {
	case u.Status == UserDisabled:
		db.authEvent(ctx, u.ID, u.Name, ActionLoginFailed, "reason=disabled")
		return u, crypt.Password{}, domain.Errorf(domain.EForbidden, "user %s is disabled", u.Name)
	case !u.HasPassword:
		db.authEvent(ctx, u.ID, u.Name, ActionLoginFailed, "reason=no_password")
		return u, crypt.Password{}, domain.Errorf(domain.EForbidden, "user %s has no password yet: an admin sets one", u.Name)
	}
	if wait := fromMS(u.next).Sub(db.now()); u.next > 0 && wait > 0 {
		db.authEvent(ctx, u.ID, u.Name, ActionLoginFailed, "reason=backoff")
		return u, crypt.Password{}, domain.Errorf(domain.EForbidden, "too many failed logins for %s: try again in %s", u.Name, wait.Round(time.Second))
	}
	params, err := crypt.ParseKDF(u.kdf)
	if err != nil {
		return u, crypt.Password{}, fmt.Errorf("user %s: %w", u.Name, err)
	}
	pwd, err := crypt.DerivePassword(password, u.salt, params)
	if err != nil {
		return u, crypt.Password{}, err
	}
	if pwd.Matches(u.verifier) {
		return u, pwd, nil
	}
	// Counted in one transaction, so concurrent guesses (the app and the CLI) each count.
	var n int
	var delay time.Duration
	err = db.write(ctx, "record failed login", func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `UPDATE users SET failed_logins = failed_logins + 1 WHERE id = ? RETURNING failed_logins`, u.ID).Scan(&n); err != nil {
			return fmt.Errorf("record failed login: %w", err)
		}
		delay = loginDelay(n)
		if _, err := tx.ExecContext(ctx, `UPDATE users SET next_login_at = ? WHERE id = ?`, ms(db.now().Add(delay)), u.ID); err != nil {
			return fmt.Errorf("record failed login: %w", err)
		}
		return nil
	})
	if err != nil {
		return u, crypt.Password{}, err
	}
	db.authEvent(ctx, u.ID, u.Name, ActionLoginFailed, fmt.Sprintf("reason=wrong_password failures=%d", n))
	if delay > 0 {
		return u, crypt.Password{}, domain.Errorf(domain.EForbidden, "unknown user or wrong password (next attempt for this user in %s)", delay)
	}
	return u, crypt.Password{}, domain.Errorf(domain.EForbidden, "unknown user or wrong password")
}

// freeFailures is how many consecutive failures (typos) cost no wait.
const freeFailures = 2

// loginDelay is the wait after n consecutive failures: none for the first two, then
// 1 s, 2 s, 4 s… up to 15 min.
func loginDelay(n int) time.Duration {
	n -= freeFailures
	if n <= 0 {
		return 0
	}
	if n > 11 {
		return maxLoginDelay
	}
	return min(time.Second<<(n-1), maxLoginDelay)
}

// authEvent audits an identity event: in the chain if the key is loaded, else in
// pending_audit until the next unlock. Best effort: a failure to record must not
// turn a refusal into something else, and the refusal is returned anyway.
func (db *DB) authEvent(ctx context.Context, userID int64, name, action, detail string) {
	db.refusal(ctx, userID, name, action, 0, detail)
}

// refusal is authEvent about an encounter.
func (db *DB) refusal(ctx context.Context, userID int64, name, action string, encID int64, detail string) {
	if db.keys != nil {
		_ = db.write(ctx, "audit "+action, func(tx *sql.Tx) error {
			return db.auditTx(ctx, tx, actor{ID: userID, Name: name}, action, encID, detail)
		})
		return
	}
	_, _ = db.db.ExecContext(ctx, `INSERT INTO pending_audit (at, user_id, actor, action, encounter_id, detail) VALUES (?, ?, ?, ?, ?, ?)`,
		ms(db.now()), nullID(userID), name, action, nullID(encID), detail)
}

// flushPendingTx moves the events recorded while locked into the audit chain.
func (db *DB) flushPendingTx(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT id, at, coalesce(user_id, 0), actor, action, coalesce(encounter_id, 0), detail FROM pending_audit ORDER BY id`)
	if err != nil {
		return fmt.Errorf("read pending audit: %w", err)
	}
	type ev struct {
		id, at, user, enc   int64
		actor, act, details string
	}
	var evs []ev
	for rows.Next() {
		var e ev
		if err := rows.Scan(&e.id, &e.at, &e.user, &e.actor, &e.act, &e.enc, &e.details); err != nil {
			rows.Close()
			return fmt.Errorf("read pending audit: %w", err)
		}
		evs = append(evs, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read pending audit: %w", err)
	}
	for _, e := range evs {
		detail := strings.TrimSpace(e.details + " while_locked_at=" + fromMS(e.at).Format(time.RFC3339))
		if err := db.auditTx(ctx, tx, actor{ID: e.user, Name: e.actor}, e.act, e.enc, detail); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM pending_audit`); err != nil {
		return fmt.Errorf("clear pending audit: %w", err)
	}
	return nil
}

// loginDone records a successful login: the backoff reset, a rehash (and rewrap of
// the user's key slot) if the stored parameters are not the current ones, the
// events that waited for the key, and the audit entry.
func (db *DB) loginDone(ctx context.Context, u authUser, password string, pwd crypt.Password, action string) error {
	rehash := u.kdf != db.kdf.String()
	var npwd crypt.Password
	var salt []byte
	if rehash {
		var err error
		if npwd, salt, err = db.newPassword(password); err != nil {
			return err
		}
	}
	return db.write(ctx, "login", func(tx *sql.Tx) error {
		if err := db.flushPendingTx(ctx, tx); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET failed_logins = 0, next_login_at = 0 WHERE id = ?`, u.ID); err != nil {
			return fmt.Errorf("login: %w", err)
		}
		detail := ""
		if rehash {
			if err := db.setPasswordTx(ctx, tx, u.ID, npwd, salt); err != nil {
				return err
			}
			detail = "rehashed=" + db.kdf.String()
		}
		return db.auditTx(ctx, tx, actor{ID: u.ID, Name: u.Name, Role: u.Role}, action, 0, detail)
	})
}

// newPassword derives a new verifier and KEK with a fresh salt and the current cost.
func (db *DB) newPassword(password string) (crypt.Password, []byte, error) {
	salt, err := crypt.NewSalt()
	if err != nil {
		return crypt.Password{}, nil, err
	}
	pwd, err := crypt.DerivePassword(password, salt, db.kdf)
	return pwd, salt, err
}

func checkPasswordRules(p string) error {
	if n := utf8.RuneCountInString(p); n < MinPasswordLength {
		return domain.Errorf(domain.EInvalid, "a password needs at least %d characters (got %d)", MinPasswordLength, n)
	}
	if len(p) > 1024 {
		return domain.Errorf(domain.EInvalid, "a password has at most 1024 bytes")
	}
	return nil
}
