package benchmodel_test

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"greffier/llm/benchmodel"
	"greffier/llm/gguf"
	"greffier/llm/llamaserver"
	"greffier/llm/llmtest"
	"greffier/llm/models"
)

// The whole recipe on a small shape: a learned tokenizer, F16 weights, Q4_K_M by the
// real llama-quantize, loaded by the real llama-server, whose tokenizer then counts
// the text in words rather than characters.
func TestMakeSmallShape(t *testing.T) {
	llmtest.RequireServer(t)
	if _, err := exec.LookPath("llama-quantize"); err != nil {
		t.Skip("llama-quantize is not on PATH (Debian llama.cpp-tools; run in the build root)")
	}
	text := strings.Repeat("The patient reports a dry cough and a mild fever since Monday. ", 30)
	tok := benchmodel.TrainTokenizer([]string{text}, 200)
	shape := models.Shape{Key: "small", Name: "small", Layers: 1, Embed: 256, FF: 512, Heads: 4, KVHeads: 2}
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	made, err := benchmodel.Make(ctx, dir, shape, tok, 1, func(s string) { t.Log(s) })
	if err != nil {
		t.Fatal(err)
	}
	h, err := gguf.ReadHeaderFile(made.Path)
	if err != nil || h.Quantization() != "Q4_K_M" || h.Vocab != benchmodel.VocabSize || h.KVHeads != 2 || made.Cached {
		t.Fatalf("made %+v: header %+v (%s), %v", made, h, h.Quantization(), err)
	}
	if again, err := benchmodel.Make(ctx, dir, shape, tok, 1, nil); err != nil || !again.Cached || again.Path != made.Path {
		t.Errorf("second Make = %+v, %v: want the cached file", again, err)
	}
	srv := llmtest.Start(t, llamaserver.Config{Model: made.Path, ContextSize: 2048})
	n, err := llmtest.Client(srv).Tokenize(ctx, text[:200])
	if err != nil {
		t.Fatal(err)
	}
	if ratio := 200 / float64(n); ratio < 3 {
		t.Errorf("%d tokens for 200 characters (%.1f chars/token): the merges are not used", n, ratio)
	}
}
