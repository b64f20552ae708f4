package pipeline_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"greffier/domain"
	"greffier/icd10"
	"greffier/notes/draft"
	"greffier/notes/templates"
	"greffier/notes/transcript"
	"greffier/pipeline"
	"greffier/store"
)

// approvedNote makes a real store with a drafted note for one encounter, approved by
// a physician unless approve is false. It returns the store, the encounter and the
// physician.
func approvedNote(t *testing.T, approve bool) (*store.DB, int64, int64) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "greffier.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	doc, err := db.CreateUser(ctx, "Dr Ada Test", domain.UserPhysician)
	if err != nil {
		t.Fatal(err)
	}
	p, err := db.CreatePatient(ctx, store.Patient{LocalID: "P-1", MRN: "MRN-1", Name: "Pat Example", BirthDate: "1960-01-02"})
	if err != nil {
		t.Fatal(err)
	}
	enc, err := db.CreateEncounter(ctx, store.NewEncounter{By: store.System, PatientID: p.ID, Language: domain.LangEnglish, Template: "soap"})
	if err != nil {
		t.Fatal(err)
	}
	segs, _ := transcript.ParseDialogue(visit)
	if err := db.SaveSegments(ctx, enc.ID, segs); err != nil {
		t.Fatal(err)
	}
	ix, err := icd10.Open(ctx, ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	tmpl, _ := templates.Loader{}.Get("soap")
	note, err := pipeline.Draft(ctx, draft.Extractive{Codes: ix}, draft.Request{Segments: segs, Template: tmpl, Language: "en"})
	if err != nil {
		t.Fatal(err)
	}
	v, err := pipeline.SaveDraft(ctx, db, enc.ID, store.System, note, segs, "SOAP note")
	if err != nil {
		t.Fatal(err)
	}
	if approve {
		if err := db.Approve(ctx, enc.ID, doc.ID, v.Version); err != nil {
			t.Fatal(err)
		}
	}
	return db, enc.ID, doc.ID
}

func TestExportRefusesAnUnapprovedNote(t *testing.T) {
	db, id, doc := approvedNote(t, false)
	out := filepath.Join(t.TempDir(), "x.txt")
	for _, f := range pipeline.ExportFormats {
		_, err := pipeline.RunExport(context.Background(), db, pipeline.Export{EncounterID: id, By: doc, Format: f, Out: out})
		if domain.ErrorCode(err) != domain.EConflict {
			t.Errorf("%s: err %v, want EConflict", f, err)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("an unapproved note was written")
	}
}

func TestExportRefusesBadRequests(t *testing.T) {
	db, id, doc := approvedNote(t, true)
	cases := []pipeline.Export{
		{EncounterID: id, By: doc, Format: "docx"},
		{EncounterID: id, By: doc, Format: "pdf", Post: "http://127.0.0.1:9"},
		{EncounterID: id, By: doc, Format: "fhir", Post: "http://127.0.0.1:9", Out: "x"},
	}
	for _, x := range cases {
		if _, err := pipeline.RunExport(context.Background(), db, x); domain.ErrorCode(err) != domain.EInvalid {
			t.Errorf("%+v: err %v, want EInvalid", x, err)
		}
	}
	if e, _ := db.GetEncounter(context.Background(), id); e.State != domain.StateApproved {
		t.Errorf("state %s after refused exports, want approved", e.State)
	}
}

func TestExportWritesMarksAndNamesTheSoftware(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		format string
		want   string // in the export
	}{
		{"fhir", `"` + pipeline.Version + `"`}, // the Device names the software
		{"hl7", "MDM^T02"},
		{"txt", "150/95"},
		{"pdf", "%PDF-"},
	}
	for _, c := range cases {
		t.Run(c.format, func(t *testing.T) {
			db, id, doc := approvedNote(t, true)
			dir := filepath.Join(t.TempDir(), "exports")
			out := pipeline.ExportFile(dir, id, c.format)
			// By 0: the approving physician exports.
			res, err := pipeline.RunExport(ctx, db, pipeline.Export{EncounterID: id, Format: c.format, Out: out})
			if err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(out)
			if err != nil || !bytes.Equal(data, res.Data) || !strings.Contains(string(data), c.want) {
				t.Fatalf("file %s: %v; want the export holding %q", out, err, c.want)
			}
			if st, _ := os.Stat(out); st.Mode().Perm() != 0o600 {
				t.Errorf("export mode %v, want 0600", st.Mode().Perm())
			}
			if st, _ := os.Stat(dir); st.Mode().Perm() != 0o700 {
				t.Errorf("exports folder mode %v, want 0700", st.Mode().Perm())
			}
			e, err := db.GetEncounter(ctx, id)
			if err != nil || e.State != domain.StateExported {
				t.Fatalf("state %s, %v; want exported", e.State, err)
			}
			audit, _ := db.Audit(ctx, store.AuditFilter{EncounterID: id})
			last := audit[len(audit)-1]
			if last.Action != store.ActionExport || last.UserID != doc {
				t.Errorf("last audit entry %+v: want an export by the approving physician %d", last, doc)
			}
		})
	}
}

func TestExportToAWriter(t *testing.T) {
	db, id, doc := approvedNote(t, true)
	var buf bytes.Buffer
	if _, err := pipeline.RunExport(context.Background(), db, pipeline.Export{EncounterID: id, By: doc, Format: "txt", To: &buf}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "lisinopril") {
		t.Errorf("written %q", buf.String())
	}
}
