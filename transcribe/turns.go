package transcribe

import "greffier/domain"

// Turns numbers speaker turns across a whole recording. A new turn starts:
//   - after a pause of at least PauseMS (the gap between two segments' timestamps,
//     or silence our VAD heard between them — whisper's timestamps often close gaps);
//   - where the engine raised its own Turn (tinydiarize's speaker-turn token with a
//     -tdrz model);
//   - after the recording was paused.
//
// Turn ids say "probably someone else from here"; they are not speaker identities.
// Roles are assigned later by drafting. The zero value uses PauseMS = 1000.
type Turns struct {
	PauseMS int64

	cur     int
	lastEnd int64
	started bool
	forced  bool
}

// Break makes the next segment start a new turn (the recording was paused).
func (t *Turns) Break() { t.forced = true }

// SilenceFunc returns the longest silence (ms) our VAD heard in [fromMS, toMS).
type SilenceFunc func(fromMS, toMS int64) int64

// Assign sets Turn on one window's segments, in order. The segments' engine Turn
// values are relative to the window (0, 1, ...); silence may be nil.
func (t *Turns) Assign(segs []domain.Segment, silence SilenceFunc) {
	pause := t.PauseMS
	if pause <= 0 {
		pause = 1000
	}
	engineTurn := 0
	for i := range segs {
		s := &segs[i]
		newTurn := t.forced
		if t.started && !newTurn {
			gap := s.StartMS - t.lastEnd
			if gap >= pause || (silence != nil && silence(t.lastEnd, s.StartMS+FrameMS) >= pause) {
				newTurn = true
			}
		}
		if i > 0 && s.Turn > engineTurn {
			newTurn = true
		}
		engineTurn = s.Turn
		if t.started && newTurn {
			t.cur++
		}
		t.started, t.forced = true, false
		s.Turn = t.cur
		t.lastEnd = s.EndMS
	}
}
