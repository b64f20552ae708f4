// Package pipeline chains the core packages the way an encounter flows: audio through
// the streaming transcriber, a transcript through a drafter and its checks, a draft
// into the store as a new version with its code suggestions, and an approved note out
// as an export. It owns every flow the desktop app and the CLI share, and every
// default they share (environment, data folder, models, templates, languages, the
// code table, the drafter), so both edges behave the same: they parse input, call a
// flow here and present the result.
package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"greffier/domain"
	"greffier/notes/draft"
	"greffier/notes/schema"
	"greffier/store"
	"greffier/transcribe"
)

// TranscribeSamples runs 16 kHz mono samples through the same streaming path as a
// live recording, queued as an import behind live work on sched (nil: its own).
// onFinal, if not nil, receives each final window's segments and the share of the
// audio done so far.
func TranscribeSamples(ctx context.Context, eng transcribe.Engine, sched *transcribe.Scheduler, samples []float32,
	opts transcribe.Options, onFinal func(segs []domain.Segment, done float64)) ([]domain.Segment, error) {
	totalMS := float64(len(samples)) * 1000 / transcribe.SampleRate
	st, err := transcribe.NewStreamer(ctx, transcribe.StreamConfig{
		Engine: eng, Scheduler: sched, Import: true, Options: opts,
		OnUpdate: func(u transcribe.Update) {
			if !u.Final || onFinal == nil {
				return
			}
			done := 1.0
			if totalMS > 0 {
				done = min(1, float64(u.Window.EndMS)/totalMS)
			}
			onFinal(u.Segments, done)
		},
	})
	if err != nil {
		return nil, err
	}
	defer st.Close()
	if err := st.Write(samples); err != nil {
		return nil, err
	}
	segs, err := st.Stop(ctx)
	if err != nil {
		return nil, err
	}
	if segs == nil {
		segs = []domain.Segment{}
	}
	return segs, nil
}

// Draft asks d for a note and runs the checks every draft gets, whatever drafted it:
// evidence ids must name existing segments, low-confidence quotes are flagged, and the
// note must match its schema.
func Draft(ctx context.Context, d draft.Drafter, req draft.Request) (schema.Note, error) {
	note, err := d.Draft(ctx, req)
	if err != nil {
		return schema.Note{}, err
	}
	draft.CheckEvidence(&note, req.Segments)
	draft.CheckFacts(&note, req.Segments)
	draft.FlagLowConfidence(&note, req.Segments)
	if err := schema.Validate(note); err != nil {
		return schema.Note{}, domain.Wrap(domain.EInternal, err, "the drafted note fails its schema")
	}
	return note, nil
}

// SaveDraft stores a drafted note as a new version (SaveVersion) and records its
// ICD-10-CM codes as suggestions (SuggestCodes).
func SaveDraft(ctx context.Context, db *store.DB, encID, by int64, note schema.Note, segs []domain.Segment, title string) (store.Version, error) {
	v, err := SaveVersion(ctx, db, encID, by, note, title)
	if err != nil {
		return v, err
	}
	return v, SuggestCodes(ctx, db, encID, by, note, segs)
}

// SaveVersion stores note as a new version of the encounter's draft, rendered as text
// under title for diffs and search. It is how every save is made: Greffier's drafts
// and a user's edits alike.
func SaveVersion(ctx context.Context, db *store.DB, encID, by int64, note schema.Note, title string) (store.Version, error) {
	return SaveVersionFrom(ctx, db, encID, by, 0, note, title)
}

// SaveVersionFrom is SaveVersion for a note made from version base: EConflict if
// another version was saved since (checked in the write transaction; 0: no check).
func SaveVersionFrom(ctx context.Context, db *store.DB, encID, by int64, base int, note schema.Note, title string) (store.Version, error) {
	if err := schema.Validate(note); err != nil {
		return store.Version{}, domain.Wrap(domain.EInternal, err, "the note fails its schema")
	}
	body, err := json.Marshal(note)
	if err != nil {
		return store.Version{}, fmt.Errorf("encode note: %w", err)
	}
	var text bytes.Buffer
	if err := draft.RenderText(&text, note, title); err != nil {
		return store.Version{}, fmt.Errorf("render note: %w", err)
	}
	return db.SaveDraftVersion(ctx, store.DraftInput{EncounterID: encID, By: by, Body: body, Text: text.String(), Base: base})
}

// SuggestCodes records the note's ICD-10-CM codes as suggestions for review, each
// with the transcript text it rests on.
func SuggestCodes(ctx context.Context, db *store.DB, encID, by int64, note schema.Note, segs []domain.Segment) error {
	var sugg []store.CodeSuggestion
	for _, p := range note.Problems {
		if p.ICD10 != nil && p.ICD10.Code != "" {
			sugg = append(sugg, store.CodeSuggestion{Code: p.ICD10.Code, Display: p.ICD10.Title, Evidence: EvidenceText(segs, p.Evidence)})
		}
	}
	if len(sugg) == 0 {
		return nil
	}
	return db.SuggestCodes(ctx, encID, by, sugg)
}

// KeepRecording stores an encrypted copy of an audio file with the encounter, in dir,
// under its own file key (store.NewFileKey).
func KeepRecording(ctx context.Context, db *store.DB, dir string, encID int64, file string) (store.Recording, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return store.Recording{}, domain.Wrap(domain.EUnavailable, err, "create recordings folder %s", dir)
	}
	dst := filepath.Join(dir, fmt.Sprintf("encounter-%d-%d%s.enc", encID, time.Now().UnixNano(), strings.ToLower(filepath.Ext(file))))
	// Under a key of its own, which retention destroys with the file.
	fk, err := db.NewFileKey(ctx, encID)
	if err != nil {
		return store.Recording{}, err
	}
	if err := fk.Keys.EncryptFile(file, dst); err != nil {
		db.DestroyFileKey(ctx, fk.ID)
		return store.Recording{}, fmt.Errorf("keep recording of encounter %d: %w", encID, err)
	}
	rec, err := db.SaveKeyedRecording(ctx, encID, dst, fk.ID)
	if err != nil {
		os.Remove(dst)
		db.DestroyFileKey(ctx, fk.ID)
	}
	return rec, err
}

// EvidenceText joins the text of the segments an item cites.
func EvidenceText(segs []domain.Segment, ids schema.Evidence) string {
	byID := make(map[int]string, len(segs))
	for _, s := range segs {
		byID[s.ID] = strings.TrimSpace(s.Text)
	}
	var parts []string
	for _, id := range ids {
		if t, ok := byID[id]; ok {
			parts = append(parts, t)
		}
	}
	return strings.Join(parts, " ")
}
