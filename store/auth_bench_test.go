package store_test

import (
	"context"
	"path/filepath"
	"testing"

	"greffier/store"
	"greffier/store/crypt"
)

// benchLogins sets up a database with opt, lets prepare fill it, then times b.N
// whole unlocks (open, password, slot, audit chain, row MACs) in ms/unlock.
func benchLogins(b *testing.B, opt store.Options, prepare func(db *store.DB)) {
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "greffier.db")
	l, err := store.OpenLocked(ctx, path, opt)
	if err != nil {
		b.Fatal(err)
	}
	db, _, err := l.Setup(ctx, "Root", adminPW)
	if err != nil {
		b.Fatal(err)
	}
	prepare(db)
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

// BenchmarkLoginDefaultKDF is what every CLI command and every app login pays, at
// the production argon2id cost.
func BenchmarkLoginDefaultKDF(b *testing.B) {
	benchLogins(b, store.Options{KDF: crypt.DefaultKDF()}, func(*store.DB) {})
}

// BenchmarkUnlockVerify20kEncounters is what an unlock adds per row: every
// encounter's authority MAC is checked (argon2id at the test cost, so the rest is
// small).
func BenchmarkUnlockVerify20kEncounters(b *testing.B) {
	benchLogins(b, store.Options{KDF: crypt.TestKDF()}, func(db *store.DB) {
		// The MAC triggers run for each row inserted here, as for any write.
		if err := db.RawExec(context.Background(), `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
			INSERT INTO encounters (state, created_at, updated_at) SELECT 'drafted', i, i FROM n`); err != nil {
			b.Fatal(err)
		}
	})
}
