package llmsetup_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"greffier/domain"
	"greffier/llm/llmtest"
	"greffier/notes/draft"
	"greffier/notes/schema"
	"greffier/notes/templates"
	"greffier/notes/transcript"
	"greffier/pipeline/llmsetup"
)

func TestSplitModel(t *testing.T) {
	for _, tc := range []struct{ in, base, model string }{
		{"http://127.0.0.1:11434/v1?model=llama3.1", "http://127.0.0.1:11434/v1", "llama3.1"},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080", "127.0.0.1"},
		{"https://user:secret@llm.example.org/v1?model=m&x=1", "https://user:secret@llm.example.org/v1?x=1", "m"},
	} {
		base, model, err := llmsetup.SplitModel(tc.in)
		if err != nil || base != tc.base || model != tc.model {
			t.Errorf("SplitModel(%s) = %s, %s, %v", tc.in, base, model, err)
		}
	}
}

func TestEndpoint(t *testing.T) {
	for _, tc := range []struct {
		in, base, model, key string
		remote               bool
	}{
		{"http://127.0.0.1:11434/v1?model=llama3.1", "http://127.0.0.1:11434/v1", "llama3.1", "", false},
		{"http://localhost:8080", "http://localhost:8080", "localhost", "k", false},
		{"https://llm.example.org/v1?model=m", "https://llm.example.org/v1", "m", "secret", true},
	} {
		c, model, remote, err := llmsetup.Endpoint(tc.in, tc.key)
		if err != nil {
			t.Errorf("Endpoint(%s): %v", tc.in, err)
			continue
		}
		if c.BaseURL != tc.base || c.Model != tc.model || model != tc.model || remote != tc.remote || c.APIKey != tc.key || !c.AllowRemote {
			t.Errorf("Endpoint(%s) = %+v, %s, remote %v", tc.in, c, model, remote)
		}
	}
	for _, bad := range []string{"ftp://x", "not a url", "http://"} {
		if _, _, _, err := llmsetup.Endpoint(bad, ""); domain.ErrorCode(err) != domain.EInvalid {
			t.Errorf("Endpoint(%q): %v, want EInvalid", bad, err)
		}
	}
	if got := llmsetup.Host("https://u:p@llm.example.org:8443/v1?model=m"); got != "https://llm.example.org:8443" {
		t.Errorf("Host = %q", got)
	}
}

func TestStartManagedErrors(t *testing.T) {
	ctx := context.Background()
	if _, err := llmsetup.StartManaged(ctx, llmsetup.Managed{Model: filepath.Join(t.TempDir(), "none.gguf")}); domain.ErrorCode(err) != domain.ENotFound {
		t.Errorf("missing model: %v", err)
	}
	if _, err := llmsetup.StartManaged(ctx, llmsetup.Managed{}); domain.ErrorCode(err) != domain.EInvalid {
		t.Errorf("no model: %v", err)
	}
	t.Setenv("PATH", t.TempDir())
	model := llmtest.Model(t)
	if _, err := llmsetup.StartManaged(ctx, llmsetup.Managed{Model: model}); domain.ErrorCode(err) != domain.EUnavailable {
		t.Errorf("no llama-server on PATH: %v", err)
	}
}

// The managed server on the tiny random model drafts a schema-valid LLM note.
func TestManagedDraft(t *testing.T) {
	llmtest.RequireServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	model := llmtest.Model(t)
	logFile := filepath.Join(t.TempDir(), "logs", "llama-server.log")
	srv, err := llmsetup.StartManaged(ctx, llmsetup.Managed{Model: model, LogFile: logFile, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	client, name := llmsetup.ManagedClient(srv, model)
	d := llmsetup.Drafter(ctx, client, name, nil)
	if d.ContextTokens <= 0 {
		t.Errorf("context window not read from the server: %d", d.ContextTokens)
	}
	segs, ok := transcript.ParseDialogue("[doctor] What brings you in?\n[patient] A cough for three days.\n")
	if !ok {
		t.Fatal("the dialogue does not parse")
	}
	tmpl, err := templates.Loader{}.Get("soap")
	if err != nil {
		t.Fatal(err)
	}
	note, err := d.Draft(ctx, draft.Request{Segments: segs, Template: tmpl, Language: "en"})
	if err != nil {
		t.Fatal(err)
	}
	if err := schema.Validate(note); err != nil || note.Drafter.Kind != schema.DrafterLLM || note.Drafter.Model != "tiny-random.gguf" {
		t.Errorf("note drafter %+v, schema: %v", note.Drafter, err)
	}
}
