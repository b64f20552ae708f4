package main

import (
	"context"
	"fmt"
	"time"

	"greffier/appdirs"
	"greffier/domain"
	"greffier/notes/draft"
	"greffier/pipeline"
	"greffier/store"
	"greffier/transcribe"
	"greffier/transcribe/models"
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
	mrn := fs.String("mrn", "", "patient's medical record number (optional)")
	llmURL := fs.String("llm", "", "OpenAI-compatible endpoint of a language model")
	llamaModel := fs.String("llama-model", "", "GGUF model file to run with llama-server")
	threads := fs.Int("threads", 0, "transcription threads (0: one per core, at most 8)")
	consentBy := fs.String("consent-by", "", "user who obtained the patient's consent to the recording (optional: recorded with the encounter)")
	dbPath := dbFlag(fs)
	auth := addAuthFlags(fs, "the user storing the encounter")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) != 1:
		return usagef("need exactly one audio FILE, got %d", len(pos))
	case *spoken != "en" && *spoken != "fr" && *spoken != "auto":
		return usagef("--spoken must be en, fr or auto, not %q", *spoken)
	case *lang != "" && *lang != "fr" && *lang != "en":
		return usagef("--lang must be fr or en, not %q", *lang)
	case *llmURL != "" && *llamaModel != "":
		return usagef("give --llm or --llama-model, not both")
	}
	dirs, err := appdirs.Default()
	if err != nil {
		return domain.Wrap(domain.EUnavailable, err, "find the data folder")
	}
	file := pos[0]

	// Check everything that can be wrong with the input before anything is stored.
	samples, err := pipeline.LoadAudio(file)
	if err != nil {
		return err
	}
	t, err := loadTemplate(dirs, *tmpl)
	if err != nil {
		return err
	}
	if *model == "" {
		if *model, err = (&models.Manager{Dir: dirs.Models()}).Default(); err != nil {
			return err
		}
	}
	eng, err := whisper.Load(*model)
	if err != nil {
		return err
	}
	defer eng.Close()
	if *spoken == "auto" && !eng.Multilingual() {
		*spoken = "en"
	}

	db, _, _, err := auth.login(ctx, c, *dbPath)
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
	enc, err := newImportedEncounter(ctx, db, *patient, *mrn, *spoken, t.Key, consent)
	if err != nil {
		return err
	}
	if _, err := pipeline.KeepRecording(ctx, db, dirs.Recordings(), enc.ID, file); err != nil {
		return err
	}
	segs, err := pipeline.TranscribeSamples(ctx, eng, nil, samples, transcribe.Options{Language: *spoken, Threads: *threads}, nil)
	if err != nil {
		return err
	}
	if err := db.SaveSegments(ctx, enc.ID, segs); err != nil {
		return err
	}
	if *lang == "" {
		*lang = draft.SpokenLanguage(segs)
	}
	d, cleanup, err := selectDrafter(ctx, c, dirs, *llmURL, *llamaModel, false)
	defer cleanup()
	if err != nil {
		return err
	}
	note, err := pipeline.Draft(ctx, d, draft.Request{Segments: segs, Template: t, Language: *lang})
	if err != nil {
		return fmt.Errorf("encounter %d is stored with its transcript; drafting failed: %w", enc.ID, err)
	}
	if _, err := pipeline.SaveDraft(ctx, db, enc.ID, store.System, note, segs, t.Title.In(*lang)); err != nil {
		return err
	}
	fmt.Fprintln(c.stdout, enc.ID)
	fmt.Fprintf(c.stderr, "encounter %d: %d transcript segments, draft ready for review (greffier encounters show %d)\n", enc.ID, len(segs), enc.ID)
	return nil
}

// newImportedEncounter creates the encounter (and its patient, if named). The recording
// was made outside Greffier, so consent is recorded only when someone vouches for it.
func newImportedEncounter(ctx context.Context, db *store.DB, name, mrn, spoken, template string, consent *store.Consent) (store.Encounter, error) {
	var patientID int64
	if name != "" || mrn != "" {
		p, err := db.CreatePatient(ctx, store.Patient{Name: name, MRN: mrn})
		if err != nil {
			return store.Encounter{}, err
		}
		patientID = p.ID
	}
	return db.CreateEncounter(ctx, store.NewEncounter{
		By: store.System, PatientID: patientID, Language: spoken, Template: template,
		Consent: consent,
	})
}
