package icd10

import (
	"context"
	"fmt"
	"strings"
	"unicode"

	"greffier/domain"
)

// Search limits.
const (
	DefaultLimit = 10
	MaxLimit     = 200

	maxQueryTerms = 16 // words kept from a long query (a sentence pasted in)
)

// Search finds codes whose titles match query, best first: billable codes before
// headers, and among them the usual code of a matched abbreviation, then by FTS5 rank. The
// query may be words (English or French), clinical abbreviations (HTN, T2DM, BPCO, …)
// or a code prefix ("E11", "E11.6"). Every word must match; when none matches that
// way, codes matching any word are returned. limit <= 0 means DefaultLimit.
func (ix *Index) Search(ctx context.Context, query string, limit int) ([]Code, error) {
	if limit <= 0 {
		limit = DefaultLimit
	}
	if limit > MaxLimit {
		limit = MaxLimit
	}
	query = strings.TrimSpace(query)
	if query == "" {
		return nil, domain.Errorf(domain.EInvalid, "empty ICD-10-CM search")
	}
	if key, ok := normCode(query); ok {
		codes, err := ix.searchPrefix(ctx, key, limit)
		if err != nil || len(codes) > 0 {
			return codes, err
		}
	}
	q := parseQuery(query)
	if len(q.groups) == 0 {
		return nil, nil
	}
	if len(q.groups) > maxQueryTerms {
		q.groups = q.groups[:maxQueryTerms]
	}
	codes, err := ix.searchFTS(ctx, q.match(" AND "), q.preferred, limit)
	if err != nil {
		return nil, err
	}
	if len(codes) == 0 && len(q.groups) > 1 {
		codes, err = ix.searchFTS(ctx, q.match(" OR "), q.preferred, limit)
	}
	return codes, err
}

func (ix *Index) searchPrefix(ctx context.Context, key string, limit int) ([]Code, error) {
	rows, err := ix.db.QueryContext(ctx, `
		SELECT code, title, billable FROM codes
		WHERE code >= ? AND code < ?
		ORDER BY billable DESC, code
		LIMIT ?`, key, key+"\x7f", limit)
	if err != nil {
		return nil, domain.Wrap(domain.EUnavailable, err, "search ICD-10-CM codes")
	}
	return scanCodes(rows)
}

func (ix *Index) searchFTS(ctx context.Context, match string, preferred []string, limit int) ([]Code, error) {
	args := []any{match}
	pref := ""
	if len(preferred) > 0 {
		pref = ", c.code IN (?" + strings.Repeat(",?", len(preferred)-1) + ") DESC"
		for _, p := range preferred {
			args = append(args, p)
		}
	}
	args = append(args, limit)
	rows, err := ix.db.QueryContext(ctx, `
		SELECT c.code, c.title, c.billable
		FROM codes_fts JOIN codes c ON c.id = codes_fts.rowid
		WHERE codes_fts MATCH ?
		ORDER BY c.billable DESC`+pref+`, bm25(codes_fts, 1.0, 0.5), length(c.title), c.code
		LIMIT ?`, args...)
	if err != nil {
		return nil, domain.Wrap(domain.EUnavailable, err, "search ICD-10-CM titles")
	}
	return scanCodes(rows)
}

type rowScanner interface {
	Next() bool
	Scan(...any) error
	Err() error
	Close() error
}

func scanCodes(rows rowScanner) ([]Code, error) {
	defer rows.Close()
	var out []Code
	for rows.Next() {
		var c Code
		if err := rows.Scan(&c.Code, &c.Title, &c.Billable); err != nil {
			return nil, fmt.Errorf("read ICD-10-CM row: %w", err)
		}
		c.Code = dotted(c.Code)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, domain.Wrap(domain.EUnavailable, err, "search ICD-10-CM codes")
	}
	return out, nil
}

// ftsQuery is a parsed search: groups are ANDed (or ORed as a fallback); each group
// is a list of alternatives; each alternative is a list of words that must all match.
type ftsQuery struct {
	groups    [][][]string
	preferred []string // undotted codes named by matched abbreviations
}

func (q ftsQuery) match(join string) string {
	parts := make([]string, 0, len(q.groups))
	for _, g := range q.groups {
		alts := make([]string, 0, len(g))
		for _, words := range g {
			terms := make([]string, len(words))
			for i, w := range words {
				terms[i] = `"` + w + `"`
				if len(w) >= 3 {
					terms[i] += "*"
				}
			}
			alts = append(alts, "("+strings.Join(terms, " AND ")+")")
		}
		parts = append(parts, "("+strings.Join(alts, " OR ")+")")
	}
	return strings.Join(parts, join)
}

// parseQuery splits a query into words, replaces abbreviations and French terms
// (longest phrase first) by their English title words, and drops filler words.
func parseQuery(query string) ftsQuery {
	words := tokenize(query)
	var q ftsQuery
	for i := 0; i < len(words); {
		n, e, ok := matchExpansion(words[i:])
		if ok {
			g := make([][]string, 0, len(e.terms))
			for _, t := range e.terms {
				g = append(g, tokenize(t))
			}
			q.groups = append(q.groups, g)
			for _, c := range e.codes {
				if key, ok := normCode(c); ok {
					q.preferred = append(q.preferred, key)
				}
			}
			i += n
			continue
		}
		if !stopWords[words[i]] {
			q.groups = append(q.groups, [][]string{{words[i]}})
		}
		i++
	}
	return q
}

// matchExpansion finds the longest phrase at the start of words that the expansion
// table knows, and returns how many words it covers.
func matchExpansion(words []string) (int, expansion, bool) {
	for n := min(len(words), maxPhraseWords); n > 0; n-- {
		if e, ok := expansions[strings.Join(words[:n], " ")]; ok {
			return n, e, true
		}
	}
	return 0, expansion{}, false
}

// tokenize lower-cases, folds accents and splits on anything but letters and digits.
func tokenize(s string) []string {
	s = foldAccents(strings.ToLower(s))
	return strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}
