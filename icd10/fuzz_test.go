package icd10

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParseRelease checks that no input makes the release parser panic, and that what
// it accepts is well formed.
func FuzzParseRelease(f *testing.F) {
	paths, _ := filepath.Glob("testdata/*.txt")
	more, _ := filepath.Glob("testdata/malformed/*.txt")
	for _, p := range append(paths, more...) {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	f.Fuzz(func(t *testing.T, in string) {
		rows, err := parseRelease(strings.NewReader(in))
		if err != nil {
			return
		}
		for _, r := range rows {
			if _, ok := normCode(r.code); !ok || r.title == "" {
				t.Fatalf("accepted a bad row %+v", r)
			}
		}
	})
}
