package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"greffier/app"
	"greffier/appdirs"
	"greffier/notes/transcript"
	"greffier/store"
	"greffier/store/crypt"
)

// desktopBin is what `make build` (make desktop) produces.
const desktopBin = "build/bin/greffier-desktop"

// artifacts is where screenshots go (git-ignored; CI keeps them).
const artifacts = "build/artifacts"

// needTools skips the test when a tool of the build root is missing.
func needTools(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not found: run inside the build root (scripts/inroot go test .)", tool)
		}
	}
}

func needDesktopBinary(t *testing.T) string {
	t.Helper()
	abs, err := filepath.Abs(desktopBin)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(abs); err != nil {
		t.Skipf("%s missing: run make build (or make desktop) first", desktopBin)
	}
	return abs
}

// startXvfb starts a private X server on a free display and returns ":N".
func startXvfb(t *testing.T) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cmd := exec.Command("Xvfb", "-displayfd", "3", "-screen", "0", "1280x800x24", "-nolisten", "tcp")
	cmd.ExtraFiles = []*os.File{w}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start Xvfb: %v", err)
	}
	w.Close()
	t.Cleanup(func() { stopProcess(cmd) })
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(r).ReadString('\n')
		line <- strings.TrimSpace(s)
	}()
	select {
	case n := <-line:
		if n == "" {
			t.Fatal("Xvfb did not report a display")
		}
		return ":" + n
	case <-time.After(20 * time.Second):
		t.Fatal("Xvfb did not start within 20 s")
	}
	return ""
}

// stopProcess ends cmd's process group: TERM, then KILL after 3 s.
func stopProcess(cmd *exec.Cmd) {
	if cmd.Process == nil {
		return
	}
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
	}
}

// desktopApp is a running greffier-desktop on a private Xvfb.
type desktopApp struct {
	t       *testing.T
	display string
	cmd     *exec.Cmd
	window  string // X window id
	log     *os.File
}

// launchDesktop starts the app with a temp data folder and extra environment, and
// waits for its window to map.
func launchDesktop(t *testing.T, display, data string, env ...string) *desktopApp {
	t.Helper()
	bin := needDesktopBinary(t)
	home := t.TempDir()
	runtimeDir := filepath.Join(home, "run")
	if err := os.Mkdir(runtimeDir, 0o700); err != nil {
		t.Fatal(err)
	}
	logf, err := os.Create(filepath.Join(home, "app.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(),
		"DISPLAY="+display,
		"GREFFIER_DATA="+data,
		"HOME="+home,
		"XDG_CACHE_HOME="+filepath.Join(home, "cache"),
		"XDG_CONFIG_HOME="+filepath.Join(home, "config"),
		"XDG_DATA_HOME="+filepath.Join(home, "share"),
		"XDG_RUNTIME_DIR="+runtimeDir,
		"NO_AT_BRIDGE=1",
	)
	cmd.Env = append(cmd.Env, env...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	a := &desktopApp{t: t, display: display, cmd: cmd, log: logf}
	t.Cleanup(func() {
		stopProcess(cmd)
		logf.Close()
		if t.Failed() {
			b, _ := os.ReadFile(logf.Name())
			t.Logf("app log:\n%s", b)
		}
	})
	a.window = a.waitWindow(30 * time.Second)
	return a
}

func (a *desktopApp) xdotool(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "xdotool", args...)
	cmd.Env = append(os.Environ(), "DISPLAY="+a.display)
	out, err := cmd.Output()
	return strings.TrimSpace(string(out)), err
}

func (a *desktopApp) waitWindow(limit time.Duration) string {
	a.t.Helper()
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if a.cmd.ProcessState != nil {
			a.t.Fatal("the app exited before its window appeared")
		}
		// xdotool matches names without case: GTK's hidden leader window is named
		// "greffier-desktop"; the app's window is "Greffier…".
		out, _ := a.xdotool("search", "--onlyvisible", "--name", "^Greffier")
		for _, id := range strings.Fields(out) {
			if name, _ := a.xdotool("getwindowname", id); strings.HasPrefix(name, "Greffier") {
				return id
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	a.t.Fatalf("no window named Greffier within %v", limit)
	return ""
}

// waitTitle waits until the window's title is want (the UI sets it per screen once
// its first service call has answered).
func (a *desktopApp) waitTitle(want string, limit time.Duration) {
	a.t.Helper()
	deadline := time.Now().Add(limit)
	var got string
	for time.Now().Before(deadline) {
		got, _ = a.xdotool("getwindowname", a.window)
		if got == want {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	a.t.Fatalf("window title %q, want %q (after %v)", got, want, limit)
}

// key sends a key chord to the window (focus first: there is no window manager).
func (a *desktopApp) key(chord string) {
	a.t.Helper()
	if _, err := a.xdotool("windowfocus", "--sync", a.window); err != nil {
		a.t.Fatalf("focus window: %v", err)
	}
	if _, err := a.xdotool("key", "--clearmodifiers", chord); err != nil {
		a.t.Fatalf("xdotool key %s: %v", chord, err)
	}
}

// typeText types s into the focused field of the window, then presses keys (e.g.
// "Tab", "Return") if given.
func (a *desktopApp) typeText(s string, keys ...string) {
	a.t.Helper()
	if _, err := a.xdotool("windowfocus", "--sync", a.window); err != nil {
		a.t.Fatalf("focus window: %v", err)
	}
	if _, err := a.xdotool("type", "--delay", "20", s); err != nil {
		a.t.Fatalf("xdotool type: %v", err)
	}
	for _, k := range keys {
		if _, err := a.xdotool("key", k); err != nil {
			a.t.Fatalf("xdotool key %s: %v", k, err)
		}
	}
}

// login types a user's name and password into the login screen (the name field has
// the focus) and submits.
func (a *desktopApp) login(name, password string) {
	a.t.Helper()
	a.typeText(name, "Tab")
	a.typeText(password, "Return")
}

// screenshot saves the screen to build/artifacts/name and returns the decoded image,
// retrying until it is not blank (the web view paints shortly after the title changes).
func (a *desktopApp) screenshot(name string) image.Image {
	a.t.Helper()
	if err := os.MkdirAll(artifacts, 0o755); err != nil {
		a.t.Fatal(err)
	}
	path := filepath.Join(artifacts, name)
	var last error
	for i := 0; i < 20; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		cmd := exec.CommandContext(ctx, "import", "-window", "root", path)
		cmd.Env = append(os.Environ(), "DISPLAY="+a.display)
		out, err := cmd.CombinedOutput()
		cancel()
		if err != nil {
			a.t.Fatalf("import: %v: %s", err, out)
		}
		img, err := decodePNG(path)
		if err != nil {
			a.t.Fatal(err)
		}
		if last = notBlank(img); last == nil {
			return img
		}
		time.Sleep(500 * time.Millisecond)
	}
	a.t.Fatalf("screenshot %s stays blank: %v", path, last)
	return nil
}

func decodePNG(path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("decode %s: %w", path, err)
	}
	return img, nil
}

// notBlank checks that an image shows a rendered UI: many distinct colours (text is
// anti-aliased) and real contrast (luminance spread), not a flat or nearly flat fill.
func notBlank(img image.Image) error {
	b := img.Bounds()
	colours := map[uint32]struct{}{}
	var n, sum, sumSq float64
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, _ := img.At(x, y).RGBA()
			colours[(r>>8)<<16|(g>>8)<<8|bl>>8] = struct{}{}
			l := 0.2126*float64(r>>8) + 0.7152*float64(g>>8) + 0.0722*float64(bl>>8)
			n++
			sum += l
			sumSq += l * l
		}
	}
	mean := sum / n
	sd := math.Sqrt(math.Max(0, sumSq/n-mean*mean))
	if len(colours) < 40 || sd < 8 {
		return fmt.Errorf("%d distinct colours, luminance s.d. %.1f: looks blank", len(colours), sd)
	}
	return nil
}

func TestNotBlankRejectsFlatImages(t *testing.T) {
	flat := image.NewRGBA(image.Rect(0, 0, 64, 64))
	if err := notBlank(flat); err == nil {
		t.Fatal("a black image passed as not blank")
	}
	two := image.NewRGBA(image.Rect(0, 0, 64, 64))
	for y := 0; y < 64; y++ {
		for x := 32; x < 64; x++ {
			two.Pix[(y*64+x)*4] = 255
		}
	}
	if err := notBlank(two); err == nil {
		t.Fatal("a two-colour image passed as not blank")
	}
}

// TestDesktopLoginFirst opens the real Wails window under Xvfb: on a new data folder
// it shows the first admin's setup, on a database with users the login screen —
// never the app, whose screens come only after a user logs in (the title changes
// only after the UI's first bound calls answered). Screenshots must not be blank.
func TestDesktopLoginFirst(t *testing.T) {
	needDesktopBinary(t)
	needTools(t, "Xvfb", "xdotool", "import")
	display := startXvfb(t)
	first := launchDesktop(t, display, t.TempDir(), "GREFFIER_LANG=en")
	first.waitTitle("Greffier — First start", 30*time.Second)
	first.screenshot("setup.png")
	stopProcess(first.cmd)

	data := t.TempDir()
	seedUsers(t, data)
	win := launchDesktop(t, display, data, "GREFFIER_LANG=en")
	win.waitTitle("Greffier — Log in", 30*time.Second)
	win.screenshot("login.png")
	// Typed into the real window: the name field has the focus, Tab, the password.
	win.login("Dr Desktop", seedPassword)
	win.waitTitle("Greffier — Home", 30*time.Second)
	win.screenshot("home.png")
	if err := win.cmd.Process.Signal(syscall.Signal(0)); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Fatalf("app died: %v", err)
	}
}

// seedPassword is the seeded users' password.
const seedPassword = "correct horse battery"

// seedServices starts the app's services on data with its first admin set up and a
// physician, Dr Desktop, logged in.
func seedServices(t *testing.T, data string) *app.Services {
	t.Helper()
	svc := app.New(app.Config{Dirs: appdirs.Dirs{Data: data}, KDF: crypt.TestKDF()})
	if err := svc.Start(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Session.Setup("Admin", seedPassword); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Settings.CreateUser("Dr Desktop", "physician", seedPassword); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Session.Login("Dr Desktop", seedPassword); err != nil {
		t.Fatal(err)
	}
	return svc
}

// seedUsers makes a database with an admin and a physician.
func seedUsers(t *testing.T, data string) {
	t.Helper()
	if err := seedServices(t, data).Close(); err != nil {
		t.Fatal(err)
	}
}

// consultation is a made-up consultation (no real patient) seeded into the test's
// database so that the Draft review screen has a note to show.
const consultation = `[doctor] Good morning, what brings you in today?
[patient] I have had a dry cough and a sore throat for five days.
[patient] I also get headaches in the evening.
[doctor] Any fever?
[patient] A little, thirty-eight degrees on Monday.
[doctor] Your blood pressure is 128/82 today and your lungs sound clear.
[doctor] This looks like a viral upper respiratory infection.
[doctor] Take paracetamol 1 g three times a day for the pain and fever.
[doctor] Come back in one week if the cough is not better.`

// seedDraft creates an admin, a physician, an encounter with consent and a transcript, and
// drafts its note through the app's own services; it returns the encounter id.
func seedDraft(t *testing.T, data string) int64 {
	t.Helper()
	ctx := context.Background()
	dirs := appdirs.Dirs{Data: data}
	svc := seedServices(t, data)
	defer svc.Close()
	v, err := svc.Encounters.Create(app.NewEncounter{PatientLabel: "P-0042", PatientName: "Test Patient", Language: "en", Template: "soap", Consent: true})
	if err != nil {
		t.Fatal(err)
	}
	segs, _ := transcript.ParseDialogue(consultation)
	l, err := store.OpenLocked(ctx, dirs.Database(), store.Options{KDF: crypt.TestKDF()})
	if err != nil {
		t.Fatal(err)
	}
	db, _, err := l.Login(ctx, "Admin", seedPassword)
	if err != nil {
		l.Close()
		t.Fatal(err)
	}
	err = db.SaveSegments(ctx, v.ID, segs)
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Drafts.Generate(v.ID, "", ""); err != nil {
		t.Fatal(err)
	}
	return v.ID
}

// TestDesktopScreens opens the real window on a seeded database and walks the main
// screens with the keyboard shortcuts (Alt+R, Alt+D, Alt+S): each must set its window
// title, and each screenshot goes to build/artifacts/.
func TestDesktopScreens(t *testing.T) {
	needDesktopBinary(t)
	needTools(t, "Xvfb", "xdotool", "import")
	data := t.TempDir()
	id := seedDraft(t, data)
	display := startXvfb(t)
	win := launchDesktop(t, display, data, "GREFFIER_LANG=en", "GREFFIER_SCREEN=review", fmt.Sprintf("GREFFIER_ENCOUNTER=%d", id))
	win.waitTitle("Greffier — Log in", 30*time.Second)
	win.login("Dr Desktop", seedPassword)
	win.waitTitle("Greffier — Draft review", 30*time.Second)
	time.Sleep(time.Second) // the note loads after the title is set
	win.screenshot("review.png")
	for _, s := range []struct{ key, title, file string }{
		{"alt+h", "Greffier — Home", "home-seeded.png"},
		{"alt+r", "Greffier — Recording", "recording.png"},
		{"alt+s", "Greffier — Settings", "settings.png"},
		{"alt+l", "Greffier — Réglages", "settings-fr.png"},
		{"alt+d", "Greffier — Relecture du brouillon", "review-fr.png"},
		{"alt+t", "Greffier — Relecture du brouillon", "review-fr-dark.png"}, // theme: same title
	} {
		win.key(s.key)
		win.waitTitle(s.title, 15*time.Second)
		time.Sleep(500 * time.Millisecond)
		win.screenshot(s.file)
	}
}
