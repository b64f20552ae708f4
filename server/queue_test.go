package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"greffier/domain"
	"greffier/notes/draft"
	"greffier/notes/templates"
	"greffier/notes/transcript"
	"greffier/pipeline"
	"greffier/server"
	"greffier/store"
)

const greyPW = "grey password long enough"

// addGreysEncounter adds a second physician, Dr Grey, and a drafted encounter of
// hers on the given day, its consent recorded by her (as a laptop records it, and a
// hand-off carries it), through a second handle on the server's database.
func addGreysEncounter(t *testing.T, c *clinic, day time.Time) int64 {
	t.Helper()
	ctx := context.Background()
	db, admin := asAdmin(t, c.dir, c.opt)
	defer db.Close()
	grey, err := db.AddUser(ctx, admin, "Dr Grey", domain.UserPhysician, greyPW)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Authenticate(ctx, "Dr Grey", greyPW); err != nil {
		t.Fatal(err)
	}
	e, err := db.CreateEncounter(ctx, store.NewEncounter{By: grey.ID, StartedAt: day, Language: "en", Template: "soap",
		NewPatient: &store.Patient{Name: "Jeanne Martin"}, Consent: &store.Consent{Kind: "verbal", By: grey.ID}})
	if err != nil {
		t.Fatal(err)
	}
	segs, _ := transcript.ParseDialogue(visit)
	tmpl, _ := templates.Loader{}.Get("soap")
	note, err := pipeline.Draft(ctx, draft.Extractive{}, draft.Request{Segments: segs, Template: tmpl, Language: "en"})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SaveSegments(ctx, e.ID, segs); err != nil {
		t.Fatal(err)
	}
	if _, err := pipeline.SaveDraft(ctx, db, e.ID, store.System, note, segs, "SOAP note"); err != nil {
		t.Fatal(err)
	}
	return e.ID
}

type queueItem struct {
	ID           int64                 `json:"id"`
	PatientLabel string                `json:"patient_label"`
	State        domain.EncounterState `json:"state"`
	StartedAt    int64                 `json:"started_at"`
	Physician    string                `json:"physician"`
}

func TestSecretaryQueueAcrossPhysicians(t *testing.T) {
	c := startClinic(t, 2) // Dr House's two, on 2 March 2026
	day := time.Date(2026, 2, 27, 10, 30, 0, 0, time.Local)
	grey := addGreysEncounter(t, c, day)
	sec := c.browser(t)
	sec.mustLogin("Camille", secPW)

	ids := func(q string) []int64 {
		t.Helper()
		var items []queueItem
		st, code := sec.do("GET", "/api/encounters"+q, nil, &items)
		mustStatus(t, "queue "+q, st, code, http.StatusOK)
		out := []int64{}
		for _, it := range items {
			out = append(out, it.ID)
		}
		return out
	}
	same := func(q string, want ...int64) {
		t.Helper()
		got := ids(q)
		if len(got) != len(want) {
			t.Errorf("queue %s = %v, want %v", q, got, want)
			return
		}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("queue %s = %v, want %v (newest first)", q, got, want)
				return
			}
		}
	}
	house1, house2 := c.enc[0], c.enc[1]

	var all []queueItem
	sec.do("GET", "/api/encounters", nil, &all)
	if len(all) != 3 || all[2].ID != grey || all[2].Physician != "Dr Grey" || all[2].PatientLabel != "Jeanne Martin" ||
		all[2].StartedAt != day.UnixMilli() || all[0].Physician != "Dr House" || all[0].PatientLabel != "PAT-00002" {
		t.Fatalf("whole queue = %+v", all)
	}
	// The physician: the consent's recorder (Dr Grey's), else the creator (Dr House's).
	same("?physician="+url.QueryEscape("Dr Grey"), grey)
	same("?physician="+url.QueryEscape("Dr House"), house2, house1)
	// Days are the server's local days, both ends included.
	same("?from=2026-02-27&to=2026-02-27", grey)
	same("?to=2026-02-28", grey)
	same("?from=2026-02-28", house2, house1)
	same("?from=2026-03-02&to=2026-03-02&physician=" + url.QueryEscape("Dr Grey"))

	st, code := sec.do("POST", fmt.Sprintf("/api/encounters/%d/ready", house1), nil, nil)
	mustStatus(t, "mark ready", st, code, http.StatusOK)
	same("?state=in_review&physician="+url.QueryEscape("Dr House"), house1)
	same("?state=drafted&physician="+url.QueryEscape("Dr House"), house2)
	same("?state=in_review&physician=" + url.QueryEscape("Dr Grey"))
	same("?state=drafted&from=2026-02-01&to=2026-03-31", house2, grey)

	for _, q := range []string{"?physician=Nobody", "?from=2026-13-01", "?to=yesterday", "?state=signed"} {
		st, code := sec.do("GET", "/api/encounters"+q, nil, nil)
		mustStatus(t, "queue "+q, st, code, http.StatusBadRequest)
	}

	var docs []server.Physician
	st, code = sec.do("GET", "/api/physicians", nil, &docs)
	mustStatus(t, "physicians", st, code, http.StatusOK)
	if len(docs) != 2 || docs[0].Name != "Dr Grey" || docs[1].Name != "Dr House" {
		t.Errorf("physicians = %+v", docs)
	}
	st, code = c.browser(t).do("GET", "/api/encounters?physician=Dr", nil, nil)
	mustStatus(t, "queue without a session", st, code, http.StatusUnauthorized)
}
