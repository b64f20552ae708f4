package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mattn/go-sqlite3"

	"greffier/domain"
	"greffier/store/crypt"
)

// DB is Greffier's encounter store. It is safe for concurrent use by several
// goroutines, and several processes may open the same file (WAL, busy timeout).
type DB struct {
	db   *sql.DB
	path string
	keys *crypt.Keys
	// master is kept to wrap new key slots (a user added, a password changed).
	master []byte
	// mode is how the key was found: "keyfile" or "passphrase" (Open, before users
	// had passwords) or "slots" (unlocked with a user's password or the recovery key).
	mode string
	kdf  crypt.KDF
	live liveSessions
	// headPath is the head file checked at unlock (Options.HeadFile).
	headPath string
	// committer runs the write transactions (commit.go).
	committer committer

	// Now is the clock; tests set it. Defaults to time.Now.
	Now func() time.Time
}

// Options change how Open finds the encryption key. The zero value uses (and on first
// use creates) the key file KeyFileName next to the database.
type Options struct {
	// KeyFile overrides the key file's path.
	KeyFile string
	// Passphrase, if set, derives the key with argon2id instead of using a key file.
	// The salt lives in the database; a wrong passphrase is refused at open.
	Passphrase string
	// KDF is the argon2id cost for new password hashes and key slots (zero:
	// crypt.DefaultKDF). Tests use crypt.TestKDF to stay fast.
	KDF crypt.KDF
	// Now is the clock (tests); nil means time.Now.
	Now func() time.Time
	// HeadFile, if set, is where the audit head is also kept outside the database
	// (HeadFile(path) beside it): an unlock refuses a database older than it says,
	// an older copy put back in place of the file. See checkHead.
	HeadFile string
	// AcceptRestore lets an admin's login (or the recovery key) accept a database
	// older than its head file: restored from a backup on purpose. Audited.
	AcceptRestore bool
	// CheckEvery is how often Open runs quick_check when the last session closed
	// cleanly (0: DefaultCheckEvery; negative: at every open). After an unclean end
	// (a WAL file left behind) Open always checks.
	CheckEvery time.Duration
}

// DefaultCheckEvery bounds the time between integrity checks at open. quick_check
// reads the whole file (about 4 s for 190 MiB on a loaded 2-core machine), too slow
// for every CLI call; a crash or a concurrent user always triggers it.
const DefaultCheckEvery = 24 * time.Hour

const settingCheckedAt = "integrity.checked_at"

// KeyFileName is the default key file, kept next to the database with mode 0600.
const KeyFileName = "greffier.key"

// busyTimeout is how long a writer waits for another one (another process, or the
// app while the CLI runs) before giving up with "database is locked".
const busyTimeout = 10 * time.Second

// maxIdleConns is how many open connections the pool keeps for reuse.
const maxIdleConns = 16

// Open opens (creating if needed) the database at path with the default key file.
// See OpenWith.
func Open(ctx context.Context, path string) (*DB, error) {
	return OpenWith(ctx, path, Options{})
}

// OpenWith opens the database at path: WAL journal, foreign keys, busy timeout,
// synchronous=FULL, immediate write transactions; checks its integrity; applies the
// pending migrations; and loads the encryption key.
//
// synchronous=FULL everywhere (not NORMAL): in WAL mode NORMAL may lose the last
// commits on power loss, and a physician's saved edit must survive that. Writes are
// human-paced (a save every few seconds at most), so the fsync per commit costs nothing
// users notice; bulk loads batch in one transaction.
func OpenWith(ctx context.Context, path string, opt Options) (*DB, error) {
	db, err := openFile(ctx, path, opt)
	if err != nil {
		return nil, err
	}
	keys, err := db.loadKeys(ctx, opt)
	if err != nil {
		db.stopCommitter()
		db.db.Close()
		return nil, err
	}
	db.keys = keys
	if err := db.sealCodes(ctx); err != nil {
		db.stopCommitter()
		db.db.Close()
		return nil, err
	}
	return db, nil
}

// openFile opens, checks and migrates the database without loading any key.
func openFile(ctx context.Context, path string, opt Options) (*DB, error) {
	if path == "" {
		return nil, domain.Errorf(domain.EInvalid, "no database path given")
	}
	if strings.Contains(path, "?") {
		return nil, domain.Errorf(domain.EInvalid, "database path %q: '?' is not allowed in it", path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, domain.Wrap(domain.EUnavailable, err, "create the database folder for %s", path)
	}
	dsn := fmt.Sprintf("%s?_journal_mode=WAL&_foreign_keys=on&_busy_timeout=%d&_synchronous=FULL&_txlock=immediate&_secure_delete=on",
		path, busyTimeout.Milliseconds())
	// Patient data: the file is the user's alone (SQLite gives the -wal and -shm
	// files the database file's mode).
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE, 0o600)
	if err != nil {
		return nil, domain.Wrap(domain.EUnavailable, err, "open database %s", path)
	}
	f.Close()
	// In WAL mode the last connection to close removes the WAL: one left behind
	// means a crash (or another process using the database right now).
	st, werr := os.Stat(path + "-wal")
	unclean := werr == nil && st.Size() > 0
	db := &DB{path: path, Now: time.Now, kdf: opt.KDF, headPath: opt.HeadFile}
	db.db = sql.OpenDB(db.newConnector(dsn))
	// Keep connections for reuse: database/sql keeps 2 idle by default, so concurrent
	// readers (the clinic server's sessions) opened and closed a SQLite connection
	// per query — opening one registers the SQL functions, applies the DSN's pragmas
	// and parses the schema: 9% of the server benchmark's CPU.
	db.db.SetMaxIdleConns(maxIdleConns)
	db.db.SetConnMaxIdleTime(5 * time.Minute)
	if opt.Now != nil {
		db.Now = opt.Now
	}
	if db.kdf == (crypt.KDF{}) {
		db.kdf = crypt.DefaultKDF()
	}
	if err := db.init(ctx, opt, unclean); err != nil {
		db.db.Close()
		return nil, err
	}
	return db, nil
}

func (db *DB) init(ctx context.Context, opt Options, unclean bool) error {
	checked := false
	if unclean || db.checkDue(ctx, opt.CheckEvery) {
		if err := db.checkIntegrity(ctx); err != nil {
			return err
		}
		checked = true
	}
	var mode string
	if err := db.db.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil {
		return fmt.Errorf("read journal mode of %s: %w", db.path, err)
	}
	if !strings.EqualFold(mode, "wal") {
		return domain.Errorf(domain.EUnavailable, "database %s: cannot use WAL journaling here (got %q); put the data folder on a local disk", db.path, mode)
	}
	if err := db.migrate(ctx); err != nil {
		return fmt.Errorf("migrate database %s: %w", db.path, err)
	}
	if err := db.ensureMACTriggers(ctx); err != nil {
		return err
	}
	if checked {
		if _, err := db.db.ExecContext(ctx, `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
			settingCheckedAt, fmt.Sprint(ms(db.now())), ms(db.now())); err != nil {
			return fmt.Errorf("record integrity check: %w", err)
		}
	}
	return nil
}

// checkDue reports whether the last integrity check is older than every (or
// unknown: a new or unreadable file is always checked).
func (db *DB) checkDue(ctx context.Context, every time.Duration) bool {
	if every < 0 {
		return true
	}
	if every == 0 {
		every = DefaultCheckEvery
	}
	var v int64
	if err := db.db.QueryRowContext(ctx, `SELECT CAST(value AS INTEGER) FROM settings WHERE key = ?`, settingCheckedAt).Scan(&v); err != nil {
		return true
	}
	return db.now().Sub(fromMS(v)) > every
}

// checkIntegrity runs PRAGMA quick_check (the full integrity_check minus index
// cross-checks: linear in the file, fast enough at every open) and turns damage into
// an error that says how to recover.
func (db *DB) checkIntegrity(ctx context.Context) error {
	rows, err := db.db.QueryContext(ctx, `PRAGMA quick_check`)
	if err != nil {
		return db.damaged(err.Error(), err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return db.damaged(err.Error(), err)
		}
		if s != "ok" {
			problems = append(problems, s)
		}
	}
	if err := rows.Err(); err != nil {
		return db.damaged(err.Error(), err)
	}
	if len(problems) > 0 {
		if len(problems) > 3 {
			problems = append(problems[:3], fmt.Sprintf("and %d more", len(problems)-3))
		}
		return db.damaged(strings.Join(problems, "; "), nil)
	}
	return nil
}

func (db *DB) damaged(detail string, err error) error {
	var se sqlite3.Error
	if err != nil && errors.As(err, &se) && (se.Code == sqlite3.ErrBusy || se.Code == sqlite3.ErrLocked) {
		return domain.Wrap(domain.EUnavailable, err, "database %s is locked by another program; try again", db.path)
	}
	return &domain.Error{
		Code: domain.EUnavailable,
		Message: fmt.Sprintf("database %s is damaged (%s). Nothing was changed. To recover: quit Greffier, "+
			"move %s and its -wal and -shm files aside, and copy your latest backup (made with "+
			"'greffier backup FILE') to %s; the first login then needs an admin accepting the restore "+
			"(--accept-restore): the backup is older than the database last seen", db.path, detail, db.path, db.path),
		Err: err,
	}
}

// Close records the audit head in the head file (if any) and closes the database.
func (db *DB) Close() error {
	// Best effort: a head file that lags behind the database is still consistent.
	_ = db.writeHead(context.Background())
	db.stopCommitter()
	if err := db.db.Close(); err != nil {
		return fmt.Errorf("close database %s: %w", db.path, err)
	}
	return nil
}

// Path returns the database file's path.
func (db *DB) Path() string { return db.path }

// SQLiteVersion returns the version of the SQLite library in use.
func (db *DB) SQLiteVersion(ctx context.Context) (string, error) {
	var v string
	if err := db.db.QueryRowContext(ctx, `SELECT sqlite_version()`).Scan(&v); err != nil {
		return "", fmt.Errorf("read sqlite version: %w", err)
	}
	return v, nil
}

// SQLiteVersion returns the version of the linked SQLite library without a database.
func SQLiteVersion(ctx context.Context) (string, error) {
	v, _, _ := sqlite3.Version()
	return v, nil
}

// IntegrityCheck runs the full PRAGMA integrity_check and returns its findings
// ("ok" when healthy).
func (db *DB) IntegrityCheck(ctx context.Context) (string, error) {
	rows, err := db.db.QueryContext(ctx, `PRAGMA integrity_check`)
	if err != nil {
		return "", fmt.Errorf("integrity check: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return "", fmt.Errorf("integrity check: %w", err)
		}
		out = append(out, s)
	}
	return strings.Join(out, "\n"), rows.Err()
}

func (db *DB) now() time.Time {
	if db.Now != nil {
		return db.Now().UTC()
	}
	return time.Now().UTC()
}
