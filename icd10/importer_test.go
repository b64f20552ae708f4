package icd10_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"greffier/domain"
	"greffier/icd10"
)

func importFile(tb testing.TB, ix *icd10.Index, path string) int {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	n, err := ix.Import(context.Background(), f)
	if err != nil {
		tb.Fatalf("import %s: %v", path, err)
	}
	return n
}

func TestImportOrderFile(t *testing.T) {
	ctx := context.Background()
	ix := openIndex(t)
	before, _, err := ix.Count(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n := importFile(t, ix, "testdata/order_small.txt"); n != 15 {
		t.Errorf("imported %d codes, want 15", n)
	}
	want := []icd10.Code{
		{Code: "A00", Title: "Cholera", Billable: false},
		{Code: "A00.0", Title: "Cholera due to Vibrio cholerae 01, biovar cholerae", Billable: true},
		{Code: "A00.9", Title: "Cholera, unspecified", Billable: true},
		{Code: "E11.6", Title: "Type 2 diabetes mellitus with other specified complications", Billable: false},
		{Code: "J45.90", Title: "Unspecified asthma", Billable: false},
		{Code: "S06.0X0A", Title: "Concussion without loss of consciousness, initial encounter", Billable: true},
	}
	for _, w := range want {
		got, err := ix.Lookup(ctx, w.Code)
		if err != nil || got != w {
			t.Errorf("Lookup(%s) = %+v, %v; want %+v", w.Code, got, err, w)
		}
	}
	// The short title is accepted by validation as well as the long one.
	if err := ix.Validate(ctx, "S06.0X0A", "Concussion w/o loss of consciousness, init"); err != nil {
		t.Errorf("short title rejected: %v", err)
	}
	// Codes new to the table: A00.0, A00.1, A00.9, E11.6, J45.9, J45.90, S06.0, and the
	// headers A00, E11 and J45 (the starter set ships leaves only).
	after, _, err := ix.Count(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if after-before != 10 {
		t.Errorf("table grew by %d codes, want 10 (the others merge with starter rows)", after-before)
	}
	// Imported codes are searchable.
	res, err := ix.Search(ctx, "cholera", 10)
	if err != nil || len(res) == 0 || res[0].Code == "A00" {
		t.Errorf("Search(cholera) = %+v, %v; want billable cholera codes first", res, err)
	}
}

func TestImportIsIdempotent(t *testing.T) {
	ctx := context.Background()
	ix := openIndex(t)
	importFile(t, ix, "testdata/order_small.txt")
	total1, billable1, _ := ix.Count(ctx)
	res1, _ := ix.Search(ctx, "diabetes", 50)
	if n := importFile(t, ix, "testdata/order_small.txt"); n != 15 {
		t.Errorf("second import read %d codes, want 15", n)
	}
	total2, billable2, _ := ix.Count(ctx)
	res2, _ := ix.Search(ctx, "diabetes", 50)
	if total1 != total2 || billable1 != billable2 {
		t.Errorf("re-import changed counts: %d/%d → %d/%d", total1, billable1, total2, billable2)
	}
	if len(res1) != len(res2) {
		t.Fatalf("re-import changed search results: %d → %d", len(res1), len(res2))
	}
	for i := range res1 {
		if res1[i] != res2[i] {
			t.Errorf("result %d: %+v → %+v", i, res1[i], res2[i])
		}
	}
}

func TestImportCodesFile(t *testing.T) {
	ctx := context.Background()
	ix := openIndex(t)
	if n := importFile(t, ix, "testdata/codes_small.txt"); n != 8 {
		t.Errorf("imported %d codes, want 8", n)
	}
	got, err := ix.Lookup(ctx, "A001")
	want := icd10.Code{Code: "A00.1", Title: "Cholera due to Vibrio cholerae 01, biovar eltor", Billable: true}
	if err != nil || got != want {
		t.Errorf("Lookup(A001) = %+v, %v; want %+v", got, err, want)
	}
}

func TestImportMergesOverStarter(t *testing.T) {
	ctx := context.Background()
	ix := openIndex(t)
	// A release that retitles a starter code wins over the shipped title.
	line := "00001 I10     1 Hypertension (test release title)                            Hypertension (test release title)\n"
	if _, err := ix.Import(ctx, strings.NewReader(line)); err != nil {
		t.Fatal(err)
	}
	got, err := ix.Lookup(ctx, "I10")
	if err != nil || got.Title != "Hypertension (test release title)" {
		t.Errorf("Lookup(I10) = %+v, %v", got, err)
	}
}

func TestImportMalformed(t *testing.T) {
	tests := []struct {
		file string
		want string // in the error message
	}{
		{"bad_flag.txt", "line 4: header flag"},
		{"short_line.txt", "line 6: tabular order line too short"},
		{"bad_code.txt", `line 3: "1A0" is not an ICD-10-CM code`},
		{"duplicate_code.txt", "line 8: code E11.65 already on line 7"},
		{"bad_order_number.txt", "line 10: order number"},
		{"empty_title.txt", "line 11: code J45.9 has an empty title"},
		{"codes_no_title.txt", "line 2: want a code then its title"},
		{"empty.txt", "holds no codes"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			ctx := context.Background()
			ix := openIndex(t)
			before, _, _ := ix.Count(ctx)
			f, err := os.Open("testdata/malformed/" + tt.file)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			n, err := ix.Import(ctx, f)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Import = %d, %v; want an error containing %q", n, err, tt.want)
			}
			if c := domain.ErrorCode(err); c != domain.EInvalid {
				t.Errorf("error code %q, want %q", c, domain.EInvalid)
			}
			// Nothing was changed: the valid lines before the bad one were not kept.
			if after, _, _ := ix.Count(ctx); after != before || n != 0 {
				t.Errorf("after a failed import: %d codes (was %d), n = %d", after, before, n)
			}
			if _, err := ix.Lookup(ctx, "A00.0"); domain.ErrorCode(err) != domain.ENotFound {
				t.Errorf("A00.0 present after a failed import: %v", err)
			}
		})
	}
}
