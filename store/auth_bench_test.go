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

// BenchmarkUnlockVerify20kEncounters times what an unlock adds per row: every
// encounter's authority MAC is checked (argon2id at the test cost, so the rest is
// small).
func BenchmarkUnlockVerify20kEncounters(b *testing.B) {
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "greffier.db")
	opt := store.Options{KDF: crypt.TestKDF()}
	l, err := store.OpenLocked(ctx, path, opt)
	if err != nil {
		b.Fatal(err)
	}
	db, _, err := l.Setup(ctx, "Root", adminPW)
	if err != nil {
		b.Fatal(err)
	}
	// The MAC triggers run for each row inserted here, as for any write.
	if err := db.RawExec(ctx, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
		INSERT INTO encounters (state, created_at, updated_at) SELECT 'drafted', i, i FROM n`); err != nil {
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
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/unlock")
}
