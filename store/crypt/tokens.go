package crypt

import (
	"encoding/hex"
	"hash"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Search tokens. The full-text index must not hold patient words, so each word is
// normalised (lower case, accents removed: "Fièvre" and "fievre" match) and replaced
// by a keyed hash. The index can still match whole words; it cannot rank by word
// content or show snippets — the caller decrypts the matched text for that.
//
// Prefix search ("diab*") works for prefixes of PrefixMin..PrefixMax letters: each
// longer word also adds hashed tokens for those prefixes, marked apart from words.

// Token sizes: 8 bytes of HMAC (64 bits) make collisions between words negligible.
const tokenBytes = 8

// Prefix lengths indexed for prefix queries.
const (
	PrefixMin = 4
	PrefixMax = 6
)

// Normalize lower-cases s and strips combining accents.
func Normalize(s string) string {
	d := norm.NFD.String(s)
	var b strings.Builder
	b.Grow(len(d))
	for _, r := range d {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// Words splits normalised text into words of letters and digits (one-letter words
// are dropped: they carry no meaning for search).
func Words(s string) []string {
	f := strings.FieldsFunc(Normalize(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	out := f[:0]
	for _, w := range f {
		if len([]rune(w)) > 1 {
			out = append(out, w)
		}
	}
	return out
}

// Tokenizer turns text into hashed tokens. It reuses one HMAC state, so it is not
// safe for concurrent use: make one per goroutine.
type Tokenizer struct {
	h   hash.Hash
	sum []byte
	hex []byte
}

// NewTokenizer returns a tokenizer for these keys.
func (k *Keys) NewTokenizer() *Tokenizer {
	return &Tokenizer{h: k.tokenHash(), sum: make([]byte, 0, 32), hex: make([]byte, 2*tokenBytes)}
}

func (t *Tokenizer) token(kind byte, w string) string {
	t.h.Reset()
	t.h.Write([]byte{kind, 0})
	t.h.Write([]byte(w))
	t.sum = t.h.Sum(t.sum[:0])
	hex.Encode(t.hex, t.sum[:tokenBytes])
	// A letter first keeps every tokenizer treating it as a word.
	return string(kind) + string(t.hex)
}

// Tag returns the token for a label that is not a word of the text, such as the
// encounter's patient: a search filter the index answers itself.
func (t *Tokenizer) Tag(label string) string { return t.token('t', label) }

// Document returns the space-separated tokens to index for text: one per word, plus
// prefix tokens, each distinct token once (FTS matching does not need repeats).
func (t *Tokenizer) Document(text string) string {
	seen := make(map[string]struct{})
	var b strings.Builder
	add := func(tok string) {
		if _, ok := seen[tok]; ok {
			return
		}
		seen[tok] = struct{}{}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(tok)
	}
	for _, w := range Words(text) {
		add(t.token('w', w))
		r := []rune(w)
		for n := PrefixMin; n <= PrefixMax && n < len(r); n++ {
			add(t.token('p', string(r[:n])))
		}
	}
	return b.String()
}

// Query turns a user's search words into an FTS5 MATCH expression over tokens: all
// words must match (AND). A word ending in '*' matches as a prefix if it has
// PrefixMin..PrefixMax letters (a longer prefix is cut to PrefixMax, a shorter one
// matches as a whole word). It returns "" when the query holds no word.
func (t *Tokenizer) Query(q string) string {
	var parts []string
	for _, field := range strings.Fields(q) {
		prefix := strings.HasSuffix(field, "*")
		for i, w := range Words(field) {
			last := i == len(Words(field))-1
			r := []rune(w)
			switch {
			case prefix && last && len(r) >= PrefixMin:
				if len(r) > PrefixMax {
					r = r[:PrefixMax]
				}
				// The full word itself also matches its own prefix token only if
				// longer; so match either.
				parts = append(parts, "("+t.token('p', string(r))+" OR "+t.token('w', string(r))+")")
			default:
				parts = append(parts, t.token('w', w))
			}
		}
	}
	return strings.Join(parts, " AND ")
}
