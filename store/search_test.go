package store_test

import (
	"context"
	"testing"
	"time"

	"greffier/domain"
	"greffier/store"
)

func TestSearchFilters(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t)
	doc, _ := db.CreateUser(ctx, "Dr A", domain.UserPhysician)
	p1, _ := db.CreatePatient(ctx, store.Patient{LocalID: "P-1"})
	p2, _ := db.CreatePatient(ctx, store.Patient{LocalID: "P-2", MRN: "M2"})
	day := func(d int) time.Time { return time.Date(2026, 3, d, 10, 0, 0, 0, time.UTC) }
	mk := func(p int64, d int, transcript, noteText string) int64 {
		e, err := db.CreateEncounter(ctx, store.NewEncounter{PatientID: p, StartedAt: day(d)})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.SaveSegments(ctx, e.ID, []domain.Segment{{Text: transcript}}); err != nil {
			t.Fatal(err)
		}
		if noteText != "" {
			if _, err := db.SaveDraftVersion(ctx, store.DraftInput{EncounterID: e.ID, By: doc.ID, Body: []byte(`{}`), Text: noteText}); err != nil {
				t.Fatal(err)
			}
		}
		return e.ID
	}
	a := mk(p1.ID, 1, "Toux sèche depuis une semaine.", "Bronchite aiguë.")
	b := mk(p2.ID, 5, "Dry cough and fever.", "Acute bronchitis, fièvre.")
	c := mk(p1.ID, 9, "Knee pain.", "Gonalgie; pas de fièvre.")

	ids := func(hs []store.Hit) []int64 {
		var out []int64
		for _, h := range hs {
			out = append(out, h.EncounterID)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		q    store.Query
		want []int64
	}{
		{"accents and case", store.Query{Text: "FIEVRE"}, []int64{c, b}},
		{"all words", store.Query{Text: "fièvre bronchitis"}, []int64{b}},
		{"prefix", store.Query{Text: "bronch*"}, []int64{b, a}},
		{"patient", store.Query{Text: "fièvre", PatientID: p1.ID}, []int64{c}},
		{"dates", store.Query{Text: "toux OR cough", From: day(1), To: day(5)}, nil}, // OR is a word here: no match
		{"from", store.Query{Text: "cough", From: day(2)}, []int64{b}},
		{"to", store.Query{Text: "bronch*", To: day(5)}, []int64{a}},
		{"none", store.Query{Text: "appendicitis"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hs, err := db.Search(ctx, tc.q)
			if err != nil {
				t.Fatal(err)
			}
			got := ids(hs)
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("got %v, want %v", got, tc.want)
				}
			}
		})
	}
	// A new version replaces the note in the index: the old words stop matching.
	if _, err := db.SaveDraftVersion(ctx, store.DraftInput{EncounterID: c, By: doc.ID, Body: []byte(`{}`), Text: "Gonarthrose."}); err != nil {
		t.Fatal(err)
	}
	hs, _ := db.Search(ctx, store.Query{Text: "gonalgie"})
	if len(hs) != 0 {
		t.Errorf("old version still indexed: %+v", hs)
	}
	if _, err := db.Search(ctx, store.Query{Text: "  "}); domain.ErrorCode(err) != domain.EInvalid {
		t.Errorf("empty query: %v", err)
	}
}
