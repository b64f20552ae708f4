// Package icd10 is Greffier's ICD-10-CM reference table: a SQLite database, separate
// from the patient database, holding codes and their official titles. It ships a
// starter set of common primary-care codes (loaded on first open), imports the CDC's
// release files, searches titles with FTS5 and clinical abbreviations (English and
// French), and validates the codes a draft suggests.
package icd10

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"

	_ "github.com/mattn/go-sqlite3" // SQLite driver; build tag sqlite_fts5 enables FTS5

	"greffier/domain"
)

// Code is one ICD-10-CM code. Code is in dotted form ("E11.9"); Billable is true for a
// leaf code that can be reported, false for a category or subcategory header.
type Code struct {
	Code     string `json:"code"`
	Title    string `json:"title"`
	Billable bool   `json:"billable"`
}

// Index is an open ICD-10-CM reference database. It is safe for concurrent use.
type Index struct {
	db *sql.DB
}

// DefaultPath is where the reference database lives inside a data folder
// (appdirs.Dirs.Data).
func DefaultPath(dataDir string) string { return filepath.Join(dataDir, "icd10cm.db") }

// Open opens (creating if needed) the reference database at path and loads the
// embedded starter set when it is new or the starter set changed. path ":memory:"
// gives a private in-memory database (tests).
func Open(ctx context.Context, path string) (*Index, error) {
	// The path is part of a file: URI: escape what would end or change it.
	esc := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	dsn := "file:" + esc + "?_busy_timeout=5000&_journal_mode=WAL&_txlock=immediate"
	memory := path == ":memory:"
	if memory {
		dsn = "file::memory:?_txlock=immediate"
	}
	db, err := sql.Open("sqlite3", dsn)
	if err != nil {
		return nil, domain.Wrap(domain.EUnavailable, err, "open ICD-10-CM database %s", path)
	}
	if memory {
		// Each connection to :memory: is its own database: keep exactly one.
		db.SetMaxOpenConns(1)
		db.SetConnMaxLifetime(0)
		db.SetConnMaxIdleTime(0)
	}
	ix := &Index{db: db}
	if err := ix.migrate(ctx); err != nil {
		db.Close()
		return nil, domain.Wrap(domain.EUnavailable, err, "prepare ICD-10-CM database %s", path)
	}
	if err := ix.loadStarter(ctx); err != nil {
		db.Close()
		return nil, domain.Wrap(domain.EUnavailable, err, "load the ICD-10-CM starter set into %s", path)
	}
	return ix, nil
}

// Close closes the database.
func (ix *Index) Close() error {
	if err := ix.db.Close(); err != nil {
		return fmt.Errorf("close ICD-10-CM database: %w", err)
	}
	return nil
}

// schema is applied in order; PRAGMA user_version records how many steps ran.
var schema = []string{
	`CREATE TABLE codes (
		id          INTEGER PRIMARY KEY,
		code        TEXT NOT NULL UNIQUE,   -- undotted, upper case: E119
		title       TEXT NOT NULL,          -- official long title
		short_title TEXT NOT NULL DEFAULT '',
		billable    INTEGER NOT NULL,
		source      TEXT NOT NULL           -- starter, category, import
	);
	CREATE VIRTUAL TABLE codes_fts USING fts5(
		title, short_title, content='codes', content_rowid='id',
		tokenize='porter unicode61 remove_diacritics 2'
	);
	CREATE TRIGGER codes_ai AFTER INSERT ON codes BEGIN
		INSERT INTO codes_fts(rowid, title, short_title) VALUES (new.id, new.title, new.short_title);
	END;
	CREATE TRIGGER codes_ad AFTER DELETE ON codes BEGIN
		INSERT INTO codes_fts(codes_fts, rowid, title, short_title) VALUES ('delete', old.id, old.title, old.short_title);
	END;
	CREATE TRIGGER codes_au AFTER UPDATE ON codes BEGIN
		INSERT INTO codes_fts(codes_fts, rowid, title, short_title) VALUES ('delete', old.id, old.title, old.short_title);
		INSERT INTO codes_fts(rowid, title, short_title) VALUES (new.id, new.title, new.short_title);
	END;
	CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);`,
}

func (ix *Index) migrate(ctx context.Context) error {
	var version int
	if err := ix.db.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&version); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if version > len(schema) {
		return fmt.Errorf("schema version %d is newer than this program (%d)", version, len(schema))
	}
	for i := version; i < len(schema); i++ {
		tx, err := ix.db.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("begin migration %d: %w", i+1, err)
		}
		if _, err := tx.ExecContext(ctx, schema[i]); err != nil {
			tx.Rollback()
			if strings.Contains(err.Error(), "no such module: fts5") {
				return fmt.Errorf("migration %d: SQLite has no FTS5 (build with -tags sqlite_fts5): %w", i+1, err)
			}
			return fmt.Errorf("migration %d: %w", i+1, err)
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA user_version = %d`, i+1)); err != nil {
			tx.Rollback()
			return fmt.Errorf("record migration %d: %w", i+1, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("commit migration %d: %w", i+1, err)
		}
	}
	return nil
}

// Count returns how many codes the table holds, and how many of them are billable.
func (ix *Index) Count(ctx context.Context) (total, billable int, err error) {
	err = ix.db.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(billable), 0) FROM codes`).Scan(&total, &billable)
	if err != nil {
		return 0, 0, fmt.Errorf("count ICD-10-CM codes: %w", err)
	}
	return total, billable, nil
}

// normCode turns "e11.9", " E119 " into "E119"; ok is false when s cannot be an
// ICD-10-CM code: a letter, then two to six letters or digits, with a digit in the
// second or third place (E11, QA0 of the 2026 release, S06.0X0A).
func normCode(s string) (string, bool) {
	s = strings.ToUpper(strings.TrimSpace(s))
	if len(s) > 4 && s[3] == '.' {
		s = s[:3] + s[4:]
	} else if len(s) == 4 && s[3] == '.' {
		s = s[:3]
	}
	if len(s) < 3 || len(s) > 7 {
		return "", false
	}
	if s[0] < 'A' || s[0] > 'Z' || !isDigit(s[1]) && !isDigit(s[2]) {
		return "", false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return "", false
		}
	}
	return s, true
}

// dotted turns "E119" into "E11.9" (three-character categories stay as they are).
func dotted(code string) string {
	if len(code) <= 3 {
		return code
	}
	return code[:3] + "." + code[3:]
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
