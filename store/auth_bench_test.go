package store_test

import (
	"context"
	"path/filepath"
	"testing"

	"greffier/store"
	"greffier/store/crypt"
)

// BenchmarkLoginDefaultKDF times a whole unlock at the production argon2id cost:
// open, password check, slot unwrap, audit chain and MAC verification. It is what
// every CLI command and every app login pays.
func BenchmarkLoginDefaultKDF(b *testing.B) {
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "greffier.db")
	opt := store.Options{KDF: crypt.DefaultKDF()}
	l, err := store.OpenLocked(ctx, path, opt)
	if err != nil {
		b.Fatal(err)
	}
	db, _, err := l.Setup(ctx, "Root", adminPW)
	if err != nil {
		b.Fatal(err)
	}
	db.Close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		l, err := store.OpenLocked(ctx, path, opt)
		if err != nil {
			b.Fatal(err)
		}
		db, _, err := l.Login(ctx, "Root", adminPW)
		if err != nil {
			b.Fatal(err)
		}
		db.Close()
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/login")
}
