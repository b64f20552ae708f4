// Package app is the layer the desktop window binds to: a few small services that
// call the core packages (audio, transcribe, notes/...) and return (T, error). It never
// imports Wails: the window's runtime (events, dialogs) reaches it through Platform,
// which main.go implements. The same services are served as JSON by Bridge for
// end-to-end tests in a browser.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"greffier/appdirs"
	"greffier/domain"
	"greffier/logfile"
	"greffier/pipeline"
	"greffier/store"
	"greffier/store/crypt"
	"greffier/transcribe"
	"greffier/transcribe/models"
	"greffier/transcribe/whisper"
)

// Product is the name shown in the window title and on the home screen.
const Product = "Greffier"

// Version is the app's version, shown in Settings.
const Version = pipeline.Version

// Platform is what the services need from the window: events to the UI and native
// file dialogs. main.go implements it with the Wails runtime; Bridge with SSE.
type Platform interface {
	// Emit sends one event to the UI.
	Emit(name string, data any)
	// OpenFile asks the user for a file to open; "" when cancelled. Platforms without
	// native dialogs return an EUnavailable error (the UI then uploads a file instead).
	OpenFile(title string, patterns []string) (string, error)
}

// Config is what main.go (or a test) decides at the edge.
type Config struct {
	Dirs appdirs.Dirs
	// StartScreen is the screen shown first ("home" when empty); GREFFIER_SCREEN sets it.
	StartScreen string
	// StartEncounter, if not 0, is opened at start (GREFFIER_ENCOUNTER).
	StartEncounter int64
	// Language is the UI language at start, "en" or "fr" ("" keeps the saved setting).
	Language domain.Language
	// WhisperModel is the model file to transcribe with; "" picks the first model in
	// Dirs.Models() (GREFFIER_MODEL sets it).
	WhisperModel string
	// Threads for whisper; 0 is transcribe's default.
	Threads int
	// ModelBaseURL and ModelCatalogue change where whisper models are downloaded from
	// and which ones are known (tests serve their own); zero values are upstream's.
	ModelBaseURL   string
	ModelCatalogue []models.Model
	// LLMThreads caps the CPU threads of the managed llama-server (Settings' GGUF);
	// 0 lets it choose (GREFFIER_LLAMA_THREADS sets it).
	LLMThreads int
	// LLMAPIKey, if set, is sent as a bearer token to the LLM endpoint of Settings
	// (GREFFIER_LLM_API_KEY sets it).
	LLMAPIKey string
	// Log receives internal errors with their cause (never patient text); nil
	// drops them. main.go opens it in the data folder's logs/.
	Log *slog.Logger
	// LiveEngine, if set, transcribes live recordings instead of the whisper model
	// (tests: an empty whisper model, the only one here, writes no words).
	LiveEngine LiveEngine
	// RetentionEvery is how often retention runs after the run at start; 0 is
	// DefaultRetentionEvery (a day).
	RetentionEvery time.Duration
	// KDF is the argon2id cost of new passwords (zero: the store's default); tests
	// use crypt.TestKDF to stay fast.
	KDF crypt.KDF
	// Now is the clock of the idle lock (tests); nil is time.Now.
	Now func() time.Time
	// IdleCheckEvery is how often the idle lock is checked in the background; 0 is
	// 5 s. Calls check it too, so a locked session never answers.
	IdleCheckEvery time.Duration
	// HandoffEvery is how often the background sender looks at the hand-off queue
	// (DefaultHandoffEvery when 0); HandoffBackoff its first wait after the clinic
	// server did not answer, doubling (DefaultHandoffBackoff when 0).
	HandoffEvery, HandoffBackoff time.Duration
}

// Services are the bound services and what they share. Create with New, then Start
// with the window's context; Close when the window closes.
type Services struct {
	cfg      Config
	ctx      context.Context
	platform Platform
	events   *Events
	// db is nil until the first login unlocks it (auth.locked until then); set once,
	// under auth.mu.
	db   *store.DB
	auth auth
	// startErr is why Start failed, if it did; services report it.
	startErr error
	log      *slog.Logger
	jobs     *jobs
	sched    transcribe.Scheduler

	mu     sync.Mutex
	lang   domain.Language
	engine *whisper.Model
	// llm keeps the managed llama-server between drafts.
	llm *llmRunner
	// upkeep recovers interrupted recordings and runs retention (retention.go).
	upkeep *upkeep

	Session    *Session
	Encounters *Encounters
	Recording  *Recording
	Drafts     *Drafts
	Export     *Export
	Settings   *Settings
	Templates  *Templates
	Handoff    *Handoff
	Documents  *Documents
}

// New builds the services. Nothing is opened until Start.
func New(cfg Config) *Services {
	s := &Services{cfg: cfg, lang: "en", ctx: context.Background(), log: cfg.Log}
	if s.log == nil {
		s.log = logfile.Discard()
	}
	if cfg.Language.NoteLanguage() {
		s.lang = cfg.Language
	}
	s.jobs = newJobs(s)
	s.llm = newLLMRunner()
	s.Session = &Session{s: s}
	s.Encounters = &Encounters{s: s}
	s.Recording = &Recording{s: s}
	s.Drafts = &Drafts{s: s}
	s.Export = &Export{s: s}
	s.Settings = &Settings{s: s}
	s.Templates = &Templates{s: s}
	s.Handoff = &Handoff{s: s}
	s.Documents = &Documents{s: s}
	return s
}

// Bind lists the services for Wails' Bind option and for Bridge.
func (s *Services) Bind() []any {
	return []any{s.Session, s.Encounters, s.Recording, s.Drafts, s.Export, s.Settings, s.Templates, s.Handoff, s.Documents}
}

// Start opens the data folder and the database, locked: a user's login (or the
// first admin's setup) unlocks it. It starts the event batcher that sends to p and
// the idle lock's watcher. ctx lives as long as the window.
func (s *Services) Start(ctx context.Context, p Platform) error {
	s.startErr = s.start(ctx, p)
	return s.startErr
}

func (s *Services) start(ctx context.Context, p Platform) error {
	s.ctx = ctx
	s.platform = p
	s.events = NewEvents(ctx, p, DefaultEventInterval)
	l, err := s.openLocked(ctx)
	if err != nil {
		return fmt.Errorf("open the encounter store: %w", err)
	}
	s.auth.mu.Lock()
	s.auth.locked = l
	s.auth.mu.Unlock()
	every := s.cfg.IdleCheckEvery
	if every <= 0 {
		every = 5 * time.Second
	}
	go s.watchIdle(ctx, every)
	s.Handoff.start(ctx)
	return nil
}

// openLocked opens the data folder's database without its key
// (pipeline.OpenLockedStore), with Config.KDF if a test set one.
func (s *Services) openLocked(ctx context.Context) (*store.Locked, error) {
	if s.cfg.KDF == (crypt.KDF{}) {
		return pipeline.OpenLockedStore(ctx, s.cfg.Dirs, "")
	}
	if err := os.MkdirAll(s.cfg.Dirs.Data, 0o700); err != nil {
		return nil, domain.Wrap(domain.EUnavailable, err, "cannot create the data folder %s", s.cfg.Dirs.Data)
	}
	return store.OpenLocked(ctx, s.cfg.Dirs.Database(), store.Options{KDF: s.cfg.KDF})
}

// Close stops background work and the managed llama-server, and closes the
// database and the engine.
func (s *Services) Close() error {
	s.upkeep.stop()
	s.Handoff.stop()
	s.Recording.stopAll()
	s.jobs.cancelAll()
	s.llm.close()
	if s.events != nil {
		s.events.Close()
	}
	s.mu.Lock()
	if s.engine != nil {
		s.engine.Close()
		s.engine = nil
	}
	s.mu.Unlock()
	s.auth.mu.Lock()
	defer s.auth.mu.Unlock()
	if s.auth.locked != nil {
		return s.auth.locked.Close()
	}
	if s.db != nil {
		if s.auth.sess != nil {
			s.db.Logout(s.auth.sess)
			s.auth.sess = nil
		}
		return s.db.Close()
	}
	return nil
}

func (s *Services) language() domain.Language {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lang
}

func (s *Services) setLanguage(l domain.Language) {
	s.mu.Lock()
	s.lang = l
	s.mu.Unlock()
}

// ready returns nil when the services can work for a logged-in user whose session
// is not locked, else the reason as a UI error (EUnauthenticated without one).
func (s *Services) ready() error {
	_, err := s.session()
	return err
}

func (s *Services) emit(kind string, data any) { s.events.Send(kind, data) }
