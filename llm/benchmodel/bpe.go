// Package benchmodel makes language models of real shapes with random weights for
// benchmarks: a byte-level BPE tokenizer learned on clinical dialogue (so that
// prompts count as many tokens as with a real model's tokenizer), F16 weights with
// the dimensions of Llama-3.2-1B, 3B or Llama-3.1-8B written by llm/gguf, quantized
// to Q4_K_M by llama.cpp's llama-quantize, and cached outside the repository. Their
// answers are meaningless; their speed and memory are a real model's.
package benchmodel

import (
	"container/heap"
	"strings"
	"unicode"

	"greffier/llm/gguf"
)

// ASCII folds text to the tokenizer's alphabet (printable ASCII, tab, newline):
// typographic quotes and dashes become their ASCII forms, other characters are
// dropped. The models' vocabulary has no other bytes, so that a random model under
// a grammar cannot write broken UTF-8.
func ASCII(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || (r >= 0x20 && r < 0x7f):
			return r
		case r == '\u2018' || r == '\u2019':
			return '\''
		case r == '\u201c' || r == '\u201d':
			return '"'
		case r == '\u2013' || r == '\u2014':
			return '-'
		case unicode.IsSpace(r):
			return ' '
		}
		return -1
	}, s)
}

// pretokenize splits ASCII text into the pieces BPE merges within, as Llama 3's
// pre-tokenizer ("llama-bpe") does: contractions, a word with the character before
// it (usually a space), numbers of up to three digits, punctuation runs with a
// space before them, and whitespace.
func pretokenize(s string) []string {
	var out []string
	letter := func(c byte) bool { return (c|0x20) >= 'a' && (c|0x20) <= 'z' }
	digit := func(c byte) bool { return c >= '0' && c <= '9' }
	space := func(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
	for i := 0; i < len(s); {
		j := i
		switch c := s[i]; {
		case c == '\'' && i+1 < len(s) && strings.ContainsRune("stmdSTMD", rune(s[i+1])):
			j = i + 2
		case c == '\'' && i+2 < len(s) && strings.Contains("re ve ll RE VE LL", strings.ToLower(s[i+1:i+3])):
			j = i + 3
		case letter(c) || (c != '\n' && c != '\r' && !digit(c) && i+1 < len(s) && letter(s[i+1])):
			j = i + 1
			for j < len(s) && letter(s[j]) {
				j++
			}
		case digit(c):
			for j < len(s) && j < i+3 && digit(s[j]) {
				j++
			}
		case !space(c) || (c == ' ' && i+1 < len(s) && !space(s[i+1]) && !letter(s[i+1]) && !digit(s[i+1])):
			j = i + 1
			for j < len(s) && !space(s[j]) && !letter(s[j]) && !digit(s[j]) {
				j++
			}
		default:
			for j < len(s) && space(s[j]) {
				j++
			}
			// A space before a word goes with the word.
			if j < len(s) && j-i > 1 && s[j-1] == ' ' {
				j--
			}
		}
		out = append(out, s[i:j])
		i = j
	}
	return out
}

// TrainTokenizer learns up to merges BPE merges on texts (folded to ASCII) and
// returns a gpt2 vocabulary: the byte tokens, the merged tokens, and the chat
// control tokens.
func TrainTokenizer(texts []string, merges int) *gguf.Tokenizer {
	base, types := gguf.Vocabulary()
	var controls []string
	var vocab []string
	id := map[string]int32{}
	for i, t := range base {
		if types[i] == 3 {
			controls = append(controls, t)
			continue
		}
		id[t] = int32(len(vocab))
		vocab = append(vocab, t)
	}
	counts := map[string]int{}
	for _, text := range texts {
		for _, w := range pretokenize(ASCII(text)) {
			counts[w]++
		}
	}
	t := &trainer{vocab: vocab, pairs: map[pair]int{}, where: map[pair]map[int]bool{}}
	t.h.vocab = &t.vocab
	for w, n := range counts {
		var syms []int32
		for i := 0; i < len(w); i++ {
			syms = append(syms, id[gguf.ByteToken(w[i])])
		}
		t.words = append(t.words, word{syms, n})
	}
	for wi := range t.words {
		t.count(wi, 1)
	}
	var rules []string
	for len(rules) < merges {
		p, ok := t.best()
		if !ok {
			break
		}
		rules = append(rules, t.vocab[p.a]+" "+t.vocab[p.b])
		t.merge(p)
	}
	tok := &gguf.Tokenizer{Tokens: t.vocab, Merges: rules, Pre: "llama-bpe"}
	for range t.vocab {
		tok.Types = append(tok.Types, 1)
	}
	for _, c := range controls {
		tok.Tokens = append(tok.Tokens, c)
		tok.Types = append(tok.Types, 3)
	}
	return tok
}

type pair struct{ a, b int32 }

type word struct {
	syms []int32
	n    int
}

// trainer keeps pair counts up to date as merges rewrite the words, and a heap of
// candidate pairs whose stale entries are skipped.
type trainer struct {
	vocab []string
	words []word
	pairs map[pair]int
	where map[pair]map[int]bool // words holding a pair
	h     pairHeap
}

func (t *trainer) count(wi int, sign int) {
	w := t.words[wi]
	for i := 0; i+1 < len(w.syms); i++ {
		p := pair{w.syms[i], w.syms[i+1]}
		t.pairs[p] += sign * w.n
		if sign > 0 {
			if t.where[p] == nil {
				t.where[p] = map[int]bool{}
			}
			t.where[p][wi] = true
		}
		heap.Push(&t.h, entry{p, t.pairs[p]})
	}
}

func (t *trainer) best() (pair, bool) {
	for t.h.Len() > 0 {
		e := heap.Pop(&t.h).(entry)
		if n := t.pairs[e.p]; n == e.n && n >= 2 {
			return e.p, true
		}
	}
	return pair{}, false
}

func (t *trainer) merge(p pair) {
	nt := int32(len(t.vocab))
	t.vocab = append(t.vocab, t.vocab[p.a]+t.vocab[p.b])
	for wi := range t.where[p] {
		t.count(wi, -1)
		w := &t.words[wi]
		out := w.syms[:0:0]
		for i := 0; i < len(w.syms); i++ {
			if i+1 < len(w.syms) && w.syms[i] == p.a && w.syms[i+1] == p.b {
				out = append(out, nt)
				i++
			} else {
				out = append(out, w.syms[i])
			}
		}
		w.syms = out
		t.count(wi, 1)
	}
	delete(t.where, p)
	delete(t.pairs, p)
}

type entry struct {
	p pair
	n int
}

// pairHeap puts the most frequent pair first; ties break on the spelling, so that
// training is deterministic.
type pairHeap struct {
	e     []entry
	vocab *[]string
}

func (h pairHeap) Len() int { return len(h.e) }
func (h pairHeap) Less(i, j int) bool {
	a, b := h.e[i], h.e[j]
	if a.n != b.n {
		return a.n > b.n
	}
	v := *h.vocab
	if v[a.p.a] != v[b.p.a] {
		return v[a.p.a] < v[b.p.a]
	}
	return v[a.p.b] < v[b.p.b]
}
func (h pairHeap) Swap(i, j int) { h.e[i], h.e[j] = h.e[j], h.e[i] }
func (h *pairHeap) Push(x any)   { h.e = append(h.e, x.(entry)) }
func (h *pairHeap) Pop() any {
	e := h.e[len(h.e)-1]
	h.e = h.e[:len(h.e)-1]
	return e
}
