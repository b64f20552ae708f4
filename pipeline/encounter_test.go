package pipeline_test

import (
	"context"
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

func TestNewEncounterFindsTheKnownPatient(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "greffier.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	open := func(in pipeline.NewEncounterInput) store.Encounter {
		t.Helper()
		in.By = store.System
		e, err := pipeline.NewEncounter(ctx, db, in)
		if err != nil {
			t.Fatalf("%+v: %v", in, err)
		}
		return e
	}
	first := open(pipeline.NewEncounterInput{MRN: "MRN-1", Name: "Ana Example"})
	cases := []struct {
		name string
		in   pipeline.NewEncounterInput
		same bool // the first encounter's patient
	}{
		{"same MRN", pipeline.NewEncounterInput{MRN: " MRN-1 ", Name: "Ana Example"}, true},
		{"the MRN as a label", pipeline.NewEncounterInput{Label: "MRN-1"}, true},
		{"a new MRN", pipeline.NewEncounterInput{MRN: "MRN-2"}, false},
		{"a new label", pipeline.NewEncounterInput{Label: "bed 4"}, false},
	}
	for _, c := range cases {
		e := open(c.in)
		if (e.PatientID == first.PatientID) != c.same || e.PatientID == 0 {
			t.Errorf("%s: patient %d, first %d, want same=%v", c.name, e.PatientID, first.PatientID, c.same)
		}
		if e.Template != "soap" {
			t.Errorf("%s: template %q, want soap by default", c.name, e.Template)
		}
	}
	if e := open(pipeline.NewEncounterInput{Label: "bed 4"}); e.PatientID == first.PatientID {
		t.Error("the label found the wrong patient")
	}
	if e := open(pipeline.NewEncounterInput{}); e.PatientID != 0 {
		t.Errorf("no patient given, patient %d made", e.PatientID)
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
