package icd10

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"greffier/domain"
)

// importRow is one parsed line of a CDC release file.
type importRow struct {
	code, title, short string
	billable           bool
}

// Import reads a CDC ICD-10-CM release file and merges its codes into the table in one
// transaction: codes in the file replace rows with the same code, others stay. Two
// formats are accepted, told apart by the first line:
//   - the tabular order file (icd10cm_order_YYYY.txt): order number (5), blank,
//     code (7), blank, billable flag 0/1, blank, short title (60), blank, long title;
//   - the codes file (icd10cm_codes_YYYY.txt): code, blanks, title (all billable).
//
// A malformed line fails the whole import with a *domain.Error EInvalid naming the
// line; nothing is changed. n is the number of codes read.
func (ix *Index) Import(ctx context.Context, r io.Reader) (n int, err error) {
	rows, err := parseRelease(r)
	if err != nil {
		return 0, err
	}
	tx, err := ix.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, domain.Wrap(domain.EUnavailable, err, "begin ICD-10-CM import")
	}
	defer tx.Rollback()
	st, err := tx.PrepareContext(ctx, `INSERT INTO codes(code, title, short_title, billable, source)
		VALUES (?, ?, ?, ?, 'import')
		ON CONFLICT(code) DO UPDATE SET title = excluded.title, short_title = excluded.short_title,
			billable = excluded.billable, source = 'import'
		WHERE codes.title IS NOT excluded.title OR codes.short_title IS NOT excluded.short_title
			OR codes.billable IS NOT excluded.billable OR codes.source IS NOT 'import'`)
	if err != nil {
		return 0, domain.Wrap(domain.EUnavailable, err, "prepare ICD-10-CM import")
	}
	defer st.Close()
	for _, row := range rows {
		if _, err := st.ExecContext(ctx, row.code, row.title, row.short, row.billable); err != nil {
			return 0, domain.Wrap(domain.EUnavailable, err, "import ICD-10-CM code %s", dotted(row.code))
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, domain.Wrap(domain.EUnavailable, err, "commit ICD-10-CM import")
	}
	return len(rows), nil
}

// parseRelease reads the whole file, so that a bad line rejects it before any change.
func parseRelease(r io.Reader) ([]importRow, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	var (
		rows  []importRow
		order bool
		seen  = map[string]int{}
	)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), " \r")
		if n == 1 {
			line = strings.TrimPrefix(line, "\ufeff")
		}
		if strings.TrimSpace(line) == "" {
			continue
		}
		if !utf8.ValidString(line) {
			return nil, domain.Errorf(domain.EInvalid, "ICD-10-CM file line %d: not UTF-8 text", n)
		}
		if len(rows) == 0 {
			order = looksLikeOrderLine(line)
		}
		var (
			row importRow
			err error
		)
		if order {
			row, err = parseOrderLine(line)
		} else {
			row, err = parseCodesLine(line)
		}
		if err != nil {
			return nil, domain.Wrap(domain.EInvalid, err, "ICD-10-CM file line %d", n)
		}
		if prev, dup := seen[row.code]; dup {
			return nil, domain.Errorf(domain.EInvalid, "ICD-10-CM file line %d: code %s already on line %d", n, dotted(row.code), prev)
		}
		seen[row.code] = n
		rows = append(rows, row)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, domain.Wrap(domain.EInvalid, err, "ICD-10-CM file: a line is longer than 1 MiB")
		}
		return nil, domain.Wrap(domain.EInvalid, err, "read ICD-10-CM file")
	}
	if len(rows) == 0 {
		return nil, domain.Errorf(domain.EInvalid, "ICD-10-CM file holds no codes")
	}
	return rows, nil
}

// looksLikeOrderLine tells the order file ("00001 A00     0 Cholera…") from the codes file.
func looksLikeOrderLine(line string) bool {
	if len(line) < 16 || line[5] != ' ' || line[13] != ' ' || line[15] != ' ' {
		return false
	}
	for i := 0; i < 5; i++ {
		if line[i] < '0' || line[i] > '9' {
			return false
		}
	}
	return true
}

func parseOrderLine(line string) (importRow, error) {
	if len(line) < 78 {
		return importRow{}, fmt.Errorf("tabular order line too short (%d characters, want at least 78 with the long title at column 78)", len(line))
	}
	for i := 0; i < 5; i++ {
		if line[i] < '0' || line[i] > '9' {
			return importRow{}, fmt.Errorf("order number %q is not 5 digits", line[:5])
		}
	}
	if line[5] != ' ' || line[13] != ' ' || line[15] != ' ' || line[76] != ' ' {
		return importRow{}, errors.New("fields not separated by blanks at columns 6, 14, 16 and 77")
	}
	raw := strings.TrimRight(line[6:13], " ")
	code, ok := normCode(raw)
	if !ok || strings.Contains(raw, ".") {
		return importRow{}, fmt.Errorf("%q is not an ICD-10-CM code", raw)
	}
	var billable bool
	switch line[14] {
	case '0':
	case '1':
		billable = true
	default:
		return importRow{}, fmt.Errorf("header flag %q, want 0 or 1", line[14:15])
	}
	short := strings.TrimSpace(line[16:76])
	long := strings.TrimSpace(line[77:])
	if short == "" || long == "" {
		return importRow{}, fmt.Errorf("code %s has an empty title", dotted(code))
	}
	return importRow{code: code, title: long, short: short, billable: billable}, nil
}

func parseCodesLine(line string) (importRow, error) {
	raw, title, ok := strings.Cut(line, " ")
	title = strings.TrimSpace(title)
	code, valid := normCode(raw)
	if !ok || title == "" {
		return importRow{}, fmt.Errorf("want a code then its title, got %q", line)
	}
	if !valid || strings.Contains(raw, ".") {
		return importRow{}, fmt.Errorf("%q is not an ICD-10-CM code", raw)
	}
	return importRow{code: code, title: title, billable: true}, nil
}
