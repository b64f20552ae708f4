// Package frontend embeds the built frontend (frontend/dist, `make frontend`) for
// `greffier serve`; the desktop app embeds the same folder in main.go. Before a
// build, dist holds only .gitkeep and the server answers the API alone.
package frontend

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var dist embed.FS

// Dist returns the built frontend, or nil if it was not built into this binary.
func Dist() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		return nil
	}
	if _, err := fs.Stat(sub, "index.html"); err != nil {
		return nil
	}
	return sub
}
