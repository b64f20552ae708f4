// Package transcript reads consultation transcripts into segments: JSON lines as
// written by `greffier transcribe --json` (or a JSON array of the same objects), or a dialogue with one speaker turn per
// line tagged [doctor] / [patient] (ACI-Bench) or Doctor: / Patient: (MTS-Dialog).
// Dialogue turns are split into sentence-level segments so that a note can cite
// exactly the sentence it comes from.
package transcript

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"regexp"
	"strings"

	"greffier/domain"
)

// Formats recognised.
const (
	FormatJSONL    = "jsonl"    // one domain.Segment per line
	FormatDialogue = "dialogue" // speaker-tagged turns
	FormatText     = "text"     // untagged lines, one turn each
)

// MaxSize bounds the transcripts read (a day of speech is far below it).
const MaxSize = 64 << 20

// Transcript is a parsed transcript.
type Transcript struct {
	Format   string
	Segments []domain.Segment
}

// ReadFile reads and parses a transcript file. Errors name the file.
func ReadFile(path string) (Transcript, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return Transcript{}, domain.Wrap(domain.ENotFound, err, "transcript %s", path)
		}
		return Transcript{}, domain.Wrap(domain.EInvalid, err, "open transcript %s", path)
	}
	defer f.Close()
	return Parse(f, path)
}

// Parse reads a transcript from r; name is used in errors.
func Parse(r io.Reader, name string) (Transcript, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxSize+1))
	if err != nil {
		return Transcript{}, fmt.Errorf("read transcript %s: %w", name, err)
	}
	if len(data) > MaxSize {
		return Transcript{}, domain.Errorf(domain.EInvalid, "transcript %s is larger than %d MB", name, MaxSize>>20)
	}
	if bytes.IndexByte(data, 0) >= 0 {
		return Transcript{}, domain.Errorf(domain.EInvalid, "transcript %s is a binary file, not text or JSON lines", name)
	}
	text := strings.TrimPrefix(string(data), "\ufeff")
	trimmed := strings.TrimSpace(text)
	var t Transcript
	switch {
	case strings.HasPrefix(trimmed, "[") && strings.HasPrefix(strings.TrimSpace(trimmed[1:]), "{"):
		segs, err := parseJSONArray(trimmed, name)
		if err != nil {
			return Transcript{}, err
		}
		t = Transcript{Format: FormatJSONL, Segments: segs}
	case strings.HasPrefix(trimmed, "{"):
		segs, err := parseJSONL(text, name)
		if err != nil {
			return Transcript{}, err
		}
		t = Transcript{Format: FormatJSONL, Segments: segs}
	default:
		segs, tagged := ParseDialogue(text)
		t = Transcript{Format: FormatText, Segments: segs}
		if tagged {
			t.Format = FormatDialogue
		}
	}
	if len(t.Segments) == 0 {
		return Transcript{}, domain.Errorf(domain.EInvalid, "transcript %s holds no speech", name)
	}
	return t, nil
}

func parseJSONL(text, name string) ([]domain.Segment, error) {
	var segs []domain.Segment
	seen := map[int]int{}
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		var s domain.Segment
		dec := json.NewDecoder(strings.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&s); err != nil {
			return nil, domain.Wrap(domain.EInvalid, err, "transcript %s line %d is not a segment", name, i+1)
		}
		if s.ID < 0 {
			return nil, domain.Errorf(domain.EInvalid, "transcript %s line %d: negative segment id %d", name, i+1, s.ID)
		}
		if prev, dup := seen[s.ID]; dup {
			return nil, domain.Errorf(domain.EInvalid, "transcript %s line %d: segment id %d already used on line %d", name, i+1, s.ID, prev)
		}
		seen[s.ID] = i + 1
		s.Text = strings.TrimSpace(s.Text)
		if s.Text == "" {
			continue
		}
		segs = append(segs, s)
	}
	return segs, nil
}

// parseJSONArray reads a JSON array of segments (the same objects as JSON lines).
func parseJSONArray(text, name string) ([]domain.Segment, error) {
	var raw []json.RawMessage
	if err := json.Unmarshal([]byte(text), &raw); err != nil {
		return nil, domain.Wrap(domain.EInvalid, err, "transcript %s is not a JSON array of segments", name)
	}
	lines := make([]string, len(raw))
	for i, r := range raw {
		lines[i] = string(bytes.ReplaceAll(r, []byte("\n"), []byte(" ")))
	}
	segs, err := parseJSONL(strings.Join(lines, "\n"), name)
	if err != nil {
		return nil, fmt.Errorf("%w (line numbers count array elements)", err)
	}
	return segs, nil
}

// bracketTag matches "[doctor] text"; colonTag matches "Doctor: text" and
// "Guest_family_1: text".
var (
	bracketTag = regexp.MustCompile(`^\[([A-Za-z][A-Za-z0-9_ -]{0,30})\]\s*(.*)$`)
	colonTag   = regexp.MustCompile(`^([A-Za-zÀ-ÿ][A-Za-zÀ-ÿ0-9_ -]{0,30}?)\s*:\s*(.*)$`)
)

// speakerRole maps a speaker label to a role. ok is false for labels that are not
// speakers (so "Note: ..." stays text).
func speakerRole(label string) (domain.Role, bool) {
	l := strings.ToLower(strings.TrimSpace(label))
	l = strings.Trim(l, "_- 0123456789")
	base := l
	if i := strings.IndexAny(l, "_ -"); i >= 0 {
		base = l[:i]
	}
	switch {
	case strings.Contains(l, "clinician") || strings.Contains(l, "clinican"):
		return domain.RoleClinician, true
	case strings.HasPrefix(l, "patient_guest") || strings.HasPrefix(l, "patient guest"):
		return domain.RoleOther, true
	}
	switch base {
	case "doctor", "dr", "physician", "clinician", "nurse", "médecin", "medecin", "docteur", "provider", "md":
		return domain.RoleClinician, true
	case "patient", "patiente", "pt":
		return domain.RolePatient, true
	case "guest", "family", "caregiver", "mother", "father", "parent", "speaker", "sp", "interpreter", "interprète", "accompagnant":
		return domain.RoleOther, true
	}
	return "", false
}

// ParseDialogue splits a dialogue into sentence-level segments, numbered from 0, with
// Turn counting speaker turns from 0. Untagged lines continue the previous turn when
// the text has speaker tags, and are turns of their own (role unknown) when it has
// none. tagged reports whether any speaker tag was found.
func ParseDialogue(text string) (segs []domain.Segment, tagged bool) {
	type turn struct {
		role domain.Role
		text []string
	}
	var turns []turn
	var untagged []string
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		role, body, ok := splitTag(line)
		switch {
		case ok:
			tagged = true
			turns = append(turns, turn{role: role, text: []string{body}})
		case len(turns) > 0:
			turns[len(turns)-1].text = append(turns[len(turns)-1].text, line)
		default:
			untagged = append(untagged, line)
		}
	}
	if !tagged {
		for _, l := range untagged {
			turns = append(turns, turn{text: []string{l}})
		}
	} else if len(untagged) > 0 {
		// Text before the first tag: keep it as a turn of unknown speaker.
		turns = append([]turn{{text: untagged}}, turns...)
	}
	id := 0
	for ti, t := range turns {
		for _, s := range SplitSentences(strings.Join(t.text, " ")) {
			segs = append(segs, domain.Segment{ID: id, Text: s, Turn: ti, Role: t.role})
			id++
		}
	}
	return segs, tagged
}

func splitTag(line string) (domain.Role, string, bool) {
	if m := bracketTag.FindStringSubmatch(line); m != nil {
		if r, ok := speakerRole(m[1]); ok {
			return r, m[2], true
		}
	}
	if m := colonTag.FindStringSubmatch(line); m != nil {
		if r, ok := speakerRole(m[1]); ok {
			return r, m[2], true
		}
	}
	return "", "", false
}
