package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/sergi/go-diff/diffmatchpatch"
)

// RenderText renders a note's JSON as indented plain text, keys in document order:
// "key: value" for scalars, "key:" then indented content for objects and arrays.
// The store does not depend on the note schema; this generic rendering is what
// diffs compare and search indexes when the caller gives no text of its own.
func RenderText(raw json.RawMessage) (string, error) {
	var b strings.Builder
	if err := renderValue(&b, raw, ""); err != nil {
		return "", err
	}
	return b.String(), nil
}

func renderValue(b *strings.Builder, raw json.RawMessage, indent string) error {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil
	}
	switch raw[0] {
	case '{', '[':
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if _, err := dec.Token(); err != nil {
			return fmt.Errorf("note JSON: %w", err)
		}
		for dec.More() {
			label := "-"
			if raw[0] == '{' {
				k, err := dec.Token()
				if err != nil {
					return fmt.Errorf("note JSON: %w", err)
				}
				label = fmt.Sprint(k) + ":"
			}
			var v json.RawMessage
			if err := dec.Decode(&v); err != nil {
				return fmt.Errorf("note JSON: %w", err)
			}
			v = bytes.TrimSpace(v)
			if s, ok := scalar(v); ok {
				if s != "" {
					fmt.Fprintf(b, "%s%s %s\n", indent, label, s)
				}
				continue
			}
			fmt.Fprintf(b, "%s%s\n", indent, label)
			if err := renderValue(b, v, indent+"  "); err != nil {
				return err
			}
		}
		return nil
	}
	s, _ := scalar(raw)
	if s != "" {
		fmt.Fprintf(b, "%s%s\n", indent, s)
	}
	return nil
}

// scalar returns the text of a JSON scalar (multi-line strings joined with spaces so a
// line stays one line), and false for objects and arrays.
func scalar(v json.RawMessage) (string, bool) {
	if len(v) == 0 || v[0] == '{' || v[0] == '[' {
		return "", false
	}
	if string(v) == "null" {
		return "", true
	}
	if v[0] == '"' {
		var s string
		if json.Unmarshal(v, &s) == nil {
			return strings.Join(strings.Fields(s), " "), true
		}
	}
	return string(v), true
}

// DiffOp says how a line changed.
type DiffOp string

const (
	DiffEqual  DiffOp = " "
	DiffInsert DiffOp = "+"
	DiffDelete DiffOp = "-"
)

// DiffLine is one line of a diff.
type DiffLine struct {
	Op   DiffOp `json:"op"`
	Text string `json:"text"`
}

// TextDiff is a line diff between two texts.
type TextDiff []DiffLine

// String renders the diff with "+ ", "- " and "  " prefixes.
func (d TextDiff) String() string {
	var b strings.Builder
	for _, l := range d {
		b.WriteString(string(l.Op))
		b.WriteByte(' ')
		b.WriteString(l.Text)
		b.WriteByte('\n')
	}
	return b.String()
}

// Changed reports whether the texts differ.
func (d TextDiff) Changed() bool {
	for _, l := range d {
		if l.Op != DiffEqual {
			return true
		}
	}
	return false
}

// DiffText diffs two texts line by line (Myers' algorithm via diffmatchpatch).
func DiffText(a, b string) TextDiff {
	dmp := diffmatchpatch.New()
	ca, cb, lines := dmp.DiffLinesToChars(a, b)
	diffs := dmp.DiffCharsToLines(dmp.DiffMain(ca, cb, false), lines)
	var out TextDiff
	for _, d := range diffs {
		op := DiffEqual
		switch d.Type {
		case diffmatchpatch.DiffInsert:
			op = DiffInsert
		case diffmatchpatch.DiffDelete:
			op = DiffDelete
		}
		for _, l := range strings.SplitAfter(d.Text, "\n") {
			if l == "" {
				continue
			}
			out = append(out, DiffLine{Op: op, Text: strings.TrimSuffix(l, "\n")})
		}
	}
	return out
}
