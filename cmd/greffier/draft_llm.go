package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"greffier/appdirs"
	"greffier/domain"
	"greffier/llm"
	"greffier/llm/llamaserver"
	"greffier/notes/draft"
	"greffier/notes/llmdraft/llmsetup"
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
	var client *llm.Client
	var model string
	if llamaModel != "" {
		srv, err := startLlamaServer(ctx, dirs, llamaModel)
		if err != nil {
			return nil, cleanup, err
		}
		cleanups = append(cleanups, func() { _ = srv.Stop() })
		client, model = llmsetup.ManagedClient(srv, llamaModel)
	} else {
		var remote bool
		client, model, remote, err = llmsetup.Endpoint(llmURL, os.Getenv("GREFFIER_LLM_API_KEY"))
		if err != nil {
			return nil, cleanup, usagef("--llm: %v", err)
		}
		if remote {
			fmt.Fprintf(c.stderr, "greffier: notice: sending the transcript to %s, which is not on this machine\n", llmsetup.Host(llmURL))
		}
	}
	ix, ixErr := openCodeIndex(ctx, dirs)
	if ixErr != nil {
		fmt.Fprintf(c.stderr, "greffier: notice: ICD-10-CM table unavailable, codes will not be validated: %v\n", ixErr)
		return llmsetup.Drafter(ctx, client, model, nil), cleanup, nil
	}
	cleanups = append(cleanups, func() { ix.Close() })
	return llmsetup.Drafter(ctx, client, model, ix), cleanup, nil
}

// startLlamaServer runs llama-server with the user's GGUF on a free loopback port; its
// output goes to logs/llama-server.log in the data folder.
func startLlamaServer(ctx context.Context, dirs appdirs.Dirs, model string) (*llamaserver.Server, error) {
	m := llmsetup.Managed{Model: model, LogFile: filepath.Join(dirs.Data, "logs", "llama-server.log")}
	// GREFFIER_LLAMA_THREADS caps the server's CPU threads (on a busy machine fewer
	// threads spin less against each other).
	if v := os.Getenv("GREFFIER_LLAMA_THREADS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return nil, domain.Errorf(domain.EInvalid, "GREFFIER_LLAMA_THREADS=%q: want a positive number", v)
		}
		m.Threads = n
	}
	return llmsetup.StartManaged(ctx, m)
}
