package app_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"greffier/app"
	"greffier/appdirs"
	"greffier/domain"
	"greffier/llm/llmtest"
	"greffier/notes/schema"
	"greffier/store/crypt"
)

// llamaPIDs lists the processes whose command line names model (the managed
// llama-server serves it).
func llamaPIDs(t testing.TB, model string) []string {
	t.Helper()
	procs, _ := filepath.Glob("/proc/[0-9]*")
	var pids []string
	for _, d := range procs {
		cmd, err := os.ReadFile(filepath.Join(d, "cmdline"))
		if err == nil && strings.Contains(string(cmd), model) {
			pids = append(pids, filepath.Base(d))
		}
	}
	return pids
}

// checkLLMNote checks a draft made by the language model: schema-valid, drafter
// "llm" with the GGUF's name, and every sentence without evidence flagged.
func checkLLMNote(t *testing.T, v app.DraftView, version int) {
	t.Helper()
	if v.Version != version {
		t.Errorf("version %d, want %d", v.Version, version)
	}
	if err := schema.Validate(v.Note); err != nil {
		t.Errorf("the saved note is not schema-valid: %v", err)
	}
	if v.Note.Drafter.Kind != schema.DrafterLLM || v.Note.Drafter.Model != "tiny-random.gguf" {
		t.Errorf("drafter %+v, want llm tiny-random.gguf", v.Note.Drafter)
	}
	warned := map[string]bool{}
	var kinds []string
	for _, w := range v.Note.Warnings {
		kinds = append(kinds, w.Kind)
		if w.Kind == schema.WarnNoEvidence {
			warned[w.Path] = true
		}
	}
	items, bare := 0, 0
	check := func(path string, ev schema.Evidence) {
		items++
		if len(ev) == 0 {
			bare++
			if !warned[path] {
				t.Errorf("%s has no evidence and no warning", path)
			}
		}
	}
	for i, sec := range v.Note.Sections {
		for j, s := range sec.Sentences {
			check(fmt.Sprintf("/sections/%d/sentences/%d", i, j), s.Evidence)
		}
	}
	for i, p := range v.Note.Problems {
		check(fmt.Sprintf("/problems/%d", i), p.Evidence)
	}
	for i, m := range v.Note.Medications {
		check(fmt.Sprintf("/medications/%d", i), m.Evidence)
	}
	for i, a := range v.Note.Allergies {
		check(fmt.Sprintf("/allergies/%d", i), a.Evidence)
	}
	for i, x := range v.Note.Vitals {
		check(fmt.Sprintf("/vitals/%d", i), x.Evidence)
	}
	for i, o := range v.Note.Orders {
		check(fmt.Sprintf("/orders/%d", i), o.Evidence)
	}
	for prefix, ss := range map[string][]schema.Sentence{"/follow_up": v.Note.FollowUp, "/patient_instructions": v.Note.PatientInstructions} {
		for i, x := range ss {
			check(fmt.Sprintf("%s/%d", prefix, i), x.Evidence)
		}
	}
	t.Logf("LLM draft v%d: %d sections, %d sentences and items, %d without evidence, warnings %v",
		v.Version, len(v.Note.Sections), items, bare, kinds)
}

// With a GGUF chosen in Settings, drafts come from the real llama-server (on a tiny
// random-weight model, one thread): started on the first draft, reused by the next
// ones, stopped when the setting changes and when the app closes.
func TestDraftWithManagedLLM(t *testing.T) {
	llmtest.RequireServer(t)
	model := llmtest.Model(t)
	dirs := appdirs.Dirs{Data: t.TempDir()}
	s := app.New(app.Config{Dirs: dirs, LLMThreads: 1, KDF: crypt.TestKDF()})
	if err := s.Start(t.Context(), &recorder{}); err != nil {
		t.Fatal(err)
	}
	setUp(t, s)
	closed := false
	t.Cleanup(func() {
		if !closed {
			s.Close()
		}
	})
	enc, doc, _ := drafted(t, s, dirs) // version 1, extractive
	if _, err := savePrefs(t, s, app.Preferences{LLMModel: model}, doc); err != nil {
		t.Fatal(err)
	}
	if p, err := s.Settings.Preferences(); err != nil || p.LLMModel != model {
		t.Fatalf("preferences %+v, %v", p, err)
	}
	if pids := llamaPIDs(t, model); len(pids) != 0 {
		t.Fatalf("llama-server started before any draft: %v", pids)
	}

	v, err := s.Drafts.Generate(enc, "", "en")
	if err != nil {
		t.Fatal(err)
	}
	checkLLMNote(t, v, 2)
	first := llamaPIDs(t, model)
	if len(first) != 1 {
		t.Fatalf("llama-server processes after the first draft: %v", first)
	}

	// The next draft, and regenerating a section, reuse the same server.
	v, err = s.Drafts.Generate(enc, "", "en")
	if err != nil {
		t.Fatal(err)
	}
	checkLLMNote(t, v, 3)
	key := v.Note.Sections[0].Key
	v, err = act(t, s, doc).Drafts.RegenerateSection(enc, key, 3)
	if err != nil {
		t.Fatal(err)
	}
	if v.Version != 4 || v.Note.Drafter.Kind != schema.DrafterLLM {
		t.Errorf("after regenerating %s: version %d, drafter %+v", key, v.Version, v.Note.Drafter)
	}
	if again := llamaPIDs(t, model); !slices.Equal(again, first) {
		t.Errorf("llama-server pids %v, then %v: the server was not reused", first, again)
	}

	// Clearing the setting stops the server; drafts are extractive again.
	if _, err := savePrefs(t, s, app.Preferences{}, doc); err != nil {
		t.Fatal(err)
	}
	if pids := llamaPIDs(t, model); len(pids) != 0 {
		t.Errorf("llama-server still running after the setting was cleared: %v", pids)
	}
	v, err = s.Drafts.Generate(enc, "", "en")
	if err != nil || v.Note.Drafter.Kind != schema.DrafterExtractive {
		t.Fatalf("draft without a model: %+v, %v", v.Note.Drafter, err)
	}

	// Chosen again: a new server on the next draft; closing the app stops it.
	if _, err := savePrefs(t, s, app.Preferences{LLMModel: model}, doc); err != nil {
		t.Fatal(err)
	}
	if v, err = s.Drafts.Generate(enc, "", "en"); err != nil {
		t.Fatal(err)
	}
	checkLLMNote(t, v, 6)
	if pids := llamaPIDs(t, model); len(pids) != 1 {
		t.Fatalf("llama-server processes after choosing the model again: %v", pids)
	}
	closed = true
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if pids := llamaPIDs(t, model); len(pids) != 0 {
		t.Errorf("llama-server still running after the app closed: %v", pids)
	}
	// The server's log is in the data folder and holds no patient text.
	logData, err := os.ReadFile(filepath.Join(dirs.Data, "logs", "llama-server.log"))
	if err != nil || len(logData) == 0 {
		t.Errorf("server log: %v, %d bytes", err, len(logData))
	}
	for _, w := range []string{"cough", "paracetamol"} {
		if strings.Contains(string(logData), w) {
			t.Errorf("patient text %q in the server log", w)
		}
	}
}

// An endpoint that refuses connections: the user is told, in their language, that
// the model failed, that the previous draft is kept and how to draft without it; no
// version is saved and no extractive draft replaces it silently.
func TestDraftLLMEndpointDown(t *testing.T) {
	s, dirs := services(t)
	enc, doc, _ := drafted(t, s, dirs) // version 1, extractive
	if _, err := savePrefs(t, s, app.Preferences{LLMEndpoint: "http://127.0.0.1:1"}, doc); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ lang, kept, how string }{
		{"en", "The previous draft is kept", "extractive draft"},
		{"fr", "Le brouillon précédent est conservé", "brouillon extractif"},
	} {
		if _, err := s.Settings.SetLanguage(tc.lang); err != nil {
			t.Fatal(err)
		}
		_, err := s.Drafts.Generate(enc, "", "en")
		if code(t, err) != domain.EUnavailable {
			t.Fatalf("%s: Generate with the server down: %v", tc.lang, err)
		}
		msg := app.UserError(err, domain.Language(tc.lang)).Message
		if !strings.Contains(msg, tc.kept) || !strings.Contains(msg, tc.how) {
			t.Errorf("%s: message %q lacks %q or %q", tc.lang, msg, tc.kept, tc.how)
		}
		if _, err := act(t, s, doc).Drafts.RegenerateSection(enc, "subjective", 1); code(t, err) != domain.EUnavailable {
			t.Errorf("%s: RegenerateSection with the server down: %v", tc.lang, err)
		}
		cur, err := s.Drafts.Get(enc, 0)
		if err != nil {
			t.Fatal(err)
		}
		if cur.Version != 1 || cur.Note.Drafter.Kind != schema.DrafterExtractive {
			t.Errorf("%s: after the failure the latest is version %d by %+v, want version 1 unchanged", tc.lang, cur.Version, cur.Note.Drafter)
		}
	}
	// A GGUF that does not exist is refused when saved.
	_, err := savePrefs(t, s, app.Preferences{LLMModel: filepath.Join(dirs.Data, "none.gguf")}, doc)
	if code(t, err) != domain.ENotFound {
		t.Errorf("saving a missing GGUF: %v", err)
	}
}

// A server that answers, but not with a note: garbage, or an answer cut at
// max_tokens. These are the server's answers as seen on the wire (an HTTP server on
// loopback stands in for a broken model, which the real llama-server cannot be made
// to be on demand); the app must refuse them and keep the previous draft.
func TestDraftLLMBadAnswers(t *testing.T) {
	for _, tc := range []struct{ name, body, want string }{
		{"garbage", "<html>not a completion</html>", "did not produce a usable note"},
		{"truncated", `{"choices":[{"index":0,"finish_reason":"length","message":{"role":"assistant","content":"{\"sections\": [{\"key\""}}]}`, "cut short"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/v1/chat/completions" {
					http.NotFound(w, r)
					return
				}
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprint(w, tc.body)
			}))
			defer srv.Close()
			s, dirs := services(t)
			enc, doc, _ := drafted(t, s, dirs)
			if _, err := savePrefs(t, s, app.Preferences{LLMEndpoint: srv.URL}, doc); err != nil {
				t.Fatal(err)
			}
			_, err := s.Drafts.Generate(enc, "", "en")
			if code(t, err) != domain.EUnavailable {
				t.Fatalf("Generate: %v", err)
			}
			if msg := app.UserError(err, "en").Message; !strings.Contains(msg, tc.want) || !strings.Contains(msg, "previous draft is kept") {
				t.Errorf("message %q lacks %q", msg, tc.want)
			}
			if cur, err := s.Drafts.Get(enc, 0); err != nil || cur.Version != 1 {
				t.Errorf("latest version after the failure: %d, %v", cur.Version, err)
			}
		})
	}
}
