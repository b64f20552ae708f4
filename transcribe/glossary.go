package transcribe

import (
	"bufio"
	"errors"
	"io"
	"os"
	"strings"

	"greffier/domain"
)

// Whisper keeps at most n_text_ctx/2 = 224 prompt tokens and silently drops the
// oldest beyond that. We have no tokenizer in Go, so the budget is in bytes: every
// BPE token is at least one byte of UTF-8, so 224 bytes are never more than 224
// tokens, whatever the words. It is conservative (English text averages about four
// bytes per token), and it is the same bound the whisper engine applies when it
// trims a prompt, so a prompt we build is never cut by the engine.
const PromptByteBudget = 224

// Glossary is the user's list of words whisper should spell right: drug names,
// clinic and physician names, local terms.
type Glossary struct {
	Terms []string
}

// LoadGlossary reads a glossary file: one term per line, blank lines and lines
// starting with # ignored, duplicates (case-insensitive) kept once. A missing file is
// an empty glossary.
func LoadGlossary(path string) (Glossary, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return Glossary{}, nil
	}
	if err != nil {
		return Glossary{}, domain.Wrap(domain.EInvalid, err, "open glossary %s", path)
	}
	defer f.Close()
	g, err := ParseGlossary(f)
	if err != nil {
		return Glossary{}, domain.Wrap(domain.EInvalid, err, "read glossary %s", path)
	}
	return g, nil
}

// ParseGlossary reads glossary lines from r (see LoadGlossary).
func ParseGlossary(r io.Reader) (Glossary, error) {
	var g Glossary
	seen := map[string]bool{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		t := strings.Join(strings.Fields(sc.Text()), " ")
		if t == "" || strings.HasPrefix(t, "#") || seen[strings.ToLower(t)] {
			continue
		}
		seen[strings.ToLower(t)] = true
		g.Terms = append(g.Terms, t)
	}
	return g, sc.Err()
}

// Prompt is an initial prompt for whisper and what did not fit in it.
type Prompt struct {
	Text    string
	Omitted int // glossary terms left out for lack of room
}

// BuildPrompt joins the glossary terms, in the user's order (put the most important
// first), into a prompt of at most PromptByteBudget bytes. context (for example the
// end of the previous window's text) is appended after the terms when room remains,
// cut at the front so that its last words are kept.
func BuildPrompt(g Glossary, context string) Prompt {
	var p Prompt
	text := ""
	for i, t := range g.Terms {
		next := t
		if text != "" {
			next = text + ", " + t
		}
		if len(next)+1 > PromptByteBudget { // +1: the closing period
			p.Omitted = len(g.Terms) - i
			break
		}
		text = next
	}
	if text != "" {
		text += "."
	}
	words := strings.Fields(context)
	k := len(words)
	for k > 0 {
		tail := strings.Join(words[k-1:], " ")
		if len(text)+1+len(tail) > PromptByteBudget {
			break
		}
		k--
	}
	if k < len(words) {
		if text != "" {
			text += " "
		}
		text += strings.Join(words[k:], " ")
	}
	p.Text = text
	return p
}
