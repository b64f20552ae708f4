//go:build linux

package portaudio

// ALSA and JACK print to stderr while PortAudio probes devices ("ALSA lib
// pcm_dmix.c: unable to open slave", "jack server is not running"), about devices
// Greffier never asked for. The failures that matter come back as PortAudio
// errors, so their own messages are silenced.

/*
#cgo pkg-config: alsa jack
#include <alsa/asoundlib.h>
#include <jack/jack.h>

static void greffier_alsa_quiet(const char *file, int line, const char *function, int err, const char *fmt, ...) {}
static void greffier_jack_quiet(const char *msg) {}

static void greffier_quiet_audio_libs(void) {
	snd_lib_error_set_handler(greffier_alsa_quiet);
	jack_set_error_function(greffier_jack_quiet);
	jack_set_info_function(greffier_jack_quiet);
}
*/
import "C"

// quietAudioLibs silences ALSA's and JACK's own stderr messages. Idempotent.
func quietAudioLibs() { C.greffier_quiet_audio_libs() }
