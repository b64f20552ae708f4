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
	// A child process started by a test (recording_kill_test.go): it inherits the
	// parent's sound setup through the environment.
	if mode := os.Getenv(appChildEnv); mode != "" {
		os.Exit(appChild(mode))
	}
	var cleanup func()
	var err error
	sound, cleanup, err = audiotest.ForProcess("greffier-app-sound-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	cleanup()
	os.Exit(code)
}
