package store_test

import (
	"context"
	"strconv"
	"testing"

	"greffier/domain"
	"greffier/store"
)

// Filing matches local ids exactly; lookups (FindPatient) add the MRN; neither ever
// takes a label for a row id.
func TestPatientLookupsNeverUseRowID(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t)
	p, err := db.CreatePatient(ctx, store.Patient{LocalID: "ZED-7", MRN: "4417", Name: "Zoé Durand", BirthDate: "1961-04-02"})
	if err != nil {
		t.Fatal(err)
	}
	row := strconv.FormatInt(p.ID, 10)
	for _, tc := range []struct {
		ref             string
		byLocal, byFind bool
	}{{"ZED-7", true, true}, {" ZED-7 ", true, true}, {"4417", false, true}, {row, false, false}, {"zed-7", false, false}, {"", false, false}} {
		got, err := db.PatientByLocalID(ctx, tc.ref)
		if tc.byLocal != (err == nil) || (err == nil && (got.ID != p.ID || got.Name != "Zoé Durand" || got.BirthDate != "1961-04-02")) {
			t.Errorf("PatientByLocalID(%q) = %+v, %v", tc.ref, got, err)
		} else if err != nil && domain.ErrorCode(err) != domain.ENotFound {
			t.Errorf("PatientByLocalID(%q): %v", tc.ref, err)
		}
		id, err := db.FindPatient(ctx, tc.ref)
		if tc.byFind != (err == nil) || (err == nil && id != p.ID) {
			t.Errorf("FindPatient(%q) = %d, %v", tc.ref, id, err)
		}
	}
	// A new patient with an encounter is one transaction: a refused encounter (no
	// such user) creates no patient.
	if _, err := db.CreateEncounter(ctx, store.NewEncounter{By: 999, NewPatient: &store.Patient{LocalID: "GHOST-1"}}); domain.ErrorCode(err) != domain.ENotFound {
		t.Fatalf("encounter by a missing user: %v", err)
	}
	if _, err := db.PatientByLocalID(ctx, "GHOST-1"); domain.ErrorCode(err) != domain.ENotFound {
		t.Errorf("the refused encounter left patient GHOST-1: %v", err)
	}
	e, err := db.CreateEncounter(ctx, store.NewEncounter{NewPatient: &store.Patient{LocalID: "NEW-1"}})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := db.PatientByLocalID(ctx, "NEW-1"); err != nil || e.PatientID != n.ID {
		t.Errorf("encounter filed under %d, NEW-1 is %+v, %v", e.PatientID, n, err)
	}
}
