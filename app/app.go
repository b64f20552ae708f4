// Package app is the layer the desktop window binds to: a few small services that
// call the core packages (audio, transcribe, notes/...) and return (T, error). It never
// imports Wails: the window's runtime (events, dialogs) reaches it through Platform,
// which main.go implements. The same services are served as JSON by Bridge for
// end-to-end tests in a browser.
package app

import (
	"context"
	"fmt"
	"os"
	"sync"

	"greffier/appdirs"
	"greffier/domain"
	"greffier/notes/store"
)

// Product is the name shown in the window title and on the home screen.
const Product = "Greffier"

// Version is the app's version, shown in Settings.
const Version = "0.1.0"

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
	// Language is the UI language at start, "en" or "fr" ("" keeps the saved setting).
	Language string
}

// Services are the bound services and what they share. Create with New, then Start
// with the window's context; Close when the window closes.
type Services struct {
	cfg    Config
	events *Events
	db     *store.DB
	// startErr is why Start failed, if it did; services report it.
	startErr error

	mu   sync.Mutex
	lang string

	Encounters *Encounters
	Settings   *Settings
}

// New builds the services. Nothing is opened until Start.
func New(cfg Config) *Services {
	s := &Services{cfg: cfg, lang: "en"}
	if cfg.Language == "fr" || cfg.Language == "en" {
		s.lang = cfg.Language
	}
	s.Encounters = &Encounters{s: s}
	s.Settings = &Settings{s: s}
	return s
}

// Bind lists the services for Wails' Bind option and for Bridge.
func (s *Services) Bind() []any { return []any{s.Encounters, s.Settings} }

// Start opens the data folder and the database, and starts the event batcher that
// sends to p. ctx lives as long as the window.
func (s *Services) Start(ctx context.Context, p Platform) error {
	s.startErr = s.start(ctx, p)
	return s.startErr
}

func (s *Services) start(ctx context.Context, p Platform) error {
	s.events = NewEvents(ctx, p, DefaultEventInterval)
	if err := os.MkdirAll(s.cfg.Dirs.Data, 0o700); err != nil {
		return fmt.Errorf("create data folder %s: %w", s.cfg.Dirs.Data, err)
	}
	db, err := store.Open(ctx, s.cfg.Dirs.Database())
	if err != nil {
		return fmt.Errorf("open the encounter store: %w", err)
	}
	s.db = db
	return nil
}

// Close stops background work and closes the database.
func (s *Services) Close() error {
	if s.events != nil {
		s.events.Close()
	}
	if s.db != nil {
		return s.db.Close()
	}
	return nil
}

func (s *Services) language() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lang
}

func (s *Services) setLanguage(l string) {
	s.mu.Lock()
	s.lang = l
	s.mu.Unlock()
}

// ready returns nil when the services can work, else the reason as a UI error.
func (s *Services) ready() error {
	if s.db != nil {
		return nil
	}
	if s.startErr != nil {
		return s.fail(s.startErr)
	}
	return s.fail(domain.Errorf(domain.EUnavailable, "the database is not open yet"))
}
