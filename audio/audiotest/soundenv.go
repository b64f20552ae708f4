// Package audiotest gives tests a private sound setup with no sound card: ALSA
// capture devices that read files (sample-exact, faster than real time) and, on
// demand, a PulseAudio server with a null sink whose monitor is a paced microphone.
// Everything lives in one folder; nothing outside it is touched.
package audiotest

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Device names the ALSA configuration defines (the default input is File16).
const (
	File16   = "greffier_file16" // 16 kHz mono S16 from Env.Feed16
	File48   = "greffier_file48" // 48 kHz stereo S16 from Env.Feed48
	PulseDev = "greffier_pulse"  // the null sink's monitor: paced capture at 16 kHz mono
)

// Env is one private sound setup.
type Env struct {
	Dir    string
	Feed16 string // raw S16LE mono, read by File16
	Feed48 string // raw S16LE interleaved stereo, read by File48
}

// New writes the configuration into dir (which must exist).
func New(dir string) (*Env, error) {
	e := &Env{Dir: dir, Feed16: filepath.Join(dir, "feed16.raw"), Feed48: filepath.Join(dir, "feed48.raw")}
	for _, d := range []string{e.home(), e.runtime()} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, err
		}
	}
	asoundrc := fmt.Sprintf(`pcm.greffier_cap16 { type file; slave.pcm "null"; file "/dev/null"; infile "%s"; format "raw" }
pcm.%s { type plug; slave { pcm "greffier_cap16"; format S16_LE; rate 16000; channels 1 } }
pcm.greffier_cap48 { type file; slave.pcm "null"; file "/dev/null"; infile "%s"; format "raw" }
pcm.%s { type plug; slave { pcm "greffier_cap48"; format S16_LE; rate 48000; channels 2 } }
pcm.%s { type pulse; device "vmic.monitor" }
pcm.!default %s
`, e.Feed16, File16, e.Feed48, File48, PulseDev, File16)
	if err := os.WriteFile(filepath.Join(e.home(), ".asoundrc"), []byte(asoundrc), 0o600); err != nil {
		return nil, err
	}
	if err := os.WriteFile(e.clientConf(), []byte("autospawn = no\n"), 0o600); err != nil {
		return nil, err
	}
	// Until a test writes them, the feeds are empty (ALSA then captures zeros).
	for _, f := range []string{e.Feed16, e.Feed48} {
		if err := os.WriteFile(f, nil, 0o600); err != nil {
			return nil, err
		}
	}
	return e, nil
}

func (e *Env) home() string       { return filepath.Join(e.Dir, "home") }
func (e *Env) runtime() string    { return filepath.Join(e.Dir, "run") }
func (e *Env) clientConf() string { return filepath.Join(e.Dir, "client.conf") }
func (e *Env) socket() string     { return filepath.Join(e.runtime(), "native") }

// Vars are the environment variables that point ALSA and PulseAudio clients here.
func (e *Env) Vars() []string {
	return []string{
		"HOME=" + e.home(),
		"XDG_RUNTIME_DIR=" + e.runtime(),
		"PULSE_SERVER=unix:" + e.socket(),
		"PULSE_CLIENTCONFIG=" + e.clientConf(),
		"JACK_NO_START_SERVER=1",
	}
}

// Apply sets Vars in this process. Call it before PortAudio is first initialised
// (ALSA reads its configuration once per process).
func (e *Env) Apply() error {
	for _, kv := range e.Vars() {
		k, v, _ := strings.Cut(kv, "=")
		if err := os.Setenv(k, v); err != nil {
			return err
		}
	}
	return nil
}

// WriteFeed16 sets what File16 captures next (read when a stream opens).
func (e *Env) WriteFeed16(s []int16) error { return writeRaw(e.Feed16, s) }

// WriteFeed48 sets what File48 captures next: interleaved left/right.
func (e *Env) WriteFeed48(s []int16) error { return writeRaw(e.Feed48, s) }

func writeRaw(path string, s []int16) error {
	b := make([]byte, 2*len(s))
	for i, v := range s {
		binary.LittleEndian.PutUint16(b[2*i:], uint16(v))
	}
	return os.WriteFile(path, b, 0o600)
}

// Pulse is a running PulseAudio server with the null sink "vmic".
type Pulse struct {
	cmd  *exec.Cmd
	done chan struct{}
	env  *Env
}

// ErrNoPulse is returned when pulseaudio or its client tools are not installed.
var ErrNoPulse = errors.New("pulseaudio not installed")

// StartPulse starts a private PulseAudio server and waits for its socket.
func (e *Env) StartPulse(ctx context.Context) (*Pulse, error) {
	bin, err := exec.LookPath("pulseaudio")
	if err != nil {
		return nil, ErrNoPulse
	}
	for _, tool := range []string{"pactl", "paplay"} {
		if _, err := exec.LookPath(tool); err != nil {
			return nil, fmt.Errorf("%w (%s missing: install pulseaudio-utils)", ErrNoPulse, tool)
		}
	}
	os.Remove(e.socket())
	cmd := exec.Command(bin, "-n", "--daemonize=no", "--exit-idle-time=-1", "--use-pid-file=no",
		"--disallow-exit", "--system=false", "--log-target=stderr", "--log-level=error",
		"-L", "module-native-protocol-unix socket="+e.socket()+" auth-anonymous=1",
		"-L", "module-null-sink sink_name=vmic rate=16000 channels=1 format=s16le",
		"-L", "module-always-sink")
	cmd.Env = append(os.Environ(), e.Vars()...)
	cmd.Env = append(cmd.Env, "PULSE_RUNTIME_PATH="+e.runtime(), "PULSE_STATE_PATH="+filepath.Join(e.Dir, "state"))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start pulseaudio: %w", err)
	}
	p := &Pulse{cmd: cmd, done: make(chan struct{}), env: e}
	go func() { cmd.Wait(); close(p.done) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := os.Stat(e.socket()); err == nil {
			if out, err := e.pactl(ctx, "list", "short", "sinks"); err == nil && strings.Contains(out, "vmic") {
				return p, nil
			}
		}
		select {
		case <-p.done:
			return nil, fmt.Errorf("pulseaudio exited: %s", stderr.String())
		case <-ctx.Done():
			p.Stop()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			p.Stop()
			return nil, fmt.Errorf("pulseaudio not ready after 10 s: %s", stderr.String())
		}
	}
}

func (e *Env) pactl(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "pactl", args...)
	cmd.Env = append(os.Environ(), e.Vars()...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// Play plays a WAV file into the null sink (paced, real time) and waits for it.
func (p *Pulse) Play(ctx context.Context, wav string) error {
	cmd := exec.CommandContext(ctx, "paplay", "--device=vmic", wav)
	cmd.Env = append(os.Environ(), p.env.Vars()...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("paplay: %v: %s", err, out)
	}
	return nil
}

// Stop kills the server and waits for it.
func (p *Pulse) Stop() {
	p.cmd.Process.Kill()
	<-p.done
}

// ForProcess makes a private sound setup in a new temporary folder and applies it to
// this process (for a TestMain, before any test initialises PortAudio). cleanup
// removes the folder.
func ForProcess(prefix string) (env *Env, cleanup func(), err error) {
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		return nil, func() {}, fmt.Errorf("sound setup: %w", err)
	}
	cleanup = func() { os.RemoveAll(dir) }
	if env, err = New(dir); err == nil {
		err = env.Apply()
	}
	if err != nil {
		cleanup()
		return nil, func() {}, fmt.Errorf("sound setup: %w", err)
	}
	return env, cleanup, nil
}
