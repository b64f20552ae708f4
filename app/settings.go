package app

import (
	"context"

	"greffier/domain"
)

// Settings is the Settings screen's service: what the app is and how it is set up.
type Settings struct{ s *Services }

// Info is what the shell needs at start.
type Info struct {
	Product       string `json:"product"`
	Version       string `json:"version"`
	DataDir       string `json:"data_dir"`
	ModelsDir     string `json:"models_dir"`
	StartScreen   string `json:"start_screen"`
	// StartLanguage is the language asked for at start (GREFFIER_LANG), "" if none:
	// the UI then keeps the user's saved choice.
	StartLanguage string `json:"start_language"`
	SchemaVersion int    `json:"schema_version"`
	SQLiteVersion string `json:"sqlite_version"`
}

// Info reports the product, the data folders and the database it opened.
func (st *Settings) Info() (Info, error) {
	s := st.s
	if err := s.ready(); err != nil {
		return Info{}, err
	}
	ctx := context.Background()
	ver, err := s.db.SchemaVersion(ctx)
	if err != nil {
		return Info{}, s.fail(err)
	}
	sv, err := s.db.SQLiteVersion(ctx)
	if err != nil {
		return Info{}, s.fail(err)
	}
	screen := s.cfg.StartScreen
	if screen == "" {
		screen = "home"
	}
	return Info{
		Product: Product, Version: Version,
		DataDir: s.cfg.Dirs.Data, ModelsDir: s.cfg.Dirs.Models(),
		StartScreen: screen, StartLanguage: s.cfg.Language,
		SchemaVersion: ver, SQLiteVersion: sv,
	}, nil
}

// SetLanguage switches the language of the messages the services return ("en"/"fr").
func (st *Settings) SetLanguage(lang string) (string, error) {
	if lang != "en" && lang != "fr" {
		return "", st.s.fail(domain.Errorf(domain.EInvalid, "unknown language %q (en or fr)", lang))
	}
	st.s.setLanguage(lang)
	return lang, nil
}
