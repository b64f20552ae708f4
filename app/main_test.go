package app_test

import (
	"fmt"
	"os"
	"testing"

	"greffier/audio/audiotest"
)

// sound is a private sound setup (no sound card here): ALSA reads its configuration
// once per process, so it is applied before any test initialises PortAudio.
var sound *audiotest.Env

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "greffier-app-sound-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	sound, err = audiotest.New(dir)
	if err == nil {
		err = sound.Apply()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "sound setup:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
