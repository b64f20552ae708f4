package icd10_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"greffier/domain"
	"greffier/icd10"
)

func TestSearchAbbreviations(t *testing.T) {
	ix := openIndex(t)
	tests := []struct {
		query string
		first string // expected best result
	}{
		// English abbreviations.
		{"HTN", "I10"},
		{"htn", "I10"},
		{"T2DM", "E11.9"},
		{"DM2", "E11.9"},
		{"COPD", "J44.9"},
		{"URI", "J06.9"},
		{"UTI", "N39.0"},
		{"GERD", "K21.9"},
		{"CHF", "I50.9"},
		{"AFib", "I48.91"},
		{"A-fib", "I48.91"},
		{"AF", "I48.91"},
		{"CAD", "I25.10"},
		{"CKD", "N18.9"},
		{"OA", "M19.90"},
		{"RA", "M06.9"},
		{"MI", "I21.9"},
		{"PNA", "J18.9"},
		{"BPH", "N40.0"},
		{"OSA", "G47.33"},
		{"ADHD", "F90.9"},
		{"MDD", "F32.9"},
		{"GAD", "F41.1"},
		{"HLD", "E78.5"},
		{"TIA", "G45.9"},
		{"DVT", "I82.409"},
		{"PE", "I26.99"},
		{"uncontrolled HTN", "I10"}, // no title has "uncontrolled": falls back to any word
		{"CKD stage 4", "N18.4"},
		{"COPD exacerbation", "J44.1"},
		{"T2DM with hyperglycemia", "E11.65"},
		// French abbreviations and terms.
		{"HTA", "I10"},
		{"DT2", "E11.9"},
		{"diabète de type 2", "E11.9"},
		{"BPCO", "J44.9"},
		{"IVRS", "J06.9"},
		{"infection urinaire", "N39.0"},
		{"RGO", "K21.9"},
		{"reflux gastro-œsophagien", "K21.9"},
		{"IC", "I50.9"},
		{"insuffisance cardiaque", "I50.9"},
		{"FA", "I48.91"},
		{"ACFA", "I48.91"},
		{"lombalgie", "M54.50"},
		{"douleur genou droit", "M25.561"},
		{"otite", "H66.90"},
		{"asthme", "J45.909"},
		// Plain words and codes.
		{"knee pain right", "M25.561"},
		{"otitis media left ear", "H66.92"},
		{"E11.65", "E11.65"},
		{"e1165", "E11.65"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			res, err := ix.Search(context.Background(), tt.query, 5)
			if err != nil {
				t.Fatal(err)
			}
			if len(res) == 0 || res[0].Code != tt.first {
				t.Errorf("Search(%q) = %v, want %s first", tt.query, codesOf(res), tt.first)
			}
		})
	}
}

// orderLine formats one row of the CDC tabular order file (fixed width).
func orderLine(n int, code string, billable bool, title string) string {
	flag := "0"
	if billable {
		flag = "1"
	}
	short := title
	if len(short) > 60 {
		short = short[:60]
	}
	return fmt.Sprintf("%05d %-7s %s %-60s %s\n", n, code, flag, short, title)
}

func TestSearchBillableFirst(t *testing.T) {
	ix := openIndex(t)
	// The starter set ships leaves only: import the category headers these queries
	// also match, as a CDC order file would bring them.
	headers := [][2]string{
		{"J45", "Asthma"}, {"E11", "Type 2 diabetes mellitus"}, {"I11", "Hypertensive heart disease"},
		{"J18", "Pneumonia, unspecified organism"}, {"I48", "Atrial fibrillation and flutter"},
		{"I50", "Heart failure"}, {"N40", "Benign prostatic hyperplasia"},
		{"H66", "Suppurative and unspecified otitis media"}, {"G89", "Pain, not elsewhere classified"},
	}
	var order strings.Builder
	for i, h := range headers {
		order.WriteString(orderLine(i+1, h[0], false, h[1]))
	}
	if _, err := ix.Import(context.Background(), strings.NewReader(order.String())); err != nil {
		t.Fatal(err)
	}
	// Each query matches both billable codes and category headers.
	for _, q := range []string{"asthma", "diabetes", "hypertension", "pneumonia", "fibrillation", "heart failure", "E11", "J45", "BPH", "otitis", "pain"} {
		t.Run(q, func(t *testing.T) {
			res, err := ix.Search(context.Background(), q, 50)
			if err != nil {
				t.Fatal(err)
			}
			var billable, headers int
			for i, c := range res {
				if c.Billable {
					billable++
					if headers > 0 {
						t.Errorf("billable %s at rank %d after a header: %v", c.Code, i, codesOf(res))
					}
				} else {
					headers++
				}
			}
			if billable == 0 || headers == 0 {
				t.Errorf("Search(%q): %d billable, %d headers; the test needs both", q, billable, headers)
			}
		})
	}
}

func TestSearchLimitAndErrors(t *testing.T) {
	ix := openIndex(t)
	ctx := context.Background()
	res, err := ix.Search(ctx, "pain", 3)
	if err != nil || len(res) != 3 {
		t.Errorf("Search(pain, 3) = %d results, %v", len(res), err)
	}
	res, err = ix.Search(ctx, "pain", 0)
	if err != nil || len(res) != icd10.DefaultLimit {
		t.Errorf("Search(pain, 0) = %d results, %v; want the default %d", len(res), err, icd10.DefaultLimit)
	}
	if _, err := ix.Search(ctx, "   ", 5); domain.ErrorCode(err) != domain.EInvalid {
		t.Errorf("empty search: %v, want EInvalid", err)
	}
	// FTS5 syntax in the query is taken as words, never as operators.
	for _, q := range []string{`"unbalanced`, "NEAR(a b)", "pain AND OR", "col:umn", "*", "-"} {
		if _, err := ix.Search(ctx, q, 5); err != nil {
			t.Errorf("Search(%q) = %v", q, err)
		}
	}
	res, err = ix.Search(ctx, "zzqxv", 5)
	if err != nil || len(res) != 0 {
		t.Errorf("Search(zzqxv) = %v, %v; want nothing", codesOf(res), err)
	}
}

func codesOf(cs []icd10.Code) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Code
	}
	return out
}
