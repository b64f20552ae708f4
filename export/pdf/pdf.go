// Package pdf renders an approved note as a printable PDF (A4): clinic, patient,
// clinician and date, the note's blocks, the accepted codes, and a signature line.
// It uses github.com/go-pdf/fpdf with the Go fonts (golang.org/x/image/font/gofont,
// BSD licence) embedded as UTF-8 TrueType fonts, so accents and French punctuation
// render on any machine, with no system font needed.
package pdf

import (
	"bytes"
	"fmt"

	"github.com/go-pdf/fpdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goitalic"
	"golang.org/x/image/font/gofont/goregular"

	"greffier/export"
)

const (
	family     = "go"
	margin     = 18.0 // mm
	bodySize   = 10.5 // pt
	lineHeight = 5.2  // mm
)

// Render returns the note as PDF bytes. The output depends only on doc: the PDF's
// dates are the approval time, so the same approved note gives the same file.
func Render(doc export.Document) ([]byte, error) {
	if err := doc.Validate(); err != nil {
		return nil, err
	}
	l := export.LabelsFor(doc.Language())
	p, textWidth := newPage(doc, l, doc.Title(), doc.Language())

	// Header: clinic, title, then the identity block.
	p.SetTextColor(0, 0, 0)
	if doc.Clinic.Name != "" {
		p.SetFont(family, "B", 12)
		p.MultiCell(textWidth, 6, doc.Clinic.Name, "", "L", false)
	}
	p.SetFont(family, "B", 16)
	p.MultiCell(textWidth, 9, doc.Title(), "", "L", false)
	p.Ln(1)
	p.SetFont(family, "", bodySize)
	identity := [][2]string{{l.Patient, doc.Patient.DisplayName()}}
	if doc.Patient.MRN != "" {
		identity = append(identity, [2]string{l.MRN, doc.Patient.MRN})
	}
	if doc.Patient.BirthDate != "" {
		identity = append(identity, [2]string{l.BirthDate, doc.Patient.BirthDate})
	}
	identity = append(identity, [2]string{l.Clinician, doc.Author.DisplayName()},
		[2]string{l.Date, l.FormatDateTime(doc.Encounter.Start)})
	for _, kv := range identity {
		p.SetFont(family, "B", bodySize)
		p.CellFormat(40, lineHeight, kv[0], "", 0, "L", false, 0, "")
		p.SetFont(family, "", bodySize)
		p.MultiCell(textWidth-40, lineHeight, kv[1], "", "L", false)
	}
	y := p.GetY() + 2
	p.SetDrawColor(150, 150, 150)
	p.Line(margin, y, margin+textWidth, y)
	p.SetY(y + 3)

	for _, b := range doc.Blocks() {
		p.SetFont(family, "B", 12)
		p.MultiCell(textWidth, 7, b.Title, "", "L", false)
		p.SetFont(family, "", bodySize)
		if len(b.Lines) == 0 {
			p.MultiCell(textWidth, lineHeight, "—", "", "L", false)
		}
		for _, line := range b.Lines {
			p.MultiCell(textWidth, lineHeight, line, "", "L", false)
			p.Ln(0.8)
		}
		p.Ln(2.5)
	}

	// Approval and signature line, kept together on one page.
	if _, pageHeight := p.GetPageSize(); p.GetY() > pageHeight-margin-45 {
		p.AddPage()
	}
	p.Ln(4)
	p.SetFont(family, "", bodySize)
	p.MultiCell(textWidth, lineHeight, fmt.Sprintf(l.ApprovedBy, doc.Author.DisplayName(), l.FormatDateTime(doc.ApprovedAt)), "", "L", false)
	if sig := doc.Signature; sig != nil {
		signedBy := l.SignedBy
		if !sig.PasswordChecked {
			signedBy = l.SignedByNoPassword
		}
		p.MultiCell(textWidth, lineHeight, fmt.Sprintf(signedBy, sig.Signer, l.FormatDateTime(sig.SignedAt)), "", "L", false)
		p.SetFont(family, "", 8)
		p.MultiCell(textWidth, lineHeight, fmt.Sprintf(l.SignedNote, sig.Version, sig.SHA256), "", "L", false)
	}
	return finish(p, l, textWidth, doc.Author.DisplayName())
}

// newPage starts an A4 document with the Go fonts, the footer (clinic, patient,
// visit date, page n of N) and its first page. The PDF's dates are the approval
// time, so the same approved document gives the same file.
func newPage(env export.Document, l export.Labels, title, lang string) (*fpdf.Fpdf, float64) {
	p := fpdf.New("P", "mm", "A4", "")
	p.AddUTF8FontFromBytes(family, "", goregular.TTF)
	p.AddUTF8FontFromBytes(family, "B", gobold.TTF)
	p.AddUTF8FontFromBytes(family, "I", goitalic.TTF)
	p.SetMargins(margin, margin, margin)
	p.SetAutoPageBreak(true, margin+6)
	p.SetCreationDate(env.ApprovedAt)
	p.SetModificationDate(env.ApprovedAt)
	p.SetCatalogSort(true)
	p.SetCreator("Greffier", true)
	p.SetTitle(title, true)
	p.SetLang(lang)
	p.AliasNbPages("{nb}")
	p.SetFooterFunc(func() {
		p.SetY(-margin)
		p.SetFont(family, "I", 8)
		p.SetTextColor(110, 110, 110)
		p.CellFormat(0, 4, env.Clinic.Name+" · "+env.Patient.DisplayName()+" · "+l.FormatDate(env.Encounter.Start), "", 0, "L", false, 0, "")
		p.SetX(margin)
		p.CellFormat(0, 4, fmt.Sprintf(l.Page, p.PageNo(), "{nb}"), "", 0, "R", false, 0, "")
	})
	p.AddPage()
	width, _ := p.GetPageSize()
	return p, width - 2*margin
}

// finish ends a document with the AI-assisted notice and the signature line, and
// returns its bytes.
func finish(p *fpdf.Fpdf, l export.Labels, textWidth float64, signer string) ([]byte, error) {
	p.SetFont(family, "I", 9)
	p.MultiCell(textWidth, lineHeight, l.AIAssisted, "", "L", false)
	p.Ln(12)
	y := p.GetY()
	p.SetDrawColor(0, 0, 0)
	p.Line(margin+textWidth-80, y, margin+textWidth, y)
	p.SetXY(margin+textWidth-80, y+1)
	p.SetFont(family, "", 9)
	p.CellFormat(80, 4, l.Signature+" — "+signer, "", 1, "L", false, 0, "")
	var out bytes.Buffer
	if err := p.Output(&out); err != nil {
		return nil, fmt.Errorf("render PDF: %w", err)
	}
	return out.Bytes(), nil
}
