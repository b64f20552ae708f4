package app

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"greffier/domain"
	"greffier/llm"
	"greffier/llm/llamaserver"
	"greffier/notes/draft"
	"greffier/notes/llmdraft"
	"greffier/notes/llmdraft/llmsetup"
)

// llmSettings is the language model chosen in Settings: a GGUF file that Greffier
// serves itself with llama-server (Model), or the URL of a server the clinic runs
// (Endpoint). Model wins when both are set: it keeps the transcript on this machine.
type llmSettings struct {
	Endpoint string
	Model    string
}

func (c llmSettings) configured() bool { return c.Endpoint != "" || c.Model != "" }

// llmSettings reads the language model settings.
func (s *Services) llmSettings(ctx context.Context) (llmSettings, error) {
	var c llmSettings
	var err error
	if c.Endpoint, _, err = s.db.Setting(ctx, settingLLM); err != nil {
		return c, err
	}
	c.Model, _, err = s.db.Setting(ctx, settingLLMModel)
	c.Endpoint, c.Model = strings.TrimSpace(c.Endpoint), strings.TrimSpace(c.Model)
	return c, err
}

// llmDrafter returns the LLM drafter for c (which must be configured); codes, if not
// nil, validates the suggested ICD-10-CM codes. A managed llama-server is started on
// first use and kept for the next drafts.
func (s *Services) llmDrafter(ctx context.Context, c llmSettings, codes llmdraft.CodeValidator) (draft.Drafter, error) {
	if c.Model != "" {
		srv, err := s.llm.server(ctx, llmsetup.Managed{
			Model:   c.Model,
			LogFile: filepath.Join(s.cfg.Dirs.Data, "logs", "llama-server.log"),
			Threads: s.cfg.LLMThreads,
		})
		if err != nil {
			return nil, err
		}
		client, model := llmsetup.ManagedClient(srv, c.Model)
		return llmsetup.Drafter(ctx, client, model, codes), nil
	}
	client, model, _, err := llmsetup.Endpoint(c.Endpoint, s.cfg.LLMAPIKey)
	if err != nil {
		return nil, err
	}
	return llmsetup.Drafter(ctx, client, model, codes), nil
}

// llmRunner keeps the managed llama-server between drafts: started on first use,
// restarted after a crash by its supervisor, stopped when the setting changes and
// when the app closes.
type llmRunner struct {
	// ctx ends pending starts when the app closes.
	ctx    context.Context
	cancel context.CancelFunc

	mu     sync.Mutex
	model  string // the GGUF srv serves
	srv    *llamaserver.Server
	closed bool
}

func newLLMRunner() *llmRunner {
	ctx, cancel := context.WithCancel(context.Background())
	return &llmRunner{ctx: ctx, cancel: cancel}
}

// healthyWait bounds the wait for a server that the supervisor is restarting.
const healthyWait = 2 * time.Minute

// server returns the running server for m.Model, starting it if needed (or again, if
// its supervisor gave up after repeated crashes).
func (r *llmRunner) server(ctx context.Context, m llmsetup.Managed) (*llamaserver.Server, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(r.ctx, cancel)
	defer stop()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, domain.Errorf(domain.EUnavailable, "Greffier is closing")
	}
	if r.srv != nil && r.model == m.Model {
		wctx, wcancel := context.WithTimeout(ctx, healthyWait)
		err := r.srv.WaitHealthy(wctx)
		wcancel()
		if err == nil {
			return r.srv, nil
		}
		if ctx.Err() != nil {
			return nil, domain.Wrap(domain.EUnavailable, err, "llama-server is not ready")
		}
	}
	r.stopLocked()
	srv, err := llmsetup.StartManaged(ctx, m)
	if err != nil {
		return nil, err
	}
	r.srv, r.model = srv, m.Model
	return srv, nil
}

func (r *llmRunner) stopLocked() {
	if r.srv != nil {
		_ = r.srv.Stop()
		r.srv, r.model = nil, ""
	}
}

// stop ends the managed server, if any; the next draft starts it again.
func (r *llmRunner) stop() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stopLocked()
}

// close ends the server for good (the app is closing).
func (r *llmRunner) close() {
	r.cancel()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
	r.stopLocked()
}

// llmFailure tells the user, in lang, why the language model could not draft, that
// the previous draft is kept, and how to get the extractive draft instead. It holds
// no patient text (nor the server's answer).
func llmFailure(err error, lang string) *UIError {
	code := domain.EUnavailable
	var why [2]string // en, fr
	switch {
	case errors.Is(err, context.Canceled):
		why = [2]string{"drafting was cancelled", "la rédaction a été annulée"}
	case errors.Is(err, llm.ErrRemote):
		code = domain.EForbidden
		why = [2]string{"the language model's address is not on this machine and was not allowed", "l'adresse du modèle de langage n'est pas sur cet ordinateur et n'a pas été autorisée"}
	case errors.Is(err, llm.ErrTruncated), errors.Is(err, llm.ErrContextExceeded), errors.Is(err, llmdraft.ErrNothingDrafted):
		why = [2]string{"the model's answer was cut short (the transcript is too long for its limits)", "la réponse du modèle a été tronquée (le transcript dépasse ses limites)"}
	case errors.Is(err, llm.ErrInvalidJSON), errors.Is(err, llm.ErrBadResponse):
		why = [2]string{"the model did not produce a usable note", "le modèle n'a pas produit de note utilisable"}
	case errors.Is(err, llamaserver.ErrNotFound):
		why = [2]string{"llama-server is not installed (Debian: apt install llama.cpp-tools)", "llama-server n'est pas installé (Debian : apt install llama.cpp-tools)"}
	case errors.Is(err, llm.ErrUnavailable), errors.Is(err, llm.ErrServer), errors.Is(err, context.DeadlineExceeded):
		why = [2]string{"the language model server does not answer (stopped, or unreachable)", "le serveur du modèle de langage ne répond pas (arrêté ou injoignable)"}
	case domain.ErrorCode(err) == domain.ENotFound:
		code = domain.ENotFound
		why = [2]string{"the GGUF model file chosen in Settings cannot be read", "le fichier de modèle GGUF choisi dans Réglages est illisible"}
	case domain.ErrorCode(err) == domain.EInvalid:
		code = domain.EInvalid
		why = [2]string{"the language model set in Settings is not valid", "le modèle de langage défini dans Réglages n'est pas valide"}
	default:
		why = [2]string{"unexpected failure", "échec inattendu"}
	}
	if lang == "fr" {
		return &UIError{Code: code, Message: "Brouillon non rédigé par le modèle de langage : " + why[1] +
			". Le brouillon précédent est conservé (rien n'a été enregistré). Réessayez, ou, pour un brouillon extractif sans modèle de langage, videz le modèle de langage dans Réglages puis relancez le brouillon."}
	}
	return &UIError{Code: code, Message: "The language model could not draft the note: " + why[0] +
		". The previous draft is kept (nothing was saved). Try again, or, for an extractive draft without a language model, clear the language model in Settings and draft again."}
}
