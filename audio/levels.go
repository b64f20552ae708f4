package audio

import (
	"math"
	"time"
)

// levels measures the raw captured signal (native rate, every channel): RMS and
// peak per window, clipping, and long digital silence.
type levels struct {
	window, silenceAfter int64 // in frames
	channels             int

	n       int64 // frames in the current window
	sumSq   float64
	peak    float32
	clipped int

	silentRun int64 // frames of exact zeros in a row
	warned    bool
}

// clipLevel: a sample this close to full scale is taken as clipped.
const clipLevel = 0.999

func newLevels(rate, channels int, every, silenceAfter time.Duration) *levels {
	return &levels{
		window:       max(1, int64(rate)*int64(every)/int64(time.Second)),
		silenceAfter: int64(rate) * int64(silenceAfter) / int64(time.Second),
		channels:     channels,
	}
}

// add takes interleaved frames and returns the events they complete. at is the
// recorded time of the first frame.
func (l *levels) add(buf []float32, at time.Duration) []Event {
	var evs []Event
	for i := 0; i+l.channels <= len(buf); i += l.channels {
		zero := true
		for _, v := range buf[i : i+l.channels] {
			a := float32(math.Abs(float64(v)))
			l.sumSq += float64(v) * float64(v)
			if a > l.peak {
				l.peak = a
			}
			if a >= clipLevel {
				l.clipped++
			}
			if v != 0 {
				zero = false
			}
		}
		if zero {
			l.silentRun++
			if l.silentRun == l.silenceAfter && !l.warned {
				l.warned = true
				evs = append(evs, Event{Kind: EventNoSignal, At: at, Message: "no signal: the input has been silent; check the microphone is connected and not muted"})
			}
		} else {
			l.silentRun = 0
			if l.warned {
				l.warned = false
				evs = append(evs, Event{Kind: EventSignal, At: at, Message: "signal back"})
			}
		}
		l.n++
		if l.n == l.window {
			rms := math.Sqrt(l.sumSq / float64(l.n*int64(l.channels)))
			evs = append(evs, Event{Kind: EventLevel, At: at, RMSdBFS: dBFS(rms), PeakdBFS: dBFS(float64(l.peak))})
			if l.clipped > 0 {
				evs = append(evs, Event{Kind: EventClipping, At: at, Clipped: l.clipped, Message: "input clipping: lower the microphone gain"})
			}
			l.n, l.sumSq, l.peak, l.clipped = 0, 0, 0, 0
		}
	}
	return evs
}

// dBFS converts an amplitude to decibels relative to full scale, floored at -120.
func dBFS(a float64) float64 {
	if a <= 1e-6 {
		return -120
	}
	return 20 * math.Log10(a)
}
