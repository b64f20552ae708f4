//go:build cgo

package audio_test

import (
	"greffier/audio"
	"greffier/audio/opus"
)

// importer is what the program uses: with libopusfile for Ogg Opus.
var importer = audio.Importer{Opus: opus.Open}
