package app

import (
	"context"
	"path/filepath"

	"greffier/pipeline"
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
	if err := x.s.ready(); err != nil {
		return nil, err
	}
	return []string{"fhir", "hl7", "pdf", "txt", "clipboard"}, nil
}

// DefaultDir is where exports go when the user picks no folder.
func (x *Export) DefaultDir() (string, error) {
	if err := x.s.ready(); err != nil {
		return "", err
	}
	return filepath.Join(x.s.cfg.Dirs.Data, "exports"), nil
}

// Run produces the export and records it (the encounter becomes exported).
func (x *Export) Run(req ExportRequest) (ExportResult, error) {
	by, err := x.s.actingUser()
	if err != nil {
		return ExportResult{}, err
	}
	r, err := x.run(x.s.ctx, req, by)
	return r, x.s.fail(err)
}

func (x *Export) run(ctx context.Context, req ExportRequest, by int64) (ExportResult, error) {
	ex := pipeline.Export{EncounterID: req.EncounterID, By: by, Format: req.Format}
	if req.Format == "clipboard" {
		ex.Format = "txt"
	} else if ex.Format != "" {
		dir := req.Dir
		if dir == "" {
			dir = filepath.Join(x.s.cfg.Dirs.Data, "exports")
		}
		ex.Out = pipeline.ExportFile(dir, req.EncounterID, ex.Format)
	}
	r, err := pipeline.RunExport(ctx, x.s.db, ex)
	if err != nil {
		return ExportResult{}, err
	}
	res := ExportResult{Format: req.Format, Path: r.Path, Bytes: len(r.Data)}
	switch {
	case req.Format == "clipboard":
		res.Text = string(r.Data)
	case req.Format != "pdf":
		res.Text = string(r.Data[:min(len(r.Data), 4000)])
	}
	return res, nil
}
