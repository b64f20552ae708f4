// Package transcribetest gives tests real speech and empty whisper models without
// shipping either: the speech sample comes from the whisper binding's Go module, the
// models from emptymodel.
package transcribetest

import (
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"greffier/transcribe"
	"greffier/transcribe/emptymodel"
)

// BindingModule is the Go module whose zip carries samples/jfk.wav.
const BindingModule = "github.com/ggerganov/whisper.cpp/bindings/go"

// JFKPath returns the path of samples/jfk.wav (11 s of real speech, 16 kHz mono) in the
// module cache, downloading the module through the Go proxy if needed.
func JFKPath(tb testing.TB) string {
	tb.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", BindingModule).Output()
	dir := strings.TrimSpace(string(out))
	if err != nil || dir == "" {
		// Not in the module cache yet: fetch it (the proxy is reachable here).
		if out, err := exec.Command("go", "mod", "download", BindingModule).CombinedOutput(); err != nil {
			tb.Fatalf("download %s: %v\n%s", BindingModule, err, out)
		}
		out, err = exec.Command("go", "list", "-m", "-f", "{{.Dir}}", BindingModule).Output()
		if err != nil {
			tb.Fatalf("locate %s: %v", BindingModule, err)
		}
		dir = strings.TrimSpace(string(out))
	}
	return filepath.Join(dir, "samples", "jfk.wav")
}

// EmptyModel writes an empty whisper model of the given kind ("tiny.en", "base", …)
// into a temporary folder and returns its path.
func EmptyModel(tb testing.TB, kind string) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "ggml-"+kind+"-empty.bin")
	if err := emptymodel.Write(path, kind); err != nil {
		tb.Fatal(err)
	}
	return path
}

// Collector gathers a streamer's updates (its Add is a StreamConfig.OnUpdate).
// Lock it to read the slices while the streamer runs.
type Collector struct {
	sync.Mutex
	Finals   []transcribe.Update
	Partials []transcribe.Update
}

func (c *Collector) Add(u transcribe.Update) {
	c.Lock()
	defer c.Unlock()
	if u.Final {
		c.Finals = append(c.Finals, u)
	} else {
		c.Partials = append(c.Partials, u)
	}
}

// CheckWindows asserts that the final windows tile [0, totalMS] exactly: no gap, no
// overlap, none longer than 30 s.
func CheckWindows(t testing.TB, ups []transcribe.Update, totalMS int64) {
	t.Helper()
	var end int64
	for i, u := range ups {
		w := u.Window
		if w.Index != i {
			t.Errorf("window %d has index %d", i, w.Index)
		}
		if w.StartMS != end {
			t.Errorf("window %d starts at %d ms, previous ended at %d ms", i, w.StartMS, end)
		}
		if w.EndMS-w.StartMS > 30000 || w.EndMS <= w.StartMS {
			t.Errorf("window %d spans %d–%d ms", i, w.StartMS, w.EndMS)
		}
		end = w.EndMS
	}
	if end != totalMS {
		t.Errorf("windows end at %d ms, audio lasts %d ms", end, totalMS)
	}
}

// CheckSegments asserts monotonic, non-overlapping segments inside their windows.
func CheckSegments(t testing.TB, ups []transcribe.Update) {
	t.Helper()
	var last int64
	id := 0
	for _, u := range ups {
		for _, s := range u.Segments {
			if s.StartMS < last || s.EndMS < s.StartMS {
				t.Errorf("segment %d (%d–%d ms) not after %d ms", s.ID, s.StartMS, s.EndMS, last)
			}
			if s.StartMS < u.Window.StartMS || s.EndMS > u.Window.EndMS {
				t.Errorf("segment %d (%d–%d ms) outside its window %d–%d ms", s.ID, s.StartMS, s.EndMS, u.Window.StartMS, u.Window.EndMS)
			}
			if s.ID != id {
				t.Errorf("segment id %d, want %d", s.ID, id)
			}
			id++
			last = s.EndMS
		}
	}
}

// VADFrames runs v over x and returns its decision per frame.
func VADFrames(v transcribe.VAD, x []float32) []bool {
	var out []bool
	for i := 0; i+transcribe.FrameSamples <= len(x); i += transcribe.FrameSamples {
		out = append(out, v.IsSpeech(x[i:i+transcribe.FrameSamples]))
	}
	return out
}

// SpeechFraction is the share of frames heard as speech.
func SpeechFraction(b []bool) float64 {
	n := 0
	for _, x := range b {
		if x {
			n++
		}
	}
	return float64(n) / float64(len(b))
}
