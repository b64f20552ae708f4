package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"

	"greffier/appdirs"
	"greffier/domain"
	"greffier/notes/draft"
	"greffier/notes/llm"
	"greffier/notes/llm/llamaserver"
	"greffier/notes/llmdraft"
)

// newLLMDrafter returns the LLM drafter for `greffier draft --llm URL` or
// `--llama-model GGUF`, and a cleanup to call when drafting is done (it stops the
// managed llama-server and closes the code table). With --llm, a ?model=NAME query
// names the model and GREFFIER_LLM_API_KEY, if set, is sent as a bearer token.
func newLLMDrafter(ctx context.Context, c *cli, llmURL, llamaModel string) (draft.Drafter, func(), error) {
	dirs, err := appdirs.Default()
	if err != nil {
		return nil, func() {}, domain.Wrap(domain.EUnavailable, err, "find Greffier's data folder")
	}
	var cleanups []func()
	cleanup := func() {
		for i := len(cleanups) - 1; i >= 0; i-- {
			cleanups[i]()
		}
	}
	client := &llm.Client{BaseURL: llmURL}
	var model string
	if llamaModel != "" {
		srv, err := startLlamaServer(ctx, dirs, llamaModel)
		if err != nil {
			return nil, cleanup, err
		}
		cleanups = append(cleanups, func() { _ = srv.Stop() })
		client.BaseURL = srv.URL()
		model = filepath.Base(llamaModel)
	} else {
		// Servers that host several models (Ollama, LM Studio, vLLM) need a name:
		// --llm 'http://127.0.0.1:11434/v1?model=llama3.1'.
		base, name, err := splitModel(llmURL)
		if err != nil {
			return nil, cleanup, usagef("--llm: %v", err)
		}
		llmURL, client.BaseURL, client.Model, model = base, base, name, name
		client.APIKey = os.Getenv("GREFFIER_LLM_API_KEY")
		if err := llm.CheckEndpoint(llmURL, true); err != nil {
			return nil, cleanup, usagef("--llm: %v", err)
		}
		// The user named this endpoint: it may be remote, and they are told so.
		client.AllowRemote = true
		if llm.CheckEndpoint(llmURL, false) != nil {
			u, _ := url.Parse(llmURL)
			fmt.Fprintf(c.stderr, "greffier: notice: sending the transcript to %s://%s, which is not on this machine\n", u.Scheme, u.Host)
		}
	}
	d := llmdraft.Drafter{LLM: client, Model: model}
	if n, err := client.ContextSize(ctx); err == nil && n > 0 {
		d.ContextTokens = n
	}
	ix, err := openCodeIndex(ctx, dirs)
	if err != nil {
		fmt.Fprintf(c.stderr, "greffier: notice: ICD-10-CM table unavailable, codes will not be validated: %v\n", err)
	} else {
		cleanups = append(cleanups, func() { ix.Close() })
		d.Codes = ix
	}
	return d, cleanup, nil
}

// startLlamaServer runs llama-server with the user's GGUF on a free loopback port; its
// output goes to logs/llama-server.log in the data folder.
func startLlamaServer(ctx context.Context, dirs appdirs.Dirs, model string) (*llamaserver.Server, error) {
	if _, err := os.Stat(model); err != nil {
		return nil, domain.Wrap(domain.ENotFound, err, "--llama-model %s", model)
	}
	logs := filepath.Join(dirs.Data, "logs")
	if err := os.MkdirAll(logs, 0o700); err != nil {
		return nil, domain.Wrap(domain.EUnavailable, err, "create log folder")
	}
	cfg := llamaserver.Config{Model: model, LogFile: filepath.Join(logs, "llama-server.log")}
	// GREFFIER_LLAMA_THREADS caps the server's CPU threads (on a busy machine fewer
	// threads spin less against each other).
	if v := os.Getenv("GREFFIER_LLAMA_THREADS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return nil, domain.Errorf(domain.EInvalid, "GREFFIER_LLAMA_THREADS=%q: want a positive number", v)
		}
		cfg.Threads = n
	}
	srv, err := llamaserver.Start(ctx, cfg)
	if errors.Is(err, llamaserver.ErrNotFound) {
		return nil, domain.Wrap(domain.EUnavailable, err, "llama-server is not installed (Debian: apt install llama.cpp-tools)")
	}
	if err != nil {
		return nil, domain.Wrap(domain.EUnavailable, err, "start llama-server with %s", filepath.Base(model))
	}
	return srv, nil
}

// splitModel takes the model name out of an endpoint's query (?model=NAME).
func splitModel(raw string) (base, model string, err error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", "", fmt.Errorf("%q is not a URL", raw)
	}
	q := u.Query()
	model = q.Get("model")
	q.Del("model")
	u.RawQuery = q.Encode()
	if model == "" {
		model = u.Hostname() // names the endpoint in the note, without credentials
	}
	return u.String(), model, nil
}
