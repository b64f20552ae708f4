// Package models manages the GGUF language models llama-server runs: it reads their
// headers, plans the server's memory (context size, KV cache type, load mode) from
// the model and the machine's RAM, refuses what cannot fit, says which model sizes
// fit a machine, and keeps the user's models in a folder (import with checks, list,
// remove, suggest).
package models

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"

	"greffier/domain"
	"greffier/llm/gguf"
)

const (
	mib = 1 << 20
	gib = 1 << 30
)

// DefaultContext is the context the server gets when the caller does not size it:
// a 30-minute consultation is about 8,000 tokens of transcript, plus the
// instructions and a note. The trained context of current models (128k for Llama 3)
// would cost gigabytes of KV cache for nothing.
const DefaultContext = 12288

// MinContext is the smallest useful context: below it the drafter would cut a
// short consultation into many parts.
const MinContext = 2048

// ContextFor is the context for a prompt of promptTokens and an answer of up to
// answerTokens, with a margin, rounded up to 1,024 tokens.
func ContextFor(promptTokens, answerTokens int) int {
	n := promptTokens + answerTokens + 256
	return max(MinContext, (n+1023)/1024*1024)
}

// Plan is how to run llama-server on a model on this machine.
type Plan struct {
	Context   int    // -c, tokens
	CacheType string // -ctk/-ctv: "q8_0" where the head size allows it, else "f16"
	// LoadMode is llama-server's --load-mode: "mmap" (pages shared with the file
	// cache, loads fast) or "mmap+mlock" when the model is large for the machine and
	// must not be paged out mid-draft.
	LoadMode string
	Need     Need
	// Reduced is set when the context had to be smaller than asked to fit in RAM
	// (the drafter then drafts long transcripts in parts).
	Reduced bool
}

// Need is the memory a server needs, in bytes.
type Need struct {
	Weights uint64 // the model's tensors
	KV      uint64 // the KV cache at the planned context
	Compute uint64 // llama.cpp's work buffers and the process itself (estimate)
}

// Total is the sum.
func (n Need) Total() uint64 { return n.Weights + n.KV + n.Compute }

// Request is what the caller wants.
type Request struct {
	// Context in tokens; 0: DefaultContext. Capped at the model's trained context.
	Context int
	// CacheType forces the KV cache type ("f16", "q8_0"); "": chosen for memory.
	CacheType string
	// Budget is the memory the server may use, in bytes; 0: Budget(MemInfo()).
	Budget uint64
}

// PlanFor plans a server for the model with header h. A model that cannot fit the
// budget even with the smallest context is refused with a *domain.Error
// (EUnavailable) that says how much it needs.
func PlanFor(h gguf.Header, req Request) (Plan, error) {
	if h.Layers <= 0 || h.Embed <= 0 {
		return Plan{}, domain.Errorf(domain.EInvalid, "the GGUF header lacks the model's dimensions (architecture %q)", h.Architecture)
	}
	budget := req.Budget
	if budget == 0 {
		budget = Budget(MemInfo())
	}
	if budget == 0 {
		budget = math.MaxUint64 // memory unknown (not Linux): llama-server will say
	}
	p := Plan{Context: req.Context, CacheType: req.CacheType, LoadMode: "mmap"}
	if p.Context <= 0 {
		p.Context = DefaultContext
	}
	if h.Context > 0 && p.Context > h.Context {
		p.Context = h.Context
	}
	if p.CacheType == "" {
		p.CacheType = "f16"
		// q8_0 halves the cache; llama.cpp needs the head size to be a multiple of
		// its 32-value block.
		if h.HeadDim > 0 && h.HeadDim%32 == 0 {
			p.CacheType = "q8_0"
		}
	}
	need := func(ctx int) Need {
		return Need{Weights: h.TensorBytes, KV: KVBytes(h, ctx, p.CacheType), Compute: computeBytes(h, ctx)}
	}
	p.Need = need(p.Context)
	for p.Need.Total() > budget && p.Context > MinContext {
		p.Context = max(MinContext, p.Context/2/1024*1024)
		p.Reduced = true
		p.Need = need(p.Context)
	}
	if p.Need.Total() > budget {
		return Plan{}, domain.Errorf(domain.EUnavailable,
			"the model needs about %s of memory (%s of weights) and this machine can give it %s: choose a smaller model or a stronger quantization",
			GiB(p.Need.Total()), GiB(p.Need.Weights), GiB(budget))
	}
	// A model that takes more than half the budget would be paged out under memory
	// pressure and reloaded from disk mid-draft: lock it.
	if p.Need.Weights > budget/2 {
		p.LoadMode = "mmap+mlock"
	}
	return p, nil
}

// KVBytes is the KV cache size for ctx tokens: K and V, for every layer, of the KV
// heads' width.
func KVBytes(h gguf.Header, ctx int, cacheType string) uint64 {
	per := uint64(h.KVHeads * h.HeadDim)
	elems := 2 * uint64(h.Layers) * uint64(ctx) * per
	switch cacheType {
	case "q8_0":
		return elems * 34 / 32
	case "q4_0":
		return elems * 18 / 32
	case "f32":
		return elems * 4
	}
	return elems * 2
}

// computeBytes estimates llama.cpp's work buffers: the logits of a 512-token batch
// dominate for large vocabularies, then the batch's activations; plus the process
// (libraries, tokenizer, HTTP server). Measured on the 1B shape at 12k context
// (bench): about 0.6 GiB over the weights and cache.
func computeBytes(h gguf.Header, ctx int) uint64 {
	const ubatch = 512
	logits := uint64(ubatch) * uint64(max(h.Vocab, 32000)) * 4
	acts := uint64(ubatch) * uint64(4*h.Embed+2*h.FF) * 4
	attn := uint64(ubatch) * uint64(ctx) * 4 // flash attention keeps this small; its scratch scales with the context
	return logits + acts + attn + 200*mib
}

// Budget is the memory a server may use: what is available now, less a reserve for
// the app, whisper and the desktop (1 GiB, or a quarter of the total on small
// machines). 0 when the memory is unknown; 1 byte when nothing is left.
func Budget(total, available uint64) uint64 {
	if total == 0 {
		return 0
	}
	if available == 0 {
		available = total
	}
	reserve := max(uint64(gib), total/4)
	if available <= reserve {
		return 1
	}
	return available - reserve
}

// MemInfo returns the machine's total and available memory in bytes (Linux
// /proc/meminfo); zeros when unknown.
func MemInfo() (total, available uint64) {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0, 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 {
			continue
		}
		kb, err := strconv.ParseUint(fields[1], 10, 64)
		if err != nil {
			continue
		}
		switch fields[0] {
		case "MemTotal:":
			total = kb * 1024
		case "MemAvailable:":
			available = kb * 1024
		}
	}
	return total, available
}

// GiB formats bytes as "1.2 GiB".
func GiB(b uint64) string { return fmt.Sprintf("%.1f GiB", float64(b)/gib) }
