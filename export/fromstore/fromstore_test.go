package fromstore_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"greffier/domain"
	"greffier/export/fromstore"
	"greffier/notes/schema"
	"greffier/store"
)

// approved makes a real store holding one approved encounter; withPatient adds its
// patient.
func approved(t *testing.T, withPatient bool) (*store.DB, int64, int64) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "g.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	u, err := db.CreateUser(ctx, "Dr Amy Nguyen", domain.UserPhysician)
	if err != nil {
		t.Fatal(err)
	}
	ne := store.NewEncounter{Template: "hp", Language: "en"}
	if withPatient {
		p, err := db.CreatePatient(ctx, store.Patient{MRN: "R-1001", Name: "Sean O'Brien"})
		if err != nil {
			t.Fatal(err)
		}
		ne.PatientID = p.ID
	}
	e, err := db.CreateEncounter(ctx, ne)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(schema.Note{SchemaVersion: schema.Version, Template: "hp", Language: "en",
		Drafter:  schema.DrafterInfo{Kind: schema.DrafterExtractive},
		Sections: []schema.Section{{Key: "hpi", Title: "History of present illness", Sentences: []schema.Sentence{{Text: "Headache.", Evidence: schema.Evidence{1}}}}}})
	if _, err := db.SaveDraftVersion(ctx, store.DraftInput{EncounterID: e.ID, By: store.System, Body: body}); err != nil {
		t.Fatal(err)
	}
	if err := db.Approve(ctx, e.ID, u.ID, 0); err != nil {
		t.Fatal(err)
	}
	return db, e.ID, u.ID
}

func TestLoad(t *testing.T) {
	ctx := context.Background()
	db, id, by := approved(t, true)
	if err := db.SetSetting(ctx, fromstore.SettingClinicName, "Riverside", by); err != nil {
		t.Fatal(err)
	}
	doc, err := fromstore.Load(ctx, db, id, by)
	if err != nil {
		t.Fatal(err)
	}
	if doc.Clinic.Name != "Riverside" || doc.Patient.MRN != "R-1001" || doc.Patient.DisplayName() != "Sean O'Brien" ||
		doc.Author.DisplayName() != "Dr Amy Nguyen" || doc.NoteVersion != 1 || doc.Type().LOINC != "34117-2" {
		t.Fatalf("document %+v", doc)
	}
	// The signature: an approval without a password (a key-file database), sealed by
	// this database.
	sig := doc.Signature
	if sig == nil || sig.Signer != "Dr Amy Nguyen" || sig.Version != 1 || len(sig.SHA256) != 64 || sig.PasswordChecked ||
		sig.SealFormat != "application/jose" || !sig.SignedAt.Equal(doc.ApprovedAt) {
		t.Fatalf("signature %+v", sig)
	}
	if c, err := db.VerifySeal(string(sig.Seal)); err != nil || c.SHA256 != sig.SHA256 || c.Version != 1 {
		t.Errorf("seal: %+v %v", c, err)
	}
	// Local ids carry this database's instance id, stable across exports and
	// different from another database's.
	if !strings.HasSuffix(doc.Encounter.ID, "-1") || len(doc.Encounter.ID) < 10 {
		t.Errorf("encounter id %q", doc.Encounter.ID)
	}
	again, _ := fromstore.Load(ctx, db, id, by)
	if again.Encounter.ID != doc.Encounter.ID {
		t.Errorf("instance id changed: %s then %s", doc.Encounter.ID, again.Encounter.ID)
	}
	other, oid, oby := approved(t, true)
	od, err := fromstore.Load(ctx, other, oid, oby)
	if err != nil {
		t.Fatal(err)
	}
	if od.Encounter.ID == doc.Encounter.ID {
		t.Errorf("two databases export encounter 1 as the same id %s", od.Encounter.ID)
	}
}

func TestLoadRefuses(t *testing.T) {
	ctx := context.Background()
	db, id, by := approved(t, false)
	_, err := fromstore.Load(ctx, db, id, by)
	if domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), "patient") {
		t.Errorf("no patient: err = %v, want EInvalid", err)
	}
	// A secretary's edit after approval sends the note back to review: no export.
	sec, _ := db.CreateUser(ctx, "Léa", domain.UserSecretary)
	body, _ := json.Marshal(schema.Note{SchemaVersion: schema.Version, Template: "hp", Language: "en",
		Drafter: schema.DrafterInfo{Kind: schema.DrafterExtractive}})
	if _, err := db.SaveDraftVersion(ctx, store.DraftInput{EncounterID: id, By: sec.ID, Body: body}); err != nil {
		t.Fatal(err)
	}
	_, err = fromstore.Load(ctx, db, id, by)
	if domain.ErrorCode(err) != domain.EConflict {
		t.Errorf("edited after approval: err = %v, want EConflict", err)
	}
}
