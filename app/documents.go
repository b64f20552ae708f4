package app

import (
	"fmt"
	"os"
	"path/filepath"

	"greffier/atomicfile"
	"greffier/domain"
	"greffier/notes/documents"
	"greffier/pipeline"
	"greffier/store"
)

// Documents is the service of the documents drafted from the note (issue 13):
// patient instructions and a referral letter, each sentence citing the transcript
// and checked against it, edited part by part, signed with the password, exported
// as PDF or a FHIR DocumentReference. The flows are pipeline's, as in the CLI.
type Documents struct{ s *Services }

// DocumentInfo is one document of an encounter, its latest version.
type DocumentInfo struct {
	Kind      string `json:"kind"`
	Version   int    `json:"version"`
	Author    string `json:"author"`
	CreatedAt int64  `json:"created_at"` // Unix ms
	Signer    string `json:"signer,omitempty"`
	SignedAt  int64  `json:"signed_at,omitempty"`
}

// DocumentView is a version of a document to review: the document, who wrote it,
// its signature, and the facts the checkers could not find in the transcript.
type DocumentView struct {
	DocumentInfo
	EncounterID   int64              `json:"encounter_id"`
	LatestVersion int                `json:"latest_version"`
	Document      documents.Document `json:"document"`
	// ToCheck are the warnings to read before signing ("to check: …").
	ToCheck []string `json:"to_check"`
}

func documentInfo(v store.DocumentVersion) DocumentInfo {
	i := DocumentInfo{Kind: v.Kind, Version: v.Version, Author: v.Author, CreatedAt: ms(v.CreatedAt)}
	if v.Signature != nil {
		i.Signer, i.SignedAt = v.Signature.Signer, ms(v.Signature.SignedAt)
	}
	return i
}

// List returns the encounter's documents (their latest versions).
func (d *Documents) List(encID int64) ([]DocumentInfo, error) {
	if err := d.s.ready(); err != nil {
		return nil, err
	}
	vs, err := d.s.db.ListDocuments(d.s.ctx, encID)
	if err != nil {
		return nil, d.s.fail(err)
	}
	latest := map[string]store.DocumentVersion{}
	for _, v := range vs {
		if v.Version > latest[v.Kind].Version {
			latest[v.Kind] = v
		}
	}
	out := []DocumentInfo{}
	for _, k := range documents.Kinds() {
		if v, ok := latest[string(k)]; ok {
			out = append(out, documentInfo(v))
		}
	}
	return out, nil
}

// Get returns version of a document (0: the latest).
func (d *Documents) Get(encID int64, kind string, version int) (DocumentView, error) {
	if err := d.s.ready(); err != nil {
		return DocumentView{}, err
	}
	v, err := d.view(encID, kind, version)
	return v, d.s.fail(err)
}

func (d *Documents) view(encID int64, kind string, version int) (DocumentView, error) {
	ctx := d.s.ctx
	latest, err := d.s.db.GetDocument(ctx, encID, kind, 0)
	if err != nil {
		return DocumentView{}, err
	}
	dv := latest
	if version != 0 && version != latest.Version {
		if dv, err = d.s.db.GetDocument(ctx, encID, kind, version); err != nil {
			return DocumentView{}, err
		}
	}
	doc, err := documents.Parse(dv.Body)
	if err != nil {
		return DocumentView{}, err
	}
	return DocumentView{DocumentInfo: documentInfo(dv), EncounterID: encID, LatestVersion: latest.Version,
		Document: doc, ToCheck: append([]string{}, documents.Unsupported(doc)...)}, nil
}

// Draft drafts a document of kind ("instructions" or "referral") from the latest
// note, in lang ("" for the encounter's language) and, for a referral, to recipient
// ("" for the specialty the note names). Refused once a user has edited it.
func (d *Documents) Draft(encID int64, kind, lang, recipient string) (DocumentView, error) {
	if err := d.s.ready(); err != nil {
		return DocumentView{}, err
	}
	k, err := documents.ParseKind(kind)
	if err != nil {
		return DocumentView{}, d.s.fail(err)
	}
	if lang != "" && lang != "fr" && lang != "en" {
		return DocumentView{}, d.s.fail(domain.Errorf(domain.EInvalid, "document language %q: want fr or en", lang))
	}
	dd, err := pipeline.DraftDocument(d.s.ctx, d.s.db, encID, k, lang, recipient)
	if err != nil {
		return DocumentView{}, d.s.fail(err)
	}
	v, err := d.view(encID, kind, dd.Version.Version)
	return v, d.s.fail(err)
}

// SavePart saves what the user typed as part partKey of the document, edited from
// baseVersion (EConflict if another version was saved since): sentences kept from
// the base keep their evidence, new ones have none until checked, and the whole
// document is checked again against the transcript.
func (d *Documents) SavePart(encID int64, kind, partKey, text string, baseVersion int) (DocumentView, error) {
	by, err := d.s.actingUser()
	if err != nil {
		return DocumentView{}, err
	}
	base, err := d.view(encID, kind, baseVersion)
	if err != nil {
		return DocumentView{}, d.s.fail(err)
	}
	doc := base.Document
	found := false
	for i := range doc.Parts {
		if doc.Parts[i].Key == partKey {
			doc.Parts[i].Sentences = editSentences(doc.Parts[i].Sentences, text)
			found = true
		}
	}
	if !found {
		return DocumentView{}, d.s.fail(domain.Errorf(domain.ENotFound, "the document has no part %q", partKey))
	}
	_, dv, err := pipeline.SaveDocumentEdit(d.s.ctx, d.s.db, encID, doc, by, baseVersion)
	if err != nil {
		return DocumentView{}, d.s.fail(err)
	}
	v, err := d.view(encID, kind, dv.Version)
	return v, d.s.fail(err)
}

// Sign signs version of the document as the session's user with their password
// (physicians only; the version must be the latest).
func (d *Documents) Sign(encID int64, kind string, version int, password string) (DocumentView, error) {
	sess, err := d.s.session()
	if err != nil {
		return DocumentView{}, err
	}
	if _, err := d.s.db.SignDocument(d.s.ctx, sess, encID, kind, version, password); err != nil {
		return DocumentView{}, d.s.fail(err)
	}
	v, err := d.view(encID, kind, version)
	return v, d.s.fail(err)
}

// Export writes the latest, signed version as pdf or fhir (a Bundle with its
// DocumentReference) in dir ("" for the data folder's exports), and records it.
func (d *Documents) Export(encID int64, kind, format, dir string) (ExportResult, error) {
	by, err := d.s.actingUser()
	if err != nil {
		return ExportResult{}, err
	}
	k, err := documents.ParseKind(kind)
	if err != nil {
		return ExportResult{}, d.s.fail(err)
	}
	r, err := pipeline.RenderDocument(d.s.ctx, d.s.db, encID, k, format, by)
	if err != nil {
		return ExportResult{}, d.s.fail(err)
	}
	if dir == "" {
		dir = filepath.Join(d.s.cfg.Dirs.Data, "exports")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return ExportResult{}, d.s.fail(domain.Wrap(domain.EUnavailable, err, "create %s", dir))
	}
	ext := map[string]string{"pdf": "pdf", "fhir": "json"}[format]
	path := filepath.Join(dir, fmt.Sprintf("encounter-%d-%s-v%d.%s", encID, kind, r.Version, ext))
	if err := atomicfile.WriteFile(path, r.Data, 0o600); err != nil {
		return ExportResult{}, d.s.fail(domain.Wrap(domain.EUnavailable, err, "write %s", path))
	}
	if err := d.s.db.DocumentExported(d.s.ctx, encID, kind, r.Version, by, format); err != nil {
		return ExportResult{}, d.s.fail(err)
	}
	return ExportResult{Format: format, Path: path, Bytes: len(r.Data)}, nil
}
