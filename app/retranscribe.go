package app

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"greffier/audio"
	"greffier/audio/opus"
	"greffier/domain"
	"greffier/pipeline"
	"greffier/transcribe"
	"greffier/transcribe/whisper"
)

// Retranscribe transcribes an encounter's kept recording again, as a job: with
// another whisper model (a file name in the models folder; "" the current one) or
// another spoken language ("fr", "en"; "" or "auto" detects it). The recording is
// decrypted in memory only. The new transcript replaces the old one while no note
// has been drafted from it (EConflict after).
func (r *Recording) Retranscribe(encID int64, model, language string) (Job, error) {
	s := r.s
	if err := s.ready(); err != nil {
		return Job{}, err
	}
	if language != "" && language != "auto" && language != "fr" && language != "en" {
		return Job{}, s.fail(domain.Errorf(domain.EInvalid, "spoken language must be fr, en or auto"))
	}
	if model != "" && filepath.Base(model) != model {
		return Job{}, s.fail(domain.Errorf(domain.EInvalid, "model %q: a file name in the models folder", model))
	}
	if s.jobs.running("transcribe", encID) {
		return Job{}, s.fail(domain.Errorf(domain.EConflict, "encounter %d is already being transcribed", encID))
	}
	return s.jobs.start("transcribe", encID, func(ctx context.Context, progress func(string, float64)) error {
		progress("decrypt", 0)
		samples, err := r.keptAudio(ctx, encID)
		if err != nil {
			return err
		}
		eng, done, err := r.engine(model)
		if err != nil {
			return err
		}
		defer done()
		lang := language
		switch {
		case !eng.Multilingual() && lang != "" && lang != "auto" && lang != "en":
			return domain.Errorf(domain.EInvalid, "this whisper model understands English only; choose a multilingual model for %s", lang)
		case !eng.Multilingual():
			lang = "en"
		case lang == "":
			lang = "auto"
		}
		progress("transcribe", 0.05)
		segs, err := pipeline.TranscribeSamples(ctx, eng, &s.sched, samples,
			transcribe.Options{Language: lang, Threads: s.cfg.Threads},
			func(_ []domain.Segment, p float64) { progress("transcribe", 0.05+0.9*p) })
		if err != nil {
			return jobErr(ctx, err)
		}
		return s.db.SaveSegments(ctx, encID, segs)
	}), nil
}

// keptAudio decrypts the encounter's latest kept recording into 16 kHz samples.
func (r *Recording) keptAudio(ctx context.Context, encID int64) ([]float32, error) {
	db := r.s.db
	recs, err := db.Recordings(ctx, encID)
	if err != nil {
		return nil, err
	}
	for i := len(recs) - 1; i >= 0; i-- {
		rec := recs[i]
		if rec.DeletedAt != nil || !rec.Encrypted {
			continue
		}
		keys, err := db.RecordingKey(ctx, rec.ID)
		if err != nil {
			return nil, err
		}
		f, err := os.Open(rec.Path)
		if err != nil {
			return nil, domain.Wrap(domain.ENotFound, err, "the recording of encounter %d is missing", encID)
		}
		defer f.Close()
		dec, err := keys.NewReader(f)
		if err != nil {
			return nil, fmt.Errorf("decrypt recording %d: %w", rec.ID, err)
		}
		b, err := io.ReadAll(dec)
		if err != nil {
			return nil, fmt.Errorf("decrypt recording %d: %w", rec.ID, err)
		}
		return audio.Importer{Opus: opus.Open}.Decode(bytes.NewReader(b), int64(len(b)))
	}
	return nil, domain.Errorf(domain.ENotFound, "encounter %d has no kept recording (none was kept, or retention deleted it)", encID)
}

// engine is the current whisper model, or the named one loaded for this job.
func (r *Recording) engine(model string) (*whisper.Model, func(), error) {
	if model == "" {
		w, err := r.s.whisper()
		return w, func() {}, err
	}
	w, err := whisper.Load(filepath.Join(r.s.cfg.Dirs.Models(), model))
	if err != nil {
		return nil, nil, err
	}
	return w, func() { w.Close() }, nil
}
