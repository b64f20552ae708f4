package app_test

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"greffier/app"
	"greffier/appdirs"
	"greffier/logfile"
	"greffier/store/crypt"
	"greffier/transcribe/emptymodel"
)

// TestE2EBrowser runs frontend/e2e/flow.mjs in Debian's chromium (playwright-core)
// against the real services behind the HTTP bridge: SQLite, whisper.cpp (an empty
// tiny.en model: no weights can be fetched here, so its text is meaningless — the
// flow accepts segments or the "no speech" state), the extractive drafter, the FHIR
// exporter. English, then French; in each, the admin (set up at the first run),
// a secretary and a physician log in, and the physician signs with the password.
func TestE2EBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end browser test skipped in -short mode")
	}
	chromium := "/usr/bin/chromium"
	for _, need := range []string{chromium, "node", "espeak-ng"} {
		if _, err := exec.LookPath(need); err != nil {
			t.Skipf("%s not found: run inside the build root (scripts/inroot go test ./app)", need)
		}
	}
	dist, _ := filepath.Abs("../frontend/dist")
	if _, err := os.Stat(filepath.Join(dist, "index.html")); err != nil {
		t.Skip("frontend/dist/index.html missing: run make frontend (or make build)")
	}
	if _, err := os.Stat("../frontend/node_modules/playwright-core"); err != nil {
		t.Skip("frontend/node_modules missing: run make frontend (npm ci)")
	}

	data := t.TempDir()
	dirs := appdirs.Dirs{Data: data}
	if err := os.MkdirAll(dirs.Models(), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := emptymodel.Write(filepath.Join(dirs.Models(), "ggml-tiny.en.bin"), "tiny.en"); err != nil {
		t.Fatal(err)
	}
	wav := filepath.Join(t.TempDir(), "consult.wav")
	speech := "Hello doctor, I have had a headache and a cough for three days. " +
		"I take paracetamol five hundred milligrams twice a day. Blood pressure is one twenty over eighty."
	if out, err := exec.Command("espeak-ng", "-s", "150", "-w", wav, speech).CombinedOutput(); err != nil {
		t.Fatalf("espeak-ng: %v: %s", err, out)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	// The app's log, as main.go opens it: checked below for patient text.
	logger, logs, err := logfile.New(dirs.Logs(), "greffier")
	if err != nil {
		t.Fatal(err)
	}
	defer logs.Close()
	svc := app.New(app.Config{Dirs: dirs, Threads: 2, Log: logger, KDF: crypt.TestKDF()})
	bridge := app.NewBridge(svc, os.DirFS(dist))
	if err := svc.Start(ctx, bridge); err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- bridge.Serve(ctx, l) }()
	defer func() {
		cancel()
		<-served
	}()

	artifacts, _ := filepath.Abs("../build/artifacts")
	_ = os.MkdirAll(artifacts, 0o755)
	stale, _ := filepath.Glob(filepath.Join(artifacts, "e2e-*.png"))
	for _, f := range stale {
		os.Remove(f)
	}
	cmd := exec.CommandContext(ctx, "node", "e2e/flow.mjs")
	cmd.Dir = "../frontend"
	cmd.Env = append(os.Environ(),
		"GREFFIER_URL=http://"+l.Addr().String(),
		"GREFFIER_WAV="+wav,
		"LANGS=en,fr",
		"CHROMIUM="+chromium,
		"ARTIFACTS="+artifacts,
		"HOME="+t.TempDir(),
	)
	out, err := cmd.CombinedOutput()
	t.Logf("flow.mjs:\n%s", out)
	if err != nil {
		t.Fatalf("e2e flow failed: %v", err)
	}
	if !strings.Contains(string(out), "e2e: 2 passed, 0 failed") {
		t.Fatal("the flow did not report both languages passing")
	}

	// The export really is on disk, a FHIR Bundle, one per language run.
	files, _ := filepath.Glob(filepath.Join(data, "exports", "encounter-*.fhir.json"))
	if len(files) != 2 {
		t.Fatalf("%d FHIR exports on disk, want 2", len(files))
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var bundle struct {
			ResourceType string `json:"resourceType"`
			Entry        []any  `json:"entry"`
		}
		if err := json.Unmarshal(b, &bundle); err != nil || bundle.ResourceType != "Bundle" || len(bundle.Entry) == 0 {
			t.Errorf("%s: not a FHIR Bundle with entries (%v)", f, err)
		}
	}

	// The log holds neither the patients' names nor what was said or written.
	var logText strings.Builder
	paths, _ := filepath.Glob(filepath.Join(dirs.Logs(), "*"))
	for _, p := range paths {
		b, _ := os.ReadFile(p)
		logText.Write(b)
	}
	for _, secret := range []string{"Jane Test", "Jeanne Test", "headache", "paracetamol", "feels better", "va mieux", "correct horse battery"} {
		if strings.Contains(logText.String(), secret) {
			t.Errorf("the app's log holds patient text %q", secret)
		}
	}
}
