package hl7

import (
	"strings"

	"greffier/domain"
)

// Message is a parsed HL7 v2 message: segments of fields, still escaped. It is what
// Greffier needs to read acknowledgements and check its own output, not a full parser
// (no repetition or subcomponent access beyond Component).
type Message struct {
	Delims   Delimiters
	Segments [][]string // Segments[i][0] is the segment name
}

// Parse splits an HL7 v2 message. Segments end with CR (LF and CRLF are accepted too);
// the delimiters are read from MSH. For MSH, field n is Segments[i][n] as in the
// standard's numbering (MSH-1 is the field separator itself).
func Parse(raw string) (*Message, error) {
	if len(raw) < 8 || !strings.HasPrefix(raw, "MSH") {
		return nil, domain.Errorf(domain.EInvalid, "not an HL7 v2 message (no MSH segment)")
	}
	d := Delimiters{Field: raw[3], Component: raw[4], Repetition: raw[5], Esc: raw[6], Subcomponent: raw[7]}
	raw = strings.ReplaceAll(raw, "\r\n", "\r")
	raw = strings.ReplaceAll(raw, "\n", "\r")
	m := &Message{Delims: d}
	for _, line := range strings.Split(raw, "\r") {
		if line == "" {
			continue
		}
		fields := strings.Split(line, string(d.Field))
		if fields[0] == "MSH" {
			// Insert MSH-1 so that indexes match the standard's field numbers.
			fields = append([]string{"MSH", string(d.Field)}, fields[1:]...)
		}
		m.Segments = append(m.Segments, fields)
	}
	return m, nil
}

// Segment returns the first segment with that name, or nil.
func (m *Message) Segment(name string) []string {
	for _, s := range m.Segments {
		if s[0] == name {
			return s
		}
	}
	return nil
}

// All returns every segment with that name.
func (m *Message) All(name string) [][]string {
	var out [][]string
	for _, s := range m.Segments {
		if s[0] == name {
			out = append(out, s)
		}
	}
	return out
}

// Field returns field n of seg, escaped, or "".
func Field(seg []string, n int) string {
	if n < len(seg) {
		return seg[n]
	}
	return ""
}

// Component returns component c (1-based) of a field's first repetition, unescaped.
func (m *Message) Component(field string, c int) string {
	if i := strings.IndexByte(field, m.Delims.Repetition); i >= 0 {
		field = field[:i]
	}
	parts := strings.Split(field, string(m.Delims.Component))
	if c < 1 || c > len(parts) {
		return ""
	}
	return m.Delims.Unescape(parts[c-1])
}
