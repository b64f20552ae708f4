package app

import (
	"context"
	"os"
	"strings"
	"time"

	"greffier/domain"
	"greffier/pipeline"
	"greffier/store"
)

// Encounters is the Home and Review-queue service: list, create, open, import.
type Encounters struct{ s *Services }

// EncounterSummary is one row of a list.
type EncounterSummary struct {
	ID           int64                 `json:"id"`
	PatientLabel string                `json:"patient_label"`
	State        domain.EncounterState `json:"state"`
	CreatedAt    int64                 `json:"created_at"` // Unix ms
	UpdatedAt    int64                 `json:"updated_at"`
	Snippet      string                `json:"snippet,omitempty"` // search hits only
}

// EncounterView is one encounter with its transcript.
type EncounterView struct {
	EncounterSummary
	Language        domain.Language  `json:"language"`
	Template        string           `json:"template"`
	ConsentKind     string           `json:"consent_kind"`
	LatestVersion   int              `json:"latest_version"`
	ApprovedVersion int              `json:"approved_version"`
	Segments        []domain.Segment `json:"segments"`
}

// NewEncounter is what the new-encounter form sends.
type NewEncounter struct {
	PatientLabel string          `json:"patient_label"`
	PatientName  string          `json:"patient_name"`
	Language     domain.Language `json:"language"` // note language, fr or en
	Template     string          `json:"template"` // soap, hp, progress
	Consent      bool            `json:"consent"`  // the patient agreed to the recording
	ConsentKind  string          `json:"consent_kind"`
	// PatientID is the existing patient the user confirmed the label belongs to
	// (MatchPatient showed who it is). 0: the label must be new.
	PatientID int64 `json:"patient_id,omitempty"`
}

// PatientMatch is the existing patient a label names, shown to the user before an
// encounter is filed under them.
type PatientMatch struct {
	ID        int64  `json:"id"`
	LocalID   string `json:"local_id"`
	Name      string `json:"name"`
	BirthDate string `json:"birth_date"`
}

// Queue is the review queue: notes to mark ready (secretary) and to sign (physician).
type Queue struct {
	Drafted  []EncounterSummary `json:"drafted"`
	InReview []EncounterSummary `json:"in_review"`
	Approved []EncounterSummary `json:"approved"`
}

func ms(t time.Time) int64 { return t.UnixMilli() }

func (e *Encounters) summary(ctx context.Context, x store.Encounter) EncounterSummary {
	sum := EncounterSummary{ID: x.ID, State: x.State, CreatedAt: ms(x.CreatedAt), UpdatedAt: ms(x.UpdatedAt)}
	if x.PatientID != 0 {
		if p, err := e.s.db.GetPatient(ctx, x.PatientID); err == nil {
			sum.PatientLabel = p.LocalID
			if sum.PatientLabel == "" {
				sum.PatientLabel = p.Name
			}
		}
	}
	return sum
}

func (e *Encounters) list(ctx context.Context, f store.ListFilter) ([]EncounterSummary, error) {
	xs, err := e.s.db.ListEncounters(ctx, f)
	if err != nil {
		return nil, err
	}
	out := make([]EncounterSummary, 0, len(xs))
	for _, x := range xs {
		out = append(out, e.summary(ctx, x))
	}
	return out, nil
}

// Today lists the encounters started today (local time), newest first.
func (e *Encounters) Today() ([]EncounterSummary, error) {
	if err := e.s.ready(); err != nil {
		return nil, err
	}
	now := time.Now()
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location())
	out, err := e.list(e.s.ctx, store.ListFilter{From: day, To: day.AddDate(0, 0, 1)})
	return out, e.s.fail(err)
}

// Search finds encounters whose transcript or note holds all the words. The search
// is audited as the session's user's (how many results, never the words).
func (e *Encounters) Search(query string) ([]EncounterSummary, error) {
	by, err := e.s.actingUser()
	if err != nil {
		return nil, err
	}
	ctx := e.s.ctx
	hits, err := e.s.db.Search(ctx, store.Query{Text: query, Limit: 50})
	if err != nil {
		return nil, e.s.fail(err)
	}
	out := make([]EncounterSummary, 0, len(hits))
	for _, h := range hits {
		x, err := e.s.db.GetEncounter(ctx, h.EncounterID)
		if err != nil {
			continue
		}
		sum := e.summary(ctx, x)
		sum.Snippet = h.Snippet
		out = append(out, sum)
	}
	if err := e.s.db.AuditRecordSearch(ctx, by, len(out)); err != nil {
		return nil, e.s.fail(err)
	}
	return out, nil
}

// Create starts an encounter for a patient label (created if new). Consent is
// required: Greffier does not record or transcribe without it.
func (e *Encounters) Create(n NewEncounter) (EncounterView, error) {
	by, err := e.s.actingUser()
	if err != nil {
		return EncounterView{}, err
	}
	v, err := e.create(e.s.ctx, n, by)
	return v, e.s.fail(err)
}

func (e *Encounters) create(ctx context.Context, n NewEncounter, by int64) (EncounterView, error) {
	label := strings.TrimSpace(n.PatientLabel)
	switch {
	case !n.Consent:
		return EncounterView{}, domain.Errorf(domain.EInvalid, "the patient's consent to recording is required")
	case label == "":
		return EncounterView{}, domain.Errorf(domain.EInvalid, "a patient label is required")
	case n.Language != "" && !n.Language.NoteLanguage():
		return EncounterView{}, domain.Errorf(domain.EInvalid, "note language must be fr or en")
	}
	kind := n.ConsentKind
	if kind == "" {
		kind = "verbal"
	}
	x, err := pipeline.NewEncounter(ctx, e.s.db, pipeline.NewEncounterInput{
		By: by, Label: label, Name: n.PatientName, PatientID: n.PatientID, Language: n.Language, Template: n.Template,
		Consent: &store.Consent{Kind: kind, By: by, At: time.Now()},
	})
	if err != nil {
		return EncounterView{}, err
	}
	return e.view(ctx, x)
}

// MatchPatient returns the existing patient whose local id is exactly label, or nil
// if the label is new. The new-encounter form shows who it is (name, birth date) and
// asks before filing the encounter under them.
func (e *Encounters) MatchPatient(label string) (*PatientMatch, error) {
	if err := e.s.ready(); err != nil {
		return nil, err
	}
	p, err := e.s.db.PatientByLocalID(e.s.ctx, label)
	if domain.ErrorCode(err) == domain.ENotFound {
		return nil, nil
	}
	if err != nil {
		return nil, e.s.fail(err)
	}
	return &PatientMatch{ID: p.ID, LocalID: p.LocalID, Name: p.Name, BirthDate: p.BirthDate}, nil
}

func (e *Encounters) view(ctx context.Context, x store.Encounter) (EncounterView, error) {
	segs, err := e.s.db.Segments(ctx, x.ID)
	if err != nil {
		return EncounterView{}, err
	}
	if segs == nil {
		segs = []domain.Segment{}
	}
	v := EncounterView{
		EncounterSummary: e.summary(ctx, x),
		Language:         x.Language, Template: x.Template,
		LatestVersion: x.LatestVersion, ApprovedVersion: x.ApprovedVersion,
		Segments: segs,
	}
	if x.Consent != nil {
		v.ConsentKind = x.Consent.Kind
	}
	return v, nil
}

// Get opens an encounter (recorded in the audit log as viewed by the session's user).
func (e *Encounters) Get(id int64) (EncounterView, error) {
	by, err := e.s.actingUser()
	if err != nil {
		return EncounterView{}, err
	}
	ctx := e.s.ctx
	x, err := e.s.db.ViewEncounter(ctx, id, by)
	if err != nil {
		return EncounterView{}, e.s.fail(err)
	}
	v, err := e.view(ctx, x)
	return v, e.s.fail(err)
}

// Queue lists the notes waiting for review, for signature, and signed.
func (e *Encounters) Queue() (Queue, error) {
	if err := e.s.ready(); err != nil {
		return Queue{}, err
	}
	ctx := e.s.ctx
	var q Queue
	var err error
	for _, p := range []struct {
		st  domain.EncounterState
		dst *[]EncounterSummary
	}{{domain.StateDrafted, &q.Drafted}, {domain.StateInReview, &q.InReview}, {domain.StateApproved, &q.Approved}} {
		if *p.dst, err = e.list(ctx, store.ListFilter{State: p.st}); err != nil {
			return Queue{}, e.s.fail(err)
		}
	}
	return q, nil
}

// PickAudioFile opens the native file dialog; "" if the user cancelled.
func (e *Encounters) PickAudioFile() (string, error) {
	if err := e.s.ready(); err != nil {
		return "", err
	}
	if e.s.platform == nil {
		return "", e.s.fail(domain.Errorf(domain.EUnavailable, "no file dialog here"))
	}
	p, err := e.s.platform.OpenFile("Audio", []string{"*.wav", "*.mp3", "*.flac", "*.ogg", "*.m4a"})
	return p, e.s.fail(err)
}

// ImportFile transcribes an audio file into the encounter's transcript, as a job:
// "job" events report progress and "segment" events carry the text as it comes.
func (e *Encounters) ImportFile(id int64, path string) (Job, error) {
	if err := e.s.ready(); err != nil {
		return Job{}, err
	}
	if _, err := e.s.db.GetEncounter(e.s.ctx, id); err != nil {
		return Job{}, e.s.fail(err)
	}
	if st, err := os.Stat(path); err != nil || st.IsDir() {
		return Job{}, e.s.fail(domain.Errorf(domain.EInvalid, "cannot read the audio file %s", path))
	}
	return e.s.jobs.start("import", id, func(ctx context.Context, progress func(string, float64)) error {
		return e.importFile(ctx, id, path, progress)
	}), nil
}

func (e *Encounters) importFile(ctx context.Context, id int64, path string, progress func(string, float64)) error {
	progress("decode", 0)
	samples, err := pipeline.LoadAudio(path)
	if err != nil {
		return err
	}
	progress("model", 0.05)
	w, err := e.s.whisper()
	if err != nil {
		return err
	}
	// The imported file is kept with the encounter, encrypted, like a recording made here.
	_, err = pipeline.ImportRecording(ctx, e.s.db, e.s.cfg.Dirs, w, pipeline.Recording{
		EncounterID: id, File: path, Samples: samples, Threads: e.s.cfg.Threads, Sched: &e.s.sched,
		OnFinal: func(final []domain.Segment, done float64) {
			for _, seg := range final {
				e.s.emit("segment", SegmentEvent{EncounterID: id, Segment: seg})
			}
			progress("transcribe", 0.05+0.9*done)
		}})
	return err
}

// SegmentEvent carries one transcript segment of an encounter to the UI.
type SegmentEvent struct {
	EncounterID int64          `json:"encounter_id"`
	Segment     domain.Segment `json:"segment"`
}

// Job returns the last known state of a job.
func (e *Encounters) Job(id string) (Job, error) {
	if err := e.s.ready(); err != nil {
		return Job{}, err
	}
	j, ok := e.s.jobs.get(id)
	if !ok {
		return Job{}, e.s.fail(domain.Errorf(domain.ENotFound, "no job %s", id))
	}
	return j, nil
}

// CancelJob stops a running job; false if it had already ended.
func (e *Encounters) CancelJob(id string) (bool, error) {
	if err := e.s.ready(); err != nil {
		return false, err
	}
	return e.s.jobs.cancel(id), nil
}
