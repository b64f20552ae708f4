package pipeline

import (
	"context"
	"fmt"
	"path/filepath"

	"greffier/appdirs"
	"greffier/icd10"
	"greffier/llm/llamaserver"
	"greffier/notes/draft"
	"greffier/notes/llmdraft"
	"greffier/pipeline/llmsetup"
)

// DrafterConfig is how the user chose to draft: with a GGUF that Greffier serves
// itself (Model), with the endpoint of a server the clinic runs (Endpoint), or,
// with neither, extractively without a language model.
type DrafterConfig struct {
	Dirs     appdirs.Dirs
	Endpoint string
	// Model wins over Endpoint when both are set: it keeps the transcript on this
	// machine.
	Model string
	// APIKey and Threads come from Env (GREFFIER_LLM_API_KEY, GREFFIER_LLAMA_THREADS).
	APIKey  string
	Threads int
	// NoCodes drafts without ICD-10-CM suggestions or validation.
	NoCodes bool
	// Servers keeps a managed llama-server between drafts (the app); nil starts
	// one for this drafter and stops it in Close (the CLI).
	Servers ServerPool
}

// ServerPool hands out a running llama-server for a GGUF.
type ServerPool interface {
	Server(ctx context.Context, m llmsetup.Managed) (*llamaserver.Server, error)
}

// Drafter is the chosen drafter. Close it when drafting is done.
type Drafter struct {
	draft.Drafter
	// LLM tells whether a language model drafts (its failures are not to be
	// replaced silently by an extractive draft).
	LLM bool
	// Notices are user-safe facts the user must be told: the transcript leaves
	// this machine, codes cannot be validated.
	Notices []string
	closers []func()
}

// Close stops what the drafter started (a managed server, the code index).
func (d *Drafter) Close() {
	for i := len(d.closers) - 1; i >= 0; i-- {
		d.closers[i]()
	}
	d.closers = nil
}

// ChooseDrafter returns the drafter c asks for. The ICD-10-CM table is opened for
// both kinds; when it cannot be, drafting goes on without code validation and a
// notice says so (a note is worth more than its code suggestions, but the user is
// told). Errors are *domain.Error (llmsetup's codes); on error nothing is left
// running.
func ChooseDrafter(ctx context.Context, c DrafterConfig) (*Drafter, error) {
	d := &Drafter{}
	var ix *icd10.Index
	if !c.NoCodes {
		var err error
		if ix, err = OpenCodeIndex(ctx, c.Dirs); err != nil {
			d.Notices = append(d.Notices, fmt.Sprintf("ICD-10-CM table unavailable, codes will not be suggested or validated: %v", err))
		} else {
			d.closers = append(d.closers, func() { ix.Close() })
		}
	}
	if c.Model == "" && c.Endpoint == "" {
		ex := draft.Extractive{}
		if ix != nil { // a nil *Index in the interface would not read as none
			ex.Codes = ix
		}
		d.Drafter = ex
		return d, nil
	}
	d.LLM = true
	var validator llmdraft.CodeValidator
	if ix != nil {
		validator = ix
	}
	if c.Model != "" {
		m := llmsetup.Managed{Model: c.Model, LogFile: filepath.Join(c.Dirs.Logs(), "llama-server.log"), Threads: c.Threads}
		srv, err := d.server(ctx, c.Servers, m)
		if err != nil {
			d.Close()
			return nil, err
		}
		client, model := llmsetup.ManagedClient(srv, c.Model)
		d.Drafter = llmsetup.Drafter(ctx, client, model, validator)
		return d, nil
	}
	client, model, remote, err := llmsetup.Endpoint(c.Endpoint, c.APIKey)
	if err != nil {
		d.Close()
		return nil, err
	}
	if remote {
		d.Notices = append(d.Notices, fmt.Sprintf("sending the transcript to %s, which is not on this machine", llmsetup.Host(c.Endpoint)))
	}
	d.Drafter = llmsetup.Drafter(ctx, client, model, validator)
	return d, nil
}

// server takes a server from pool, or starts one that Close stops.
func (d *Drafter) server(ctx context.Context, pool ServerPool, m llmsetup.Managed) (*llamaserver.Server, error) {
	if pool != nil {
		return pool.Server(ctx, m)
	}
	srv, err := llmsetup.StartManaged(ctx, m)
	if err != nil {
		return nil, err
	}
	d.closers = append(d.closers, func() { _ = srv.Stop() })
	return srv, nil
}
