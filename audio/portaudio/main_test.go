package portaudio_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"greffier/audio"
	"greffier/audio/audiotest"
	"greffier/audio/portaudio"
	"greffier/domain"
)

// The tests run real PortAudio against a private ALSA configuration (file-backed
// capture devices) and, for paced capture, a private PulseAudio server. ALSA reads
// its configuration once per process, so it is set up here, before any test.
var sound *audiotest.Env

const childEnv = "GREFFIER_AUDIO_TEST_CHILD"

func TestMain(m *testing.M) {
	if mode := os.Getenv(childEnv); mode != "" {
		os.Exit(child(mode))
	}
	// Before HOME moves: the go command finds the module cache through it.
	jfkFile = findJFK()
	var cleanup func()
	var err error
	sound, cleanup, err = audiotest.ForProcess("greffier-sound-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	cleanup()
	os.Exit(code)
}

// jfkFile is the whisper binding's speech sample, or "" when not found.
var jfkFile string

func findJFK() string {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/ggerganov/whisper.cpp/bindings/go").Output()
	if err != nil || len(strings.TrimSpace(string(out))) == 0 {
		return ""
	}
	return filepath.Join(strings.TrimSpace(string(out)), "samples", "jfk.wav")
}

// childResult is what a child recorder prints as its last line.
type childResult struct {
	Rec    *audio.Recording `json:"rec"`
	Err    string           `json:"err"`
	Code   string           `json:"code"`
	Events []string         `json:"events"`
}

// child runs in a re-executed test binary: it records from a real PortAudio device
// into the folder given by GREFFIER_AUDIO_TEST_DIR, printing "written N" after each
// spool block, until killed or (mode "diskfull") until the file size limit stops it.
func child(mode string) int {
	dir := os.Getenv("GREFFIER_AUDIO_TEST_DIR")
	if mode == "diskfull" {
		// A real write failure without a full disk: the kernel refuses to grow any
		// file past this size (EFBIG; Go ignores SIGXFSZ).
		lim := &syscall.Rlimit{Cur: 200 << 10, Max: 200 << 10}
		if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, lim); err != nil {
			fmt.Println("setrlimit:", err)
			return 3
		}
	}
	src, err := portaudio.OpenDevice(portaudio.DeviceOptions{Name: audiotest.File16, Channels: 1})
	if err != nil {
		fmt.Println("open:", err)
		return 3
	}
	var events []string
	written := int64(0)
	rec, err := audio.NewRecorder(audio.Consent{By: "Dr Test", At: time.Now()}, src, audio.Options{
		Dir: dir, Name: "child", Device: audiotest.File16,
		// OnAudio runs after each block is in the spool: report it to the parent.
		OnAudio: func(s []float32) {
			written += int64(len(s))
			fmt.Printf("written %d\n", written)
		},
		OnEvent: func(e audio.Event) {
			if e.Kind != audio.EventLevel {
				events = append(events, string(e.Kind))
			}
		},
	})
	if err != nil {
		fmt.Println("recorder:", err)
		return 3
	}
	// Bounded even if the parent forgets it.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res, err := rec.Run(ctx)
	out := childResult{Rec: res, Events: events}
	if err != nil {
		out.Err, out.Code = err.Error(), domain.ErrorCode(err)
	}
	b, _ := json.Marshal(out)
	fmt.Println("result", string(b))
	return 0
}

// startChild re-executes the test binary in child mode.
func startChild(t *testing.T, mode, dir string) (*exec.Cmd, *os.File) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+mode, "GREFFIER_AUDIO_TEST_DIR="+dir)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = w
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		r.Close()
	})
	return cmd, r
}

// jfkPath is the real speech sample shipped in the whisper binding's module.
func jfkPath(t testing.TB) string {
	t.Helper()
	if jfkFile == "" {
		t.Skip("whisper binding module not found (go list -m github.com/ggerganov/whisper.cpp/bindings/go): no speech sample")
	}
	return jfkFile
}
