package icd10_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"greffier/icd10"
)

// benchQueries builds a few hundred realistic searches: abbreviations (EN, FR), the
// first words of starter titles, and code prefixes.
func benchQueries(tb testing.TB) []string {
	tb.Helper()
	qs := []string{"HTN", "T2DM", "COPD", "URI", "UTI", "GERD", "CHF", "AFib", "CAD", "CKD", "OA",
		"MI", "PNA", "BPH", "OSA", "ADHD", "MDD", "GAD", "HLD", "TIA", "DVT", "PE", "HTA", "DT2",
		"BPCO", "IVRS", "infection urinaire", "RGO", "insuffisance cardiaque", "douleur genou droit",
		"uncontrolled HTN", "lombalgie", "chest pain", "knee pain right"}
	starter, err := icd10.StarterCodes()
	if err != nil {
		tb.Fatal(err)
	}
	for i, c := range starter {
		words := strings.Fields(c.Title)
		switch {
		case i%3 == 0:
			qs = append(qs, c.Code[:3])
		case len(words) >= 2:
			qs = append(qs, words[0]+" "+words[1])
		default:
			qs = append(qs, words[0])
		}
	}
	return qs
}

func runSearchBench(b *testing.B, ix *icd10.Index) {
	ctx := context.Background()
	qs := benchQueries(b)
	var lat []time.Duration
	for i := 0; i < b.N; i++ {
		for _, q := range qs {
			start := time.Now()
			if _, err := ix.Search(ctx, q, icd10.DefaultLimit); err != nil {
				b.Fatalf("Search(%q): %v", q, err)
			}
			lat = append(lat, time.Since(start))
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	var sum time.Duration
	for _, d := range lat {
		sum += d
	}
	b.ReportMetric(ms(sum/time.Duration(len(lat))), "ms/query")
	b.ReportMetric(ms(lat[len(lat)*50/100]), "p50-ms/query")
	b.ReportMetric(ms(lat[len(lat)*95/100]), "p95-ms/query")
	b.ReportMetric(float64(len(qs)), "queries/op")
}

// BenchmarkSearch times searches over the shipped starter set.
func BenchmarkSearch(b *testing.B) {
	ix := openIndex(b)
	b.ResetTimer()
	runSearchBench(b, ix)
}

// BenchmarkSearchFullSize times searches over a table the size of a full CDC release
// (about 75,000 codes). The CDC file cannot be downloaded here, so the rows are
// synthetic: each real category title with qualifiers in the style of the release.
func BenchmarkSearchFullSize(b *testing.B) {
	ix := openIndex(b)
	// The April 2026 categories, read from the shared evaluation data (tests only).
	shared := readSharedCategories(b)
	var cats []icd10.Code
	for code, title := range shared {
		cats = append(cats, icd10.Code{Code: code, Title: title})
	}
	qualifiers := []string{"unspecified", "right side", "left side", "bilateral", "initial encounter",
		"subsequent encounter", "sequela", "with complication", "without complication", "acute",
		"chronic", "recurrent", "in remission", "with hemorrhage", "without hemorrhage",
		"of upper limb", "of lower limb", "of trunk", "of head", "of neck", "mild", "moderate",
		"severe", "with obstruction", "without obstruction", "due to drug", "due to infection",
		"with coma", "without coma", "intractable", "not intractable", "with aura", "without aura",
		"with perforation", "without perforation", "with gangrene", "other specified", "elsewhere", "of unspecified site"}
	var sb strings.Builder
	order := 0
	for _, c := range cats {
		for j, q := range qualifiers {
			order++
			code := fmt.Sprintf("%s%c%03d", c.Code, 'A'+j%26, j)
			title := c.Title + ", " + q
			if len(title) > 60 {
				title = title[:60]
			}
			fmt.Fprintf(&sb, "%05d %-7s 1 %-60s %s, %s\n", order%100000, code, title, c.Title, q)
		}
	}
	start := time.Now()
	n, err := ix.Import(context.Background(), strings.NewReader(sb.String()))
	if err != nil {
		b.Fatal(err)
	}
	importTime := time.Since(start)
	b.ResetTimer() // also clears metrics reported so far: report the import's after
	runSearchBench(b, ix)
	b.ReportMetric(importTime.Seconds(), "import-s")
	b.ReportMetric(float64(n), "imported-codes")
}
