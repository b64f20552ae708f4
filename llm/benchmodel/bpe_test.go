package benchmodel

import (
	"slices"
	"strings"
	"testing"
)

func TestPretokenize(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"Hello world", "Hello| world"},
		{"I've got 12345 pills.", "I|'ve| got| |123|45| pills|."},
		{"pain ,  fever?\nYes", "pain| ,| | fever|?|\n|Yes"},
		{"[3] doctor: ok", "[|3|]| doctor|:| ok"},
	} {
		if got := strings.Join(pretokenize(c.in), "|"); got != c.want {
			t.Errorf("pretokenize(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if got := ASCII("it’s “fine” – café\r\n"); got != "it's \"fine\" - caf \n" {
		t.Errorf("ASCII = %q", got)
	}
}

func TestTrainTokenizer(t *testing.T) {
	text := strings.Repeat("the patient has a cough and the patient has a fever. ", 20)
	tok := TrainTokenizer([]string{text}, 20)
	if len(tok.Merges) != 20 || len(tok.Tokens) != len(tok.Types) || tok.Pre != "llama-bpe" {
		t.Fatalf("%d merges, %d tokens, %d types, pre %q", len(tok.Merges), len(tok.Tokens), len(tok.Types), tok.Pre)
	}
	// The most frequent pieces become whole tokens, spelled as gpt2 does (Ġ = space).
	for _, want := range []string{"Ġpatient", "Ġthe"} {
		if !slices.Contains(tok.Tokens, want) {
			t.Errorf("no token %q in %q", want, tok.Tokens[98:])
		}
	}
	if tok.Types[len(tok.Types)-1] != 3 || tok.Tokens[len(tok.Tokens)-1] != "<|endoftext|>" {
		t.Error("the control tokens must come last")
	}
	again := TrainTokenizer([]string{text}, 20)
	if !slices.Equal(tok.Merges, again.Merges) {
		t.Error("training is not deterministic")
	}
}
