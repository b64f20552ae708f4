package llmdraft

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"greffier/domain"
	"greffier/llm"
	"greffier/notes/templates"
)

// Drafting before Stop (Drafter.EarlyDraftTokens). After Stop the physician waits
// for the prompt's last window and for every token of the note, and on a laptop CPU
// the tokens cost most: generation slows as the context deepens (docs/draft-latency.md).
// So during the visit the note is drafted once enough transcript has come, and the
// conversation goes on in the same server slot: the transcript that follows is
// added as a new user turn after the draft (the cache keeps all of it), and at Stop
// the model answers with only what changed — a patch — instead of the whole note.

// earlyDraft is the note drafted before Stop and the conversation that made it.
type earlyDraft struct {
	msgs []llm.Message    // system, transcript, answer, then each continuation and its patch
	base answer           // the note so far, patches applied
	segs []domain.Segment // the segments it covers
}

// errConversationTooLong: the conversation no longer fits the context; the note is
// drafted from the transcript alone, in parts if need be.
var errConversationTooLong = errors.New("the draft conversation no longer fits the model's context")

const continuationHead = "The consultation continued (segment id, speaker, text):\n"

// reviseInstruction follows the transcript added since the last answer.
const reviseInstruction = "\nRevise your note for the whole consultation so far. Answer with only what changes: " +
	"each section you give replaces that section, each list you give (problems, medications, allergies, vitals, " +
	"orders, follow_up, patient_instructions) replaces that list; leave out what stays the same ({} when nothing changes).\n"

// conversation is the request that drafts segs after early draft e (nil: the
// transcript alone, as Draft sends it in one part). Its last message is the
// transcript's user turn, without the instruction that follows the transcript.
func conversation(sys string, e *earlyDraft, segs []domain.Segment) []llm.Message {
	if e == nil {
		return chatMessages(sys, segs, 1, 1)
	}
	var b strings.Builder
	b.WriteString(continuationHead)
	for _, s := range segs[len(e.segs):] {
		b.WriteString(segmentLine(s))
	}
	return append(slices.Clone(e.msgs), llm.Message{Role: "user", Content: b.String()})
}

// continues reports whether segs begins with the segments e covers (the final
// transcript may have been corrected since: then e is of no use).
func (e *earlyDraft) continues(segs []domain.Segment) bool {
	if len(segs) < len(e.segs) {
		return false
	}
	for i, s := range e.segs {
		if segs[i].ID != s.ID || segs[i].Text != s.Text || segs[i].Role != s.Role {
			return false
		}
	}
	return true
}

// step drafts segs: the whole note when e is nil, else a patch to e's note for the
// segments added since. It returns the conversation with the answer appended and the
// note with the patch applied.
func (d Drafter) step(ctx context.Context, tmpl templates.Template, lang string, e *earlyDraft, segs []domain.Segment) (*earlyDraft, error) {
	d = d.defaults()
	msgs := conversation(systemPrompt(tmpl, lang), e, segs)
	maxID := 0
	for _, s := range segs {
		maxID = max(maxID, s.ID)
	}
	sch, err := answerSchema(tmpl, maxID, d.Limits)
	if err != nil {
		return nil, err
	}
	var next answer
	check := func(data []byte) error {
		got, err := checkAnswer(tmpl, data)
		if err == nil {
			next = got
		}
		return err
	}
	if e != nil {
		msgs[len(msgs)-1].Content += reviseInstruction
		if sch, err = patchSchema(sch); err != nil {
			return nil, err
		}
		check = func(data []byte) error {
			got, err := checkPatch(tmpl, e.base, data)
			if err == nil {
				next = got
			}
			return err
		}
	}
	used := d.MaxTokens
	for _, m := range msgs {
		used += d.tokens(m.Content) + 16
	}
	if used > d.ContextTokens {
		return nil, errConversationTooLong
	}
	var grammar string
	if d.CompactJSON {
		grammar, _ = compactGrammar(sch)
	}
	resp, err := d.askMessages(ctx, msgs, sch, grammar, check)
	if err != nil {
		return nil, err
	}
	msgs = append(msgs, llm.Message{Role: "assistant", Content: resp.Content})
	return &earlyDraft{msgs: msgs, base: next, segs: segs}, nil
}

// patchSchema is the answer's schema with no field required: a field left out is
// unchanged.
func patchSchema(sch json.RawMessage) (json.RawMessage, error) {
	var root map[string]any
	if err := json.Unmarshal(sch, &root); err != nil {
		return nil, fmt.Errorf("parse answer schema: %w", err)
	}
	delete(root, "required")
	return json.Marshal(root)
}

// checkPatch applies a patch to base and validates the result as a whole answer.
// Each section given replaces the section with its key; each list given replaces
// that list.
func checkPatch(tmpl templates.Template, base answer, data []byte) (answer, error) {
	var given map[string]json.RawMessage
	if err := json.Unmarshal(data, &given); err != nil {
		return answer{}, fmt.Errorf("it is not a JSON object: %v", err)
	}
	var p answer
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return answer{}, fmt.Errorf("it does not match the schema: %v", err)
	}
	next := base
	next.Sections = slices.Clone(base.Sections)
	for _, s := range p.Sections {
		i := slices.IndexFunc(next.Sections, func(b answerSection) bool { return b.Key == s.Key })
		if i < 0 {
			next.Sections = append(next.Sections, s)
		} else {
			next.Sections[i] = s
		}
	}
	replace := map[string]func(){
		"problems":             func() { next.Problems = p.Problems },
		"medications":          func() { next.Medications = p.Medications },
		"allergies":            func() { next.Allergies = p.Allergies },
		"vitals":               func() { next.Vitals = p.Vitals },
		"orders":               func() { next.Orders = p.Orders },
		"follow_up":            func() { next.FollowUp = p.FollowUp },
		"patient_instructions": func() { next.PatientInstructions = p.PatientInstructions },
	}
	for k, f := range replace {
		if _, ok := given[k]; ok {
			f()
		}
	}
	whole, err := json.Marshal(next)
	if err != nil {
		return answer{}, err
	}
	return checkAnswer(tmpl, whole)
}
