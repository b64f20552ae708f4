// Package fromstore builds an export.Document from Greffier's SQLite store, for the CLI
// and the app alike. It refuses, through the store's own check, any note that a
// physician has not approved.
package fromstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"greffier/domain"
	"greffier/export"
	"greffier/notes/schema"
	"greffier/store"
)

// Settings keys for what exports say about the clinic.
const (
	SettingClinicID        = "clinic.id"         // short code, e.g. HL7 MSH-4
	SettingClinicName      = "clinic.name"       // printed on PDFs
	SettingClinicMRNSystem = "clinic.mrn_system" // FHIR system URI of MRNs
	// SettingInstanceID is a random id of this database, made at the first export. It
	// prefixes local numeric ids (encounter 42 → "3f9c…-42"), because two laptops of
	// one clinic both have an encounter 42: without it a FHIR server's conditional
	// create would take one laptop's encounter for the other's.
	SettingInstanceID = "export.instance_id"
)

// Load returns encounter encID as a Document. It fails with EConflict (from the
// store) unless the note is approved or already exported, and with EInvalid when the
// approved note is missing what an export needs (patient, names). by is the user
// exporting: recorded if the database's instance id has to be created.
func Load(ctx context.Context, db *store.DB, encID, by int64) (export.Document, error) {
	if err := db.CanExport(ctx, encID); err != nil {
		return export.Document{}, err
	}
	e, err := db.GetEncounter(ctx, encID)
	if err != nil {
		return export.Document{}, err
	}
	if e.ApprovedVersion == 0 || e.ApprovedAt == nil {
		return export.Document{}, domain.Errorf(domain.EConflict, "encounter %d has no approved version", encID)
	}
	v, err := db.GetVersion(ctx, encID, e.ApprovedVersion)
	if err != nil {
		return export.Document{}, err
	}
	note, err := schema.Parse(v.Body)
	if err != nil {
		return export.Document{}, domain.Wrap(domain.EInvalid, err, "encounter %d version %d is not a valid note", encID, v.Version)
	}
	doc, local, err := envelope(ctx, db, e, by)
	if err != nil {
		return export.Document{}, err
	}
	doc.ApprovedAt, doc.NoteVersion, doc.Note = *e.ApprovedAt, e.ApprovedVersion, note
	users, err := db.ListUsers(ctx)
	if err != nil {
		return export.Document{}, err
	}
	for _, u := range users {
		if u.ID == e.ApprovedBy {
			doc.Author = export.Author{ID: local(u.ID), Name: u.Name}
		}
	}
	ap, err := db.Approval(ctx, encID)
	if err != nil {
		return export.Document{}, err
	}
	doc.Signature = &export.Signature{Signer: ap.Signer, SignedAt: ap.SignedAt, Version: ap.Version, SHA256: ap.SHA256,
		PasswordChecked: ap.PasswordChecked, Meaning: store.SignatureMeaning, Seal: []byte(ap.Seal), SealFormat: store.SealFormat}
	codes, err := db.Codes(ctx, encID)
	if err != nil {
		return export.Document{}, err
	}
	for _, c := range codes {
		if c.Status == store.CodeAccepted && strings.EqualFold(c.System, "icd-10-cm") {
			doc.AcceptedCodes = append(doc.AcceptedCodes, export.Code{Code: c.Code, Title: c.Display})
		}
	}
	if err := doc.Validate(); err != nil {
		return export.Document{}, err
	}
	return doc, nil
}

// Clinic reads the clinic's settings. Unset values are empty; the exporters have
// defaults for them.
func Clinic(ctx context.Context, db *store.DB) (export.Clinic, error) {
	var c export.Clinic
	for _, f := range []struct {
		key string
		dst *string
	}{{SettingClinicID, &c.ID}, {SettingClinicName, &c.Name}, {SettingClinicMRNSystem, &c.MRNSystem}} {
		v, _, err := db.Setting(ctx, f.key)
		if err != nil {
			return c, err
		}
		*f.dst = v
	}
	return c, nil
}

// Envelope is what every export of encounter encID says around its content: the
// clinic, the patient and the encounter, with ids prefixed by this database's
// instance id (made, as by, on the first export) so a receiver links a note and the
// documents drafted from it to the same patient and encounter. local makes such an
// id for a row of this database.
func Envelope(ctx context.Context, db *store.DB, encID, by int64) (doc export.Document, local func(int64) string, err error) {
	e, err := db.GetEncounter(ctx, encID)
	if err != nil {
		return export.Document{}, nil, err
	}
	return envelope(ctx, db, e, by)
}

func envelope(ctx context.Context, db *store.DB, e store.Encounter, by int64) (export.Document, func(int64) string, error) {
	inst, err := instanceID(ctx, db, by)
	if err != nil {
		return export.Document{}, nil, err
	}
	local := func(id int64) string { return inst + "-" + strconv.FormatInt(id, 10) }
	doc := export.Document{Encounter: export.Encounter{ID: local(e.ID), Start: e.StartedAt}}
	if doc.Clinic, err = Clinic(ctx, db); err != nil {
		return export.Document{}, nil, err
	}
	if e.PatientID != 0 {
		p, err := db.GetPatient(ctx, e.PatientID)
		if err != nil {
			return export.Document{}, nil, err
		}
		doc.Patient = export.Patient{ID: p.LocalID, MRN: p.MRN, Name: p.Name, BirthDate: p.BirthDate}
		if doc.Patient.ID == "" {
			doc.Patient.ID = local(p.ID)
		}
	}
	return doc, local, nil
}

func instanceID(ctx context.Context, db *store.DB, by int64) (string, error) {
	v, ok, err := db.Setting(ctx, SettingInstanceID)
	if err != nil || ok {
		return v, err
	}
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("make instance id: %w", err)
	}
	v = hex.EncodeToString(b[:])
	if err := db.SetSetting(ctx, SettingInstanceID, v, by); err != nil {
		return "", err
	}
	return v, nil
}
