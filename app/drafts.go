package app

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"greffier/domain"
	"greffier/notes/draft"
	"greffier/notes/revise"
	"greffier/notes/schema"
	"greffier/notes/transcript"
	"greffier/pipeline"
	"greffier/store"
)

// Drafts is the Draft-review service: draft, edit (each save a version), history,
// codes, and the review workflow (ready, approve).
type Drafts struct{ s *Services }

// DraftView is the latest (or a chosen) version of an encounter's note.
type DraftView struct {
	EncounterID     int64                 `json:"encounter_id"`
	State           domain.EncounterState `json:"state"`
	Version         int                   `json:"version"`
	LatestVersion   int                   `json:"latest_version"`
	ApprovedVersion int                   `json:"approved_version"`
	Author          string                `json:"author"`
	CreatedAt       int64                 `json:"created_at"`
	Note            schema.Note           `json:"note"`
	Codes           []store.Code          `json:"codes"`
}

// VersionInfo is one line of the version history.
type VersionInfo struct {
	Version   int    `json:"version"`
	Author    string `json:"author"`
	CreatedAt int64  `json:"created_at"`
}

func (d *Drafts) view(ctx context.Context, encID int64, version int) (DraftView, error) {
	db := d.s.db
	x, err := db.GetEncounter(ctx, encID)
	if err != nil {
		return DraftView{}, err
	}
	if x.LatestVersion == 0 {
		return DraftView{}, domain.Errorf(domain.EConflict, "encounter %d has no draft yet", encID)
	}
	v, err := db.GetVersion(ctx, encID, version)
	if err != nil {
		return DraftView{}, err
	}
	var note schema.Note
	if err := json.Unmarshal(v.Body, &note); err != nil {
		return DraftView{}, domain.Wrap(domain.EInternal, err, "read version %d of encounter %d", v.Version, encID)
	}
	codes, err := db.Codes(ctx, encID)
	if err != nil {
		return DraftView{}, err
	}
	if codes == nil {
		codes = []store.Code{}
	}
	return DraftView{
		EncounterID: encID, State: x.State, Version: v.Version, LatestVersion: x.LatestVersion,
		ApprovedVersion: x.ApprovedVersion, Author: v.Author, CreatedAt: ms(v.CreatedAt),
		Note: note, Codes: codes,
	}, nil
}

// Get returns version of the note (0: the latest).
func (d *Drafts) Get(encID int64, version int) (DraftView, error) {
	if err := d.s.ready(); err != nil {
		return DraftView{}, err
	}
	v, err := d.view(d.s.ctx, encID, version)
	return v, d.s.fail(err)
}

// Generate drafts the note from the transcript with the language model chosen in
// Settings (a managed llama-server on a GGUF, or an endpoint), else with the
// extractive drafter (no model needed); it suggests codes and saves the note as a new
// version by Greffier. If the model fails, nothing is saved and the error says so.
// template and lang override the encounter's ("" keeps them).
func (d *Drafts) Generate(encID int64, template, lang string) (DraftView, error) {
	if err := d.s.ready(); err != nil {
		return DraftView{}, err
	}
	v, err := d.generate(d.s.ctx, encID, template, lang)
	return v, d.s.fail(err)
}

func (d *Drafts) generate(ctx context.Context, encID int64, tmplKey, lang string) (DraftView, error) {
	note, title, segs, err := d.draftNote(ctx, encID, tmplKey, lang)
	if err != nil {
		return DraftView{}, err
	}
	if _, err := pipeline.SaveDraft(ctx, d.s.db, encID, store.System, note, segs, title); err != nil {
		return DraftView{}, err
	}
	return d.view(ctx, encID, 0)
}

// StartGenerate is Generate as a job: "job" events report its progress (stage
// "draft", then "save"), Encounters.CancelJob stops it (cancelling the language
// model's request too) and Encounters.Job tells how it ended. A cancelled or failed
// job saves nothing: the previous version stays the latest. The UI reloads the draft
// when the job is done.
func (d *Drafts) StartGenerate(encID int64, template, lang string) (Job, error) {
	if err := d.startable(encID); err != nil {
		return Job{}, d.s.fail(err)
	}
	return d.s.jobs.start("draft", encID, func(ctx context.Context, progress func(string, float64)) error {
		progress("draft", 0)
		note, title, segs, err := d.draftNote(ctx, encID, template, lang)
		if err != nil {
			return jobErr(ctx, err)
		}
		progress("save", 0.9)
		if _, err := pipeline.SaveDraft(ctx, d.s.db, encID, store.System, note, segs, title); err != nil {
			return jobErr(ctx, err)
		}
		return nil
	}), nil
}

// StartRegenerateSection is RegenerateSection as a job (see StartGenerate).
func (d *Drafts) StartRegenerateSection(encID int64, key string, baseVersion int) (Job, error) {
	userID, err := d.s.actingUser()
	if err != nil {
		return Job{}, err
	}
	if err := d.startable(encID); err != nil {
		return Job{}, d.s.fail(err)
	}
	// Refuse at once what would fail after minutes of drafting.
	cur, err := d.view(d.s.ctx, encID, 0)
	if err != nil {
		return Job{}, d.s.fail(err)
	}
	if baseVersion != 0 && cur.Version != baseVersion {
		return Job{}, d.s.fail(domain.Errorf(domain.EConflict, "version %d was saved since you opened version %d; reload to see it", cur.Version, baseVersion))
	}
	return d.s.jobs.start("draft", encID, func(ctx context.Context, progress func(string, float64)) error {
		progress("draft", 0)
		_, err := d.regenerateSectionWith(ctx, encID, key, userID, baseVersion, func() { progress("save", 0.9) })
		return jobErr(ctx, err)
	}), nil
}

// startable checks that the services run, the encounter exists and no other draft
// job is running on it (two would race to save).
func (d *Drafts) startable(encID int64) error {
	if err := d.s.ready(); err != nil {
		return err
	}
	if _, err := d.s.db.GetEncounter(d.s.ctx, encID); err != nil {
		return err
	}
	if d.s.jobs.running("draft", encID) {
		return domain.Errorf(domain.EConflict, "a draft of encounter %d is already being written; wait for it or cancel it", encID)
	}
	return nil
}

// jobErr makes a job whose context was cancelled end as cancelled, whatever error
// the cancelled work returned (the LLM failure message wraps it).
func jobErr(ctx context.Context, err error) error {
	if err != nil && ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// draftNote drafts the encounter's transcript (with the language model of Settings,
// else extractively) and checks its evidence; it returns the note, its title and the
// transcript. Nothing is saved: on error the previous draft stays the latest.
func (d *Drafts) draftNote(ctx context.Context, encID int64, tmplKey, lang string) (schema.Note, string, []domain.Segment, error) {
	in, err := pipeline.LoadDraft(ctx, d.s.db, d.s.cfg.Dirs, pipeline.DraftRequest{
		EncounterID: encID, Template: tmplKey, Language: domain.Language(lang)})
	if err != nil {
		return schema.Note{}, "", nil, err
	}
	// A recording's incremental drafter has most of the prompt in the server's
	// cache already (incremental.go).
	if note, ok, err := d.fromLive(ctx, encID, in.Request); ok {
		if err != nil {
			return schema.Note{}, "", nil, llmFailure(err, d.s.language())
		}
		return note, in.Title, in.Request.Segments, nil
	}
	dr, err := d.drafter(ctx)
	if err != nil {
		return schema.Note{}, "", nil, err
	}
	defer dr.Close()
	note, err := pipeline.Draft(ctx, dr, in.Request)
	if err != nil && dr.LLM {
		// No silent fallback: the user chose the model, and is told how to draft
		// without it.
		return schema.Note{}, "", nil, llmFailure(err, d.s.language())
	}
	if err != nil {
		return schema.Note{}, "", nil, err
	}
	return note, in.Title, in.Request.Segments, nil
}

// drafter is the LLM drafter when Settings has a language model, else the
// extractive drafter (pipeline.ChooseDrafter); the managed llama-server is kept
// between drafts. Close it after drafting.
func (d *Drafts) drafter(ctx context.Context) (*pipeline.Drafter, error) {
	cfg, err := d.s.llmSettings(ctx)
	if err != nil {
		return nil, err
	}
	dr, err := pipeline.ChooseDrafter(ctx, pipeline.DrafterConfig{
		Dirs: d.s.cfg.Dirs, Endpoint: cfg.Endpoint, Model: cfg.Model,
		APIKey: d.s.cfg.LLMAPIKey, Threads: d.s.cfg.LLMThreads, Servers: d.s.llm,
	})
	if err != nil {
		if cfg.configured() {
			return nil, llmFailure(err, d.s.language())
		}
		return nil, err
	}
	for _, n := range dr.Notices {
		d.s.log.Warn("drafting", "notice", n)
	}
	return dr, nil
}

// RegenerateSection drafts one section again from the transcript and saves the note
// with only that section replaced (the user's edits elsewhere stay), as the
// session's user.
func (d *Drafts) RegenerateSection(encID int64, key string, baseVersion int) (DraftView, error) {
	userID, err := d.s.actingUser()
	if err != nil {
		return DraftView{}, err
	}
	v, err := d.regenerateSection(d.s.ctx, encID, key, userID, baseVersion)
	return v, d.s.fail(err)
}

func (d *Drafts) regenerateSection(ctx context.Context, encID int64, key string, userID int64, baseVersion int) (DraftView, error) {
	return d.regenerateSectionWith(ctx, encID, key, userID, baseVersion, func() {})
}

// regenerateSectionWith is regenerateSection; saving is called once the section is
// drafted, before the note is saved.
func (d *Drafts) regenerateSectionWith(ctx context.Context, encID int64, key string, userID int64, baseVersion int, saving func()) (DraftView, error) {
	cur, err := d.view(ctx, encID, 0)
	if err != nil {
		return DraftView{}, err
	}
	if baseVersion != 0 && cur.Version != baseVersion {
		return DraftView{}, domain.Errorf(domain.EConflict, "version %d was saved since you opened version %d; reload to see it", cur.Version, baseVersion)
	}
	fresh, _, _, err := d.draftNote(ctx, encID, cur.Note.Template, cur.Note.Language)
	if err != nil {
		return DraftView{}, err
	}
	var text []schema.Sentence
	found := false
	for _, f := range fresh.Sections {
		if f.Key == key {
			text, found = f.Sentences, true
		}
	}
	if !found {
		return DraftView{}, domain.Errorf(domain.ENotFound, "the note has no section %q", key)
	}
	saving()
	// The redraft lands on the latest version, not on the one it started from: edits
	// saved meanwhile stay, and an edit of this very section is kept beside it.
	if err := d.land(ctx, encID, userID, cur.Note, key, text, schema.AltRedraft); err != nil {
		return DraftView{}, err
	}
	return d.view(ctx, encID, 0)
}

// land saves text as section key, a change made from the note base, on the latest
// version (revise.Section: if the section was changed since base, both texts are
// kept and flagged). The base of the save is checked in the store's write
// transaction; if another save lands in between, it starts again on the new latest.
func (d *Drafts) land(ctx context.Context, encID, by int64, base schema.Note, key string, text []schema.Sentence, kind string) error {
	segs, err := d.s.db.Segments(ctx, encID)
	if err != nil {
		return err
	}
	for attempt := 0; ; attempt++ {
		latest, err := d.view(ctx, encID, 0)
		if err != nil {
			return err
		}
		note, _, err := revise.Section(base, latest.Note, key, text, kind)
		if err != nil {
			return err
		}
		resetEvidenceWarnings(&note, segs)
		_, err = pipeline.SaveVersionFrom(ctx, d.s.db, encID, by, latest.Version, note, "")
		if errors.Is(err, store.ErrStale) && attempt < landAttempts {
			continue
		}
		return err
	}
}

// landAttempts bounds land's retries: each one means another save committed, so
// only a storm of saves on one note exhausts them, and the user is told (EConflict).
const landAttempts = 8

// resetEvidenceWarnings recomputes the evidence warnings of an edited note.
func resetEvidenceWarnings(note *schema.Note, segs []domain.Segment) {
	kept := note.Warnings[:0]
	for _, w := range note.Warnings {
		if w.Kind != schema.WarnNoEvidence && w.Kind != schema.WarnInvalidEvidence {
			kept = append(kept, w)
		}
	}
	note.Warnings = kept
	draft.CheckEvidence(note, segs)
}

// SaveSection replaces one section's text with what the user typed and saves a new
// version (autosave calls it). Sentences kept word for word keep their evidence; new
// or changed ones have none and are flagged for the reviewer. baseVersion is the
// version the user was editing (0: the latest): the edit lands on the latest version;
// if someone changed this section since baseVersion, both texts are kept and the
// section flagged (ChooseSection), so that no edit silently overwrites another.
func (d *Drafts) SaveSection(encID int64, key, text string, baseVersion int) (DraftView, error) {
	userID, err := d.s.actingUser()
	if err != nil {
		return DraftView{}, err
	}
	v, err := d.saveSection(d.s.ctx, encID, key, text, userID, baseVersion)
	return v, d.s.fail(err)
}

func (d *Drafts) saveSection(ctx context.Context, encID int64, key, text string, userID int64, baseVersion int) (DraftView, error) {
	base, typed, err := d.typedSection(ctx, encID, key, text, baseVersion)
	if err != nil {
		return DraftView{}, err
	}
	if err := d.land(ctx, encID, userID, base.Note, key, typed, schema.AltEdit); err != nil {
		return DraftView{}, err
	}
	return d.view(ctx, encID, 0)
}

// ChooseSection settles a section flagged with two texts (a redraft or another
// user's save arrived while it was edited): choice -1 keeps the section's text, 0…
// takes that alternative. baseVersion must be the latest, so the user chose among
// the texts they saw.
func (d *Drafts) ChooseSection(encID int64, key string, choice int, baseVersion int) (DraftView, error) {
	userID, err := d.s.actingUser()
	if err != nil {
		return DraftView{}, err
	}
	v, err := d.chooseSection(d.s.ctx, encID, key, choice, userID, baseVersion)
	return v, d.s.fail(err)
}

func (d *Drafts) chooseSection(ctx context.Context, encID int64, key string, choice int, userID int64, baseVersion int) (DraftView, error) {
	cur, err := d.view(ctx, encID, 0)
	if err != nil {
		return DraftView{}, err
	}
	note, err := revise.Choose(cur.Note, key, choice)
	if err != nil {
		return DraftView{}, err
	}
	if baseVersion == 0 {
		baseVersion = cur.Version
	}
	if _, err := pipeline.SaveVersionFrom(ctx, d.s.db, encID, userID, baseVersion, note, ""); err != nil {
		return DraftView{}, err
	}
	return d.view(ctx, encID, 0)
}

// editSentences turns edited text back into sentences, keeping the evidence of the
// sentences that are unchanged.
func editSentences(old []schema.Sentence, text string) []schema.Sentence {
	ev := map[string]schema.Evidence{}
	for _, s := range old {
		ev[norm(s.Text)] = s.Evidence
	}
	var out []schema.Sentence
	for _, line := range strings.Split(text, "\n") {
		for _, s := range transcript.SplitSentences(line) {
			s = strings.TrimSpace(s)
			if s == "" {
				continue
			}
			out = append(out, schema.Sentence{Text: s, Evidence: ev[norm(s)]})
		}
	}
	return out
}

func norm(s string) string { return strings.Join(strings.Fields(strings.ToLower(s)), " ") }

// Versions lists the note's versions, oldest first.
func (d *Drafts) Versions(encID int64) ([]VersionInfo, error) {
	if err := d.s.ready(); err != nil {
		return nil, err
	}
	out, err := (&Served{s: d.s}).Versions(d.s.ctx, encID)
	return out, d.s.fail(err)
}

// Diff compares two versions line by line.
func (d *Drafts) Diff(encID int64, from, to int) (store.TextDiff, error) {
	if err := d.s.ready(); err != nil {
		return nil, err
	}
	diff, err := d.s.db.Diff(d.s.ctx, encID, from, to)
	return diff, d.s.fail(err)
}

// SetCode accepts ("accepted"), rejects ("rejected") or resets ("suggested") a code;
// a code not yet on the encounter is added first (the codes panel's search).
func (d *Drafts) SetCode(encID int64, code, title, status string) (DraftView, error) {
	userID, err := d.s.actingUser()
	if err != nil {
		return DraftView{}, err
	}
	ctx := d.s.ctx
	st := store.CodeStatus(status)
	if st != store.CodeAccepted && st != store.CodeRejected && st != store.CodeSuggested {
		return DraftView{}, d.s.fail(domain.Errorf(domain.EInvalid, "unknown code status %q", status))
	}
	if title != "" {
		if err := d.s.db.SuggestCodes(ctx, encID, userID, []store.CodeSuggestion{{Code: code, Display: title}}); err != nil {
			return DraftView{}, d.s.fail(err)
		}
	}
	if err := d.s.db.SetCodeStatus(ctx, encID, "", code, st, userID); err != nil {
		return DraftView{}, d.s.fail(err)
	}
	v, err := d.view(ctx, encID, 0)
	return v, d.s.fail(err)
}

// CodeHit is one search result of the codes panel.
type CodeHit struct {
	Code     string `json:"code"`
	Title    string `json:"title"`
	Billable bool   `json:"billable"`
}

// SearchCodes searches ICD-10-CM by words or code.
func (d *Drafts) SearchCodes(query string) ([]CodeHit, error) {
	if err := d.s.ready(); err != nil {
		return nil, err
	}
	ctx := d.s.ctx
	ix, err := d.s.codeIndex(ctx)
	if err != nil {
		return nil, d.s.fail(err)
	}
	defer ix.Close()
	codes, err := ix.Search(ctx, query, 20)
	if err != nil {
		return nil, d.s.fail(err)
	}
	out := make([]CodeHit, 0, len(codes))
	for _, c := range codes {
		out = append(out, CodeHit{Code: c.Code, Title: c.Title, Billable: c.Billable})
	}
	return out, nil
}

// unsettled refuses to sign a note with a section still holding two texts.
func (d *Drafts) unsettled(ctx context.Context, encID int64) error {
	cur, err := d.view(ctx, encID, 0)
	if err != nil {
		return err
	}
	if keys := revise.Pending(cur.Note); len(keys) > 0 {
		return domain.Errorf(domain.EConflict, "choose between the two texts of section %s before signing", strings.Join(keys, ", "))
	}
	return nil
}

// MarkReady sends a drafted note to the physician for signature.
func (d *Drafts) MarkReady(encID int64) (DraftView, error) {
	userID, err := d.s.actingUser()
	if err != nil {
		return DraftView{}, err
	}
	if err := d.s.db.MarkReady(d.s.ctx, encID, userID); err != nil {
		return DraftView{}, d.s.fail(err)
	}
	v, err := d.view(d.s.ctx, encID, 0)
	return v, d.s.fail(err)
}

// Approve signs version of the note as the session's user, who must be a
// physician and gives their password again now: an electronic signature, whose
// meaning (store.SignatureMeaning) the UI shows. version must be the latest (the one
// the physician has read). A missing or wrong password, or a role that may not
// sign, is refused and audited by the store (db.Sign).
func (d *Drafts) Approve(encID int64, version int, password string) (DraftView, error) {
	sess, err := d.s.session()
	if err != nil {
		return DraftView{}, err
	}
	if err := d.unsettled(d.s.ctx, encID); err != nil {
		return DraftView{}, d.s.fail(err)
	}
	if _, err := d.s.db.Sign(d.s.ctx, sess, encID, version, password); err != nil {
		return DraftView{}, d.s.fail(err)
	}
	v, err := d.view(d.s.ctx, encID, 0)
	return v, d.s.fail(err)
}

// typedSection reads version baseVersion and turns what the user typed into the
// sentences of section key (words kept from the base keep their evidence).
func (d *Drafts) typedSection(ctx context.Context, encID int64, key, text string, baseVersion int) (DraftView, []schema.Sentence, error) {
	base, err := d.view(ctx, encID, baseVersion)
	if err != nil {
		return DraftView{}, nil, err
	}
	for _, s := range base.Note.Sections {
		if s.Key == key {
			return base, editSentences(s.Sentences, text), nil
		}
	}
	return DraftView{}, nil, domain.Errorf(domain.ENotFound, "the note has no section %q", key)
}

// saveSectionStrict saves an edit made on baseVersion only if it is still the latest,
// checked inside the write transaction (EConflict otherwise): the clinic server's
// API, where the browser reloads and the user redoes the edit, says so with a 409.
func (d *Drafts) saveSectionStrict(ctx context.Context, encID int64, key, text string, userID int64, baseVersion int) (DraftView, error) {
	base, typed, err := d.typedSection(ctx, encID, key, text, baseVersion)
	if err != nil {
		return DraftView{}, err
	}
	note, _, err := revise.Section(base.Note, base.Note, key, typed, schema.AltEdit)
	if err != nil {
		return DraftView{}, err
	}
	segs, err := d.s.db.Segments(ctx, encID)
	if err != nil {
		return DraftView{}, err
	}
	resetEvidenceWarnings(&note, segs)
	if _, err := pipeline.SaveVersionFrom(ctx, d.s.db, encID, userID, baseVersion, note, ""); err != nil {
		return DraftView{}, err
	}
	return d.view(ctx, encID, 0)
}

// Destination tells, before a draft starts, where the transcript goes: nowhere off
// this machine with the extractive drafter or a GGUF served here, else the
// endpoint's host (pipeline.DraftDestination). The draft buttons show it.
func (d *Drafts) Destination() (pipeline.Destination, error) {
	if err := d.s.ready(); err != nil {
		return pipeline.Destination{}, err
	}
	cfg, err := d.s.llmSettings(d.s.ctx)
	if err != nil {
		return pipeline.Destination{}, d.s.fail(err)
	}
	if cfg.Model != "" { // the managed llama-server listens on loopback
		return pipeline.Destination{}, nil
	}
	return pipeline.DraftDestination(cfg.Endpoint), nil
}
