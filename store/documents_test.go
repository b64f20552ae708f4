package store_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"greffier/domain"
	"greffier/store"
)

func docBody(text string) json.RawMessage {
	return json.RawMessage(`{"schema_version":"1","kind":"instructions","language":"en","title":"Your instructions","parts":[{"key":"at_home","title":"At home","sentences":[{"text":"` + text + `","evidence":[1]}]}],"source":{"drafter":"rules"},"warnings":[]}`)
}

func TestDocumentVersionsSignAndExport(t *testing.T) {
	ctx := context.Background()
	f := newAuthFixture(t)
	db := f.db
	const kind = store.DocInstructions

	// Nothing yet: not found, nothing to sign or export.
	if _, err := db.GetDocument(ctx, f.enc, kind, 0); domain.ErrorCode(err) != domain.ENotFound {
		t.Fatalf("no document yet: %v", err)
	}
	if _, err := db.SignDocument(ctx, f.doc, f.enc, kind, 0, docPW); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("sign nothing: %v", err)
	}
	if _, err := db.SaveDocumentVersion(ctx, store.DocumentInput{EncounterID: f.enc, Kind: "letter", Body: docBody("x")}); domain.ErrorCode(err) != domain.EInvalid {
		t.Fatalf("unknown kind: %v", err)
	}

	v1, err := db.SaveDocumentVersion(ctx, store.DocumentInput{EncounterID: f.enc, Kind: kind, By: store.System, Body: docBody("Drink plenty of fluids.")})
	if err != nil {
		t.Fatal(err)
	}
	got, err := db.GetDocument(ctx, f.enc, kind, 0)
	if err != nil || got.Version != 1 || got.Author != "greffier" || !bytes.Equal(got.Body, v1.Body) || got.Signature != nil {
		t.Fatalf("round trip: %+v %v", got, err)
	}
	// Sealed at rest, bound to its row.
	var sealed []byte
	if err := db.RawQueryRow(ctx, `SELECT body_enc FROM document_versions WHERE id = ?`, v1.ID).Scan(&sealed); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("fluids")) {
		t.Fatal("document stored in clear")
	}

	// Greffier may redraft its own draft, not a user's edit; edits check their base.
	if _, err := db.SaveDocumentVersion(ctx, store.DocumentInput{EncounterID: f.enc, Kind: kind, By: store.System, Body: docBody("Rest.")}); err != nil {
		t.Fatalf("redraft: %v", err)
	}
	if _, err := db.SaveDocumentVersion(ctx, store.DocumentInput{EncounterID: f.enc, Kind: kind, By: f.secUser.ID, Body: docBody("Rest and fluids."), Base: 1}); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("edit from a stale base: %v", err)
	}
	v3, err := db.SaveDocumentVersion(ctx, store.DocumentInput{EncounterID: f.enc, Kind: kind, By: f.secUser.ID, Body: docBody("Rest and fluids."), Base: 2})
	if err != nil || v3.Version != 3 || v3.Author != "Sam" {
		t.Fatalf("secretary edits: %+v %v", v3, err)
	}
	if _, err := db.SaveDocumentVersion(ctx, store.DocumentInput{EncounterID: f.enc, Kind: kind, By: store.System, Body: docBody("Rest.")}); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("Greffier redrafts over a user's edit: %v", err)
	}
	if _, err := db.ExportableDocument(ctx, f.enc, kind); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("export unsigned: %v", err)
	}

	// Signing needs a physician, the password now, and the latest version.
	if _, err := db.SignDocument(ctx, f.doc, f.enc, kind, 0, "not the password"); domain.ErrorCode(err) != domain.EForbidden {
		t.Fatalf("wrong password: %v", err)
	}
	if _, err := db.SignDocument(ctx, f.sec, f.enc, kind, 0, secPW); domain.ErrorCode(err) != domain.EForbidden {
		t.Fatalf("secretary signs: %v", err)
	}
	if _, err := db.SignDocument(ctx, nil, f.enc, kind, 0, docPW); domain.ErrorCode(err) != domain.EForbidden {
		t.Fatalf("no session: %v", err)
	}
	if _, err := db.SignDocument(ctx, f.doc, f.enc, kind, 2, docPW); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("old version signed: %v", err)
	}
	sig, err := db.SignDocument(ctx, f.doc, f.enc, kind, 3, docPW)
	if err != nil {
		t.Fatal(err)
	}
	if sig.Version != 3 || sig.Signer != "Dr House" || sig.SHA256 != sha256Hex(v3.Body) {
		t.Fatalf("signature %+v", sig)
	}
	if _, err := db.SignDocument(ctx, f.doc, f.enc, kind, 0, docPW); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("signed twice: %v", err)
	}
	x, err := db.ExportableDocument(ctx, f.enc, kind)
	if err != nil || x.Version != 3 || x.Signature == nil || x.Signature.SHA256 != sig.SHA256 {
		t.Fatalf("exportable: %+v %v", x, err)
	}
	if err := db.DocumentExported(ctx, f.enc, kind, 3, f.docUser.ID, "pdf"); err != nil {
		t.Fatal(err)
	}
	// The referral letter is its own document: nothing to export there.
	if _, err := db.ExportableDocument(ctx, f.enc, store.DocReferral); domain.ErrorCode(err) != domain.ENotFound {
		t.Fatalf("referral: %v", err)
	}

	// A signature is bound to its version: copied onto another, it is refused.
	if err := db.RawExec(ctx, `INSERT INTO document_signatures (encounter_id, kind, version, signer_id, signed_at, sig_enc)
		SELECT encounter_id, kind, 2, signer_id, signed_at, sig_enc FROM document_signatures WHERE version = 3`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.GetDocument(ctx, f.enc, kind, 2); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("forged signature accepted: %v", err)
	}
	if err := db.RawExec(ctx, `UPDATE document_versions SET body_enc = x'00' WHERE version = 3`); err == nil {
		t.Fatal("a document version was changed")
	}

	// An edit after signing is a new, unsigned version: export waits for a new signature.
	if _, err := db.SaveDocumentVersion(ctx, store.DocumentInput{EncounterID: f.enc, Kind: kind, By: f.docUser.ID, Body: docBody("Rest, fluids.")}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExportableDocument(ctx, f.enc, kind); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("edited after signing, still exportable: %v", err)
	}
	if err := db.DocumentExported(ctx, f.enc, kind, 3, f.docUser.ID, "pdf"); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("old signed version exported: %v", err)
	}
	list, err := db.ListDocuments(ctx, f.enc)
	if err == nil {
		t.Fatalf("list with a forged signature: %d versions", len(list))
	}

	entries, err := db.Audit(ctx, store.AuditFilter{EncounterID: f.enc})
	if err != nil {
		t.Fatal(err)
	}
	var approvals, exports, refusals, edits int
	for _, e := range entries {
		if !strings.Contains(e.Detail, "document="+kind) {
			continue
		}
		switch e.Action {
		case store.ActionApprove:
			approvals++
			if !strings.Contains(e.Detail, "password=checked") || !strings.Contains(e.Detail, sig.SHA256) {
				t.Errorf("approval detail %q", e.Detail)
			}
		case store.ActionExport:
			exports++
		case store.ActionSignRefused:
			refusals++
		case store.ActionEdit:
			edits++
		}
	}
	if approvals != 1 || exports != 1 || refusals != 6 || edits != 4 {
		t.Errorf("audit: %d approvals, %d exports, %d refusals, %d edits; want 1, 1, 6, 4", approvals, exports, refusals, edits)
	}
	if _, err := db.VerifyAudit(ctx); err != nil {
		t.Errorf("audit chain: %v", err)
	}
}
