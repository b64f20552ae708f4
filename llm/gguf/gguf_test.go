package gguf_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"greffier/llm/gguf"
)

// The model's loading by llama-server is tested in llm and llamaserver; this
// checks the file's structure.
func TestHeader(t *testing.T) {
	var buf bytes.Buffer
	cfg := gguf.Tiny()
	if err := gguf.Write(&buf, cfg); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	if string(b[:4]) != "GGUF" || binary.LittleEndian.Uint32(b[4:]) != 3 {
		t.Fatalf("magic/version = %q %d", b[:4], binary.LittleEndian.Uint32(b[4:]))
	}
	if n := binary.LittleEndian.Uint64(b[8:]); n != uint64(3+9*cfg.Layers) {
		t.Errorf("tensors = %d, want %d", n, 3+9*cfg.Layers)
	}
	for _, key := range []string{"general.architecture", "llama.block_count", "tokenizer.ggml.tokens", "tokenizer.ggml.merges", "tokenizer.chat_template", "<|im_end|>"} {
		if !bytes.Contains(b, []byte(key)) {
			t.Errorf("no %q in the file", key)
		}
	}
	if len(b)%32 != 0 || len(b) < 300<<10 || len(b) > 600<<10 {
		t.Errorf("size %d: want ~400 KB, 32-byte aligned", len(b))
	}
	var again bytes.Buffer
	if err := gguf.Write(&again, cfg); err != nil || !bytes.Equal(b, again.Bytes()) {
		t.Error("same seed, different file")
	}
	if err := gguf.Write(&again, gguf.Config{Embed: 10, Heads: 3}); err == nil {
		t.Error("a bad config was written")
	}
}

func TestVocabulary(t *testing.T) {
	tokens, types := gguf.Vocabulary()
	if len(tokens) != 95+3+3 || len(types) != len(tokens) {
		t.Fatalf("%d tokens, %d types", len(tokens), len(types))
	}
	// gpt2 spells space, \n and \t with its shifted runes.
	want := map[string]bool{"\u0120": true, "\u010a": true, "\u0109": true, "\u010d": true, "a": true, "~": true, "<|im_start|>": true}
	for _, tok := range tokens {
		delete(want, tok)
	}
	if len(want) > 0 {
		t.Errorf("missing tokens %v", want)
	}
	if types[len(types)-1] != 3 || types[0] != 1 {
		t.Errorf("types: first %d last %d", types[0], types[len(types)-1])
	}
}

func TestReadHeader(t *testing.T) {
	tok, types := gguf.Vocabulary()
	cases := []struct {
		name string
		cfg  gguf.Config
		q    string
	}{
		{"tiny F32", gguf.Tiny(), "F32"},
		{"GQA F16 padded", gguf.Config{Layers: 3, Embed: 128, FF: 256, Heads: 8, KVHeads: 2, Context: 4096, Seed: 2, Scale: 0.02,
			F16: true, RopeBase: 500000, Name: "shape", VocabSize: 300, Tokens: &gguf.Tokenizer{Tokens: tok, Types: types, Merges: []string{"a b"}}}, "F16"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := gguf.Write(&buf, c.cfg); err != nil {
				t.Fatal(err)
			}
			h, err := gguf.ReadHeader(bytes.NewReader(buf.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			kv := c.cfg.KVHeads
			if kv == 0 {
				kv = c.cfg.Heads
			}
			vocab := max(len(tok), c.cfg.VocabSize)
			ne, nf, nkv := uint64(c.cfg.Embed), uint64(c.cfg.FF), uint64(c.cfg.Embed/c.cfg.Heads*kv)
			params := 2*ne*uint64(vocab) + ne + uint64(c.cfg.Layers)*(2*ne+2*ne*ne+2*ne*nkv+3*ne*nf)
			if h.Architecture != "llama" || h.Layers != c.cfg.Layers || h.Embed != c.cfg.Embed || h.FF != c.cfg.FF ||
				h.Heads != c.cfg.Heads || h.KVHeads != kv || h.Context != c.cfg.Context || h.Vocab != vocab ||
				h.HeadDim != c.cfg.Embed/c.cfg.Heads || h.Params != params || h.Quantization() != c.q {
				t.Errorf("header %+v (%s), want params %d vocab %d", h, h.Quantization(), params, vocab)
			}
			if h.TensorBytes > uint64(buf.Len()) || h.TensorBytes < uint64(buf.Len())*8/10 {
				t.Errorf("tensor bytes %d of a %d-byte file", h.TensorBytes, buf.Len())
			}
		})
	}
	for _, bad := range [][]byte{nil, []byte("GGML...."), []byte("GGUF\x03\x00\x00\x00\xff\xff\xff\xff\xff\xff\xff\xff\x00\x00\x00\x00\x00\x00\x00\x00")} {
		if _, err := gguf.ReadHeader(bytes.NewReader(bad)); !errors.Is(err, gguf.ErrNotGGUF) {
			t.Errorf("ReadHeader(%q) = %v, want ErrNotGGUF", bad, err)
		}
	}
}
