// Package llmsetup builds what the LLM drafter needs from the user's settings: a
// client for an endpoint they named (with its model name and the loopback check) or
// a managed llama-server on their GGUF file. The CLI (`greffier draft --llm`,
// `--llama-model`) and the desktop app share it, so both say the same things.
package llmsetup

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"greffier/domain"
	"greffier/llm"
	"greffier/llm/llamaserver"
	"greffier/notes/llmdraft"
)

// Endpoint returns a client for an OpenAI-compatible endpoint the user configured.
// Servers that host several models (Ollama, LM Studio, vLLM) need a name, given as
// a ?model=NAME query (http://127.0.0.1:11434/v1?model=llama3.1); without one the
// endpoint's host names the model in the note. apiKey, if not empty, is sent as a
// bearer token. The user named the endpoint, so it may be remote: remote reports
// that the transcript will leave this machine, for the caller to tell the user.
// A malformed URL, or plain http to another machine, is a *domain.Error with code
// EInvalid.
func Endpoint(rawURL, apiKey string) (client *llm.Client, model string, remote bool, err error) {
	base, model, err := SplitModel(rawURL)
	if err != nil {
		return nil, "", false, domain.Errorf(domain.EInvalid, "%v", err)
	}
	if err := llm.CheckEndpoint(base, true); err != nil {
		return nil, "", false, domain.Errorf(domain.EInvalid, "%v", err)
	}
	client = &llm.Client{BaseURL: base, Model: model, APIKey: apiKey, AllowRemote: true}
	remote = llm.CheckEndpoint(base, false) != nil
	return client, model, remote, nil
}

// Host is the scheme and host of rawURL, without credentials or path, to name an
// endpoint in a notice.
func Host(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// SplitModel takes the model name out of an endpoint's query (?model=NAME); without
// one, the host names the model (never the credentials).
func SplitModel(raw string) (base, model string, err error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", "", fmt.Errorf("%q is not a URL", raw)
	}
	q := u.Query()
	model = q.Get("model")
	q.Del("model")
	u.RawQuery = q.Encode()
	if model == "" {
		model = u.Hostname()
	}
	return u.String(), model, nil
}

// Managed says how to run llama-server on the user's GGUF.
type Managed struct {
	// Model is the GGUF file (required).
	Model string
	// LogFile receives the server's output (its folder is created); "" keeps it
	// in memory only. Keep it in the app's private data folder.
	LogFile string
	// Threads caps the server's CPU threads; 0 lets it choose.
	Threads int
	// Context is the context window to ask for (llmdraft.Drafter.ContextFor the
	// transcript); 0: the server's default (models.DefaultContext). It is capped by
	// the model's trained context and cut to fit in memory.
	Context int
	// Notify, if set, is told about the server's life (crashes, restarts).
	Notify func(llamaserver.Event)
}

// StartManaged runs llama-server on m.Model on a free loopback port and waits until
// it answers; ctx bounds the start only (call Stop on the server). Its errors are
// *domain.Error: ENotFound for a missing model file, EUnavailable when llama-server
// is not installed or does not start.
func StartManaged(ctx context.Context, m Managed) (*llamaserver.Server, error) {
	if m.Model == "" {
		return nil, domain.Errorf(domain.EInvalid, "no GGUF model file given")
	}
	if _, err := os.Stat(m.Model); err != nil {
		return nil, domain.Wrap(domain.ENotFound, err, "the GGUF model %s cannot be read", m.Model)
	}
	if m.LogFile != "" {
		if err := os.MkdirAll(filepath.Dir(m.LogFile), 0o700); err != nil {
			return nil, domain.Wrap(domain.EUnavailable, err, "create log folder")
		}
	}
	srv, err := llamaserver.Start(ctx, llamaserver.Config{Model: m.Model, LogFile: m.LogFile, Threads: m.Threads,
		ContextSize: m.Context, Notify: m.Notify})
	if errors.Is(err, llamaserver.ErrNotFound) {
		return nil, domain.Wrap(domain.EUnavailable, err, "llama-server is not installed (Debian: apt install llama.cpp-tools)")
	}
	if err != nil {
		return nil, domain.Wrap(domain.EUnavailable, err, "start llama-server with %s", filepath.Base(m.Model))
	}
	return srv, nil
}

// ManagedClient is a client for a managed server, and the model's name for the note
// (the GGUF's file name). It sends the server's API key, and before every request
// checks that the port is still held by the server's own child.
func ManagedClient(srv *llamaserver.Server, gguf string) (*llm.Client, string) {
	return &llm.Client{BaseURL: srv.URL(), APIKey: srv.APIKey(), Guard: srv.CheckOwner}, filepath.Base(gguf)
}

// Drafter is the LLM drafter on client, with the server's context window when it
// reports one. codes may be nil (codes are then flagged as unvalidated).
func Drafter(ctx context.Context, client *llm.Client, model string, codes llmdraft.CodeValidator) llmdraft.Drafter {
	d := llmdraft.Drafter{LLM: client, Model: model, Codes: codes}
	if n, err := client.ContextSize(ctx); err == nil && n > 0 {
		d.ContextTokens = n
	}
	return d
}

// Probe checks that an OpenAI-compatible endpoint answers (GET /v1/models), with the
// same URL rules, model query and bearer token as the drafter, so a test that passes
// in Settings means drafting can reach it. Errors are *domain.Error: EInvalid for a
// malformed URL, EUnavailable when it does not answer or answers an error.
func Probe(ctx context.Context, rawURL, apiKey string) error {
	client, _, _, err := Endpoint(rawURL, apiKey)
	if err != nil {
		return err
	}
	base := strings.TrimSuffix(strings.TrimRight(client.BaseURL, "/"), "/v1")
	u, err := url.Parse(base)
	if err != nil {
		return domain.Errorf(domain.EInvalid, "%q is not a URL", rawURL)
	}
	u.Path += "/v1/models"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return domain.Wrap(domain.EInvalid, err, "%q is not a usable URL", Host(rawURL))
	}
	if apiKey != "" {
		req.Header.Set("Authorization", "Bearer "+apiKey)
	}
	// No proxy and no redirect, as for drafting: the transcript's path is the one
	// tested, and the token goes nowhere else.
	hc := &http.Client{Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := hc.Do(req)
	if err != nil {
		return domain.Wrap(domain.EUnavailable, err, "the language model at %s does not answer", Host(rawURL))
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return domain.Errorf(domain.EUnavailable, "the language model at %s answered HTTP %d", Host(rawURL), res.StatusCode)
	}
	return nil
}
