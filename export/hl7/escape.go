package hl7

import (
	"encoding/hex"
	"fmt"
	"strings"
)

// Delimiters are a message's separators (MSH-1 and MSH-2).
type Delimiters struct {
	Field, Component, Repetition, Esc, Subcomponent byte
}

// Standard are the delimiters Greffier writes: | ^ ~ \ &.
func Standard() Delimiters {
	return Delimiters{Field: '|', Component: '^', Repetition: '~', Esc: '\\', Subcomponent: '&'}
}

// encodingCharacters is MSH-2 for these delimiters.
func (d Delimiters) encodingCharacters() string {
	return string([]byte{d.Component, d.Repetition, d.Esc, d.Subcomponent})
}

// Escape makes s safe inside one HL7 component: each delimiter becomes its escape
// sequence (\F\ \S\ \T\ \R\ \E\). Line breaks (\r\n, \n or \r) become the FT
// formatting command \.br\ when formatted is true (FT data), and \X0A\ otherwise (a
// TX or ST value can hold no formatting command); a raw CR would end the segment.
// Other control characters are written as \Xhh\.
func (d Delimiters) Escape(s string, formatted bool) string {
	var b strings.Builder
	b.Grow(len(s) + 8)
	esc := string(d.Esc)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == d.Esc:
			b.WriteString(esc + "E" + esc)
		case c == d.Field:
			b.WriteString(esc + "F" + esc)
		case c == d.Component:
			b.WriteString(esc + "S" + esc)
		case c == d.Subcomponent:
			b.WriteString(esc + "T" + esc)
		case c == d.Repetition:
			b.WriteString(esc + "R" + esc)
		case c == '\r' || c == '\n':
			if c == '\r' && i+1 < len(s) && s[i+1] == '\n' {
				i++
			}
			if formatted {
				b.WriteString(esc + ".br" + esc)
			} else {
				b.WriteString(esc + "X0A" + esc)
			}
		case c < 0x20 || c == 0x7f:
			fmt.Fprintf(&b, "%sX%02X%s", esc, c, esc)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// Unescape reverses Escape: delimiter sequences become their characters, \.br\ a
// newline, \Xhh…\ the bytes it spells. Highlighting (\H\ \N\) and other formatting
// commands (\.sp\, \.in\ …) are dropped; an unknown or unterminated sequence is kept
// as it was, so no text is lost.
func (d Delimiters) Unescape(s string) string {
	if strings.IndexByte(s, d.Esc) < 0 {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != d.Esc {
			b.WriteByte(c)
			continue
		}
		end := strings.IndexByte(s[i+1:], d.Esc)
		if end < 0 {
			b.WriteString(s[i:])
			break
		}
		seq := s[i+1 : i+1+end]
		if out, ok := d.unescapeSequence(seq); ok {
			b.WriteString(out)
			i += end + 1
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

func (d Delimiters) unescapeSequence(seq string) (string, bool) {
	switch seq {
	case "F":
		return string(d.Field), true
	case "S":
		return string(d.Component), true
	case "T":
		return string(d.Subcomponent), true
	case "R":
		return string(d.Repetition), true
	case "E":
		return string(d.Esc), true
	case ".br":
		return "\n", true
	case "H", "N":
		return "", true
	}
	if strings.HasPrefix(seq, ".") && len(seq) > 1 {
		return "", true // formatting commands: .sp, .in, .ti, .sk, .ce, .fi, .nf
	}
	if len(seq) > 1 && seq[0] == 'X' && len(seq)%2 == 1 {
		raw, err := hex.DecodeString(seq[1:])
		if err == nil {
			return string(raw), true
		}
	}
	return "", false
}
