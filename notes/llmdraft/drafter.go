// Package llmdraft drafts clinical notes with a language model behind an
// OpenAI-compatible server (llm), constrained to a JSON schema derived from the
// note's (notes/schema). Every answer is validated, every evidence id checked, every
// ICD-10-CM code validated; what fails is flagged in the note's warnings. A cut
// answer is never returned as a note: the transcript is split and drafted again, and
// what still cannot be drafted is reported.
package llmdraft

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"greffier/domain"
	"greffier/icd10"
	"greffier/llm"
	"greffier/llm/models"
	"greffier/notes/draft"
	"greffier/notes/schema"
	"greffier/notes/templates"
)

// Completer is the model: *llm.Client implements it.
type Completer interface {
	CompleteJSON(ctx context.Context, req llm.Request, check func([]byte) error) (llm.Response, error)
}

// CodeValidator checks a suggested ICD-10-CM code and title; *icd10.Index
// implements it. Failures with code domain.EInvalid mean the code is wrong.
type CodeValidator interface {
	Validate(ctx context.Context, code, title string) error
}

// Drafter drafts with a model. Zero fields take the documented defaults.
type Drafter struct {
	LLM Completer
	// Codes validates the problems' ICD-10-CM suggestions; nil flags every code as
	// unvalidated.
	Codes CodeValidator
	// Model names the model in the note (DrafterInfo.Model).
	Model string
	// ContextTokens is the model's context window; default 4096.
	ContextTokens int
	// MaxTokens bounds one answer; default half the context, at most 4096 (a
	// note is rarely half that; a larger cut-off only lets a looping model run on).
	MaxTokens int
	// BytesPerToken estimates prompt sizes when planning chunks; default 3 (typical
	// of BPE vocabularies on English and French). A prompt the server still finds
	// too long is split again.
	BytesPerToken float64
	// Limits bound the answer's strings and lists; zero means DefaultLimits.
	Limits Limits
	// CompactJSON (llama-server only) constrains the answer with a grammar for
	// compact JSON derived from the schema, instead of sending the schema, whose
	// server-side grammar lets the model spend tokens on whitespace. Off by
	// default: on the 1B bench shape (random weights) it made generation longer
	// and far slower per token (docs/draft-latency.md).
	CompactJSON bool
	// EarlyDraftTokens, when positive, has an incremental visit (Incremental) draft
	// the note before Stop each time about this many transcript tokens have come
	// since the last draft, and patch it at Stop: the physician then waits for the
	// changes only, not the whole note. 0: drafted at Stop only, as Draft would.
	EarlyDraftTokens int
	// Temperature and Seed are passed to the server; nil leaves its defaults.
	Temperature *float64
	Seed        *int64
}

// AnswerTokens is the answer budget a context is sized for when the drafter's
// MaxTokens is not set (ContextFor).
const AnswerTokens = 4096

// ContextFor is the context window d needs to draft req in one part: the
// instructions, the numbered transcript (estimated at BytesPerToken, cautiously) and
// an answer of MaxTokens (AnswerTokens if unset), with a margin, rounded up to 1,024
// tokens (models.ContextFor). A managed server sized with it neither cuts a long
// consultation into parts nor holds a 12k cache for a five-minute one.
func (d Drafter) ContextFor(req draft.Request) int {
	if d.MaxTokens <= 0 {
		d.MaxTokens = AnswerTokens
	}
	d = d.defaults()
	// 64: the chat template's markers around the two messages.
	prompt := d.tokens(systemPrompt(req.Template, req.Language)) + d.tokens(userPrompt(req.Segments, 1, 1)) + 64
	if d.EarlyDraftTokens > 0 {
		// The conversation also holds the note drafted before Stop and its patches.
		prompt += 2 * d.MaxTokens
	}
	return models.ContextFor(prompt, d.MaxTokens)
}

// ErrNothingDrafted: every part of the transcript failed to draft within max_tokens.
var ErrNothingDrafted = errors.New("the model's answers were cut at max_tokens for every part of the transcript")

// Draft implements draft.Drafter. On error no note is returned, so the caller keeps
// its previous draft.
func (d Drafter) Draft(ctx context.Context, req draft.Request) (schema.Note, error) {
	if req.Language != "fr" && req.Language != "en" {
		return schema.Note{}, domain.Errorf(domain.EInvalid, "note language %q: want fr or en", req.Language)
	}
	if err := req.Template.Validate(); err != nil {
		return schema.Note{}, domain.Wrap(domain.EInvalid, err, "draft template")
	}
	if d.LLM == nil {
		return schema.Note{}, domain.Errorf(domain.EUnavailable, "no language model configured")
	}
	note := d.newNote(req)
	if len(req.Segments) == 0 {
		note.Sections = emptySections(req.Template, req.Language)
		note.AddWarning(schema.WarnEmptyTranscript, "", msg(req.Language, "The transcript is empty.", "Le transcript est vide."))
		return note, nil
	}
	r, err := d.run(ctx, req)
	if err != nil {
		return schema.Note{}, draftError(err)
	}
	return d.finish(ctx, note, req, r)
}

func (d Drafter) newNote(req draft.Request) schema.Note {
	return schema.Note{SchemaVersion: schema.Version, Template: req.Template.Key, Language: req.Language,
		Drafter: schema.DrafterInfo{Kind: schema.DrafterLLM, Model: d.Model}}
}

// finish turns the model's answers into the note: merged, checked against the
// transcript and the code index, validated.
func (d Drafter) finish(ctx context.Context, note schema.Note, req draft.Request, r result) (schema.Note, error) {
	fill(&note, req.Template, req.Language, merge(req.Template, r.answers))
	d.warn(&note, req, r)
	d.checkCodes(ctx, &note)
	// The model's codes get the extractive coder's context rules: none for a
	// condition its evidence denies, doubts, or gives to someone else.
	draft.CheckCodeContext(&note, req.Segments)
	draft.CheckEvidence(&note, req.Segments)
	if err := schema.Validate(note); err != nil {
		return schema.Note{}, domain.Wrap(domain.EInternal, err, "LLM draft does not match the note schema")
	}
	return note, nil
}

// draftError turns a failure into a user-facing error; errors.Is still sees the llm
// sentinel errors underneath.
func draftError(err error) error {
	switch {
	case domain.ErrorCode(err) != domain.EInternal:
		return err
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return domain.Wrap(domain.EUnavailable, err, "LLM drafting stopped")
	case errors.Is(err, llm.ErrTruncated), errors.Is(err, llm.ErrContextExceeded):
		return domain.Wrap(domain.EUnavailable, err, "the model could not draft this transcript within its limits (raise max tokens or use a model with a larger context)")
	case errors.Is(err, llm.ErrUnavailable), errors.Is(err, llm.ErrServer):
		return domain.Wrap(domain.EUnavailable, err, "the language model server failed; the previous draft is kept")
	case errors.Is(err, llm.ErrRemote), errors.Is(err, llm.ErrInsecure):
		return domain.Wrap(domain.EForbidden, err, "LLM endpoint refused")
	case errors.Is(err, llm.ErrInvalidJSON), errors.Is(err, llm.ErrBadResponse):
		return domain.Wrap(domain.EUnavailable, err, "the model did not produce a valid note")
	}
	return domain.Wrap(domain.EInternal, err, "LLM drafting")
}

// result is what the chunked run produced.
type result struct {
	answers  []answer
	chunks   int   // parts drafted
	cut      []int // segment ids whose part could not be drafted within max_tokens
	repaired int   // answers that needed a repair round
}

func (d Drafter) defaults() Drafter {
	if d.ContextTokens <= 0 {
		d.ContextTokens = 4096
	}
	if d.MaxTokens <= 0 {
		d.MaxTokens = min(4096, d.ContextTokens/2)
	}
	if d.BytesPerToken <= 0 {
		d.BytesPerToken = 3
	}
	if d.Limits == (Limits{}) {
		d.Limits = DefaultLimits()
	}
	return d
}

// run drafts the transcript in parts that fit the context, splitting a part again
// when the server finds it too long or the answer is cut.
func (d Drafter) run(ctx context.Context, req draft.Request) (result, error) {
	d = d.defaults()
	sys := systemPrompt(req.Template, req.Language)
	maxID := 0
	for _, s := range req.Segments {
		maxID = max(maxID, s.ID)
	}
	sch, err := answerSchema(req.Template, maxID, d.Limits)
	if err != nil {
		return result{}, err
	}
	var grammar string
	if d.CompactJSON {
		// A schema the grammar cannot express is sent as a schema.
		grammar, _ = compactGrammar(sch)
	}
	budget := d.ContextTokens - d.MaxTokens - d.tokens(sys) - 64
	if budget < 64 {
		return result{}, domain.Errorf(domain.EInvalid,
			"the model's context (%d tokens) leaves no room for the transcript with max tokens %d", d.ContextTokens, d.MaxTokens)
	}
	parts := d.plan(req.Segments, budget)
	var r result
	var lastCut error
	// A stack, so that a split part's halves are drafted next and in order.
	stack := slices.Clone(parts)
	slices.Reverse(stack)
	for len(stack) > 0 {
		part := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		done := len(r.answers) + len(r.cut)
		a, repaired, err := d.ask(ctx, req.Template, sys, sch, grammar, part, done+1, done+1+len(stack))
		switch {
		case err == nil:
			r.answers = append(r.answers, a)
			r.chunks++
			if repaired {
				r.repaired++
			}
		case (errors.Is(err, llm.ErrTruncated) || errors.Is(err, llm.ErrContextExceeded)) && len(part) > 1:
			h := len(part) / 2
			stack = append(stack, part[h:], part[:h])
		case errors.Is(err, llm.ErrTruncated):
			lastCut = err
			r.cut = append(r.cut, part[0].ID)
		default:
			return result{}, err
		}
	}
	if len(r.answers) == 0 {
		return result{}, fmt.Errorf("%w: %w", ErrNothingDrafted, lastCut)
	}
	return r, nil
}

// ask drafts one part. The answer is checked even though the server constrains it:
// an endpoint the user configured may not enforce schemas strictly.
func (d Drafter) ask(ctx context.Context, tmpl templates.Template, sys string, sch json.RawMessage, grammar string, part []domain.Segment, n, total int) (answer, bool, error) {
	var a answer
	resp, err := d.askMessages(ctx, chatMessages(sys, part, n, total), sch, grammar, func(data []byte) error {
		got, err := checkAnswer(tmpl, data)
		if err != nil {
			return err
		}
		a = got
		return nil
	})
	if err != nil {
		return answer{}, false, err
	}
	return a, resp.Repaired, nil
}

// askMessages sends one request constrained by sch (or grammar); check validates
// the answer and keeps what it decoded.
func (d Drafter) askMessages(ctx context.Context, msgs []llm.Message, sch json.RawMessage, grammar string, check func([]byte) error) (llm.Response, error) {
	return d.LLM.CompleteJSON(ctx, llm.Request{
		Messages:   msgs,
		SchemaName: "clinical_note", Schema: sch, Grammar: grammar, MaxTokens: d.MaxTokens,
		Temperature: d.Temperature, Seed: d.Seed,
	}, check)
}

// checkAnswer decodes an answer and validates it as part of a note. Its errors go
// back to the model in the repair round.
func checkAnswer(tmpl templates.Template, data []byte) (answer, error) {
	var got answer
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&got); err != nil {
		return answer{}, fmt.Errorf("it does not match the schema: %v", err)
	}
	for _, s := range got.Sections {
		if _, ok := tmpl.Section(s.Key); !ok {
			return answer{}, fmt.Errorf("section key %q is not one of the template's", s.Key)
		}
	}
	n := schema.Note{SchemaVersion: schema.Version, Template: tmpl.Key, Language: "en", Drafter: schema.DrafterInfo{Kind: schema.DrafterLLM}}
	fill(&n, tmpl, "en", merge(tmpl, []answer{got}))
	if err := schema.Validate(n); err != nil {
		return answer{}, fmt.Errorf("it does not match the schema: %v", err)
	}
	return got, nil
}

// plan cuts the transcript into parts whose numbered lines fit budget tokens.
func (d Drafter) plan(segs []domain.Segment, budget int) [][]domain.Segment {
	var parts [][]domain.Segment
	var cur []domain.Segment
	used := 0
	for _, s := range segs {
		n := d.tokens(segmentLine(s))
		if len(cur) > 0 && used+n > budget {
			parts = append(parts, cur)
			cur, used = nil, 0
		}
		cur = append(cur, s)
		used += n
	}
	if len(cur) > 0 {
		parts = append(parts, cur)
	}
	return parts
}

func (d Drafter) tokens(s string) int { return int(float64(len(s))/d.BytesPerToken) + 1 }

// warn adds the warnings about how the draft was made.
func (d Drafter) warn(note *schema.Note, req draft.Request, r result) {
	lang := req.Language
	if len(r.cut) > 0 {
		note.AddWarning(schema.WarnTruncated, "", msg(lang,
			fmt.Sprintf("The model's answer was cut at max tokens for segments %v: they are not in this draft.", r.cut),
			fmt.Sprintf("La réponse du modèle a été coupée (limite de jetons) pour les segments %v : ils ne sont pas dans ce brouillon.", r.cut)))
	}
	if r.chunks > 1 {
		note.AddWarning(schema.WarnChunked, "", msg(lang,
			fmt.Sprintf("The transcript was drafted in %d parts and merged; check for repetitions.", r.chunks),
			fmt.Sprintf("Le transcript a été rédigé en %d parties fusionnées ; vérifiez les répétitions.", r.chunks)))
	}
	if r.repaired > 0 {
		note.AddWarning(schema.WarnRepaired, "", msg(lang,
			"The model's first answer was invalid and had to be corrected.",
			"La première réponse du modèle était invalide et a dû être corrigée."))
	}
}

// checkCodes validates every suggested code. An unknown or non-billable code is
// removed (a wrong code must not be exported by accident) and flagged; a code whose
// title differs, or that could not be checked, is kept and flagged.
func (d Drafter) checkCodes(ctx context.Context, note *schema.Note) {
	for i := range note.Problems {
		p := &note.Problems[i]
		if p.ICD10 == nil {
			continue
		}
		path := fmt.Sprintf("/problems/%d/icd10", i)
		if d.Codes == nil {
			note.AddWarning(schema.WarnInvalidCode, path, fmt.Sprintf("ICD-10-CM %s was not validated (no code table).", p.ICD10.Code))
			continue
		}
		err := d.Codes.Validate(ctx, p.ICD10.Code, p.ICD10.Title)
		switch {
		case err == nil:
		case errors.Is(err, icd10.ErrUnknownCode), errors.Is(err, icd10.ErrNotBillable):
			note.AddWarning(schema.WarnInvalidCode, path, fmt.Sprintf("Suggested code removed: %v", err))
			p.ICD10 = nil
		default:
			note.AddWarning(schema.WarnInvalidCode, path, fmt.Sprintf("Check this code: %v", err))
		}
	}
}

func msg(lang, en, fr string) string {
	if lang == "fr" {
		return fr
	}
	return en
}
