package pipeline

import (
	"context"
	"strings"

	"greffier/appdirs"
	"greffier/domain"
	"greffier/notes/draft"
	"greffier/store"
	"greffier/transcribe"
)

// Recording is an audio file to add to an encounter's transcript.
type Recording struct {
	EncounterID int64
	File        string
	// Samples are File's, as LoadAudio read them (read first, so that a bad file
	// is refused before anything is stored).
	Samples []float32
	// Spoken is the language spoken; "" or auto lets a multilingual model detect it.
	Spoken  domain.Language
	Threads int
	// Sched queues the work behind live recordings (nil: its own).
	Sched *transcribe.Scheduler
	// OnFinal, if set, receives final segments and the share of the audio done.
	OnFinal func(segs []domain.Segment, done float64)
}

// MultilingualEngine is a transcription engine that says whether it can detect the
// spoken language (whisper models ending in .en cannot).
type MultilingualEngine interface {
	transcribe.Engine
	Multilingual() bool
}

// ImportRecording keeps an encrypted copy of the file with the encounter first (so a
// failed transcription loses nothing), then transcribes it through the streaming path
// and stores the transcript.
func ImportRecording(ctx context.Context, db *store.DB, dirs appdirs.Dirs, eng MultilingualEngine, r Recording) ([]domain.Segment, error) {
	if _, err := KeepRecording(ctx, db, dirs.Recordings(), r.EncounterID, r.File); err != nil {
		return nil, err
	}
	lang := SpokenLanguage(r.Spoken, eng.Multilingual())
	segs, err := TranscribeSamples(ctx, eng, r.Sched, r.Samples,
		transcribe.Options{Language: string(lang), Threads: r.Threads}, r.OnFinal)
	if err != nil {
		return nil, err
	}
	return segs, db.SaveSegments(ctx, r.EncounterID, segs)
}

// DraftRequest asks for a note on a stored encounter.
type DraftRequest struct {
	EncounterID int64
	// Template and Language override the encounter's ("" keeps them; the template
	// defaults to soap, the language to the transcript's).
	Template string
	Language domain.Language
}

// DraftInput is what drafting an encounter needs: the request for the drafter
// (transcript, template, language) and the note's title in that language.
type DraftInput struct {
	Request draft.Request
	Title   string
}

// LoadDraft reads what drafting the encounter needs from the store: its transcript,
// its template and the note's language (NoteLanguage). Draft then drafts it;
// nothing is saved until SaveDraft.
func LoadDraft(ctx context.Context, db *store.DB, dirs appdirs.Dirs, req DraftRequest) (DraftInput, error) {
	x, err := db.GetEncounter(ctx, req.EncounterID)
	if err != nil {
		return DraftInput{}, err
	}
	segs, err := db.Segments(ctx, req.EncounterID)
	if err != nil {
		return DraftInput{}, err
	}
	key := req.Template
	if key == "" {
		key = x.Template
	}
	t, err := Template(dirs, key)
	if err != nil {
		return DraftInput{}, err
	}
	lang := NoteLanguage(req.Language, x.Language, segs)
	return DraftInput{
		Request: draft.Request{Segments: segs, Template: t, Language: string(lang)},
		Title:   t.Title.In(string(lang)),
	}, nil
}

// NewEncounterInput describes an encounter to open.
type NewEncounterInput struct {
	By int64 // who opens it; store.System for Greffier
	// The patient, named by Label, their local id. A new label creates the patient
	// (with MRN and Name) in the encounter's transaction; all three empty: no patient.
	// A label that is already a patient's local id files the encounter under them
	// only if PatientID is theirs: the caller confirmed who it is. Labels match local
	// ids exactly, never MRNs or row ids.
	Label, MRN, Name string
	PatientID        int64
	Language         domain.Language
	Template         string // "" is soap
	Consent          *store.Consent
}

// NewEncounter opens an encounter, for a new patient or a confirmed existing one
// (see NewEncounterInput): a label never silently files a visit under someone else.
func NewEncounter(ctx context.Context, db *store.DB, in NewEncounterInput) (store.Encounter, error) {
	pid, newPatient, err := patient(ctx, db, in)
	if err != nil {
		return store.Encounter{}, err
	}
	if in.Template == "" {
		in.Template = "soap"
	}
	return db.CreateEncounter(ctx, store.NewEncounter{
		By: in.By, PatientID: pid, NewPatient: newPatient, Language: in.Language, Template: in.Template, Consent: in.Consent,
	})
}

func patient(ctx context.Context, db *store.DB, in NewEncounterInput) (int64, *store.Patient, error) {
	label, mrn, name := strings.TrimSpace(in.Label), strings.TrimSpace(in.MRN), strings.TrimSpace(in.Name)
	if label == "" && in.PatientID != 0 {
		return 0, nil, domain.Errorf(domain.EInvalid, "a confirmed patient needs their local id")
	}
	if label != "" {
		p, err := db.PatientByLocalID(ctx, label)
		switch {
		case domain.ErrorCode(err) == domain.ENotFound:
			if in.PatientID != 0 {
				return 0, nil, domain.Errorf(domain.EConflict, "patient %d was confirmed, but the label names no existing patient; check the label", in.PatientID)
			}
		case err != nil:
			return 0, nil, err
		case in.PatientID != p.ID:
			return 0, nil, domain.Errorf(domain.EConflict, "this label is an existing patient's: confirm who it is before filing the encounter under them")
		default:
			return p.ID, nil, nil
		}
	}
	if label == "" && mrn == "" && name == "" {
		return 0, nil, nil
	}
	return 0, &store.Patient{LocalID: label, MRN: mrn, Name: name}, nil
}
