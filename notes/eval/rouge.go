// Package eval measures drafts against reference notes from public data sets
// (ACI-Bench, MTS-Dialog): ROUGE, section coverage, medication recall and evidence
// coverage, for the extractive drafter and a copy-the-transcript baseline.
package eval

import (
	"strings"
	"unicode"
)

// RougeDefinition names the implementation, for reports.
const RougeDefinition = "ROUGE-1/2: clipped n-gram overlap; ROUGE-L: longest common subsequence over the whole text " +
	"(Lin 2004, not the per-sentence ROUGE-Lsum); F1 per example, macro-averaged. " +
	"Tokens: lower-cased runs of Unicode letters and digits; no stemming, no stopword removal."

// Tokenize lower-cases s and returns its runs of letters and digits.
func Tokenize(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

// Score is precision, recall and F1.
type Score struct{ P, R, F float64 }

func score(overlap, candN, refN int) Score {
	if overlap == 0 || candN == 0 || refN == 0 {
		return Score{}
	}
	p := float64(overlap) / float64(candN)
	r := float64(overlap) / float64(refN)
	return Score{P: p, R: r, F: 2 * p * r / (p + r)}
}

// RougeN scores candidate against reference on n-grams; each n-gram counts at most
// as many times as it occurs in the other text.
func RougeN(ref, cand []string, n int) Score {
	refGrams := ngrams(ref, n)
	candGrams := ngrams(cand, n)
	overlap, candN, refN := 0, 0, 0
	for _, c := range refGrams {
		refN += c
	}
	for g, c := range candGrams {
		candN += c
		overlap += min(c, refGrams[g])
	}
	return score(overlap, candN, refN)
}

func ngrams(toks []string, n int) map[string]int {
	m := map[string]int{}
	for i := 0; i+n <= len(toks); i++ {
		m[strings.Join(toks[i:i+n], "\x00")]++
	}
	return m
}

// RougeL scores candidate against reference by their longest common subsequence.
func RougeL(ref, cand []string) Score {
	return score(lcs(ref, cand), len(cand), len(ref))
}

// lcs is the classic dynamic programme in O(len(a)·len(b)) time and O(len(b)) memory.
func lcs(a, b []string) int {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	// Intern tokens so the inner loop compares ints.
	ids := map[string]int{}
	id := func(s string) int {
		if v, ok := ids[s]; ok {
			return v
		}
		ids[s] = len(ids)
		return len(ids) - 1
	}
	ai := make([]int, len(a))
	for i, s := range a {
		ai[i] = id(s)
	}
	bi := make([]int, len(b))
	for i, s := range b {
		bi[i] = id(s)
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for i := range ai {
		for j := range bi {
			switch {
			case ai[i] == bi[j]:
				cur[j+1] = prev[j] + 1
			case prev[j+1] >= cur[j]:
				cur[j+1] = prev[j+1]
			default:
				cur[j+1] = cur[j]
			}
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
