// Package draft turns a transcript into a structured note (notes/schema). It defines
// the Drafter interface that every backend implements (the extractive drafter here,
// the LLM drafter in notes/llmdraft), the evidence check every draft goes through,
// and a plain-text rendering of a note.
package draft

import (
	"context"

	"greffier/domain"
	"greffier/notes/schema"
	"greffier/notes/templates"
)

// Request is what a drafter drafts from.
type Request struct {
	// Segments is the transcript; sentences cite their IDs as evidence.
	Segments []domain.Segment
	// Template gives the note's sections.
	Template templates.Template
	// Language is the note's output language, "fr" or "en", independent of the
	// language spoken in the consultation.
	Language string
}

// Drafter drafts a note. Implementations return a note whose evidence cites the
// request's segment ids; callers still run CheckEvidence on it.
type Drafter interface {
	Draft(ctx context.Context, req Request) (schema.Note, error)
}

// CodeSuggester proposes ICD-10-CM codes for a problem's text, best first.
type CodeSuggester interface {
	Suggest(ctx context.Context, text string, limit int) ([]schema.CodeRef, error)
}
