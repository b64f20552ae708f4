package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"greffier/domain"
	"greffier/store/crypt"
)

// Keys returns the encryption keys, for callers that encrypt audio files
// (Keys().EncryptFile, Keys().NewWriter).
func (db *DB) Keys() *crypt.Keys { return db.keys }

// KeyFile returns the key file Open uses for the database at dbPath by default.
func KeyFile(dbPath string) string { return filepath.Join(filepath.Dir(dbPath), KeyFileName) }

// loadKeys finds the master key (key file or passphrase) and checks it against the
// one the database was created with, so a wrong key is refused before it can write
// anything unreadable.
func (db *DB) loadKeys(ctx context.Context, opt Options) (*crypt.Keys, error) {
	var kind string
	var salt, check []byte
	err := db.db.QueryRowContext(ctx, `SELECT kind, salt, key_check FROM crypto_meta WHERE id = 1`).Scan(&kind, &salt, &check)
	fresh := errors.Is(err, sql.ErrNoRows)
	if err != nil && !fresh {
		return nil, fmt.Errorf("read key metadata: %w", err)
	}
	want := "keyfile"
	if opt.Passphrase != "" {
		want = "passphrase"
	}
	if kind == modeSlots {
		return nil, domain.Errorf(domain.EForbidden, "database %s is protected by user passwords: log in as a user to open it", db.path)
	}
	if !fresh && kind != want {
		return nil, domain.Errorf(domain.EInvalid, "database %s is encrypted with a %s, not a %s", db.path, kind, want)
	}
	var master []byte
	if want == "passphrase" {
		if fresh {
			salt = make([]byte, 16)
			if _, err := rand.Read(salt); err != nil {
				return nil, fmt.Errorf("random salt: %w", err)
			}
		}
		master = crypt.PassphraseKey(opt.Passphrase, salt)
	} else {
		path := opt.KeyFile
		if path == "" {
			path = KeyFile(db.path)
		}
		if !fresh {
			if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
				return nil, domain.Errorf(domain.EUnavailable, "the key file %s of database %s is missing: restore it from where you saved it (without it the notes cannot be read)", path, db.path)
			}
		}
		master, _, err = crypt.LoadOrCreateKeyFile(path)
		if err != nil {
			return nil, domain.Wrap(domain.EUnavailable, err, "load the encryption key")
		}
	}
	keys, err := crypt.New(master)
	if err != nil {
		return nil, err
	}
	if fresh {
		if _, err := db.db.ExecContext(ctx, `INSERT OR IGNORE INTO crypto_meta (id, kind, salt, key_check) VALUES (1, ?, ?, ?)`,
			want, salt, keys.Check()); err != nil {
			return nil, fmt.Errorf("record key check: %w", err)
		}
		// Another process may have won the race with another key: check again.
		if err := db.db.QueryRowContext(ctx, `SELECT key_check FROM crypto_meta WHERE id = 1`).Scan(&check); err != nil {
			return nil, fmt.Errorf("read key check: %w", err)
		}
	}
	if !keys.CheckMatches(check) {
		if want == "passphrase" {
			return nil, domain.Errorf(domain.EInvalid, "wrong passphrase for database %s", db.path)
		}
		return nil, domain.Errorf(domain.EUnavailable, "the key file does not match database %s: put back the key file that was created with it", db.path)
	}
	db.master, db.mode = master, want
	return keys, nil
}
