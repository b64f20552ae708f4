// Package text renders an approved note as plain text: the whole note (for a file or
// a FHIR DocumentReference) and one piece per section (for the clipboard, to paste into
// an EHR field by field).
package text

import (
	"fmt"
	"strings"

	"greffier/export"
)

// Section is one block of the note as clipboard text.
type Section struct {
	Key   string
	Title string
	Text  string // the block's lines, one per line, without the title
}

// Sections returns each block of the note as text, in order.
func Sections(doc export.Document) []Section {
	blocks := doc.Blocks()
	out := make([]Section, 0, len(blocks))
	for _, b := range blocks {
		out = append(out, Section{Key: b.Key, Title: b.Title, Text: b.Text()})
	}
	return out
}

// Render returns the whole note: a header (clinic, title, patient, clinician, date),
// the blocks with their titles, and the approval line. Lines end with "\n".
func Render(doc export.Document) string {
	l := export.LabelsFor(doc.Language())
	var b strings.Builder
	if doc.Clinic.Name != "" {
		b.WriteString(doc.Clinic.Name + "\n")
	}
	b.WriteString(doc.Title() + "\n\n")
	b.WriteString(l.Patient + ": " + doc.Patient.DisplayName())
	if doc.Patient.MRN != "" {
		b.WriteString(" (" + l.MRN + " " + doc.Patient.MRN + ")")
	}
	b.WriteString("\n")
	if doc.Patient.BirthDate != "" {
		b.WriteString(l.BirthDate + ": " + doc.Patient.BirthDate + "\n")
	}
	b.WriteString(l.Clinician + ": " + doc.Author.DisplayName() + "\n")
	b.WriteString(l.Date + ": " + l.FormatDateTime(doc.Encounter.Start) + "\n")
	for _, blk := range doc.Blocks() {
		b.WriteString("\n" + blk.Title + "\n")
		for _, line := range blk.Lines {
			b.WriteString(line + "\n")
		}
	}
	b.WriteString("\n" + fmt.Sprintf(l.ApprovedBy, doc.Author.DisplayName(), l.FormatDateTime(doc.ApprovedAt)) + "\n")
	b.WriteString(l.AIAssisted + "\n")
	return b.String()
}

// NoteText returns doc.NoteText when the store supplied one, else Render(doc).
func NoteText(doc export.Document) string {
	if doc.NoteText != "" {
		return doc.NoteText
	}
	return Render(doc)
}
