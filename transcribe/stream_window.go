package transcribe

import "sort"

// Window cutting: the VAD pass over incoming audio and the rules of the package
// comment in stream.go.

// classifyLocked runs the VAD over the new whole frames of pending and cuts a
// window when the rules in the package comment say so.
func (s *Streamer) classifyLocked() {
	for (len(s.flags)+1)*FrameSamples <= len(s.pending) {
		i := len(s.flags)
		frame := s.pending[i*FrameSamples : (i+1)*FrameSamples]
		sp := s.vad.IsSpeech(frame)
		s.flags = append(s.flags, sp)
		s.dbs = append(s.dbs, frameDB(frame))
		ms := (s.pendStart + int64(i*FrameSamples)) * 1000 / SampleRate
		if sp {
			s.endSilenceLocked(ms)
		} else if s.silentSince < 0 {
			s.silentSince = ms
		}
		s.maybeCutLocked()
	}
}

func (s *Streamer) endSilenceLocked(ms int64) {
	if s.silentSince >= 0 && ms-s.silentSince >= 2*FrameMS {
		s.silences = append(s.silences, span{s.silentSince, ms})
	}
	s.silentSince = -1
}

func (s *Streamer) maybeCutLocked() {
	n := len(s.flags)
	durMS := int64(n * FrameMS)
	tail := 0
	for tail < n && !s.flags[n-1-tail] {
		tail++
	}
	if durMS >= s.cfg.MinWindow.Milliseconds() && int64(tail*FrameMS) >= s.cfg.MinPause.Milliseconds() {
		s.cutLocked((n-tail/2)*FrameSamples, "pause")
		return
	}
	if durMS < s.cfg.MaxWindow.Milliseconds() {
		return
	}
	// Forced: the longest pause whose middle lies in the second half, else the
	// quietest frame of the last third.
	bestLen, bestMid := 0, -1
	for i := n / 2; i < n; {
		if s.flags[i] {
			i++
			continue
		}
		j := i
		for j < n && !s.flags[j] {
			j++
		}
		if j-i > bestLen {
			bestLen, bestMid = j-i, (i+j)/2
		}
		i = j
	}
	cut := bestMid
	if cut <= 0 || bestLen < 2 {
		cut = n - n/3
		for i := cut; i < n; i++ {
			if s.dbs[i] < s.dbs[cut] {
				cut = i
			}
		}
	}
	s.cutLocked(cut*FrameSamples, "forced")
}

// cutLocked queues pending[:at] as a final window and keeps the rest.
func (s *Streamer) cutLocked(at int, reason string) {
	nf := at / FrameSamples
	if nf > len(s.flags) {
		nf = len(s.flags)
	}
	w := job{start: s.pendStart, samples: s.pending[:at:at], flags: s.flags[:nf:nf]}
	speech := 0
	for _, f := range w.flags {
		if f {
			speech++
		}
	}
	w.win = Window{Index: s.windows, StartMS: s.pendStart * 1000 / SampleRate,
		EndMS: (s.pendStart + int64(at)) * 1000 / SampleRate, Cut: reason, SpeechFrames: speech, Frames: len(w.flags)}
	// A trailing part-frame the VAD has not seen yet counts as speech: better to
	// transcribe a little silence than to drop a word.
	if at > nf*FrameSamples && len(w.flags) == nf && at-nf*FrameSamples >= FrameSamples/3 {
		w.win.SpeechFrames++
	}
	s.windows++
	if reason == "forced" {
		s.stats.ForcedCuts++
	}
	s.pendStart += int64(at)
	s.pending = append([]float32(nil), s.pending[at:]...)
	s.flags = append([]bool(nil), s.flags[nf:]...)
	s.dbs = append([]float64(nil), s.dbs[nf:]...)
	s.sincePart = len(s.pending)
	s.queue = append(s.queue, w)
	if s.partCancel != nil {
		s.partCancel() // a final window waits: provisional text can wait
	}
	s.wake()
}

// silenceLocked is a SilenceFunc over the recording's silent runs (s.mu held).
func (s *Streamer) silenceLocked(from, to int64) int64 {
	var best int64
	i := sort.Search(len(s.silences), func(i int) bool { return s.silences[i].end > from })
	for ; i < len(s.silences) && s.silences[i].start < to; i++ {
		a, b := max(s.silences[i].start, from), min(s.silences[i].end, to)
		best = max(best, b-a)
	}
	if s.silentSince >= 0 && s.silentSince < to {
		best = max(best, to-max(s.silentSince, from))
	}
	return best
}

// windowSpeech is a SpeechFunc over one window's VAD frames.
func windowSpeech(j job) SpeechFunc {
	startMS := j.start * 1000 / SampleRate
	return func(a, b int64) float64 {
		i0, i1 := int((a-startMS)/FrameMS), int((b-startMS+FrameMS-1)/FrameMS)
		i0, i1 = max(i0, 0), min(i1, len(j.flags))
		if i1 <= i0 {
			return 1 // no frames to judge by (a tail shorter than a frame): assume speech
		}
		return float64(countTrue(j.flags[i0:i1])) / float64(i1-i0)
	}
}

func countTrue(b []bool) int {
	n := 0
	for _, x := range b {
		if x {
			n++
		}
	}
	return n
}

func clamp(v, lo, hi int64) int64 {
	return max(lo, min(v, hi))
}
