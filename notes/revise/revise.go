// Package revise lands a change to one section of a note, made from an older version,
// on the latest version, so that no saved text is overwritten unseen. A redraft takes
// minutes and a user may edit meanwhile; two users may edit at once. If the section
// did not change since the version the change was made from, the change replaces it;
// if it did, both texts are kept and the section is flagged for the user to choose.
package revise

import (
	"fmt"
	"strings"

	"greffier/domain"
	"greffier/notes/schema"
)

// Section returns latest with section key set to text, a change made from base (an
// older version, or latest itself). kind (schema.AltRedraft, schema.AltEdit) says what
// made the change. If someone changed that section between base and latest, latest's
// text stays, text becomes an alternative of the section, a WarnSectionConflict
// warning flags it, and conflict is true. latest is not modified.
func Section(base, latest schema.Note, key string, text []schema.Sentence, kind string) (merged schema.Note, conflict bool, err error) {
	i := index(latest, key)
	if i < 0 {
		return latest, false, domain.Errorf(domain.ENotFound, "the note has no section %q", key)
	}
	merged = clone(latest)
	sec := &merged.Sections[i]
	j := index(base, key)
	unchanged := j >= 0 && sameText(base.Sections[j].Sentences, sec.Sentences)
	if unchanged || sameText(text, sec.Sentences) {
		sec.Sentences = text
		return merged, false, nil
	}
	for _, a := range sec.Alternatives {
		if sameText(a.Sentences, text) {
			return merged, true, nil
		}
	}
	sec.Alternatives = append(sec.Alternatives, schema.Alternative{Kind: kind, Sentences: text})
	flag(&merged, i)
	return merged, true, nil
}

// Choose settles a flagged section: choice -1 keeps its current text, 0… takes that
// alternative. The other alternatives are dropped (they stay in the older versions).
func Choose(n schema.Note, key string, choice int) (schema.Note, error) {
	i := index(n, key)
	if i < 0 {
		return n, domain.Errorf(domain.ENotFound, "the note has no section %q", key)
	}
	out := clone(n)
	sec := &out.Sections[i]
	if choice < -1 || choice >= len(sec.Alternatives) {
		return n, domain.Errorf(domain.EInvalid, "section %q has no alternative %d", key, choice)
	}
	if choice >= 0 {
		sec.Sentences = sec.Alternatives[choice].Sentences
	}
	sec.Alternatives = nil
	path := sectionPath(i)
	kept := out.Warnings[:0:0]
	for _, w := range out.Warnings {
		if w.Kind != schema.WarnSectionConflict || w.Path != path {
			kept = append(kept, w)
		}
	}
	out.Warnings = kept
	return out, nil
}

// Pending lists the keys of sections waiting for the user's choice.
func Pending(n schema.Note) []string {
	var keys []string
	for _, s := range n.Sections {
		if len(s.Alternatives) > 0 {
			keys = append(keys, s.Key)
		}
	}
	return keys
}

func flag(n *schema.Note, i int) {
	path := sectionPath(i)
	for _, w := range n.Warnings {
		if w.Kind == schema.WarnSectionConflict && w.Path == path {
			return
		}
	}
	n.AddWarning(schema.WarnSectionConflict, path, "this section was changed while another text of it was being written: both are kept, choose one")
}

func sectionPath(i int) string { return fmt.Sprintf("/sections/%d", i) }

func index(n schema.Note, key string) int {
	for i, s := range n.Sections {
		if s.Key == key {
			return i
		}
	}
	return -1
}

// clone copies what Section and Choose change, so the caller's note stays as it was.
func clone(n schema.Note) schema.Note {
	out := n
	out.Sections = append([]schema.Section(nil), n.Sections...)
	for i := range out.Sections {
		out.Sections[i].Alternatives = append([]schema.Alternative(nil), n.Sections[i].Alternatives...)
	}
	out.Warnings = append([]schema.Warning(nil), n.Warnings...)
	return out
}

// sameText compares sentences by their words, as the user sees them.
func sameText(a, b []schema.Sentence) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if strings.Join(strings.Fields(a[i].Text), " ") != strings.Join(strings.Fields(b[i].Text), " ") {
			return false
		}
	}
	return true
}
