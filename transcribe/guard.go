package transcribe

import (
	"bufio"
	"bytes"
	"compress/flate"
	_ "embed"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"greffier/domain"
)

//go:embed guard_phrases.txt
var builtinPhrases string

// GuardStats counts what the guards removed. They are the only trace of a guard's
// work that may be logged: counts, never text.
type GuardStats struct {
	NoSpeech      int `json:"no_speech"`      // segments dropped: silence with a high no-speech probability
	Hallucination int `json:"hallucination"`  // segments dropped: a known hallucination phrase
	Repetition    int `json:"repetition"`     // segments dropped as repeats of the previous ones
	Collapsed     int `json:"collapsed"`      // segments kept with a repeated phrase collapsed to one
	SilentWindows int `json:"silent_windows"` // windows not sent to the engine: no speech in them
}

// Add returns the sum of two counts.
func (s GuardStats) Add(o GuardStats) GuardStats {
	return GuardStats{
		NoSpeech:      s.NoSpeech + o.NoSpeech,
		Hallucination: s.Hallucination + o.Hallucination,
		Repetition:    s.Repetition + o.Repetition,
		Collapsed:     s.Collapsed + o.Collapsed,
		SilentWindows: s.SilentWindows + o.SilentWindows,
	}
}

// Dropped is the number of segments removed.
func (s GuardStats) Dropped() int { return s.NoSpeech + s.Hallucination + s.Repetition }

// Guard removes whisper's known failure modes from segments: text on silence,
// repetition loops and the phrases it learnt from subtitled videos. Its zero value is
// not usable: call NewGuard. A Guard is read-only after construction and safe for
// concurrent use; the history it needs across windows is passed in by the caller.
type Guard struct {
	// NoSpeechProb above which a segment is dropped when the audio under it is silent
	// (by our VAD) or its mean token probability is below LowTokenProb. Default 0.6,
	// whisper's own no-speech threshold.
	NoSpeechProb float32
	// LowTokenProb is the mean token probability under which whisper's text is
	// considered unsure. Default 0.5.
	LowTokenProb float32
	// MinRepeats of a phrase in a row that make a loop. Default 3.
	MinRepeats int
	// MaxCompression is the flate compression ratio (text length / compressed length)
	// above which a long segment is considered a loop, like whisper's own 2.4 check.
	MaxCompression float64

	exact  map[string]bool
	prefix []string
}

// NewGuard returns a guard with the built-in EN/FR hallucination list and the
// phrases of the given files (one per line; see guard_phrases.txt for the rules).
func NewGuard(phraseFiles ...string) (*Guard, error) {
	g := &Guard{NoSpeechProb: 0.6, LowTokenProb: 0.5, MinRepeats: 3, MaxCompression: 2.4, exact: map[string]bool{}}
	g.addPhrases(strings.NewReader(builtinPhrases))
	for _, p := range phraseFiles {
		f, err := os.Open(p)
		if err != nil {
			return nil, domain.Wrap(domain.EInvalid, err, "open hallucination phrase list %s", p)
		}
		err = g.addPhrases(f)
		f.Close()
		if err != nil {
			return nil, domain.Wrap(domain.EInvalid, err, "read hallucination phrase list %s", p)
		}
	}
	return g, nil
}

// AddPhrase adds one phrase (a trailing "..." or "…" makes it a prefix).
func (g *Guard) AddPhrase(p string) {
	p = strings.TrimSpace(p)
	isPrefix := false
	for _, suf := range []string{"...", "…"} {
		if strings.HasSuffix(p, suf) {
			p, isPrefix = strings.TrimSuffix(p, suf), true
		}
	}
	key := normalize(p)
	if key == "" {
		return
	}
	if isPrefix {
		g.prefix = append(g.prefix, key)
	} else {
		g.exact[key] = true
	}
}

func (g *Guard) addPhrases(r io.Reader) error {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		g.AddPhrase(line)
	}
	return sc.Err()
}

// SpeechFunc tells the fraction (0..1) of [startMS, endMS) our VAD heard as speech.
type SpeechFunc func(startMS, endMS int64) float64

// Filter returns the segments to keep and what it removed. prev is the kept text
// of the previous segments (oldest first, may be nil) so that a loop spanning two
// windows is caught; speech may be nil when no VAD information is at hand.
func (g *Guard) Filter(segs []domain.Segment, prev []string, speech SpeechFunc) ([]domain.Segment, GuardStats) {
	var st GuardStats
	out := make([]domain.Segment, 0, len(segs))
	history := append([]string(nil), prev...)
	for _, s := range segs {
		if g.noSpeech(s, speech) {
			st.NoSpeech++
			continue
		}
		if g.isHallucination(s.Text) {
			st.Hallucination++
			continue
		}
		text, collapsed := collapseRepeats(s.Text, g.MinRepeats)
		if collapsed {
			st.Collapsed++
			s.Text = text
		}
		key := normalize(s.Text)
		if key == "" {
			continue // nothing left to show; whisper emits empty segments on empty models
		}
		if repeatsHistory(key, history, g.MinRepeats-1) || g.compressesTooWell(key) {
			st.Repetition++
			continue
		}
		history = append(history, key)
		out = append(out, s)
	}
	return out, st
}

func (g *Guard) noSpeech(s domain.Segment, speech SpeechFunc) bool {
	if s.NoSpeechProb < g.NoSpeechProb {
		return false
	}
	if speech != nil && speech(s.StartMS, s.EndMS) < 0.2 {
		return true
	}
	return s.TokenProb > 0 && s.TokenProb < g.LowTokenProb
}

func (g *Guard) isHallucination(text string) bool {
	key := normalize(text)
	if key == "" {
		return false
	}
	if g.exact[key] {
		return true
	}
	for _, p := range g.prefix {
		if key == p || strings.HasPrefix(key, p+" ") {
			return true
		}
	}
	return false
}

// compressesTooWell flags long text that is mostly the same thing again, the way
// whisper's decoder does with its compression-ratio threshold.
func (g *Guard) compressesTooWell(key string) bool {
	if g.MaxCompression <= 0 || len(key) < 64 {
		return false
	}
	var buf bytes.Buffer
	w, _ := flate.NewWriter(&buf, flate.BestCompression)
	w.Write([]byte(key))
	w.Close()
	return float64(len(key))/float64(buf.Len()) > g.MaxCompression
}

// repeatsHistory reports whether key equals each of the last n entries of history:
// the segment would be the (n+1)th identical one in a row.
func repeatsHistory(key string, history []string, n int) bool {
	if n < 1 || len(history) < n {
		return false
	}
	for _, h := range history[len(history)-n:] {
		if h != key {
			return false
		}
	}
	return true
}

// collapseRepeats replaces a run of minRepeats or more consecutive copies of the
// same 1..8-word phrase with one copy ("no no no no" → "no").
func collapseRepeats(text string, minRepeats int) (string, bool) {
	if minRepeats < 2 {
		return text, false
	}
	words := strings.Fields(text)
	keys := make([]string, len(words))
	for i, w := range words {
		keys[i] = normalize(w)
	}
	changed := false
	for n := 1; n <= 8; n++ {
		for i := 0; i+n*minRepeats <= len(words); i++ {
			reps := 1
			for j := i + n; j+n <= len(words) && equalRun(keys[i:i+n], keys[j:j+n]); j += n {
				reps++
			}
			if reps >= minRepeats {
				words = append(words[:i+n], words[i+n*reps:]...)
				keys = append(keys[:i+n], keys[i+n*reps:]...)
				changed = true
			}
		}
	}
	return strings.Join(words, " "), changed
}

func equalRun(a, b []string) bool {
	for i := range a {
		if a[i] != b[i] || a[i] == "" {
			return false
		}
	}
	return true
}

// normalize lowercases, strips accents and punctuation and folds spaces, so that
// "Merci d'avoir regardé !" and "merci d avoir regarde" compare equal.
func normalize(s string) string {
	var b strings.Builder
	space := false
	for _, r := range norm.NFD.String(strings.ToLower(s)) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
		default:
			space = true
		}
	}
	return b.String()
}

// String reports the counts in one line fit for a log.
func (s GuardStats) String() string {
	return fmt.Sprintf("dropped no-speech=%d hallucination=%d repetition=%d; collapsed=%d; silent windows=%d",
		s.NoSpeech, s.Hallucination, s.Repetition, s.Collapsed, s.SilentWindows)
}
