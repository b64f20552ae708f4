package gguf_test

import (
	"bytes"
	"encoding/binary"
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
