package store_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"greffier/domain"
	"greffier/store"
)

type fixture struct {
	db                   *store.DB
	physician, secretary store.User
	admin                store.User
	enc                  store.Encounter
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	ctx := context.Background()
	f := fixture{db: mustOpen(t)}
	var err error
	for _, u := range []struct {
		dst  *store.User
		name string
		role domain.UserRole
	}{{&f.physician, "Dr House", domain.UserPhysician}, {&f.secretary, "Sam", domain.UserSecretary}, {&f.admin, "Root", domain.UserAdmin}} {
		if *u.dst, err = f.db.CreateUser(ctx, u.name, u.role); err != nil {
			t.Fatal(err)
		}
	}
	if f.enc, err = f.db.CreateEncounter(ctx, store.NewEncounter{Consent: &store.Consent{Kind: "verbal", By: f.secretary.ID}}); err != nil {
		t.Fatal(err)
	}
	return f
}

func note(plan string) json.RawMessage {
	return json.RawMessage(`{"sections":[{"title":"Assessment","text":"Viral pharyngitis."},{"title":"Plan","text":"` + plan + `"}]}`)
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := domain.ErrorCode(err); got != code {
		t.Fatalf("error %v: code %q, want %q", err, got, code)
	}
}

func (f fixture) state(t *testing.T) domain.EncounterState {
	t.Helper()
	e, err := f.db.GetEncounter(context.Background(), f.enc.ID)
	if err != nil {
		t.Fatal(err)
	}
	return e.State
}

func TestWorkflowRoles(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	id := f.enc.ID
	if f.enc.State != domain.StateRecording || f.enc.Consent == nil || f.enc.Consent.By != f.secretary.ID {
		t.Fatalf("new encounter: %+v", f.enc)
	}
	// Nothing to approve or export yet.
	wantCode(t, f.db.Approve(ctx, id, f.physician.ID, 0), domain.EConflict)
	wantCode(t, f.db.MarkExported(ctx, id, f.physician.ID, "fhir"), domain.EConflict)

	if err := f.db.SaveSegments(ctx, id, []domain.Segment{{StartMS: 0, EndMS: 900, Text: "Sore throat for three days."}}); err != nil {
		t.Fatal(err)
	}
	if st := f.state(t); st != domain.StateTranscribed {
		t.Fatalf("after transcript: %s", st)
	}
	if _, err := f.db.SaveDraftVersion(ctx, store.DraftInput{EncounterID: id, By: store.System, Body: note("Rest.")}); err != nil {
		t.Fatal(err)
	}
	if st := f.state(t); st != domain.StateDrafted {
		t.Fatalf("after draft: %s", st)
	}
	// The transcript is evidence now: it cannot be replaced.
	wantCode(t, f.db.SaveSegments(ctx, id, nil), domain.EConflict)

	// An admin neither edits nor approves; a secretary edits and marks ready but
	// cannot approve.
	_, err := f.db.SaveDraftVersion(ctx, store.DraftInput{EncounterID: id, By: f.admin.ID, Body: note("x")})
	wantCode(t, err, domain.EForbidden)
	if _, err := f.db.SaveDraftVersion(ctx, store.DraftInput{EncounterID: id, By: f.secretary.ID, Body: note("Rest and fluids.")}); err != nil {
		t.Fatal(err)
	}
	wantCode(t, f.db.Approve(ctx, id, f.secretary.ID, 0), domain.EForbidden)
	wantCode(t, f.db.Approve(ctx, id, f.admin.ID, 0), domain.EForbidden)
	wantCode(t, f.db.Approve(ctx, id, store.System, 0), domain.EForbidden)
	wantCode(t, f.db.MarkReady(ctx, id, f.admin.ID), domain.EForbidden)
	if err := f.db.MarkReady(ctx, id, f.secretary.ID); err != nil {
		t.Fatal(err)
	}
	if st := f.state(t); st != domain.StateInReview {
		t.Fatalf("after mark ready: %s", st)
	}
	wantCode(t, f.db.MarkReady(ctx, id, f.secretary.ID), domain.EConflict)
	// Greffier does not redraft a note under review.
	_, err = f.db.SaveDraftVersion(ctx, store.DraftInput{EncounterID: id, By: store.System, Body: note("y")})
	wantCode(t, err, domain.EConflict)
	wantCode(t, f.db.MarkExported(ctx, id, f.secretary.ID, "fhir"), domain.EConflict)

	// A physician signs only the latest version.
	wantCode(t, f.db.Approve(ctx, id, f.physician.ID, 1), domain.EConflict)
	if err := f.db.Approve(ctx, id, f.physician.ID, 2); err != nil {
		t.Fatal(err)
	}
	e, _ := f.db.GetEncounter(ctx, id)
	if e.State != domain.StateApproved || e.ApprovedBy != f.physician.ID || e.ApprovedVersion != 2 || e.ApprovedAt == nil {
		t.Fatalf("after approve: %+v", e)
	}
	if err := f.db.MarkExported(ctx, id, f.secretary.ID, "fhir"); err != nil {
		t.Fatal(err)
	}
	if st := f.state(t); st != domain.StateExported {
		t.Fatalf("after export: %s", st)
	}

	// Editing the exported note makes version 3, clears the approval, and needs a
	// new signature before it exports again.
	v3, err := f.db.SaveDraftVersion(ctx, store.DraftInput{EncounterID: id, By: f.secretary.ID, Body: note("Rest, fluids, and ibuprofen.")})
	if err != nil || v3.Version != 3 {
		t.Fatalf("edit after export: %+v %v", v3, err)
	}
	e, _ = f.db.GetEncounter(ctx, id)
	if e.State != domain.StateInReview || e.ApprovedAt != nil || e.ApprovedVersion != 0 {
		t.Fatalf("after editing an exported note: %+v", e)
	}
	wantCode(t, f.db.MarkExported(ctx, id, f.physician.ID, "fhir"), domain.EConflict)
	if err := f.db.Approve(ctx, id, f.physician.ID, 0); err != nil {
		t.Fatal(err)
	}
	if err := f.db.CanExport(ctx, id); err != nil {
		t.Fatalf("can export after re-approval: %v", err)
	}

	// Older versions are still there, unchanged.
	v1, err := f.db.GetVersion(ctx, id, 1)
	if err != nil || !strings.Contains(v1.Text, "Rest.") || v1.Author != "greffier" {
		t.Fatalf("version 1: %+v %v", v1, err)
	}
	vs, err := f.db.ListVersions(ctx, id)
	if err != nil || len(vs) != 3 || vs[1].AuthorID != f.secretary.ID {
		t.Fatalf("versions: %+v %v", vs, err)
	}
	d, err := f.db.Diff(ctx, id, 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	var del, ins, same int
	for _, l := range d {
		switch {
		case l.Op == store.DiffDelete && strings.Contains(l.Text, "Rest and fluids."):
			del++
		case l.Op == store.DiffInsert && strings.Contains(l.Text, "ibuprofen"):
			ins++
		case l.Op == store.DiffEqual:
			same++
		default:
			t.Errorf("unexpected diff line %+v", l)
		}
	}
	if del != 1 || ins != 1 || same < 3 {
		t.Errorf("diff 2→3:\n%s", d)
	}
	// The database itself refuses to change a version.
	if err := f.db.RawExec(ctx, `UPDATE draft_versions SET created_at = 0 WHERE version = 1`); err == nil {
		t.Error("a draft version was updated in place")
	}
}

func TestCodesNeedReapproval(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	id := f.enc.ID
	if _, err := f.db.SaveDraftVersion(ctx, store.DraftInput{EncounterID: id, By: store.System, Body: note("Rest.")}); err != nil {
		t.Fatal(err)
	}
	if err := f.db.SuggestCodes(ctx, id, store.System, []store.CodeSuggestion{{Code: "J02.9", Display: "Acute pharyngitis, unspecified", Evidence: "sore throat"}}); err != nil {
		t.Fatal(err)
	}
	wantCode(t, f.db.SetCodeStatus(ctx, id, "", "J02.9", store.CodeAccepted, f.admin.ID), domain.EForbidden)
	wantCode(t, f.db.SetCodeStatus(ctx, id, "", "Z99.9", store.CodeAccepted, f.physician.ID), domain.ENotFound)
	if err := f.db.SetCodeStatus(ctx, id, "", "J02.9", store.CodeAccepted, f.secretary.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.db.Approve(ctx, id, f.physician.ID, 0); err != nil {
		t.Fatal(err)
	}
	if err := f.db.SetCodeStatus(ctx, id, "", "J02.9", store.CodeRejected, f.physician.ID); err != nil {
		t.Fatal(err)
	}
	if st := f.state(t); st != domain.StateInReview {
		t.Fatalf("changing a code of an approved note: state %s, want in_review", st)
	}
	cs, err := f.db.Codes(ctx, id)
	if err != nil || len(cs) != 1 || cs[0].Status != store.CodeRejected || cs[0].DecidedBy != f.physician.ID || cs[0].Evidence != "sore throat" {
		t.Fatalf("codes: %+v %v", cs, err)
	}
}

func TestAuditChainDetectsTampering(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	id := f.enc.ID
	if _, err := f.db.SaveDraftVersion(ctx, store.DraftInput{EncounterID: id, By: f.physician.ID, Body: note("Rest.")}); err != nil {
		t.Fatal(err)
	}
	if err := f.db.Approve(ctx, id, f.physician.ID, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.ViewEncounter(ctx, id, f.secretary.ID); err != nil {
		t.Fatal(err)
	}
	entries, err := f.db.Audit(ctx, store.AuditFilter{EncounterID: id})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range entries {
		actions = append(actions, e.Actor+":"+e.Action)
	}
	want := "greffier:create Sam:consent Dr House:edit Dr House:approve Sam:view"
	if strings.Join(actions, " ") != want {
		t.Fatalf("audit = %q, want %q", strings.Join(actions, " "), want)
	}
	n, err := f.db.VerifyAudit(ctx)
	if err != nil || n < 5 {
		t.Fatalf("verify clean log: %d %v", n, err)
	}
	// The log is append-only in the database itself.
	if err := f.db.RawExec(ctx, `UPDATE audit_log SET actor = 'Sam' WHERE action = 'approve'`); err == nil {
		t.Fatal("audit entry updated in place")
	}
	if err := f.db.RawExec(ctx, `DELETE FROM audit_log WHERE action = 'view'`); err == nil {
		t.Fatal("audit entry deleted")
	}
	// Someone with raw write access drops the triggers and rewrites history.
	for _, tc := range []struct {
		name, sql, msg string
	}{
		{"altered", `UPDATE audit_log SET actor = 'Sam', user_id = 2 WHERE action = 'approve'`, "altered"},
		{"removed", `DELETE FROM audit_log WHERE action = 'consent'`, "removed or inserted"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := newFixture(t)
			if err := g.db.Approve(ctx, g.enc.ID, g.physician.ID, 0); err == nil {
				t.Fatal("approved a note with no draft")
			}
			if _, err := g.db.SaveDraftVersion(ctx, store.DraftInput{EncounterID: g.enc.ID, By: g.physician.ID, Body: note("x")}); err != nil {
				t.Fatal(err)
			}
			if err := g.db.Approve(ctx, g.enc.ID, g.physician.ID, 0); err != nil {
				t.Fatal(err)
			}
			if _, err := g.db.VerifyAudit(ctx); err != nil {
				t.Fatalf("before tampering: %v", err)
			}
			for _, q := range []string{`DROP TRIGGER audit_log_no_update`, `DROP TRIGGER audit_log_no_delete`, tc.sql} {
				if err := g.db.RawExec(ctx, q); err != nil {
					t.Fatal(err)
				}
			}
			_, err := g.db.VerifyAudit(ctx)
			if domain.ErrorCode(err) != domain.EConflict || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("verify after tampering: %v", err)
			}
		})
	}
}
