// Package documents drafts, checks and renders the documents Greffier makes from a
// note: plain-language instructions for the patient, in the patient's language, and
// a referral letter to a specialist. Like the note, every sentence of a document
// cites the transcript segments it rests on, and is checked with the note's own
// checkers (draft.CheckEvidence, draft.CheckFacts): a document is a reviewable draft
// until a physician signs it, never a free text.
package documents

import (
	"encoding/json"
	"fmt"
	"strings"

	"greffier/domain"
	"greffier/notes/schema"
)

// Version is the schema_version this package writes.
const Version = "1"

// Kind is what a document is for.
type Kind string

// Document kinds.
const (
	KindInstructions Kind = "instructions" // patient instructions, plain language
	KindReferral     Kind = "referral"     // referral letter to a specialist
)

// Kinds lists the kinds, in the order they are shown.
func Kinds() []Kind { return []Kind{KindInstructions, KindReferral} }

// ParseKind reads a kind as typed by a user.
func ParseKind(s string) (Kind, error) {
	switch Kind(strings.ToLower(strings.TrimSpace(s))) {
	case KindInstructions:
		return KindInstructions, nil
	case KindReferral:
		return KindReferral, nil
	}
	return "", domain.Errorf(domain.EInvalid, "document kind %q: want instructions or referral", s)
}

// Document is a drafted or edited document. Greeting and Closing are courtesy
// formulas (they state no clinical fact, which Check verifies); everything clinical
// is in the parts' sentences, each with its evidence.
type Document struct {
	SchemaVersion string `json:"schema_version"`
	Kind          Kind   `json:"kind"`
	Language      string `json:"language"` // fr or en: the reader's language
	Title         string `json:"title"`
	// Recipient is whom a referral letter is addressed to (a specialty or a name).
	Recipient string           `json:"recipient,omitempty"`
	Greeting  string           `json:"greeting,omitempty"`
	Parts     []Part           `json:"parts"`
	Closing   string           `json:"closing,omitempty"`
	Source    Source           `json:"source"`
	Warnings  []schema.Warning `json:"warnings"`
}

// Part is one titled part of a document.
type Part struct {
	Key       string            `json:"key"`
	Title     string            `json:"title"`
	Sentences []schema.Sentence `json:"sentences"`
}

// Source says what the document was drafted from.
type Source struct {
	// NoteVersion is the note version drafted from; 0 when unknown.
	NoteVersion int    `json:"note_version,omitempty"`
	NoteLang    string `json:"note_language,omitempty"`
	Drafter     string `json:"drafter"` // "rules" for Draft
}

// MarshalJSON writes nil slices as [].
func (d Document) MarshalJSON() ([]byte, error) {
	type plain Document
	p := plain(d)
	if p.Parts == nil {
		p.Parts = []Part{}
	}
	if p.Warnings == nil {
		p.Warnings = []schema.Warning{}
	}
	return json.Marshal(p)
}

// MarshalJSON writes nil sentences as [].
func (p Part) MarshalJSON() ([]byte, error) {
	type plain Part
	q := plain(p)
	if q.Sentences == nil {
		q.Sentences = []schema.Sentence{}
	}
	return json.Marshal(q)
}

// Parse reads a document's JSON and validates it.
func Parse(b []byte) (Document, error) {
	var d Document
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		return d, domain.Wrap(domain.EInvalid, err, "the document is not valid JSON")
	}
	return d, d.Validate()
}

// Validate returns an EInvalid *domain.Error naming the first thing wrong. The
// message names fields, never the document's text.
func (d Document) Validate() error {
	if d.SchemaVersion != Version {
		return domain.Errorf(domain.EInvalid, "document schema_version %q: want %q", d.SchemaVersion, Version)
	}
	if _, err := ParseKind(string(d.Kind)); err != nil {
		return err
	}
	if d.Language != "fr" && d.Language != "en" {
		return domain.Errorf(domain.EInvalid, "document language %q: want fr or en", d.Language)
	}
	if strings.TrimSpace(d.Title) == "" {
		return domain.Errorf(domain.EInvalid, "the document has no title")
	}
	seen := map[string]bool{}
	for i, p := range d.Parts {
		if p.Key == "" || seen[p.Key] {
			return domain.Errorf(domain.EInvalid, "part %d: key missing or repeated", i)
		}
		seen[p.Key] = true
		for j, s := range p.Sentences {
			if strings.TrimSpace(s.Text) == "" {
				return domain.Errorf(domain.EInvalid, "part %s sentence %d is empty", p.Key, j)
			}
		}
	}
	return nil
}

// Sentences returns how many sentences the document holds.
func (d Document) Sentences() int {
	n := 0
	for _, p := range d.Parts {
		n += len(p.Sentences)
	}
	return n
}

// Path is the JSON pointer of sentence j of part i, as warnings name it.
func Path(i, j int) string { return fmt.Sprintf("/parts/%d/sentences/%d", i, j) }

// LOINC is the document's type in LOINC terms (code, display).
func (k Kind) LOINC() (code, display string) {
	if k == KindReferral {
		return "57133-1", "Referral note"
	}
	return "69730-0", "Instructions"
}
