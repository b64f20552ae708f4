package icd10

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"greffier/domain"
)

// Validation failures, wrapped in the *domain.Error that Validate returns, so a caller
// can tell which check failed with errors.Is.
var (
	ErrUnknownCode   = errors.New("unknown code")
	ErrNotBillable   = errors.New("not a billable code")
	ErrTitleMismatch = errors.New("title differs from the official title")
)

// Lookup returns the code ("E119" or "E11.9"). A code absent from the table gives a
// *domain.Error ENotFound; text that cannot be a code gives EInvalid.
func (ix *Index) Lookup(ctx context.Context, code string) (Code, error) {
	c, _, err := ix.lookup(ctx, code)
	return c, err
}

func (ix *Index) lookup(ctx context.Context, code string) (Code, string, error) {
	key, ok := normCode(code)
	if !ok {
		return Code{}, "", domain.Errorf(domain.EInvalid, "%q is not an ICD-10-CM code", code)
	}
	var c Code
	var short string
	err := ix.db.QueryRowContext(ctx,
		`SELECT code, title, short_title, billable FROM codes WHERE code = ?`, key).
		Scan(&c.Code, &c.Title, &short, &c.Billable)
	if errors.Is(err, sql.ErrNoRows) {
		return Code{}, "", domain.Errorf(domain.ENotFound, "ICD-10-CM code %s is not in the code table", dotted(key))
	}
	if err != nil {
		return Code{}, "", domain.Wrap(domain.EUnavailable, err, "look up ICD-10-CM code %s", dotted(key))
	}
	c.Code = dotted(c.Code)
	return c, short, nil
}

// Validate checks a suggested code: it exists, it is a billable leaf, and title (when
// not empty) is its official title, ignoring case, accents, punctuation and spacing
// (the official short title is accepted too). Failures are *domain.Error EInvalid
// wrapping ErrUnknownCode, ErrNotBillable or ErrTitleMismatch.
func (ix *Index) Validate(ctx context.Context, code, title string) error {
	c, short, err := ix.lookup(ctx, code)
	switch domain.ErrorCode(err) {
	case "":
	case domain.ENotFound:
		// A code with billable codes below it is a category header even when the table
		// holds no row for the header itself (the starter set ships leaves only).
		if below, ok := ix.firstBelow(ctx, code); ok {
			return domain.Wrap(domain.EInvalid, ErrNotBillable,
				"ICD-10-CM %s is a category header: choose a more specific code, such as %s (%s)", dotted(mustNorm(code)), below.Code, below.Title)
		}
		return domain.Wrap(domain.EInvalid, ErrUnknownCode, "%s", err.Error())
	case domain.EInvalid:
		return domain.Wrap(domain.EInvalid, ErrUnknownCode, "%s", err.Error())
	default:
		return err
	}
	if !c.Billable {
		return domain.Wrap(domain.EInvalid, ErrNotBillable,
			"ICD-10-CM %s (%s) is a category header: choose a more specific code", c.Code, c.Title)
	}
	if strings.TrimSpace(title) == "" {
		return nil
	}
	t := normTitle(title)
	if t != normTitle(c.Title) && (short == "" || t != normTitle(short)) {
		return domain.Wrap(domain.EInvalid, ErrTitleMismatch,
			"ICD-10-CM %s: the official title is %q", c.Code, c.Title)
	}
	return nil
}

// firstBelow returns the first billable code that code is a prefix of.
func (ix *Index) firstBelow(ctx context.Context, code string) (Code, bool) {
	key, ok := normCode(code)
	if !ok {
		return Code{}, false
	}
	var c Code
	err := ix.db.QueryRowContext(ctx,
		`SELECT code, title FROM codes WHERE code > ? AND code < ? AND billable ORDER BY code LIMIT 1`,
		key, key+"\uffff").Scan(&c.Code, &c.Title)
	if err != nil {
		return Code{}, false
	}
	c.Code, c.Billable = dotted(c.Code), true
	return c, true
}

func mustNorm(code string) string {
	key, _ := normCode(code)
	return key
}

// normTitle folds a title for comparison: lower case, no accents, words separated by
// single spaces, punctuation dropped.
func normTitle(s string) string {
	s = foldAccents(strings.ToLower(s))
	var b strings.Builder
	space := false
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
			continue
		}
		space = true
	}
	return b.String()
}

// foldAccents removes combining marks: "diabète" → "diabete".
func foldAccents(s string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.String(t, s)
	if err != nil {
		return s
	}
	return out
}
