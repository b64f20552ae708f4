package store

import (
	"bytes"
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/mattn/go-sqlite3"

	"greffier/domain"
)

// Row authority MACs. The columns that carry authority — an encounter's state,
// approval and patient, a user's name, role, status and password verifier, a
// code's status, the settings — are authenticated with an HMAC under the master key,
// kept in each row's mac column. Triggers compute it on every write through
// Greffier (SQL functions registered on each connection, keyed by the DB's keys);
// someone who edits the file without a password cannot compute it, so the change
// is detected at the next unlock (every row checked) and when the row is read.
//
// A migration that changes authority columns runs before the unlock, without the
// key: it must leave them alone, or recompute the MACs after unlock.

// macTable is one table whose authority columns are authenticated.
type macTable struct {
	kind, table, key string
	cols             []string
	// where excludes rows written before unlock (the integrity check's time).
	where string
	// updateOf lists the columns whose change recomputes the MAC.
	updateOf []string
}

func macTables() []macTable {
	return []macTable{
		{kind: "encounter", table: "encounters", key: "id",
			cols: []string{"id", "state", "patient_id", "approved_version", "approved_by", "approved_at", "exported_at"}},
		{kind: "user", table: "users", key: "id",
			cols: []string{"id", "name", "role", "status", "pw_verifier"}},
		{kind: "code", table: "codes", key: "id",
			cols: []string{"id", "encounter_id", "system", "code", "status", "decided_by", "decided_at"}},
		{kind: "setting", table: "settings", key: "key", cols: []string{"key", "value"},
			where: "key NOT LIKE 'integrity.%'"},
	}
}

// macExpr is the SQL computing t's MAC over the columns of row (prefix "NEW." in
// triggers, "" in queries).
func (t macTable) macExpr(row string) string {
	args := make([]string, len(t.cols))
	for i, c := range t.cols {
		args[i] = row + c
	}
	return fmt.Sprintf("grf_mac('%s', %s)", t.kind, strings.Join(args, ", "))
}

// CheckedExpr is the SQL that returns ret if the row's MAC holds (else the query
// fails): put it in place of a selected column to check rows as they are read.
func (t macTable) checkedExpr(alias, ret string) string {
	args := make([]string, len(t.cols))
	for i, c := range t.cols {
		args[i] = alias + c
	}
	return fmt.Sprintf("grf_checked('%s', %s, %smac, %s)", t.kind, ret, alias, strings.Join(args, ", "))
}

// ensureMACTriggers creates the triggers that keep the MACs (idempotent). They are
// made from macTables here rather than in a migration, so that the columns covered
// are written once.
func (db *DB) ensureMACTriggers(ctx context.Context) error {
	for _, t := range macTables() {
		when := ""
		if t.where != "" {
			when = " WHEN " + strings.ReplaceAll(t.where, "key", "NEW.key")
		}
		set := fmt.Sprintf("UPDATE %s SET mac = %s WHERE %s = NEW.%s;", t.table, t.macExpr("NEW."), t.key, t.key)
		upd := t.updateOf
		if upd == nil {
			upd = t.cols
		}
		for _, q := range []string{
			fmt.Sprintf("CREATE TRIGGER IF NOT EXISTS %s_mac_v1_insert AFTER INSERT ON %s%s BEGIN %s END", t.table, t.table, when, set),
			fmt.Sprintf("CREATE TRIGGER IF NOT EXISTS %s_mac_v1_update AFTER UPDATE OF %s ON %s%s BEGIN %s END", t.table, strings.Join(upd, ", "), t.table, when, set),
		} {
			if _, err := db.db.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("create MAC trigger on %s: %w", t.table, err)
			}
		}
	}
	return nil
}

// recomputeMACsTx (re)writes every row's MAC: when a database moves to key slots,
// its rows are taken as they are.
func (db *DB) recomputeMACsTx(ctx context.Context, tx *sql.Tx) error {
	for _, t := range macTables() {
		q := fmt.Sprintf("UPDATE %s SET mac = %s", t.table, t.macExpr(""))
		if t.where != "" {
			q += " WHERE " + t.where
		}
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("compute MACs of %s: %w", t.table, err)
		}
	}
	return nil
}

// verifyMACs checks every row's MAC: run at unlock.
func (db *DB) verifyMACs(ctx context.Context) error {
	for _, t := range macTables() {
		q := fmt.Sprintf("SELECT %s FROM %s WHERE (mac IS NULL OR mac != %s)", t.key, t.table, t.macExpr(""))
		if t.where != "" {
			q += " AND " + t.where
		}
		var key any
		err := db.db.QueryRowContext(ctx, q+" LIMIT 1").Scan(&key)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return fmt.Errorf("verify %s: %w", t.table, err)
		}
		if b, ok := key.([]byte); ok {
			key = string(b)
		}
		return domain.Errorf(domain.EConflict, "integrity: %s %v was changed outside Greffier (its authority columns do not match their MAC); restore a backup", t.kind, key)
	}
	return nil
}

// macInput encodes a row's kind and values without ambiguity: a type tag and a
// length before each value.
func macInput(kind string, vals []any) []byte {
	var b bytes.Buffer
	put := func(tag byte, p []byte) {
		var n [9]byte
		n[0] = tag
		binary.BigEndian.PutUint64(n[1:], uint64(len(p)))
		b.Write(n[:])
		b.Write(p)
	}
	put('k', []byte(kind))
	for _, v := range vals {
		var n [8]byte
		switch x := v.(type) {
		case nil:
			put('n', nil)
		case int64:
			binary.BigEndian.PutUint64(n[:], uint64(x))
			put('i', n[:])
		case float64:
			binary.BigEndian.PutUint64(n[:], math.Float64bits(x))
			put('f', n[:])
		case string:
			put('s', []byte(x))
		case []byte:
			put('b', x)
		default:
			put('?', []byte(fmt.Sprint(x)))
		}
	}
	return b.Bytes()
}

// sqlMAC is grf_mac(kind, values...).
func (db *DB) sqlMAC(kind string, vals ...any) ([]byte, error) {
	if db.keys == nil {
		return nil, errors.New("the database is locked: log in before changing it")
	}
	return db.keys.RowMAC(macInput(kind, vals)), nil
}

// sqlChecked is grf_checked(kind, ret, mac, values...): ret if the MAC holds. Before
// the unlock (and on a database still opened with a key file, whose rows may predate
// the MACs) rows are not checked.
func (db *DB) sqlChecked(kind string, ret, mac any, vals ...any) (any, error) {
	if db.keys == nil || db.mode != modeSlots {
		return ret, nil
	}
	got, _ := mac.([]byte)
	if want := db.keys.RowMAC(macInput(kind, vals)); !bytes.Equal(got, want) {
		return nil, fmt.Errorf("integrity: a %s row was changed outside Greffier (its authority columns do not match their MAC)", kind)
	}
	return ret, nil
}

// funcErr turns the errors Greffier's SQL functions raise, which reach Go as
// SQLite errors, into what they mean: tampering (EConflict) or acting for a user
// who is not logged in (EForbidden). Other errors are returned as they are.
func funcErr(err error, format string, args ...any) error {
	switch msg := err.Error(); {
	case strings.Contains(msg, "integrity: "):
		return domain.Wrap(domain.EConflict, err, format, args...)
	case strings.Contains(msg, "is not logged in"):
		return domain.Wrap(domain.EForbidden, err, format, args...)
	}
	return fmt.Errorf(format+": %w", append(args, err)...)
}

// connector opens SQLite connections with Greffier's SQL functions registered.
type connector struct {
	dsn string
	drv *sqlite3.SQLiteDriver
}

func (c *connector) Connect(context.Context) (driver.Conn, error) { return c.drv.Open(c.dsn) }
func (c *connector) Driver() driver.Driver                        { return c.drv }

func (db *DB) newConnector(dsn string) driver.Connector {
	return &connector{dsn: dsn, drv: &sqlite3.SQLiteDriver{ConnectHook: func(conn *sqlite3.SQLiteConn) error {
		if err := conn.RegisterFunc("grf_mac", db.sqlMAC, true); err != nil {
			return fmt.Errorf("register grf_mac: %w", err)
		}
		if err := conn.RegisterFunc("grf_checked", db.sqlChecked, true); err != nil {
			return fmt.Errorf("register grf_checked: %w", err)
		}
		// Not pure: its answer changes as users log in and out.
		if err := conn.RegisterFunc("grf_logged_in", db.sqlLoggedIn, false); err != nil {
			return fmt.Errorf("register grf_logged_in: %w", err)
		}
		return nil
	}}}
}
