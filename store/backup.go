package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/mattn/go-sqlite3"

	"greffier/atomicfile"
	"greffier/domain"
)

// Backup copies the database to dst with SQLite's online backup API: a consistent
// snapshot taken while the database stays in use. It writes dst.tmp, checks the
// copy's integrity, fsyncs, and renames it to dst; an existing dst is refused. The
// copy holds the same encrypted fields: it needs the same key file (or passphrase) to
// be read, and the key file is not copied into it — keep one safely apart.
func (db *DB) Backup(ctx context.Context, dst string) error {
	if strings.Contains(dst, "?") {
		return domain.Errorf(domain.EInvalid, "backup file %q: '?' is not allowed in it", dst)
	}
	if _, err := os.Stat(dst); err == nil {
		return domain.Errorf(domain.EConflict, "backup file %s already exists; choose another name", dst)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return domain.Wrap(domain.EInvalid, err, "backup file %s", dst)
	}
	if abs, _ := filepath.Abs(dst); abs == mustAbs(db.path) {
		return domain.Errorf(domain.EInvalid, "the backup cannot overwrite the database itself")
	}
	tmp := dst + ".tmp"
	os.Remove(tmp)
	if err := db.backupTo(ctx, tmp); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Chmod(tmp, 0o600); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("backup: %w", err)
	}
	if err := atomicfile.Commit(tmp, dst); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("backup: %w", err)
	}
	return db.write(ctx, "backup", func(tx *sql.Tx) error {
		return db.auditTx(ctx, tx, actor{Name: "greffier"}, ActionBackup, 0, "")
	})
}

func mustAbs(p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		return p
	}
	return a
}

func (db *DB) backupTo(ctx context.Context, path string) error {
	// A plain rollback-journal file: the backup is one self-contained file.
	dst, err := sql.Open("sqlite3", path+"?_journal_mode=DELETE")
	if err != nil {
		return fmt.Errorf("backup: open %s: %w", path, err)
	}
	defer dst.Close()
	dconn, err := dst.Conn(ctx)
	if err != nil {
		return domain.Wrap(domain.EInvalid, err, "backup: create %s", path)
	}
	defer dconn.Close()
	sconn, err := db.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer sconn.Close()
	err = dconn.Raw(func(dc any) error {
		return sconn.Raw(func(sc any) error {
			d, ok1 := dc.(*sqlite3.SQLiteConn)
			s, ok2 := sc.(*sqlite3.SQLiteConn)
			if !ok1 || !ok2 {
				return errors.New("backup: not a sqlite3 connection")
			}
			bk, err := d.Backup("main", s, "main")
			if err != nil {
				return fmt.Errorf("backup: start: %w", err)
			}
			for {
				// Copy in steps so a long backup lets writers in between.
				done, err := bk.Step(1024)
				if err != nil {
					bk.Finish()
					return fmt.Errorf("backup: step: %w", err)
				}
				if done {
					break
				}
				if err := ctx.Err(); err != nil {
					bk.Finish()
					return err
				}
			}
			if err := bk.Finish(); err != nil {
				return fmt.Errorf("backup: finish: %w", err)
			}
			return nil
		})
	})
	if err != nil {
		return err
	}
	var res string
	if err := dconn.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&res); err != nil {
		return fmt.Errorf("backup: check copy: %w", err)
	}
	if res != "ok" {
		return fmt.Errorf("backup: the copy failed its integrity check: %s", res)
	}
	return nil
}
