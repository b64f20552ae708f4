package pipeline

import (
	"context"
	"encoding/json"
	"fmt"

	"greffier/domain"
	"greffier/export"
	"greffier/export/fhir"
	"greffier/export/fromstore"
	"greffier/export/pdf"
	"greffier/notes/documents"
	"greffier/notes/schema"
	"greffier/store"
)

// Documents from the note (issue 13): patient instructions and a referral letter,
// drafted, edited, signed and exported the same way from the CLI and the app.

// DraftedDocument is a document just drafted and saved as a new version.
type DraftedDocument struct {
	Document    documents.Document
	Version     store.DocumentVersion
	NoteVersion int // the note version it was drafted from
}

// DraftDocument drafts a document of kind from the encounter's latest note and saves
// it as a version by Greffier. lang "" is the encounter's language, else the note's;
// recipient "" lets a referral name the specialty the note refers to.
func DraftDocument(ctx context.Context, db *store.DB, id int64, kind documents.Kind, lang, recipient string) (DraftedDocument, error) {
	v, err := db.GetLatestDraft(ctx, id)
	if err != nil {
		return DraftedDocument{}, err
	}
	note, err := schema.Parse(v.Body)
	if err != nil {
		return DraftedDocument{}, domain.Wrap(domain.EInvalid, err, "encounter %d version %d is not a valid note", id, v.Version)
	}
	segs, err := db.Segments(ctx, id)
	if err != nil {
		return DraftedDocument{}, err
	}
	if lang == "" {
		if e, err := db.GetEncounter(ctx, id); err == nil && (e.Language == domain.LangFrench || e.Language == domain.LangEnglish) {
			lang = string(e.Language)
		}
	}
	d, err := documents.Draft(kind, note, segs, documents.Options{Language: lang, Recipient: recipient, NoteVersion: v.Version})
	if err != nil {
		return DraftedDocument{}, err
	}
	body, err := json.Marshal(d)
	if err != nil {
		return DraftedDocument{}, fmt.Errorf("encode document: %w", err)
	}
	dv, err := db.SaveDocumentVersion(ctx, store.DocumentInput{EncounterID: id, Kind: string(kind), By: store.System, Body: body})
	if err != nil {
		return DraftedDocument{}, err
	}
	return DraftedDocument{Document: d, Version: dv, NoteVersion: v.Version}, nil
}

// SaveDocumentEdit checks an edited document like a draft (evidence and facts
// against the transcript: its warnings are replaced) and saves it as by, from
// version base (0: no check; refused if another version was saved since).
func SaveDocumentEdit(ctx context.Context, db *store.DB, id int64, d documents.Document, by int64, base int) (documents.Document, store.DocumentVersion, error) {
	if err := d.Validate(); err != nil {
		return d, store.DocumentVersion{}, err
	}
	segs, err := db.Segments(ctx, id)
	if err != nil {
		return d, store.DocumentVersion{}, err
	}
	documents.Check(&d, segs)
	body, err := json.Marshal(d)
	if err != nil {
		return d, store.DocumentVersion{}, fmt.Errorf("encode document: %w", err)
	}
	dv, err := db.SaveDocumentVersion(ctx, store.DocumentInput{EncounterID: id, Kind: string(d.Kind), By: by, Body: body, Base: base})
	return d, dv, err
}

// RenderedDocument is a signed document rendered for export.
type RenderedDocument struct {
	Data    []byte
	Bundle  *fhir.Bundle // the FHIR Bundle, to post (format fhir)
	Version int
}

// RenderDocument renders the latest version of a document, signed by a physician,
// as pdf or fhir (EConflict if it is not signed); by is who exports (the instance id
// is made on the first export).
func RenderDocument(ctx context.Context, db *store.DB, id int64, kind documents.Kind, format string, by int64) (RenderedDocument, error) {
	if format != "fhir" && format != "pdf" {
		return RenderedDocument{}, domain.Errorf(domain.EInvalid, "document export format %q: want fhir or pdf", format)
	}
	dv, err := db.ExportableDocument(ctx, id, string(kind))
	if err != nil {
		return RenderedDocument{}, err
	}
	d, err := documents.Parse(dv.Body)
	if err != nil {
		return RenderedDocument{}, err
	}
	env, err := documentEnv(ctx, db, id, *dv.Signature, by)
	if err != nil {
		return RenderedDocument{}, err
	}
	out := RenderedDocument{Version: dv.Version}
	if format == "pdf" {
		out.Data, err = pdf.RenderDocument(env, d)
		return out, err
	}
	if out.Bundle, err = fhir.BuildDocument(env, d, dv.Version, fhir.Options{SoftwareVersion: Version}); err != nil {
		return out, err
	}
	out.Data, err = fhir.Marshal(out.Bundle)
	return out, err
}

// documentEnv is what a document export says around the document: the note's
// envelope (clinic, patient, encounter: the same ids as the note's exports) and the
// physician who signed the document.
func documentEnv(ctx context.Context, s *store.DB, id int64, sig store.DocumentSignature, by int64) (export.Document, error) {
	env, local, err := fromstore.Envelope(ctx, s, id, by)
	if err != nil {
		return export.Document{}, err
	}
	env.Author = export.Author{ID: local(sig.SignerID), Name: sig.Signer}
	env.ApprovedAt, env.NoteVersion = sig.SignedAt, sig.Version
	return env, env.Validate()
}
