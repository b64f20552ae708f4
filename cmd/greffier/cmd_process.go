package main

import (
	"context"
	"fmt"
	"time"

	"greffier/domain"
	"greffier/pipeline"
	"greffier/store"
	"greffier/transcribe/whisper"
)

func processCommand() command {
	return command{
		name:    "process",
		summary: "import a recording, transcribe, draft and store it as a new encounter",
		run:     runProcess,
	}
}

const processUsage = "process FILE [--model M.bin] [--spoken en|fr|auto] [--template soap|hp|progress] [--lang fr|en]\n" +
	"       [--patient NAME] [--mrn MRN] [--consent-by USER] [--llm URL | --llama-model GGUF]\n" +
	"       --as USER [--auth-file F] [--db PATH]"

func runProcess(ctx context.Context, c *cli, args []string) error {
	fs := newFlags(c, "process", processUsage)
	model := fs.String("model", "", "whisper model file (default: the only or first model in the models folder)")
	spoken := fs.String("spoken", "auto", "language spoken in the recording: en, fr or auto")
	tmpl := fs.String("template", "soap", "note template: soap, hp, progress, or a template file")
	lang := fs.String("lang", "", "note language: fr or en (default: the consultation's language)")
	patient := fs.String("patient", "", "patient name (optional; stored encrypted)")
	mrn := fs.String("mrn", "", "patient's medical record number (optional; never used to find a patient)")
	localID := fs.String("local-id", "", "patient's local id: a new one creates the patient; an existing patient's is refused unless --existing-patient names the same id")
	existing := fs.String("existing-patient", "", "file under the existing patient with exactly this local id (give the same id as --local-id)")
	llmURL := fs.String("llm", "", "OpenAI-compatible endpoint of a language model")
	llamaModel := fs.String("llama-model", "", "GGUF model file to run with llama-server")
	threads := fs.Int("threads", 0, "transcription threads (0: one per core, at most 8)")
	consentBy := fs.String("consent-by", "", "user who obtained the patient's consent to the recording (optional: recorded with the encounter)")
	dbFlag(c, fs)
	auth := addAuthFlags(fs, "the user storing the encounter")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) != 1:
		return usagef("need exactly one audio FILE, got %d", len(pos))
	case !domain.Language(*spoken).Spoken():
		return usagef("--spoken must be en, fr or auto, not %q", *spoken)
	case *lang != "" && !domain.Language(*lang).NoteLanguage():
		return usagef("--lang must be fr or en, not %q", *lang)
	case *llmURL != "" && *llamaModel != "":
		return usagef("give --llm or --llama-model, not both")
	case *existing != "" && *existing != *localID:
		return usagef("--existing-patient %q must repeat --local-id %q exactly", *existing, *localID)
	}
	dirs := c.env.Dirs
	file := pos[0]

	// Check everything that can be wrong with the input before anything is stored.
	samples, err := pipeline.LoadAudio(file)
	if err != nil {
		return err
	}
	t, err := pipeline.Template(dirs, *tmpl)
	if err != nil {
		return err
	}
	if *model == "" {
		*model = c.env.WhisperModel
	}
	if *model, err = pipeline.WhisperModel(dirs, *model); err != nil {
		return err
	}
	eng, err := whisper.Load(*model)
	if err != nil {
		return err
	}
	defer eng.Close()

	db, _, _, err := auth.login(ctx, c)
	if err != nil {
		return err
	}
	defer db.Close()
	var consent *store.Consent
	if *consentBy != "" {
		u, err := userRef(ctx, db, *consentBy)
		if err != nil {
			return err
		}
		consent = &store.Consent{Kind: "recording imported", By: u.ID, At: time.Now()}
	}
	var confirmed int64
	if *existing != "" {
		p, err := db.PatientByLocalID(ctx, *existing)
		if err != nil {
			return err
		}
		confirmed = p.ID
	}
	spokenLang := pipeline.SpokenLanguage(domain.Language(*spoken), eng.Multilingual())
	// The recording was made outside Greffier: consent is recorded only when someone
	// vouches for it.
	enc, err := pipeline.NewEncounter(ctx, db, pipeline.NewEncounterInput{
		By: store.System, Label: *localID, PatientID: confirmed, MRN: *mrn, Name: *patient, Language: spokenLang, Template: t.Key, Consent: consent})
	if err != nil {
		return err
	}
	segs, err := pipeline.ImportRecording(ctx, db, dirs, eng, pipeline.Recording{
		EncounterID: enc.ID, File: file, Samples: samples, Spoken: spokenLang, Threads: *threads})
	if err != nil {
		return err
	}
	in, err := pipeline.LoadDraft(ctx, db, dirs, pipeline.DraftRequest{EncounterID: enc.ID, Template: *tmpl, Language: domain.Language(*lang)})
	if err != nil {
		return err
	}
	d, err := c.drafter(ctx, *llmURL, *llamaModel, false)
	if err != nil {
		return err
	}
	defer d.Close()
	note, err := pipeline.Draft(ctx, d, in.Request)
	if err != nil {
		return fmt.Errorf("encounter %d is stored with its transcript; drafting failed: %w", enc.ID, err)
	}
	if _, err := pipeline.SaveDraft(ctx, db, enc.ID, store.System, note, segs, in.Title); err != nil {
		return err
	}
	fmt.Fprintln(c.stdout, enc.ID)
	fmt.Fprintf(c.stderr, "encounter %d: %d transcript segments, draft ready for review (greffier encounters show %d)\n", enc.ID, len(segs), enc.ID)
	return nil
}
