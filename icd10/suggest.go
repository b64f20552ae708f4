package icd10

import (
	"context"

	note "greffier/notes/schema"
)

// Suggest returns up to limit codes for a problem's wording, billable codes first since
// only those can be reported. It makes *Index a draft.CodeSuggester.
func (ix *Index) Suggest(ctx context.Context, text string, limit int) ([]note.CodeRef, error) {
	codes, err := ix.Search(ctx, text, max(limit, 5))
	if err != nil {
		return nil, err
	}
	var billable, other []note.CodeRef
	for _, c := range codes {
		ref := note.CodeRef{Code: c.Code, Title: c.Title}
		if c.Billable {
			billable = append(billable, ref)
		} else {
			other = append(other, ref)
		}
	}
	out := append(billable, other...)
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}
