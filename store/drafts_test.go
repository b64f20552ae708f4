package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"greffier/domain"
	"greffier/store"
)

// Two writers (two handles on one file, as the app and the CLI) save from the same
// version at the same instant, round after round: the base check runs inside the
// write transaction, so exactly one wins each round and the other is told
// (EConflict, ErrStale) instead of overwriting it; every committed text is in the
// history under its own version.
func TestConcurrentSaveConflict(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "greffier.db")
	var dbs [2]*store.DB
	for i := range dbs {
		db, err := store.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		dbs[i] = db
	}
	u, err := dbs[0].CreateUser(ctx, "Dr House", domain.UserPhysician)
	if err != nil {
		t.Fatal(err)
	}
	e, err := dbs[0].CreateEncounter(ctx, store.NewEncounter{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dbs[0].SaveDraftVersion(ctx, store.DraftInput{EncounterID: e.ID, By: u.ID, Body: []byte(`{"round":0}`), Text: "round 0"}); err != nil {
		t.Fatal(err)
	}
	const rounds = 20
	type result struct {
		writer, round, version int
		err                    error
	}
	var results []result
	for r := 1; r <= rounds; r++ {
		var mu sync.Mutex
		var wg, bothRead sync.WaitGroup
		bothRead.Add(2)
		for w, db := range dbs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				latest, err := db.GetLatestDraft(ctx, e.ID)
				bothRead.Done()
				bothRead.Wait() // both have read the same latest: now both save from it
				res := result{writer: w, round: r, err: err}
				if err == nil {
					var v store.Version
					v, res.err = db.SaveDraftVersion(ctx, store.DraftInput{EncounterID: e.ID, By: u.ID, Base: latest.Version,
						Body: []byte(fmt.Sprintf(`{"writer":%d,"round":%d}`, w, r)), Text: fmt.Sprintf("writer %d round %d", w, r)})
					res.version = v.Version
				}
				mu.Lock()
				results = append(results, res)
				mu.Unlock()
			}()
		}
		wg.Wait()
	}
	won := map[int]result{} // version -> the save that made it
	for _, r := range results {
		switch {
		case r.err == nil:
			if prev, dup := won[r.version]; dup {
				t.Fatalf("version %d saved twice: %+v and %+v", r.version, prev, r)
			}
			won[r.version] = r
		case domain.ErrorCode(r.err) == domain.EConflict && errors.Is(r.err, store.ErrStale):
		default:
			t.Fatalf("writer %d round %d: %v", r.writer, r.round, r.err)
		}
	}
	if len(won) != rounds {
		t.Fatalf("%d saves won over %d rounds: each round must have exactly one winner and one refused writer", len(won), rounds)
	}
	vs, err := dbs[1].ListVersions(ctx, e.ID)
	if err != nil || len(vs) != rounds+1 {
		t.Fatalf("%d versions, %v; want %d", len(vs), err, rounds+1)
	}
	for ver, r := range won {
		got, err := dbs[1].GetVersion(ctx, e.ID, ver)
		if err != nil {
			t.Fatal(err)
		}
		var body struct{ Writer, Round int }
		if err := json.Unmarshal(got.Body, &body); err != nil || body.Writer != r.writer || body.Round != r.round || got.Text != fmt.Sprintf("writer %d round %d", r.writer, r.round) {
			t.Errorf("version %d holds %s / %q, want writer %d round %d", ver, got.Body, got.Text, r.writer, r.round)
		}
	}
}
