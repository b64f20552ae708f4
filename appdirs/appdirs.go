// Package appdirs says where Greffier keeps its data on this machine: the database,
// recordings, models and settings. GREFFIER_DATA overrides the whole tree (tests and
// clinics that keep data on another volume use it).
package appdirs

import (
	"fmt"
	"os"
	"path/filepath"
)

// Dirs are the folders Greffier uses. The zero value is not usable: call Default.
type Dirs struct {
	Data string // root of everything below
}

// Default returns the folders for the current user: $GREFFIER_DATA, else
// $XDG_DATA_HOME/greffier, else ~/.local/share/greffier.
func Default() (Dirs, error) { return From(os.Getenv) }

// From is Default with the environment read through getenv.
func From(getenv func(string) string) (Dirs, error) {
	if d := getenv("GREFFIER_DATA"); d != "" {
		return Dirs{Data: d}, nil
	}
	if d := getenv("XDG_DATA_HOME"); d != "" {
		return Dirs{Data: filepath.Join(d, "greffier")}, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return Dirs{}, fmt.Errorf("find the data folder: %w", err)
	}
	return Dirs{Data: filepath.Join(home, ".local", "share", "greffier")}, nil
}

// Models is where whisper and LLM model files live.
func (d Dirs) Models() string { return filepath.Join(d.Data, "models") }

// Recordings is where audio spools and imported recordings live.
func (d Dirs) Recordings() string { return filepath.Join(d.Data, "recordings") }

// Database is the default SQLite database file.
func (d Dirs) Database() string { return filepath.Join(d.Data, "greffier.db") }

// Logs is where Greffier's own logs live (never patient text).
func (d Dirs) Logs() string { return filepath.Join(d.Data, "logs") }

// Templates is where user-edited note templates live.
func (d Dirs) Templates() string { return filepath.Join(d.Data, "templates") }
