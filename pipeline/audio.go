package pipeline

import (
	"greffier/audio"
	"greffier/audio/opus"
)

// LoadAudio reads an audio file of any supported format (Ogg Opus through
// libopusfile) as 16 kHz mono samples: the one importer the app and the CLI use.
func LoadAudio(path string) ([]float32, error) {
	return audio.Importer{Opus: opus.Open}.LoadFile(path)
}
