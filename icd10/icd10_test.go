package icd10_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"greffier/domain"
	"greffier/icd10"
)

func openIndex(tb testing.TB) *icd10.Index {
	tb.Helper()
	ix, err := icd10.Open(context.Background(), ":memory:")
	if err != nil {
		tb.Fatalf("open: %v", err)
	}
	tb.Cleanup(func() { ix.Close() })
	return ix
}

func TestOpenLoadsStarterSet(t *testing.T) {
	ix := openIndex(t)
	starter, err := icd10.StarterCodes()
	if err != nil {
		t.Fatal(err)
	}
	total, billable, err := ix.Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if billable != len(starter) || total != len(starter) {
		t.Errorf("count = %d (%d billable), want %d, all billable", total, billable, len(starter))
	}
	for _, c := range starter {
		got, err := ix.Lookup(context.Background(), c.Code)
		if err != nil || got != c {
			t.Errorf("Lookup(%s) = %+v, %v; want %+v", c.Code, got, err, c)
		}
	}
}

func TestLookup(t *testing.T) {
	ix := openIndex(t)
	tests := []struct {
		in       string
		want     icd10.Code
		wantCode string
	}{
		{in: "E11.9", want: icd10.Code{Code: "E11.9", Title: "Type 2 diabetes mellitus without complications", Billable: true}},
		{in: "E119", want: icd10.Code{Code: "E11.9", Title: "Type 2 diabetes mellitus without complications", Billable: true}},
		{in: " e11.9 ", want: icd10.Code{Code: "E11.9", Title: "Type 2 diabetes mellitus without complications", Billable: true}},
		{in: "I10", want: icd10.Code{Code: "I10", Title: "Essential (primary) hypertension", Billable: true}},
		// Headers are not shipped (only leaves are); an imported CDC file brings them.
		{in: "E11", wantCode: domain.ENotFound},
		{in: "W19.XXXA", want: icd10.Code{Code: "W19.XXXA", Title: "Unspecified fall, initial encounter", Billable: true}},
		{in: "Z99.99", wantCode: domain.ENotFound},
		{in: "E11.99999", wantCode: domain.EInvalid},
		{in: "hypertension", wantCode: domain.EInvalid},
		{in: "", wantCode: domain.EInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ix.Lookup(context.Background(), tt.in)
			if c := domain.ErrorCode(err); c != tt.wantCode {
				t.Fatalf("Lookup(%q) error %v (code %q), want code %q", tt.in, err, c, tt.wantCode)
			}
			if got != tt.want {
				t.Errorf("Lookup(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	ix := openIndex(t)
	tests := []struct {
		name, code, title string
		want              error // nil, or the sentinel the *domain.Error wraps
	}{
		{"exact", "E11.9", "Type 2 diabetes mellitus without complications", nil},
		{"undotted", "E119", "Type 2 diabetes mellitus without complications", nil},
		{"normalised title", "I10", "essential primary HYPERTENSION", nil},
		{"punctuation and spacing", "K21.9", "Gastro esophageal reflux disease, without esophagitis.", nil},
		{"no title", "J06.9", "", nil},
		{"three-character billable", "J00", "Acute nasopharyngitis [common cold]", nil},
		{"non-existent", "E11.99", "Type 2 diabetes mellitus", icd10.ErrUnknownCode},
		{"not a code", "diabetes", "Type 2 diabetes mellitus", icd10.ErrUnknownCode},
		{"header", "E11", "Type 2 diabetes mellitus", icd10.ErrNotBillable},
		{"header of I-chapter", "I48", "Atrial fibrillation and flutter", icd10.ErrNotBillable},
		{"wrong title", "E11.9", "Type 2 diabetes mellitus with hyperglycemia", icd10.ErrTitleMismatch},
		{"paraphrased title", "I10", "Hypertension", icd10.ErrTitleMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ix.Validate(context.Background(), tt.code, tt.title)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Validate(%q, %q) = %v, want nil", tt.code, tt.title, err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("Validate(%q, %q) = %v, want %v", tt.code, tt.title, err, tt.want)
			}
			if c := domain.ErrorCode(err); c != domain.EInvalid {
				t.Errorf("error code %q, want %q", c, domain.EInvalid)
			}
		})
	}
}

func TestReopenKeepsImportedCodes(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "icd10cm.db")
	ix, err := icd10.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	importFile(t, ix, "testdata/order_small.txt")
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	ix, err = icd10.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	got, err := ix.Lookup(ctx, "A00.9")
	if err != nil || got.Title != "Cholera, unspecified" || !got.Billable {
		t.Errorf("after reopen, A00.9 = %+v, %v", got, err)
	}
	// The starter set is still there beside the import.
	if _, err := ix.Lookup(ctx, "N39.0"); err != nil {
		t.Errorf("starter code lost after reopen: %v", err)
	}
}

// A database holding an older starter set is brought up to date on open, without
// touching codes the user imported.
func TestReopenReloadsChangedStarterSet(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "icd10cm.db")
	ix, err := icd10.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	retitle := "00001 I10     1 Hypertension (test release title)                            Hypertension (test release title)\n"
	if _, err := ix.Import(ctx, strings.NewReader(retitle)); err != nil {
		t.Fatal(err)
	}
	ix.Close()

	// Simulate a database written by a program that shipped another starter set.
	raw, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`UPDATE meta SET value = 'older' WHERE key = 'starter'`, `DELETE FROM codes WHERE code = 'N390'`} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	raw.Close()

	ix, err = icd10.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if c, err := ix.Lookup(ctx, "N39.0"); err != nil || c.Title != "Urinary tract infection, site not specified" {
		t.Errorf("starter code not restored: %+v, %v", c, err)
	}
	if c, err := ix.Lookup(ctx, "I10"); err != nil || c.Title != "Hypertension (test release title)" {
		t.Errorf("imported title overwritten by the starter set: %+v, %v", c, err)
	}
	if res, err := ix.Search(ctx, "urinary tract infection", 1); err != nil || len(res) != 1 || res[0].Code != "N39.0" {
		t.Errorf("restored code not searchable: %v, %v", res, err)
	}
}

// Searches from several goroutines on one file database (the app's UI and the
// drafter share an Index).
func TestConcurrentSearch(t *testing.T) {
	ctx := context.Background()
	ix, err := icd10.Open(ctx, filepath.Join(t.TempDir(), "icd10cm.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				res, err := ix.Search(ctx, []string{"HTN", "asthma", "E11", "infection urinaire"}[(g+i)%4], 5)
				if err != nil || len(res) == 0 {
					errs <- fmt.Errorf("search %d/%d: %d results, %v", g, i, len(res), err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
