package pipeline

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"greffier/appdirs"
	"greffier/domain"
	"greffier/icd10"
	"greffier/llm/llamaserver"
	"greffier/notes/draft"
	"greffier/notes/llmdraft"
	"greffier/notes/schema"
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

// ServerPool hands out a running llama-server for a GGUF. m.Context is the context
// the transcript about to be drafted needs: a server with less drafts it in parts.
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
		// The server is started at the first draft, sized to its transcript.
		if _, err := os.Stat(c.Model); err != nil {
			d.Close()
			return nil, domain.Wrap(domain.ENotFound, err, "the GGUF model %s cannot be read", c.Model)
		}
		md := &managedDrafter{pool: c.Servers, codes: validator,
			m: llmsetup.Managed{Model: c.Model, LogFile: filepath.Join(c.Dirs.Logs(), "llama-server.log"), Threads: c.Threads}}
		d.Drafter = md
		d.closers = append(d.closers, md.close)
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

// managedDrafter drafts with a llama-server on the user's GGUF whose context is
// sized to the transcript being drafted (llmdraft.Drafter.ContextFor): a long
// consultation gets the context it needs in one part, a short one does not hold a
// large KV cache in memory. From a pool (the app) it takes the pool's server, which
// is started with the first draft's size; else it starts its own, again when a
// later transcript needs more context, and Close stops it.
type managedDrafter struct {
	pool  ServerPool
	m     llmsetup.Managed
	codes llmdraft.CodeValidator

	mu  sync.Mutex
	own *llamaserver.Server
}

// Draft implements draft.Drafter.
func (md *managedDrafter) Draft(ctx context.Context, req draft.Request) (schema.Note, error) {
	m := md.m
	m.Context = llmdraft.Drafter{MaxTokens: llmdraft.AnswerTokens}.ContextFor(req)
	srv, err := md.server(ctx, m)
	if err != nil {
		return schema.Note{}, err
	}
	client, model := llmsetup.ManagedClient(srv, m.Model)
	d := llmsetup.Drafter(ctx, client, model, md.codes)
	if d.ContextTokens >= m.Context {
		d.MaxTokens = llmdraft.AnswerTokens // what the context was sized for
	}
	return d.Draft(ctx, req)
}

// server is the pool's server, or this drafter's own, started (again) when it
// has less context than m asks for.
func (md *managedDrafter) server(ctx context.Context, m llmsetup.Managed) (*llamaserver.Server, error) {
	if md.pool != nil {
		return md.pool.Server(ctx, m)
	}
	md.mu.Lock()
	defer md.mu.Unlock()
	if md.own != nil && md.own.Healthy() && md.own.Plan().Context >= min(m.Context, md.ownCap()) {
		return md.own, nil
	}
	if md.own != nil {
		_ = md.own.Stop()
		md.own = nil
	}
	srv, err := llmsetup.StartManaged(ctx, m)
	if err != nil {
		return nil, err
	}
	md.own = srv
	return srv, nil
}

// ownCap is the most context the own server could get: when its plan was cut to
// fit memory, a bigger request would be cut the same way, and restarting for it
// would gain nothing.
func (md *managedDrafter) ownCap() int {
	if p := md.own.Plan(); p.Reduced {
		return p.Context
	}
	return int(^uint(0) >> 1)
}

func (md *managedDrafter) close() {
	md.mu.Lock()
	defer md.mu.Unlock()
	if md.own != nil {
		_ = md.own.Stop()
		md.own = nil
	}
}
