package models

import (
	"fmt"
	"strings"

	"greffier/llm/gguf"
)

// Shape is a reference model size: the dimensions of a well-known model, quantized
// to Q4_K_M, the usual choice on a laptop CPU.
type Shape struct {
	Key     string // "1b", "3b", "8b"
	Name    string // the model whose dimensions it has
	Layers  int
	Embed   int
	FF      int
	Heads   int
	KVHeads int
	Vocab   int
	// Q4KMBytes is the Q4_K_M file's size as llama-quantize writes it: 0.90 and
	// 2.08 GiB measured for 1B and 3B on random weights of these shapes
	// (../shared/notes/bench-models.md); 8B from the 3B's bytes per parameter.
	Q4KMBytes uint64
}

// Shapes are the reference sizes, smallest first.
func Shapes() []Shape {
	return []Shape{
		{"1b", "Llama-3.2-1B", 16, 2048, 8192, 32, 8, 128256, 922 * mib},
		{"3b", "Llama-3.2-3B", 28, 3072, 8192, 24, 8, 128256, 2130 * mib},
		{"8b", "Llama-3.1-8B", 32, 4096, 14336, 32, 8, 128256, 4740 * mib},
	}
}

// Header is what the shape's GGUF header would say.
func (s Shape) Header() gguf.Header {
	return gguf.Header{Architecture: "llama", Name: s.Name, FileType: 15, Context: 131072, Embed: s.Embed,
		Layers: s.Layers, FF: s.FF, Heads: s.Heads, KVHeads: s.KVHeads, HeadDim: s.Embed / s.Heads,
		Vocab: s.Vocab, TensorBytes: s.Q4KMBytes}
}

// Fit says whether a reference size fits a machine.
type Fit struct {
	Shape Shape
	Need  uint64 // bytes at DefaultContext
	Fits  bool
	// Context is the context it would get (smaller than DefaultContext when memory
	// is short); 0 when it does not fit.
	Context int
}

// Fits says which reference sizes fit a memory budget (Budget(MemInfo()) for this
// machine), for doctor and Settings.
func Fits(budget uint64) []Fit {
	var out []Fit
	for _, s := range Shapes() {
		f := Fit{Shape: s}
		want, _ := PlanFor(s.Header(), Request{Budget: ^uint64(0)})
		f.Need = want.Need.Total()
		if p, err := PlanFor(s.Header(), Request{Budget: budget}); err == nil {
			f.Fits, f.Context = true, p.Context
		}
		out = append(out, f)
	}
	return out
}

// FitHere is Fits for this machine's available memory.
func FitHere() []Fit { return Fits(Budget(MemInfo())) }

// Summary says in one line which sizes fit, e.g. "1B and 3B fit (Q4_K_M); 8B needs
// 6.1 GiB": for doctor and Settings.
func Summary(fits []Fit) string {
	var yes, no []string
	for _, f := range fits {
		name := strings.ToUpper(f.Shape.Key)
		if f.Fits {
			if f.Context < DefaultContext {
				name += fmt.Sprintf(" (context cut to %d)", f.Context)
			}
			yes = append(yes, name)
		} else {
			no = append(no, fmt.Sprintf("%s needs %s", name, GiB(f.Need)))
		}
	}
	var parts []string
	if len(yes) > 0 {
		parts = append(parts, strings.Join(yes, ", ")+" fit (Q4_K_M)")
	} else {
		parts = append(parts, "no language model of 1B or more fits the memory available")
	}
	if len(no) > 0 {
		parts = append(parts, strings.Join(no, ", "))
	}
	return strings.Join(parts, "; ")
}
