package icd10

import (
	"bufio"
	"context"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// data holds the starter set: starter.tsv, common primary-care billable codes with their
// official titles. Category headers are not shipped: Validate recognises a header by the
// codes below it, and an imported CDC file brings the headers with their titles.
//
//go:embed data/starter.tsv
var data embed.FS

// starterRow is one line of an embedded TSV file.
type starterRow struct {
	code  string // undotted
	title string
}

// StarterCodes returns the billable codes the starter set ships, in file order.
func StarterCodes() ([]Code, error) {
	rows, err := readStarter("data/starter.tsv")
	if err != nil {
		return nil, err
	}
	out := make([]Code, len(rows))
	for i, r := range rows {
		out[i] = Code{Code: dotted(r.code), Title: r.title, Billable: true}
	}
	return out, nil
}

func readStarter(name string) ([]starterRow, error) {
	b, err := data.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("read embedded %s: %w", name, err)
	}
	var rows []starterRow
	sc := bufio.NewScanner(strings.NewReader(string(b)))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		code, title, ok := strings.Cut(line, "\t")
		key, valid := normCode(code)
		title = strings.TrimSpace(title)
		if !ok || !valid || title == "" {
			return nil, fmt.Errorf("embedded %s line %d: want CODE<tab>TITLE, got %q", name, n, line)
		}
		rows = append(rows, starterRow{code: key, title: title})
	}
	return rows, sc.Err()
}

// starterHash identifies the embedded starter set, so a new program version reloads it.
func starterHash() (string, error) {
	h := sha256.New()
	for _, name := range []string{"data/starter.tsv"} {
		b, err := data.ReadFile(name)
		if err != nil {
			return "", fmt.Errorf("read embedded %s: %w", name, err)
		}
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// loadStarter (re)loads the embedded rows when the database holds none or an older
// starter set. Imported codes always win over starter rows.
func (ix *Index) loadStarter(ctx context.Context) error {
	hash, err := starterHash()
	if err != nil {
		return err
	}
	if have, err := readStarterHash(ctx, ix.db); err != nil || have == hash {
		return err
	}
	starter, err := readStarter("data/starter.tsv")
	if err != nil {
		return err
	}
	tx, err := ix.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin starter load: %w", err)
	}
	defer tx.Rollback()
	// Another process may have loaded it while this one waited for the write lock.
	if have, err := readStarterHash(ctx, tx); err != nil || have == hash {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM codes WHERE source IN ('starter', 'category')`); err != nil {
		return fmt.Errorf("remove old starter rows: %w", err)
	}
	if err := insertRows(ctx, tx, starter, true, "starter"); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO meta(key, value) VALUES ('starter', ?)
		ON CONFLICT(key) DO UPDATE SET value = excluded.value`, hash); err != nil {
		return fmt.Errorf("record starter version: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit starter load: %w", err)
	}
	return nil
}

func readStarterHash(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}) (string, error) {
	var have string
	err := q.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'starter'`).Scan(&have)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("read starter version: %w", err)
	}
	return have, nil
}

func insertRows(ctx context.Context, tx *sql.Tx, rows []starterRow, billable bool, source string) error {
	st, err := tx.PrepareContext(ctx, `INSERT INTO codes(code, title, billable, source) VALUES (?, ?, ?, ?)
		ON CONFLICT(code) DO NOTHING`)
	if err != nil {
		return fmt.Errorf("prepare %s rows: %w", source, err)
	}
	defer st.Close()
	for _, r := range rows {
		if _, err := st.ExecContext(ctx, r.code, r.title, billable, source); err != nil {
			return fmt.Errorf("insert %s row %s: %w", source, r.code, err)
		}
	}
	return nil
}
