package app

import (
	"context"
	"path/filepath"
	"slices"

	"greffier/domain"
	"greffier/pipeline"
	"greffier/store"
)

// Served is the review part of the services for the clinic server (package server):
// the same logic as the window's Encounters and Drafts, with the request's context,
// the server's database (unlocked by a user's login) and the user from the server's
// session instead of an id sent by the UI. Errors stay *domain.Error: the server maps
// their codes to HTTP statuses and localizes them with UserError.
type Served struct{ s *Services }

// NewServed returns the review services over db, which the caller owns and closes.
func NewServed(db *store.DB) *Served {
	s := New(Config{})
	s.db = db
	return &Served{s: s}
}

// List returns the encounters in state (all states when empty), newest first.
func (v *Served) List(ctx context.Context, st domain.EncounterState, limit int) ([]EncounterSummary, error) {
	out, err := v.s.Encounters.list(ctx, store.ListFilter{State: st, Limit: limit})
	if out == nil {
		out = []EncounterSummary{}
	}
	return out, err
}

// Encounter opens an encounter as by (audited as viewed).
func (v *Served) Encounter(ctx context.Context, id, by int64) (EncounterView, error) {
	x, err := v.s.db.ViewEncounter(ctx, id, by)
	if err != nil {
		return EncounterView{}, err
	}
	return v.s.Encounters.view(ctx, x)
}

// Draft returns version of the note (0: the latest).
func (v *Served) Draft(ctx context.Context, id int64, version int) (DraftView, error) {
	return v.s.Drafts.view(ctx, id, version)
}

// SaveSection is Drafts.SaveSection: EConflict when baseVersion is not the latest.
func (v *Served) SaveSection(ctx context.Context, id int64, key, text string, by int64, baseVersion int) (DraftView, error) {
	return v.s.Drafts.saveSectionStrict(ctx, id, key, text, by, baseVersion)
}

// MarkReady sends a drafted note for signature as by.
func (v *Served) MarkReady(ctx context.Context, id, by int64) (DraftView, error) {
	if err := v.s.db.MarkReady(ctx, id, by); err != nil {
		return DraftView{}, err
	}
	return v.s.Drafts.view(ctx, id, 0)
}

// Sign approves version as the session's user with their password (store.Sign).
func (v *Served) Sign(ctx context.Context, sess *store.Session, id int64, version int, password string) (DraftView, store.Signature, error) {
	sig, err := v.s.db.Sign(ctx, sess, id, version, password)
	if err != nil {
		return DraftView{}, sig, err
	}
	d, err := v.s.Drafts.view(ctx, id, 0)
	return d, sig, err
}

// Versions lists the note's versions, oldest first.
func (v *Served) Versions(ctx context.Context, id int64) ([]VersionInfo, error) {
	vs, err := v.s.db.ListVersions(ctx, id)
	if err != nil {
		return nil, err
	}
	out := make([]VersionInfo, 0, len(vs))
	for _, x := range vs {
		out = append(out, VersionInfo{Version: x.Version, Author: x.Author, CreatedAt: ms(x.CreatedAt)})
	}
	return out, nil
}

// Diff compares two versions line by line.
func (v *Served) Diff(ctx context.Context, id int64, from, to int) (store.TextDiff, error) {
	return v.s.db.Diff(ctx, id, from, to)
}

// ServedExport is an approved note rendered for download from the clinic server.
type ServedExport struct {
	Format      string `json:"format"`
	File        string `json:"file"` // the name to save it as
	ContentType string `json:"content_type"`
	Data        []byte `json:"data"` // base64 in JSON
	// Text is the export itself for the text formats (txt, fhir, hl7), to preview.
	Text string `json:"text,omitempty"`
}

// ExportFormats are the formats the clinic's policy lets a browser download.
func (v *Served) ExportFormats(ctx context.Context) ([]string, error) {
	return v.s.db.ServerExportFormats(ctx)
}

// Export renders an approved note in format as by, if the clinic's policy allows the
// format (store.SettingServerExport); the store's rules do the rest (only an approved
// note, audited, the encounter becomes exported). Nothing is written on the server:
// the browser saves the file.
func (v *Served) Export(ctx context.Context, id, by int64, format string) (ServedExport, error) {
	if !slices.Contains(pipeline.ExportFormats, format) {
		return ServedExport{}, domain.Errorf(domain.EInvalid, "unknown export format %q: want one of %v", format, pipeline.ExportFormats)
	}
	allowed, err := v.s.db.ServerExportFormats(ctx)
	if err != nil {
		return ServedExport{}, err
	}
	if !slices.Contains(allowed, format) {
		return ServedExport{}, domain.Errorf(domain.EForbidden, "the clinic's policy does not allow downloading a note as %q from the clinic server (setting %s)", format, store.SettingServerExport)
	}
	r, err := pipeline.RunExport(ctx, v.s.db, pipeline.Export{EncounterID: id, By: by, Format: format})
	if err != nil {
		return ServedExport{}, err
	}
	out := ServedExport{Format: format, File: filepath.Base(pipeline.ExportFile("", id, format)), Data: r.Data}
	switch format {
	case "pdf":
		out.ContentType = "application/pdf"
	case "fhir":
		out.ContentType, out.Text = "application/fhir+json", string(r.Data)
	case "hl7":
		out.ContentType, out.Text = "application/hl7-v2", string(r.Data)
	default:
		out.ContentType, out.Text = "text/plain; charset=utf-8", string(r.Data)
	}
	return out, nil
}
