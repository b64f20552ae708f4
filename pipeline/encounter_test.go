package pipeline_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"greffier/appdirs"
	"greffier/domain"
	"greffier/pipeline"
	"greffier/store"
	"greffier/transcribe/transcribetest"
	"greffier/transcribe/whisper"
)

// A label files the encounter under an existing patient only when the caller
// confirmed them (PatientID); MRNs and row ids never match.
func TestNewEncounterAttachesOnlyAConfirmedPatient(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "greffier.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	open := func(in pipeline.NewEncounterInput) (store.Encounter, error) {
		in.By = store.System
		return pipeline.NewEncounter(ctx, db, in)
	}
	first, err := open(pipeline.NewEncounterInput{Label: "P-1", MRN: "MRN-1", Name: "Ana Example"})
	if err != nil || first.PatientID == 0 {
		t.Fatalf("first encounter: patient %d, %v", first.PatientID, err)
	}
	if first.Template != "soap" {
		t.Errorf("template %q, want soap by default", first.Template)
	}
	cases := []struct {
		name string
		in   pipeline.NewEncounterInput
		same bool   // the first encounter's patient
		code string // the refusal, if any
	}{
		{"the label confirmed", pipeline.NewEncounterInput{Label: " P-1 ", PatientID: first.PatientID}, true, ""},
		{"the label unconfirmed", pipeline.NewEncounterInput{Label: "P-1"}, false, domain.EConflict},
		{"the label confirmed as someone else", pipeline.NewEncounterInput{Label: "P-1", PatientID: first.PatientID + 1}, false, domain.EConflict},
		{"a confirmed patient with a new label", pipeline.NewEncounterInput{Label: "P-9", PatientID: first.PatientID}, false, domain.EConflict},
		{"a confirmed patient without a label", pipeline.NewEncounterInput{PatientID: first.PatientID}, false, domain.EInvalid},
		{"the MRN as a label", pipeline.NewEncounterInput{Label: "MRN-1"}, false, ""},
		// MRNs are unique: a second patient with it is refused, never attached.
		{"the same MRN", pipeline.NewEncounterInput{MRN: "MRN-1"}, false, domain.EConflict},
		{"the row id as a label", pipeline.NewEncounterInput{Label: fmt.Sprint(first.PatientID)}, false, ""},
	}
	for _, c := range cases {
		e, err := open(c.in)
		if c.code != "" {
			if domain.ErrorCode(err) != c.code {
				t.Errorf("%s: %v, want %s", c.name, err, c.code)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if (e.PatientID == first.PatientID) != c.same || e.PatientID == 0 {
			t.Errorf("%s: patient %d, first %d, want same=%v", c.name, e.PatientID, first.PatientID, c.same)
		}
	}
	if e, err := open(pipeline.NewEncounterInput{}); err != nil || e.PatientID != 0 {
		t.Errorf("no patient given: patient %d made (%v)", e.PatientID, err)
	}
}

// The real chain: the audio decoder, whisper on an empty model (real compute, no
// words), the encrypted store. The recording is kept before the transcript is made.
func TestImportRecordingKeepsTheFileAndTheTranscript(t *testing.T) {
	ctx := context.Background()
	dirs := appdirs.Dirs{Data: t.TempDir()}
	db, err := store.Open(ctx, dirs.Database())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	eng, err := whisper.Load(transcribetest.EmptyModel(t, "tiny.en"))
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	enc, err := pipeline.NewEncounter(ctx, db, pipeline.NewEncounterInput{By: store.System})
	if err != nil {
		t.Fatal(err)
	}
	file := transcribetest.JFKPath(t)
	samples, err := pipeline.LoadAudio(file)
	if err != nil {
		t.Fatal(err)
	}
	var finals int
	segs, err := pipeline.ImportRecording(ctx, db, dirs, eng, pipeline.Recording{
		EncounterID: enc.ID, File: file, Samples: samples, Threads: 2,
		OnFinal: func([]domain.Segment, float64) { finals++ }})
	if err != nil {
		t.Fatal(err)
	}
	recs, err := db.Recordings(ctx, enc.ID)
	if err != nil || len(recs) != 1 {
		t.Fatalf("recordings %v, %v: want the file kept", recs, err)
	}
	if _, err := os.Stat(recs[0].Path); err != nil {
		t.Errorf("kept recording: %v", err)
	}
	stored, err := db.Segments(ctx, enc.ID)
	if err != nil || len(stored) != len(segs) {
		t.Errorf("stored %d segments (%v), returned %d", len(stored), err, len(segs))
	}
	if finals == 0 {
		t.Error("no final window reported")
	}

	// A cancelled import reports it.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := pipeline.ImportRecording(cctx, db, dirs, eng, pipeline.Recording{EncounterID: enc.ID, File: file, Samples: samples}); err == nil {
		t.Fatal("a cancelled import succeeded")
	}
}
