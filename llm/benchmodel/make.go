package benchmodel

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"greffier/llm/gguf"
	"greffier/llm/models"
)

// CacheDir is where bench models are kept: $GREFFIER_BENCH_MODELS, or
// ~/.cache/greffier/bench-models (they are GBs: never in the repository).
func CacheDir() (string, error) {
	if d := os.Getenv("GREFFIER_BENCH_MODELS"); d != "" {
		return d, nil
	}
	c, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("bench model cache: %w", err)
	}
	return filepath.Join(c, "greffier", "bench-models"), nil
}

// VocabSize is Llama 3's vocabulary: the learned tokens are padded to it so that the
// embedding and output layers have the real size (the output layer is a large part
// of a 1B model's work).
const VocabSize = 128256

// Made says how a model was obtained.
type Made struct {
	Path   string
	Cached bool // found in the cache, not made now
}

// Make returns the Q4_K_M model of shape with tokenizer tok in dir, making it if it
// is not there: F16 random weights written by llm/gguf next to it, quantized by
// llama-quantize with threads threads, then the F16 file is deleted. log, if set, is
// told what takes time.
func Make(ctx context.Context, dir string, shape models.Shape, tok *gguf.Tokenizer, threads int, log func(string)) (Made, error) {
	if log == nil {
		log = func(string) {}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Made{}, fmt.Errorf("bench model folder: %w", err)
	}
	final := filepath.Join(dir, fmt.Sprintf("random-%s-%s-q4_k_m.gguf", shape.Key, hash(tok)))
	if h, err := gguf.ReadHeaderFile(final); err == nil && h.Layers == shape.Layers {
		return Made{Path: final, Cached: true}, nil
	}
	quantize, err := exec.LookPath("llama-quantize")
	if err != nil {
		return Made{}, fmt.Errorf("llama-quantize (Debian: llama.cpp-tools): %w", err)
	}
	f16 := strings.TrimSuffix(final, "-q4_k_m.gguf") + "-f16.gguf.tmp"
	defer os.Remove(f16)
	cfg := gguf.Config{Layers: shape.Layers, Embed: shape.Embed, FF: shape.FF, Heads: shape.Heads, KVHeads: shape.KVHeads,
		Context: 131072, Seed: 1, Scale: 0.02, F16: true, RopeBase: 500000, Name: "greffier-random-" + shape.Name,
		Tokens: tok, VocabSize: VocabSize}
	log(fmt.Sprintf("writing %s F16 random weights (%s)", shape.Name, f16))
	if err := gguf.WriteFile(f16, cfg); err != nil {
		return Made{}, err
	}
	tmp := final + ".tmp"
	defer os.Remove(tmp)
	log(fmt.Sprintf("quantizing %s to Q4_K_M with %d threads", shape.Name, threads))
	cmd := exec.CommandContext(ctx, quantize, f16, tmp, "Q4_K_M", strconv.Itoa(max(1, threads)))
	if out, err := cmd.CombinedOutput(); err != nil {
		return Made{}, fmt.Errorf("llama-quantize %s: %w\n%s", shape.Name, err, tail(string(out), 2000))
	}
	if err := os.Rename(tmp, final); err != nil {
		return Made{}, fmt.Errorf("bench model: %w", err)
	}
	return Made{Path: final}, nil
}

// recipe changes when the way models are made changes, so that cached ones are
// made again.
const recipe = "2: control-token padding"

// hash names a tokenizer and the recipe, so that a cached model is only reused when
// it would be made the same.
func hash(tok *gguf.Tokenizer) string {
	h := sha256.New()
	h.Write([]byte(recipe))
	for _, list := range [][]string{tok.Tokens, tok.Merges} {
		for _, s := range list {
			h.Write([]byte(s))
			h.Write([]byte{0})
		}
		h.Write([]byte{1})
	}
	return hex.EncodeToString(h.Sum(nil))[:10]
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
