//go:build !cgo

package audio_test

import "greffier/audio"

// importer without cgo has no Ogg Opus decoder (those tests need cgo).
var importer = audio.Importer{}
