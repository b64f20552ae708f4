package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"greffier/domain"
	"greffier/export"
	"greffier/export/fhir"
	"greffier/export/fromstore"
	"greffier/export/hl7"
	"greffier/export/pdf"
	"greffier/export/text"
)

// Export is the Export screen's service: an approved note as FHIR, HL7, PDF or text,
// to a file or the clipboard. Only approved notes export (the store refuses others).
type Export struct{ s *Services }

// ExportRequest is what the Export screen sends. Dir "" means the data folder's
// exports/; Format "clipboard" returns the text instead of writing a file.
type ExportRequest struct {
	EncounterID int64  `json:"encounter_id"`
	Format      string `json:"format"` // fhir, hl7, pdf, txt, clipboard
	Dir         string `json:"dir"`
	UserID      int64  `json:"user_id"`
}

// ExportResult says where the export went.
type ExportResult struct {
	Format string `json:"format"`
	Path   string `json:"path,omitempty"`
	Bytes  int    `json:"bytes"`
	// Text is the export itself for clipboard and text formats, else a preview of
	// its start (none for PDF).
	Text string `json:"text,omitempty"`
}

// Formats lists the export formats.
func (x *Export) Formats() ([]string, error) {
	return []string{"fhir", "hl7", "pdf", "txt", "clipboard"}, nil
}

// DefaultDir is where exports go when the user picks no folder.
func (x *Export) DefaultDir() (string, error) {
	return filepath.Join(x.s.cfg.Dirs.Data, "exports"), nil
}

// Run produces the export and records it (the encounter becomes exported).
func (x *Export) Run(req ExportRequest) (ExportResult, error) {
	if err := x.s.ready(); err != nil {
		return ExportResult{}, err
	}
	r, err := x.run(x.s.ctx, req)
	return r, x.s.fail(err)
}

func (x *Export) run(ctx context.Context, req ExportRequest) (ExportResult, error) {
	db := x.s.db
	if err := db.CanExport(ctx, req.EncounterID); err != nil {
		return ExportResult{}, err
	}
	doc, err := fromstore.Load(ctx, db, req.EncounterID, req.UserID)
	if err != nil {
		return ExportResult{}, err
	}
	var data []byte
	ext := req.Format
	switch req.Format {
	case "txt", "clipboard":
		data, ext = []byte(text.Render(doc)), "txt"
	case "pdf":
		data, err = pdf.Render(doc)
	case "fhir":
		var b *fhir.Bundle
		if b, err = fhir.Build(doc, fhir.Options{Now: time.Now(), SoftwareVersion: Version}); err == nil {
			data, err = fhir.Marshal(b)
		}
		ext = "fhir.json"
	case "hl7":
		data, _, err = hl7.MDM(doc, hl7.Options{Now: time.Now()})
	default:
		return ExportResult{}, domain.Errorf(domain.EInvalid, "unknown export format %q", req.Format)
	}
	if err != nil {
		return ExportResult{}, err
	}
	res := ExportResult{Format: req.Format, Bytes: len(data)}
	if req.Format == "clipboard" {
		res.Text = string(data)
	} else {
		dir := req.Dir
		if dir == "" {
			dir, _ = x.DefaultDir()
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return ExportResult{}, domain.Wrap(domain.EInvalid, err, "cannot create the folder %s", dir)
		}
		res.Path = filepath.Join(dir, fmt.Sprintf("encounter-%d.%s", req.EncounterID, ext))
		if err := export.WriteFile(res.Path, data); err != nil {
			return ExportResult{}, domain.Wrap(domain.EInvalid, err, "cannot write %s", res.Path)
		}
		if req.Format != "pdf" {
			res.Text = string(data[:min(len(data), 4000)])
		}
	}
	format := req.Format
	if format == "clipboard" {
		format = "txt"
	}
	if err := db.MarkExported(ctx, req.EncounterID, req.UserID, format); err != nil {
		return ExportResult{}, fmt.Errorf("the export was written but recording it failed: %w", err)
	}
	return res, nil
}
