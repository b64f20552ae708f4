package icd10

import (
	"context"
	"strings"
	"testing"
)

// Every key must be in the folded form parseQuery looks up, or it can never match.
func TestExpansionKeysAreFolded(t *testing.T) {
	for key, e := range expansions {
		words := tokenize(key)
		if strings.Join(words, " ") != key {
			t.Errorf("key %q folds to %q", key, strings.Join(words, " "))
		}
		if len(words) > maxPhraseWords {
			t.Errorf("key %q has %d words, more than maxPhraseWords", key, len(words))
		}
		if len(e.terms) == 0 {
			t.Errorf("key %q has no terms", key)
		}
	}
}

// Every usual code an expansion names is a billable starter code whose title
// matches one of the expansion's terms, so a typo in the table cannot go unnoticed.
func TestExpansionCodesExist(t *testing.T) {
	ix, err := Open(context.Background(), ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	for key, e := range expansions {
		for _, code := range e.codes {
			c, err := ix.Lookup(context.Background(), code)
			if err != nil || !c.Billable {
				t.Errorf("%q names %s: %+v, %v", key, code, c, err)
				continue
			}
			q := ftsQuery{groups: [][][]string{nil}}
			for _, term := range e.terms {
				q.groups[0] = append(q.groups[0], tokenize(term))
			}
			res, err := ix.searchFTS(context.Background(), q.match(" AND "), nil, MaxLimit)
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, r := range res {
				found = found || r.Code == c.Code
			}
			if !found {
				t.Errorf("%q names %s (%s), which its terms %q do not find", key, c.Code, c.Title, e.terms)
			}
		}
	}
}
