// Package gguf writes llama-architecture GGUF models with random weights and reads
// GGUF headers. The tiny model loads in llama-server in milliseconds and runs the
// real inference path, so tests exercise the real server without downloading
// weights; what it generates is meaningless, but under a JSON-schema grammar it is
// still valid JSON. Models of real shapes (Llama-3.2-1B, 3B, 8B) written in F16 and
// quantized by llama-quantize time the real engine as trained weights would: the
// work depends on the shape, not on the values.
//
// The vocabulary is a gpt2 one of printable ASCII plus \t \n \r and three chatml
// control tokens. A full byte-level vocabulary would let random weights emit broken
// UTF-8, which makes most constrained requests fail with HTTP 500.
package gguf

import (
	"bufio"
	"cmp"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"slices"
)

// Config sizes the model. The zero value is not usable; start from Tiny().
type Config struct {
	Layers  int     // transformer blocks
	Embed   int     // embedding width
	FF      int     // feed-forward width
	Heads   int     // attention heads (Embed must divide by it)
	Context int     // trained context length (llama-server's default n_ctx)
	Seed    uint64  // weights are reproducible for a seed
	Scale   float32 // weights are uniform in [-Scale, Scale] (F32), or normal with std Scale (F16)

	// The fields below are for models of real shapes; their zero values give Tiny's.
	KVHeads  int        // grouped-query attention heads; 0: Heads
	F16      bool       // F16 weights (norms stay F32), as llama-quantize expects
	RopeBase float32    // rope.freq_base; 0: the file does not say (llama.cpp's 10000)
	Name     string     // general.name; "": greffier-random-tiny
	Tokens   *Tokenizer // nil: Vocabulary()
	// VocabSize pads the vocabulary with control tokens up to this size, so that the
	// embedding and output layers have the real model's size; 0: no padding. They
	// are control tokens because a grammar rejects those at once: a random model's
	// tokens mostly break the grammar, and llama.cpp then checks every token of the
	// vocabulary, which for 120k unused text tokens made generation 20 times slower
	// than a trained model's.
	VocabSize int
}

// Tokenizer is a gpt2 (byte-level BPE) vocabulary: tokens in gpt2 byte spelling,
// their types, and the merges in rank order ("a b").
type Tokenizer struct {
	Tokens []string
	Types  []int32
	Merges []string
	// Pre names llama.cpp's pre-tokenizer (tokenizer.ggml.pre); "": "default".
	Pre string
}

// Tiny is the test model: 2 layers, 64 wide, a 16k-token context (~400 KB): its
// tokens are single characters, so prompts take as many tokens as bytes.
func Tiny() Config {
	return Config{Layers: 2, Embed: 64, FF: 128, Heads: 4, Context: 16384, Seed: 1, Scale: 0.5}
}

// Control tokens, after the byte tokens.
const (
	ImStart    = "<|im_start|>"
	ImEnd      = "<|im_end|>"
	EndOfText  = "<|endoftext|>"
	chatMLTmpl = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)

// Vocabulary returns the model's tokens in gpt2 byte-level spelling and their types
// (1 normal, 3 control).
func Vocabulary() (tokens []string, types []int32) {
	var bytes []byte
	bytes = append(bytes, '\t', '\n', '\r')
	for b := byte(0x20); b < 0x7f; b++ {
		bytes = append(bytes, b)
	}
	for _, b := range bytes {
		tokens = append(tokens, string(byteRune(b)))
		types = append(types, 1)
	}
	for _, c := range []string{ImStart, ImEnd, EndOfText} {
		tokens = append(tokens, c)
		types = append(types, 3)
	}
	return tokens, types
}

// ByteToken is the byte's token in gpt2's byte-level spelling (a space is "Ġ").
func ByteToken(b byte) string { return string(byteRune(b)) }

// byteRune is gpt2's reversible byte→rune mapping: printable Latin-1 bytes stand for
// themselves, the others are shifted to U+0100 and up in byte order.
func byteRune(b byte) rune {
	printable := func(c int) bool {
		return (c >= '!' && c <= '~') || (c >= 0xA1 && c <= 0xAC) || (c >= 0xAE && c <= 0xFF)
	}
	if printable(int(b)) {
		return rune(b)
	}
	n := 0
	for c := 0; c < int(b); c++ {
		if !printable(c) {
			n++
		}
	}
	return rune(256 + n)
}

// WriteFile writes the model to path.
func WriteFile(path string, cfg Config) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("create gguf %s: %w", path, err)
	}
	if err := Write(f, cfg); err != nil {
		f.Close()
		return fmt.Errorf("write gguf %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close gguf %s: %w", path, err)
	}
	return nil
}

type tensor struct {
	name string
	dims []uint64 // ggml order: dims[0] is the fastest-varying
}

func (t tensor) elems() uint64 {
	n := uint64(1)
	for _, d := range t.dims {
		n *= d
	}
	return n
}

const alignment = 32

// Write writes a GGUF v3 file for cfg to w.
func Write(w io.Writer, cfg Config) error {
	if cfg.KVHeads == 0 {
		cfg.KVHeads = cfg.Heads
	}
	if cfg.Layers <= 0 || cfg.Embed <= 0 || cfg.FF <= 0 || cfg.Heads <= 0 || cfg.Embed%cfg.Heads != 0 || cfg.Context <= 0 ||
		cfg.KVHeads <= 0 || cfg.Heads%cfg.KVHeads != 0 {
		return fmt.Errorf("gguf: bad config %+v", cfg)
	}
	tok := cfg.Tokens
	if tok == nil {
		tokens, types := Vocabulary()
		tok = &Tokenizer{Tokens: tokens, Types: types, Merges: []string{}}
	}
	tokens, types := tok.Tokens, tok.Types
	if len(tokens) < cfg.VocabSize {
		tokens, types = slices.Clone(tokens), slices.Clone(types)
		for i := len(tokens); i < cfg.VocabSize; i++ {
			tokens = append(tokens, fmt.Sprintf("<|unused_%d|>", i))
			types = append(types, 3) // control
		}
	}
	nv, ne, nf := uint64(len(tokens)), uint64(cfg.Embed), uint64(cfg.FF)
	nkv := ne / uint64(cfg.Heads) * uint64(cfg.KVHeads)
	tensors := []tensor{{"token_embd.weight", []uint64{ne, nv}}, {"output_norm.weight", []uint64{ne}}, {"output.weight", []uint64{ne, nv}}}
	for i := 0; i < cfg.Layers; i++ {
		p := fmt.Sprintf("blk.%d.", i)
		tensors = append(tensors,
			tensor{p + "attn_norm.weight", []uint64{ne}},
			tensor{p + "attn_q.weight", []uint64{ne, ne}},
			tensor{p + "attn_k.weight", []uint64{ne, nkv}},
			tensor{p + "attn_v.weight", []uint64{ne, nkv}},
			tensor{p + "attn_output.weight", []uint64{ne, ne}},
			tensor{p + "ffn_norm.weight", []uint64{ne}},
			tensor{p + "ffn_gate.weight", []uint64{ne, nf}},
			tensor{p + "ffn_down.weight", []uint64{nf, ne}},
			tensor{p + "ffn_up.weight", []uint64{ne, nf}},
		)
	}

	eot, imEnd := int32(slices.Index(tokens, EndOfText)), int32(slices.Index(tokens, ImEnd))
	if eot < 0 || imEnd < 0 {
		return fmt.Errorf("gguf: the vocabulary lacks %s or %s", EndOfText, ImEnd)
	}
	name, ftype := cfg.Name, uint32(0)
	if name == "" {
		name = "greffier-random-tiny"
	}
	if cfg.F16 {
		ftype = 1
	}
	kv := []struct {
		key string
		val any
	}{
		{"general.architecture", "llama"},
		{"general.name", name},
		{"general.alignment", uint32(alignment)},
		{"general.file_type", ftype},
		{"llama.context_length", uint32(cfg.Context)},
		{"llama.embedding_length", uint32(cfg.Embed)},
		{"llama.block_count", uint32(cfg.Layers)},
		{"llama.feed_forward_length", uint32(cfg.FF)},
		{"llama.attention.head_count", uint32(cfg.Heads)},
		{"llama.attention.head_count_kv", uint32(cfg.KVHeads)},
		{"llama.rope.dimension_count", uint32(cfg.Embed / cfg.Heads)},
		{"llama.attention.layer_norm_rms_epsilon", float32(1e-5)},
		{"tokenizer.ggml.model", "gpt2"},
		{"tokenizer.ggml.pre", cmp.Or(tok.Pre, "default")},
		{"tokenizer.ggml.tokens", tokens},
		{"tokenizer.ggml.token_type", types},
		{"tokenizer.ggml.merges", tok.Merges},
		{"tokenizer.ggml.bos_token_id", uint32(eot)},
		{"tokenizer.ggml.eos_token_id", uint32(imEnd)}, // <|im_end|> ends a chat turn
		{"tokenizer.ggml.padding_token_id", uint32(eot)},
		{"tokenizer.ggml.add_bos_token", false},
		{"tokenizer.chat_template", chatMLTmpl},
	}
	if cfg.RopeBase > 0 {
		kv = append(kv, struct {
			key string
			val any
		}{"llama.rope.freq_base", cfg.RopeBase})
	}

	bw := bufio.NewWriter(w)
	e := &enc{w: bw}
	e.raw([]byte("GGUF"))
	e.u32(3)
	e.u64(uint64(len(tensors)))
	e.u64(uint64(len(kv)))
	for _, p := range kv {
		e.str(p.key)
		e.value(p.val)
	}
	var off uint64
	for _, t := range tensors {
		e.str(t.name)
		e.u32(uint32(len(t.dims)))
		for _, d := range t.dims {
			e.u64(d)
		}
		typ, size := t.storage(cfg.F16)
		e.u32(typ)
		e.u64(off)
		off += pad(t.elems() * size)
	}
	e.zeros(pad(e.n) - e.n)

	rng := rand.New(rand.NewPCG(cfg.Seed, 0x67726566))
	var halves *[1 << 16]uint16
	if cfg.F16 {
		halves = normalHalves(rng, cfg.Scale)
	}
	for _, t := range tensors {
		norm := len(t.dims) == 1
		_, size := t.storage(cfg.F16)
		switch {
		case norm:
			for i := uint64(0); i < t.elems(); i++ {
				e.u32(math.Float32bits(1))
			}
		case cfg.F16:
			e.randomHalves(rng, halves, t.elems())
		default:
			for i := uint64(0); i < t.elems(); i++ {
				e.u32(math.Float32bits((rng.Float32()*2 - 1) * cfg.Scale))
			}
		}
		e.zeros(pad(t.elems()*size) - t.elems()*size)
	}
	if e.err != nil {
		return e.err
	}
	return bw.Flush()
}

// storage is the tensor's ggml type and bytes per element: norms stay F32.
func (t tensor) storage(f16 bool) (uint32, uint64) {
	if f16 && len(t.dims) > 1 {
		return 1, 2 // GGML_TYPE_F16
	}
	return 0, 4 // GGML_TYPE_F32
}

// normalHalves draws a table of F16 values from a normal distribution with the given
// standard deviation; weights are picked from it at random, which is much faster
// than drawing each of billions of weights and just as good for timing.
func normalHalves(rng *rand.Rand, std float32) *[1 << 16]uint16 {
	var t [1 << 16]uint16
	for i := range t {
		t[i] = toHalf(float32(rng.NormFloat64()) * std)
	}
	return &t
}

// randomHalves writes n F16 values picked at random from the table.
func (e *enc) randomHalves(rng *rand.Rand, table *[1 << 16]uint16, n uint64) {
	buf := make([]byte, 1<<16)
	for n > 0 && e.err == nil {
		k := min(n, uint64(len(buf)/2))
		for i := uint64(0); i < k; i += 4 {
			r := rng.Uint64()
			for j := uint64(0); j < 4 && i+j < k; j++ {
				binary.LittleEndian.PutUint16(buf[2*(i+j):], table[uint16(r>>(16*j))])
			}
		}
		e.raw(buf[:2*k])
		n -= k
	}
}

// toHalf converts a small float32 to IEEE half precision (values here are far from
// the half range's limits; subnormals flush to zero).
func toHalf(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int((b>>23)&0xff) - 127 + 15
	mant := (b >> 13) & 0x3ff
	switch {
	case exp <= 0:
		return sign
	case exp >= 31:
		return sign | 0x7c00
	}
	return sign | uint16(exp)<<10 | uint16(mant)
}

func pad(n uint64) uint64 { return (n + alignment - 1) / alignment * alignment }

// enc writes little-endian GGUF primitives and remembers the first error.
type enc struct {
	w   io.Writer
	n   uint64
	err error
	buf [8]byte
}

func (e *enc) raw(b []byte) {
	if e.err != nil {
		return
	}
	k, err := e.w.Write(b)
	e.n += uint64(k)
	e.err = err
}

func (e *enc) u32(v uint32) { binary.LittleEndian.PutUint32(e.buf[:4], v); e.raw(e.buf[:4]) }
func (e *enc) u64(v uint64) { binary.LittleEndian.PutUint64(e.buf[:8], v); e.raw(e.buf[:8]) }
func (e *enc) str(s string) { e.u64(uint64(len(s))); e.raw([]byte(s)) }
func (e *enc) zeros(n uint64) {
	if n > 0 {
		e.raw(make([]byte, n))
	}
}

// GGUF value types.
const (
	tUint32  = 4
	tInt32   = 5
	tFloat32 = 6
	tBool    = 7
	tString  = 8
	tArray   = 9
)

func (e *enc) value(v any) {
	switch x := v.(type) {
	case uint32:
		e.u32(tUint32)
		e.u32(x)
	case float32:
		e.u32(tFloat32)
		e.u32(math.Float32bits(x))
	case bool:
		e.u32(tBool)
		b := byte(0)
		if x {
			b = 1
		}
		e.raw([]byte{b})
	case string:
		e.u32(tString)
		e.str(x)
	case []string:
		e.u32(tArray)
		e.u32(tString)
		e.u64(uint64(len(x)))
		for _, s := range x {
			e.str(s)
		}
	case []int32:
		e.u32(tArray)
		e.u32(tInt32)
		e.u64(uint64(len(x)))
		for _, n := range x {
			e.u32(uint32(n))
		}
	default:
		e.err = fmt.Errorf("gguf: unsupported value type %T", v)
	}
}
