package llmdraft

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"greffier/domain"
	"greffier/icd10"
	"greffier/llm"
	"greffier/notes/draft"
	"greffier/notes/schema"
	"greffier/notes/templates"
)

var update = flag.Bool("update", false, "rewrite the golden prompt files")

func soapTemplate(t *testing.T) templates.Template {
	t.Helper()
	all, err := templates.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, tm := range all {
		if tm.Key == "soap" {
			return tm
		}
	}
	t.Fatal("no soap template")
	return templates.Template{}
}

func segments(texts ...string) []domain.Segment {
	out := make([]domain.Segment, len(texts))
	for i, s := range texts {
		role := domain.RolePatient
		if i%2 == 0 {
			role = domain.RoleClinician
		}
		out[i] = domain.Segment{ID: i, Turn: i, Role: role, Text: s}
	}
	return out
}

func TestPromptGolden(t *testing.T) {
	tm := soapTemplate(t)
	segs := segments("Bonjour, qu'est-ce qui vous amène ?", "J'ai de la fièvre depuis   trois jours.\n")
	segs = append(segs, domain.Segment{ID: 7, Turn: 3, Text: "no role given"})
	for _, lang := range []string{"en", "fr"} {
		got := systemPrompt(tm, lang) + "\n---\n" + userPrompt(segs, 2, 3)
		path := filepath.Join("testdata", "prompt_soap_"+lang+".golden")
		if *update {
			if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test -update to create it)", err)
		}
		if got != string(want) {
			t.Errorf("prompt for %s differs from %s (go test -update rewrites it):\n%s", lang, path, got)
		}
	}
}

func TestAnswerSchemaIsBounded(t *testing.T) {
	tm := soapTemplate(t)
	lim := Limits{String: 50, Items: 4, Evidence: 3}
	raw, err := answerSchema(tm, 41, lim)
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	// Every string and array is bounded: constrained decoding needs it.
	var walk func(path string, v any)
	strs, arrays := 0, 0
	walk = func(path string, v any) {
		switch x := v.(type) {
		case map[string]any:
			switch x["type"] {
			case "string":
				strs++
				if x["maxLength"] == nil && x["pattern"] == nil {
					t.Errorf("%s: string without maxLength", path)
				}
			case "array":
				arrays++
				if x["maxItems"] == nil {
					t.Errorf("%s: array without maxItems", path)
				}
			case "number":
				// llama-server's grammar ignores a number's bounds: they must be an enum.
				if x["minimum"] != nil || x["maximum"] != nil {
					t.Errorf("%s: a number bounded by minimum/maximum", path)
				}
			}
			for k, e := range x {
				walk(path+"/"+k, e)
			}
		case []any:
			for i, e := range x {
				walk(fmt.Sprintf("%s/%d", path, i), e)
			}
		}
	}
	walk("", doc)
	if strs < 10 || arrays < 10 {
		t.Errorf("only %d strings and %d arrays: the schema lost its content", strs, arrays)
	}
	if bytes.Contains(raw, []byte(`"schema_version"`)) || bytes.Contains(raw, []byte(`"warnings"`)) {
		t.Error("fields Greffier fills are in the model's schema")
	}

	c := jsonschema.NewCompiler()
	if err := c.AddResource("answer.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("answer.json")
	if err != nil {
		t.Fatalf("derived schema does not compile: %v", err)
	}
	for _, tc := range []struct {
		name, json string
		ok         bool
	}{
		{"empty note", `{"sections":[],"problems":[],"medications":[],"allergies":[],"vitals":[],"orders":[],"follow_up":[],"patient_instructions":[]}`, true},
		{"a sentence", `{"sections":[{"key":"plan","sentences":[{"text":"Rest.","evidence":[41]}]}],"problems":[],"medications":[],"allergies":[],"vitals":[],"orders":[],"follow_up":[],"patient_instructions":[]}`, true},
		{"unknown section", `{"sections":[{"key":"history","sentences":[]}],"problems":[],"medications":[],"allergies":[],"vitals":[],"orders":[],"follow_up":[],"patient_instructions":[]}`, false},
		{"evidence past the transcript", `{"sections":[{"key":"plan","sentences":[{"text":"Rest.","evidence":[42]}]}],"problems":[],"medications":[],"allergies":[],"vitals":[],"orders":[],"follow_up":[],"patient_instructions":[]}`, false},
		{"string too long", `{"sections":[{"key":"plan","sentences":[{"text":"` + strings.Repeat("a", 51) + `","evidence":[1]}]}],"problems":[],"medications":[],"allergies":[],"vitals":[],"orders":[],"follow_up":[],"patient_instructions":[]}`, false},
		{"missing list", `{"sections":[]}`, false},
		{"confidence on a step", `{"sections":[],"problems":[{"title":"Asthma","evidence":[3],"icd10":{"code":"J45.909","title":"Asthma","confidence":0.35}}],"medications":[],"allergies":[],"vitals":[],"orders":[],"follow_up":[],"patient_instructions":[]}`, true},
		{"confidence out of range", `{"sections":[],"problems":[{"title":"Asthma","evidence":[3],"icd10":{"code":"J45.909","title":"Asthma","confidence":45}}],"medications":[],"allergies":[],"vitals":[],"orders":[],"follow_up":[],"patient_instructions":[]}`, false},
	} {
		inst, err := jsonschema.UnmarshalJSON(strings.NewReader(tc.json))
		if err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(inst); (err == nil) != tc.ok {
			t.Errorf("%s: validate = %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
}

func TestPlanFitsBudget(t *testing.T) {
	segs := segments(strings.Repeat("a", 90), strings.Repeat("b", 90), strings.Repeat("c", 90), strings.Repeat("d", 400), "e")
	d := Drafter{BytesPerToken: 1}
	parts := d.plan(segs, 250)
	var got [][]int
	for _, p := range parts {
		var ids []int
		for _, s := range p {
			ids = append(ids, s.ID)
		}
		got = append(got, ids)
	}
	// Two ~105-token lines fit 250; the 400-byte segment is alone (it is never cut).
	want := [][]int{{0, 1}, {2}, {3}, {4}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("parts = %v, want %v", got, want)
	}
}

func TestMerge(t *testing.T) {
	tm := soapTemplate(t)
	a := answer{
		Sections: []answerSection{{Key: "plan", Sentences: []schema.Sentence{{Text: "Start metformin.", Evidence: schema.Evidence{3}}}},
			{Key: "subjective", Sentences: []schema.Sentence{{Text: "Thirsty for a month.", Evidence: schema.Evidence{1}}}}},
		Problems:    []schema.Problem{{Title: "Type 2 diabetes", ICD10: &schema.CodeRef{Code: "E11.9", Title: "Type 2 diabetes mellitus without complications"}, Evidence: schema.Evidence{2}}},
		Medications: []schema.Medication{{Name: "Metformin", Action: schema.ActionUnknown, Evidence: schema.Evidence{3}}},
		FollowUp:    []schema.Sentence{{Text: "Come back in 3 months.", Evidence: schema.Evidence{4}}},
	}
	b := answer{
		Sections:    []answerSection{{Key: "subjective", Sentences: []schema.Sentence{{Text: "No chest pain.", Evidence: schema.Evidence{9}}}}},
		Problems:    []schema.Problem{{Title: "T2DM", ICD10: &schema.CodeRef{Code: "E119", Title: "x"}, Evidence: schema.Evidence{8, 2}}, {Title: "Hypertension", Evidence: schema.Evidence{10}}},
		Medications: []schema.Medication{{Name: "metformin ", Dose: "500 mg", Action: schema.ActionStart, Evidence: schema.Evidence{11}}},
		FollowUp:    []schema.Sentence{{Text: "come back in 3 months", Evidence: schema.Evidence{12}}},
	}
	m := merge(tm, []answer{a, b})
	var keys []string
	for _, s := range m.Sections {
		keys = append(keys, fmt.Sprintf("%s:%d", s.Key, len(s.Sentences)))
	}
	if got := strings.Join(keys, " "); got != "subjective:2 objective:0 assessment:0 plan:1" {
		t.Errorf("sections = %s", got)
	}
	if m.Sections[0].Sentences[1].Text != "No chest pain." {
		t.Errorf("subjective not in transcript order: %+v", m.Sections[0].Sentences)
	}
	if len(m.Problems) != 2 || !slices.Equal(m.Problems[0].Evidence, schema.Evidence{2, 8}) || m.Problems[0].Title != "Type 2 diabetes" {
		t.Errorf("problems = %+v: the same code twice must merge", m.Problems)
	}
	if len(m.Medications) != 1 || m.Medications[0].Dose != "500 mg" || m.Medications[0].Action != schema.ActionStart ||
		!slices.Equal(m.Medications[0].Evidence, schema.Evidence{3, 11}) {
		t.Errorf("medications = %+v", m.Medications)
	}
	if len(m.FollowUp) != 1 || !slices.Equal(m.FollowUp[0].Evidence, schema.Evidence{4, 12}) {
		t.Errorf("follow-up = %+v", m.FollowUp)
	}
}

// scripted plays the model: it answers each part from a function of the segment ids
// in the prompt. A double, because a real model cannot be made to write a given note;
// the real server is exercised in integration_test.go.
type scripted struct {
	mu      sync.Mutex
	prompts []string
	answer  func(ids []int) (string, error)
}

func (s *scripted) CompleteJSON(ctx context.Context, req llm.Request, check func([]byte) error) (llm.Response, error) {
	user := req.Messages[len(req.Messages)-1].Content
	s.mu.Lock()
	s.prompts = append(s.prompts, user)
	s.mu.Unlock()
	var ids []int
	for _, line := range strings.Split(user, "\n") {
		var id int
		if _, err := fmt.Sscanf(line, "[%d]", &id); err == nil {
			ids = append(ids, id)
		}
	}
	content, err := s.answer(ids)
	if err != nil {
		return llm.Response{Content: content, FinishReason: "length"}, err
	}
	if err := check([]byte(content)); err != nil {
		return llm.Response{}, fmt.Errorf("%w: %v", llm.ErrInvalidJSON, err)
	}
	return llm.Response{Content: content, FinishReason: "stop"}, nil
}

func TestDraftFlagsCutPartsCodesAndEvidence(t *testing.T) {
	ix, err := icd10.Open(context.Background(), filepath.Join(t.TempDir(), "icd.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	segs := segments("How are you?", "Thirsty.", "Sugar is high.", "Start metformin.")
	model := &scripted{answer: func(ids []int) (string, error) {
		if slices.Contains(ids, 2) {
			return `{"sections":[{"key":"objective","sentences":[{"text":"Sugar`, fmt.Errorf("%w (40 tokens)", llm.ErrTruncated)
		}
		return fmt.Sprintf(`{"sections":[{"key":"plan","sentences":[{"text":"Part %v.","evidence":[%d]},{"text":"Unsupported.","evidence":[]}]}],
		"problems":[{"title":"Diabetes","icd10":{"code":"E11.9","title":"Type 2 diabetes mellitus without complications"},"evidence":[%d]},
		            {"title":"Made up","icd10":{"code":"Z99.ZZ","title":"Nothing"},"evidence":[99]},
		            {"title":"Hypertension","icd10":{"code":"I10","title":"High blood pressure"},"evidence":[%d]}],
		"medications":[],"allergies":[],"vitals":[],"orders":[],"follow_up":[],"patient_instructions":[]}`, ids, ids[0], ids[0], ids[0]), nil
	}}
	d := Drafter{LLM: model, Codes: ix, BytesPerToken: 1, MaxTokens: 100}
	tm := soapTemplate(t)
	d.ContextTokens = 100 + len(systemPrompt(tm, "en")) + 1 + 64 + 64 // 64 tokens: two segments a part
	note, err := d.Draft(context.Background(), draft.Request{Segments: segs, Template: tm, Language: "en"})
	if err != nil {
		t.Fatal(err)
	}
	if err := schema.Validate(note); err != nil {
		t.Fatal(err)
	}
	kinds := map[string][]string{}
	for _, w := range note.Warnings {
		kinds[w.Kind] = append(kinds[w.Kind], w.Path+" "+w.Message)
	}
	// Segment 2's part was cut, split, and cut again alone: it is reported missing.
	if len(kinds[schema.WarnTruncated]) != 1 || !strings.Contains(kinds[schema.WarnTruncated][0], "[2]") {
		t.Errorf("truncated warnings = %v", kinds[schema.WarnTruncated])
	}
	if len(kinds[schema.WarnChunked]) != 1 {
		t.Errorf("chunked warnings = %v", kinds[schema.WarnChunked])
	}
	// Unknown code removed, wrong title kept and flagged, good code silent.
	if len(note.Problems) != 3 || note.Problems[0].ICD10 == nil || note.Problems[1].ICD10 != nil || note.Problems[2].ICD10 == nil {
		t.Fatalf("problems = %+v", note.Problems)
	}
	if got := strings.Join(kinds[schema.WarnInvalidCode], "|"); !strings.Contains(got, "/problems/1/icd10 Suggested code removed") ||
		!strings.Contains(got, "/problems/2/icd10 Check this code") || strings.Contains(got, "/problems/0/") {
		t.Errorf("code warnings = %v", got)
	}
	// Sentences without evidence are flagged at their path; bad ids too.
	if len(kinds[schema.WarnNoEvidence]) < 2 {
		t.Errorf("no_evidence warnings = %v", kinds[schema.WarnNoEvidence])
	}
	for _, w := range kinds[schema.WarnNoEvidence] {
		if !strings.HasPrefix(w, "/sections/3/sentences/") && !strings.HasPrefix(w, "/problems/1") {
			t.Errorf("unexpected no_evidence warning %s", w)
		}
	}
	// Parts asked: [0 1] ok, [2 3] cut → [2] cut, [3] ok.
	if len(model.prompts) != 4 || !strings.Contains(model.prompts[0], "part 1 of 2") {
		t.Errorf("%d prompts; first:\n%s", len(model.prompts), model.prompts[0])
	}
}

func TestDraftErrorsReturnNoNote(t *testing.T) {
	tm := soapTemplate(t)
	segs := segments("a", "b")
	for _, tc := range []struct {
		name string
		err  error
		code string
	}{
		{"server down", fmt.Errorf("%w: connection refused", llm.ErrUnavailable), domain.EUnavailable},
		{"garbage twice", fmt.Errorf("%w after one repair round", llm.ErrInvalidJSON), domain.EUnavailable},
		{"cancelled", fmt.Errorf("llm request cancelled: %w", context.Canceled), domain.EUnavailable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := Drafter{LLM: failing{tc.err}} // a double: the failure is the point
			note, err := d.Draft(context.Background(), draft.Request{Segments: segs, Template: tm, Language: "en"})
			if !errors.Is(err, tc.err) || domain.ErrorCode(err) != tc.code || note.SchemaVersion != "" {
				t.Errorf("err %v (code %s), note %+v", err, domain.ErrorCode(err), note)
			}
		})
	}
	d := Drafter{LLM: failing{nil}}
	if _, err := d.Draft(context.Background(), draft.Request{Segments: segs, Template: tm, Language: "de"}); domain.ErrorCode(err) != domain.EInvalid {
		t.Errorf("language de: %v", err)
	}
	note, err := d.Draft(context.Background(), draft.Request{Template: tm, Language: "fr"})
	if err != nil || len(note.Warnings) != 1 || note.Warnings[0].Kind != schema.WarnEmptyTranscript || schema.Validate(note) != nil {
		t.Errorf("empty transcript: %+v %v", note, err)
	}
}

type failing struct{ err error }

func (f failing) CompleteJSON(context.Context, llm.Request, func([]byte) error) (llm.Response, error) {
	return llm.Response{}, f.err
}

// An endpoint that does not enforce the schema (a double: llama-server does enforce
// it) answers first with a section the template lacks; the repair round fixes it and
// the note says so.
func TestDraftRepairsInvalidAnswer(t *testing.T) {
	answers := []string{
		`{"sections":[{"key":"history","sentences":[{"text":"Cough.","evidence":[1]}]}],"problems":[],"medications":[],"allergies":[],"vitals":[],"orders":[],"follow_up":[],"patient_instructions":[]}`,
		`{"sections":[{"key":"subjective","sentences":[{"text":"Cough.","evidence":[1]}]}],"problems":[],"medications":[],"allergies":[],"vitals":[],"orders":[],"follow_up":[],"patient_instructions":[]}`,
	}
	var calls int
	var repairPrompt string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Messages []llm.Message `json:"messages"`
		}
		json.NewDecoder(r.Body).Decode(&body)
		repairPrompt = body.Messages[len(body.Messages)-1].Content
		out, _ := json.Marshal(map[string]any{"choices": []any{map[string]any{"finish_reason": "stop",
			"message": map[string]any{"role": "assistant", "content": answers[min(calls, 1)]}}}})
		calls++
		w.Write(out)
	}))
	defer srv.Close()
	d := Drafter{LLM: &llm.Client{BaseURL: srv.URL}}
	note, err := d.Draft(context.Background(), draft.Request{Segments: segments("Hello.", "I cough."), Template: soapTemplate(t), Language: "en"})
	if err != nil {
		t.Fatal(err)
	}
	if calls != 2 || !strings.Contains(repairPrompt, `section key "history" is not one of the template's`) {
		t.Errorf("%d calls; repair prompt %q", calls, repairPrompt)
	}
	if len(note.Sections[0].Sentences) != 1 ||
		!slices.ContainsFunc(note.Warnings, func(w schema.Warning) bool { return w.Kind == schema.WarnRepaired }) {
		t.Errorf("note %+v", note)
	}
}

// TestDraftDropsCodesItsEvidenceDoesNotAffirm: the model's codes go through the
// extractive coder's context rules (draft.CheckCodeContext).
func TestDraftDropsCodesItsEvidenceDoesNotAffirm(t *testing.T) {
	segs := segments("Any diabetes?", "No.", "I don't think you have covid, we'll send a test.", "I have high blood pressure.")
	model := &scripted{answer: func([]int) (string, error) {
		return `{"sections":[{"key":"plan","sentences":[{"text":"Covid test sent.","evidence":[2]}]}],
		"problems":[{"title":"Diabetes","icd10":{"code":"E11.9","title":"Type 2 diabetes mellitus without complications"},"evidence":[0]},
		            {"title":"COVID-19","icd10":{"code":"U07.1","title":"COVID-19"},"evidence":[2]},
		            {"title":"Hypertension","icd10":{"code":"I10","title":"Essential (primary) hypertension"},"evidence":[3]}],
		"medications":[],"allergies":[],"vitals":[],"orders":[],"follow_up":[],"patient_instructions":[]}`, nil
	}}
	note, err := Drafter{LLM: model}.Draft(context.Background(), draft.Request{Segments: segs, Template: soapTemplate(t), Language: "en"})
	if err != nil {
		t.Fatal(err)
	}
	if len(note.Problems) != 3 || note.Problems[0].ICD10 != nil || note.Problems[1].ICD10 != nil || note.Problems[2].ICD10 == nil {
		t.Fatalf("problems = %+v: want the denied diabetes and the doubted covid uncoded, the hypertension kept", note.Problems)
	}
	removed := map[string]bool{}
	for _, w := range note.Warnings {
		if w.Kind == schema.WarnInvalidCode && strings.Contains(w.Message, "do not affirm") {
			removed[w.Path] = true
		}
	}
	if !removed["/problems/0/icd10"] || !removed["/problems/1/icd10"] || len(removed) != 2 {
		t.Errorf("removal warnings at %v, want /problems/0/icd10 and /problems/1/icd10", removed)
	}
}
