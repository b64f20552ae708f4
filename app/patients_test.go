package app_test

import (
	"context"
	"strconv"
	"testing"

	"greffier/app"
	"greffier/domain"
	"greffier/store"
)

// A new encounter's label is matched to patients by exact local id only. A label
// that happens to equal an existing patient's row id or MRN files the encounter under
// a new patient; a label that is an existing patient's local id is filed under them
// only once the user has seen who it is (name, birth date) and confirmed.
func TestPatientLabelNeverMatchesRowID(t *testing.T) {
	s, dirs := services(t)
	ctx := context.Background()
	addUser(t, s, "Sam Sec", "secretary")
	act(t, s, "Sam Sec")
	db := openDB(t, dirs)
	zoe, err := db.CreatePatient(ctx, store.Patient{LocalID: "ZED-7", MRN: "4417", Name: "Zoé Durand", BirthDate: "1961-04-02"})
	if err != nil {
		t.Fatal(err)
	}
	patientOf := func(v app.EncounterView) int64 {
		t.Helper()
		x, err := db.GetEncounter(ctx, v.ID)
		if err != nil {
			t.Fatal(err)
		}
		return x.PatientID
	}
	for _, label := range []string{strconv.FormatInt(zoe.ID, 10), "4417"} {
		if m, err := s.Encounters.MatchPatient(label); err != nil || m != nil {
			t.Fatalf("label %q matched %+v, %v", label, m, err)
		}
		v, err := s.Encounters.Create(app.NewEncounter{PatientLabel: label, Consent: true})
		if err != nil {
			t.Fatalf("label %q: %v", label, err)
		}
		if pid := patientOf(v); pid == zoe.ID || pid == 0 || v.PatientLabel != label {
			t.Errorf("label %q (Zoé's row id or MRN) filed under patient %d (Zoé is %d), shown as %q", label, pid, zoe.ID, v.PatientLabel)
		}
	}
	// Zoé's own local id: the form is told who it is, and must confirm.
	m, err := s.Encounters.MatchPatient(" ZED-7 ")
	if err != nil || m == nil || m.ID != zoe.ID || m.Name != "Zoé Durand" || m.BirthDate != "1961-04-02" {
		t.Fatalf("match ZED-7: %+v, %v", m, err)
	}
	if m, err := s.Encounters.MatchPatient("zed-7"); err != nil || m != nil {
		t.Errorf("a label differing in case matched %+v, %v", m, err)
	}
	if _, err := s.Encounters.Create(app.NewEncounter{PatientLabel: "ZED-7", Consent: true}); code(t, err) != domain.EConflict {
		t.Fatalf("filing under an existing patient without confirming: %v", err)
	}
	if _, err := s.Encounters.Create(app.NewEncounter{PatientLabel: "NEW-1", Consent: true, PatientID: zoe.ID}); code(t, err) != domain.EConflict {
		t.Fatalf("a confirmed patient for a label that is not theirs: %v", err)
	}
	v, err := s.Encounters.Create(app.NewEncounter{PatientLabel: "ZED-7", Consent: true, PatientID: zoe.ID})
	if err != nil || patientOf(v) != zoe.ID {
		t.Fatalf("confirmed: %+v, %v", v, err)
	}
	// A refused encounter leaves no patient behind: the label is still new.
	if _, err := s.Session.Logout(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Encounters.Create(app.NewEncounter{PatientLabel: "GHOST-1", Consent: true}); code(t, err) != app.EUnauthenticated {
		t.Fatalf("an encounter without a user: %v", err)
	}
	act(t, s, "Sam Sec")
	if m, err := s.Encounters.MatchPatient("GHOST-1"); err != nil || m != nil {
		t.Errorf("the refused encounter created patient %+v, %v", m, err)
	}
}
