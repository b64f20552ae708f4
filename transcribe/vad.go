package transcribe

import (
	"math"
	"path/filepath"
	"sort"
)

// FrameSamples is the VAD frame: 30 ms at 16 kHz.
const FrameSamples = SampleRate * 30 / 1000

// FrameMS is the length of one VAD frame in milliseconds.
const FrameMS = 30

// VAD classifies consecutive frames of FrameSamples samples as speech or not. It is
// stateful (hysteresis, noise floor): feed it the frames of one recording in order.
type VAD interface {
	IsSpeech(frame []float32) bool
}

// EnergyVAD is our own voice activity detector: frame energy against a noise floor,
// with hysteresis (a higher threshold to enter speech than to stay in it, and a
// hangover), plus a zero-crossing cue that rejects hiss-like frames whose energy is
// only marginally above the floor. The floor is the quietest frame of the last 3 s
// (minimum statistics): speech always has dips between syllables, so the minimum
// follows the room's noise and not the voice; a sound without any dip for 3 s (a
// fan, a hum) becomes the floor, i.e. background. It needs no model and costs
// about a microsecond per frame. Use NewEnergyVAD.
type EnergyVAD struct {
	OnDB       float64 // enter speech at floor + OnDB (default 10)
	OffDB      float64 // stay in speech while above floor + OffDB (default 5)
	MinDBFS    float64 // never speech below this absolute level (default -50 dBFS)
	HangFrames int     // frames speech lasts after energy falls (default 8: 240 ms)
	MaxZCR     float64 // zero-crossing rate above which a marginal frame is noise (default 0.4)

	history [floorFrames]float64 // recent frame levels, a ring
	next    int
	speech  bool
	hang    int
}

// floorFrames is the minimum-statistics window: 100 frames, 3 s.
const floorFrames = 100

// NewEnergyVAD returns an EnergyVAD with its defaults.
func NewEnergyVAD() *EnergyVAD {
	v := &EnergyVAD{OnDB: 10, OffDB: 5, MinDBFS: -50, HangFrames: 8, MaxZCR: 0.4}
	// Before any audio, assume a quiet room, so that a recording that starts with
	// speech is heard as speech.
	for i := range v.history {
		v.history[i] = -60
	}
	return v
}

// IsSpeech reports whether frame is speech, updating the detector's state.
func (v *EnergyVAD) IsSpeech(frame []float32) bool {
	db, zcr := frameFeatures(frame)
	v.history[v.next] = db
	v.next = (v.next + 1) % floorFrames
	floor := db
	for _, h := range v.history {
		floor = math.Min(floor, h)
	}
	above := db - floor
	loud := db > v.MinDBFS
	switch {
	case !v.speech:
		onset := loud && above >= v.OnDB
		// Hiss and fans cross zero often; a voiced sound does not. A marginal
		// frame with a noise-like ZCR does not start speech.
		if onset && zcr > v.MaxZCR && above < v.OnDB+10 {
			onset = false
		}
		if onset {
			v.speech, v.hang = true, v.HangFrames
		}
	case loud && above >= v.OffDB:
		v.hang = v.HangFrames
	case v.hang > 0:
		v.hang--
	default:
		v.speech = false
	}
	return v.speech
}

// frameFeatures returns the frame's RMS level in dBFS and its zero-crossing rate.
func frameFeatures(frame []float32) (db, zcr float64) {
	if len(frame) == 0 {
		return -120, 0
	}
	var sum float64
	cross := 0
	for i, s := range frame {
		sum += float64(s) * float64(s)
		if i > 0 && (s >= 0) != (frame[i-1] >= 0) {
			cross++
		}
	}
	rms := math.Sqrt(sum / float64(len(frame)))
	return 20 * math.Log10(rms+1e-9), float64(cross) / float64(len(frame))
}

// frameDB is the frame's level in dBFS (for choosing the quietest cut point).
func frameDB(frame []float32) float64 {
	db, _ := frameFeatures(frame)
	return db
}

// FindSileroVAD returns the Silero VAD model in dir (a file named
// ggml-silero-*.bin, the newest name first), or "" when the user has none.
func FindSileroVAD(dir string) string {
	matches, _ := filepath.Glob(filepath.Join(dir, "ggml-silero-*.bin"))
	if len(matches) == 0 {
		return ""
	}
	sort.Strings(matches)
	return matches[len(matches)-1]
}
