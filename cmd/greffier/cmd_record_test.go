package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"greffier/audio"
	"greffier/audio/audiotest"
	"greffier/audio/portaudio"
)

// The devices and record commands run in a child process (this test binary
// re-executed) whose environment points ALSA at a private configuration of
// file-backed capture devices, and PulseAudio at a private server: ALSA reads its
// configuration once per process, so it cannot be switched in-process.
const soundChildEnv = "GREFFIER_CMD_SOUND_ARGS"

// TestSoundChild is the child side: it runs the command line in its environment.
func TestSoundChild(t *testing.T) {
	args := os.Getenv(soundChildEnv)
	if args == "" {
		t.Skip("helper process for the devices and record tests, not a test by itself")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, &cli{stdin: strings.NewReader(""), stdout: os.Stdout, stderr: os.Stderr}, strings.Split(args, "\x1f"))
	stop()
	os.Exit(code)
}

func newSoundEnv(t *testing.T) *audiotest.Env {
	t.Helper()
	env, err := audiotest.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return env
}

func soundCmd(env *audiotest.Env, args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^TestSoundChild$")
	cmd.Env = append(append(os.Environ(), env.Vars()...), soundChildEnv+"="+strings.Join(args, "\x1f"))
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	return cmd
}

func runSound(t *testing.T, env *audiotest.Env, args ...string) (int, string, string) {
	t.Helper()
	cmd := soundCmd(env, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatalf("greffier %v did not finish in 60 s", args)
	}
	return cmd.ProcessState.ExitCode(), out.String(), errb.String()
}

func TestDevicesCommand(t *testing.T) {
	env := newSoundEnv(t)
	code, out, errs := runSound(t, env, "devices")
	if code != 0 || !strings.Contains(out, audiotest.File16) || !strings.Contains(out, "ALSA") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	code, out, _ = runSound(t, env, "devices", "--json")
	defaults := 0
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var d portaudio.Device
		if err := json.Unmarshal([]byte(line), &d); err != nil {
			t.Fatalf("not JSON: %q", line)
		}
		if d.IsDefault {
			defaults++
		}
	}
	if code != 0 || defaults != 1 {
		t.Errorf("exit %d, %d default inputs in %s", code, defaults, out)
	}
}

func tone(n int) []int16 {
	s := make([]int16, n)
	for i := range s {
		s[i] = int16(9000 * math.Sin(2*math.Pi*330*float64(i)/16000) * math.Sin(float64(i)/3000))
	}
	return s
}

func TestRecordCommandSeconds(t *testing.T) {
	env := newSoundEnv(t)
	feed := tone(5 * 16000)
	if err := env.WriteFeed16(feed); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "recordings")
	code, out, errs := runSound(t, env, "record", "--device", audiotest.File16, "--consent-by", "Dr Martin",
		"--out", dir, "--seconds", "3", "--name", "visit", "--encounter", "enc-42")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	wav := filepath.Join(dir, "visit.wav")
	if !strings.Contains(out, wav) {
		t.Errorf("stdout %q does not name %s", out, wav)
	}
	s, err := audio.Importer{}.LoadFile(wav)
	if err != nil {
		t.Fatal(err)
	}
	if len(s) < 3*16000 || len(s) > 3*16000+1600 {
		t.Errorf("%d samples, want 3 s (+ at most one block)", len(s))
	}
	for i := range min(len(s), len(feed)) {
		if int16(math.Round(float64(s[i])*32768)) != feed[i] {
			t.Fatalf("sample %d: recorded %v, fed %d", i, s[i]*32768, feed[i])
		}
	}
	meta, _ := os.ReadFile(filepath.Join(dir, "visit.json"))
	if !strings.Contains(string(meta), `"Dr Martin"`) || !strings.Contains(string(meta), `"enc-42"`) {
		t.Errorf("metadata lacks the consent: %s", meta)
	}
}

func TestRecordCommandNeedsConsent(t *testing.T) {
	code, _, errs := runCLI(t, "record", "--out", t.TempDir(), "--seconds", "1")
	if code != 2 || !strings.Contains(errs, "consent") {
		t.Errorf("exit %d %q: want 2 and a consent message", code, errs)
	}
}

// Ctrl-C stops the recording cleanly and keeps the file. The paced PulseAudio
// device stands in for a microphone, so the recording lasts as long as the wait.
func TestRecordCommandInterrupt(t *testing.T) {
	env := newSoundEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pulse, err := env.StartPulse(ctx)
	if errors.Is(err, audiotest.ErrNoPulse) {
		t.Skipf("no paced device to interrupt: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer pulse.Stop()
	dir := t.TempDir()
	cmd := soundCmd(env, "record", "--device", audiotest.PulseDev, "--consent-by", "Dr Martin", "--out", dir, "--name", "ctrlc")
	stderr, _ := cmd.StderrPipe()
	var out bytes.Buffer
	cmd.Stdout = &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	sc := bufio.NewScanner(stderr)
	for sc.Scan() && !strings.HasPrefix(sc.Text(), "recording from") {
	}
	go func() {
		for sc.Scan() {
		}
	}()
	time.Sleep(1500 * time.Millisecond)
	cmd.Process.Signal(os.Interrupt)
	err = cmd.Wait()
	if err != nil {
		t.Fatalf("after Ctrl-C: %v (%s)", err, out.String())
	}
	s, err := audio.Importer{}.LoadFile(filepath.Join(dir, "ctrlc.wav"))
	if err != nil {
		t.Fatal(err)
	}
	if sec := float64(len(s)) / 16000; sec < 1 || sec > 3 {
		t.Errorf("kept %.2f s after 1.5 s of recording", sec)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "*.gspool")); len(m) != 0 {
		t.Errorf("spool left behind: %v", m)
	}
}

// A recording killed mid-way is recovered by the next 'greffier record' on the
// same folder.
func TestRecordCommandRecoversKilledRun(t *testing.T) {
	env := newSoundEnv(t)
	if err := env.WriteFeed16(tone(16000)); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cmd := soundCmd(env, "record", "--device", audiotest.File16, "--consent-by", "Dr Martin", "--out", dir, "--name", "killed")
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stderr)
	for sc.Scan() && !strings.HasPrefix(sc.Text(), "recording from") {
	}
	time.Sleep(50 * time.Millisecond) // the file device runs far faster than real time
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if _, err := os.Stat(filepath.Join(dir, "killed.gspool")); err != nil {
		t.Fatalf("no spool after SIGKILL: %v", err)
	}
	code, _, errs := runSound(t, env, "record", "--device", audiotest.File16, "--consent-by", "Dr Martin", "--out", dir, "--seconds", "0.5", "--name", "next")
	if code != 0 || !strings.Contains(errs, "recovered an interrupted recording: "+filepath.Join(dir, "killed.wav")) {
		t.Fatalf("exit %d: %s", code, errs)
	}
	s, err := audio.Importer{}.LoadFile(filepath.Join(dir, "killed.wav"))
	if err != nil || len(s) < 16000 {
		t.Errorf("recovered %d samples (%v), want at least the 1 s fed", len(s), err)
	}
}
