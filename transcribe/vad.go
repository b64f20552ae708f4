package transcribe

import "math"

// FrameSamples is the VAD frame: 30 ms at 16 kHz.
const FrameSamples = SampleRate * 30 / 1000

// FrameMS is the length of one VAD frame in milliseconds.
const FrameMS = 30

// VAD classifies consecutive frames of FrameSamples samples as speech or not. It is
// stateful (hysteresis, noise floor): feed it the frames of one recording in order.
type VAD interface {
	IsSpeech(frame []float32) bool
}

// EnergyVAD is our own voice activity detector: frame energy against an adaptive
// noise floor, with hysteresis (a higher threshold to enter speech than to stay in
// it, and a hangover), plus a zero-crossing cue that rejects hiss-like frames whose
// energy is only marginally above the floor. It needs no model and costs about a
// microsecond per frame. Zero values of the fields take the defaults in NewEnergyVAD.
type EnergyVAD struct {
	OnDB       float64 // enter speech at floor + OnDB (default 10)
	OffDB      float64 // stay in speech while above floor + OffDB (default 5)
	MinDBFS    float64 // never speech below this absolute level (default -50 dBFS)
	HangFrames int     // frames speech lasts after energy falls (default 8: 240 ms)
	MaxZCR     float64 // zero-crossing rate above which a marginal frame is noise (default 0.4)

	floor  float64
	inited bool
	speech bool
	hang   int
}

// NewEnergyVAD returns an EnergyVAD with its defaults.
func NewEnergyVAD() *EnergyVAD {
	return &EnergyVAD{OnDB: 10, OffDB: 5, MinDBFS: -50, HangFrames: 8, MaxZCR: 0.4}
}

// IsSpeech reports whether frame is speech, updating the detector's state.
func (v *EnergyVAD) IsSpeech(frame []float32) bool {
	db, zcr := frameFeatures(frame)
	if !v.inited {
		v.floor, v.inited = math.Min(db, -60), true
	}
	// The floor follows quiet frames quickly and loud ones very slowly, so it
	// tracks room noise and not the voice.
	if db < v.floor {
		v.floor += 0.5 * (db - v.floor)
	} else {
		v.floor += 0.005 * (db - v.floor)
	}
	above := db - v.floor
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
