package pdf

import (
	"fmt"

	"greffier/export"
	"greffier/notes/documents"
)

// RenderDocument returns a signed document drafted from the note (patient
// instructions, referral letter) as PDF bytes. env gives the clinic, patient,
// encounter, the physician who signed it (Author) and when (ApprovedAt); its Note is
// not used. The reader gets the sentences without their evidence ids, which stay in
// Greffier. The output depends only on its inputs.
func RenderDocument(env export.Document, d documents.Document) ([]byte, error) {
	if err := env.Validate(); err != nil {
		return nil, err
	}
	if err := d.Validate(); err != nil {
		return nil, err
	}
	l := export.LabelsFor(d.Language)
	p, textWidth := newPage(env, l, d.Title, d.Language)

	p.SetTextColor(0, 0, 0)
	if env.Clinic.Name != "" {
		p.SetFont(family, "B", 12)
		p.MultiCell(textWidth, 6, env.Clinic.Name, "", "L", false)
	}
	p.SetFont(family, "B", 16)
	p.MultiCell(textWidth, 9, d.Title, "", "L", false)
	p.Ln(1)
	identity := [][2]string{{l.Patient, env.Patient.DisplayName()}}
	if env.Patient.BirthDate != "" {
		identity = append(identity, [2]string{l.BirthDate, env.Patient.BirthDate})
	}
	identity = append(identity, [2]string{l.Clinician, env.Author.DisplayName()}, [2]string{l.Date, l.FormatDate(env.Encounter.Start)})
	if d.Recipient != "" {
		identity = append(identity, [2]string{recipientLabel(d.Language), d.Recipient})
	}
	for _, kv := range identity {
		p.SetFont(family, "B", bodySize)
		p.CellFormat(40, lineHeight, kv[0], "", 0, "L", false, 0, "")
		p.SetFont(family, "", bodySize)
		p.MultiCell(textWidth-40, lineHeight, kv[1], "", "L", false)
	}
	y := p.GetY() + 2
	p.SetDrawColor(150, 150, 150)
	p.Line(margin, y, margin+textWidth, y)
	p.SetY(y + 4)

	p.SetFont(family, "", bodySize)
	if d.Greeting != "" {
		p.MultiCell(textWidth, lineHeight, d.Greeting, "", "L", false)
		p.Ln(2)
	}
	for _, part := range d.Parts {
		p.SetFont(family, "B", 12)
		p.MultiCell(textWidth, 7, part.Title, "", "L", false)
		p.SetFont(family, "", bodySize)
		for _, s := range part.Sentences {
			p.CellFormat(5, lineHeight, "•", "", 0, "L", false, 0, "")
			p.MultiCell(textWidth-5, lineHeight, s.Text, "", "L", false)
			p.Ln(0.8)
		}
		p.Ln(2.5)
	}
	if d.Closing != "" {
		p.MultiCell(textWidth, lineHeight, d.Closing, "", "L", false)
	}

	if _, pageHeight := p.GetPageSize(); p.GetY() > pageHeight-margin-45 {
		p.AddPage()
	}
	p.Ln(4)
	p.SetFont(family, "", bodySize)
	p.MultiCell(textWidth, lineHeight, fmt.Sprintf(l.ApprovedBy, env.Author.DisplayName(), l.FormatDateTime(env.ApprovedAt)), "", "L", false)
	return finish(p, l, textWidth, env.Author.DisplayName())
}

func recipientLabel(lang string) string {
	if lang == "fr" {
		return "Destinataire"
	}
	return "To"
}
