package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	_ "github.com/mattn/go-sqlite3" // the SQLite driver the store uses

	"greffier/appdirs"
	"greffier/audio/portaudio"
	llmmodels "greffier/llm/models"
	"greffier/transcribe/whisper"
)

func doctorCommand() command {
	return command{
		name:    "doctor",
		summary: "check this machine: libraries, devices, folders, models",
		run:     runDoctor,
	}
}

// check is one line of the doctor's report. A failed required check makes doctor exit
// non-zero; Fix says what to do.
type check struct {
	Name     string `json:"name"`
	OK       bool   `json:"ok"`
	Required bool   `json:"required"`
	Detail   string `json:"detail"`
	Fix      string `json:"fix,omitempty"`
}

func runDoctor(ctx context.Context, c *cli, args []string) error {
	fs := newFlags(c, "doctor", "doctor [--json]")
	asJSON := fs.Bool("json", false, "print the checks as JSON")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	checks := doctorChecks(ctx, c.env.Dirs)
	failed := 0
	for _, ch := range checks {
		if ch.Required && !ch.OK {
			failed++
		}
	}
	if *asJSON {
		enc := json.NewEncoder(c.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(checks); err != nil {
			return err
		}
	} else {
		for _, ch := range checks {
			status := "ok  "
			switch {
			case !ch.OK && ch.Required:
				status = "FAIL"
			case !ch.OK:
				status = "warn"
			}
			fmt.Fprintf(c.stdout, "%s  %-16s %s\n", status, ch.Name, ch.Detail)
			if !ch.OK && ch.Fix != "" {
				fmt.Fprintf(c.stdout, "      %-16s fix: %s\n", "", ch.Fix)
			}
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d required check(s) failed", failed)
	}
	return nil
}

func doctorChecks(ctx context.Context, dirs appdirs.Dirs) []check {
	var checks []check
	checks = append(checks, check{Name: "go", OK: true, Required: true, Detail: runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH})

	info := whisper.Info()
	checks = append(checks, check{
		Name: "libwhisper", OK: info.WhisperVersion != "", Required: true, Detail: info.WhisperVersion,
		Fix: "install libwhisper (Debian: libwhisper1) or run through scripts/inroot",
	})
	cpu := false
	for _, b := range info.Backends {
		cpu = cpu || strings.EqualFold(b, "CPU")
	}
	checks = append(checks, check{
		Name: "ggml backends", OK: cpu, Required: true,
		Detail: strings.Join(info.Backends, ", ") + " (" + strings.Join(info.Devices, "; ") + ")",
		Fix:    "install ggml's CPU backend (Debian: libggml0-backend-cpu) or set GGML_BACKEND_PATH",
	})

	checks = append(checks, portAudioChecks()...)
	checks = append(checks, sqliteCheck(ctx))
	checks = append(checks, folderChecks(dirs)...)
	if path, err := exec.LookPath("llama-server"); err == nil {
		checks = append(checks, check{Name: "llama-server", OK: true, Detail: path})
	} else {
		checks = append(checks, check{Name: "llama-server", OK: false, Detail: "not found: LLM drafting needs it or an endpoint (--llm URL); the extractive drafter works without",
			Fix: "install llama.cpp's server (Debian: llama.cpp-tools)"})
	}
	fits := llmmodels.FitHere()
	checks = append(checks, check{Name: "llm sizes", OK: len(fits) > 0 && fits[0].Fits, Detail: llmmodels.Summary(fits),
		Fix: "free memory, or draft with the extractive drafter or an endpoint (--llm URL)"})
	return checks
}

func portAudioChecks() []check {
	ver := check{Name: "portaudio", OK: true, Required: true, Detail: portaudio.PortAudioVersion()}
	devs, err := portaudio.InputDevices()
	in := check{Name: "input devices"}
	switch {
	case err != nil:
		in.Detail = err.Error()
		in.Fix = "check the sound system (ALSA/PulseAudio); importing recordings still works"
	case len(devs) == 0:
		in.Detail = "none: recording is not possible on this machine, importing files is"
		in.Fix = "plug in or enable a microphone"
	default:
		in.OK = true
		var names []string
		for _, d := range devs {
			n := d.Name
			if d.IsDefault {
				n += " (default)"
			}
			names = append(names, n)
		}
		in.Detail = strings.Join(names, "; ")
	}
	return []check{ver, in}
}

func sqliteCheck(ctx context.Context) check {
	ch := check{Name: "sqlite", Required: true, Fix: "rebuild with the sqlite_fts5 build tag (make build)"}
	db, err := sql.Open("sqlite3", ":memory:")
	if err != nil {
		ch.Detail = err.Error()
		return ch
	}
	defer db.Close()
	var version string
	var fts5 bool
	err = db.QueryRowContext(ctx, "SELECT sqlite_version(), sqlite_compileoption_used('ENABLE_FTS5')").Scan(&version, &fts5)
	if err != nil {
		ch.Detail = err.Error()
		return ch
	}
	ch.OK = fts5
	ch.Detail = version
	if fts5 {
		ch.Detail += " with FTS5"
	} else {
		ch.Detail += " WITHOUT FTS5 (search needs it)"
	}
	return ch
}

func folderChecks(dirs appdirs.Dirs) []check {
	data := check{Name: "data folder", Required: true, Detail: dirs.Data, Fix: "make it writable or set GREFFIER_DATA to a writable folder"}
	if err := os.MkdirAll(dirs.Models(), 0o700); err != nil {
		data.Detail += ": " + err.Error()
	} else if f, err := os.CreateTemp(dirs.Data, ".doctor-*"); err != nil {
		data.Detail += ": not writable: " + err.Error()
	} else {
		f.Close()
		os.Remove(f.Name())
		data.OK = true
	}
	models := check{Name: "whisper models", Detail: dirs.Models(),
		Fix: "greffier models import DIR (every model in a folder, e.g. a USB stick), or greffier models pull base where there is internet"}
	found, _ := filepath.Glob(filepath.Join(dirs.Models(), "*.bin"))
	if len(found) > 0 {
		models.OK = true
		var names []string
		for _, f := range found {
			names = append(names, filepath.Base(f))
		}
		models.Detail += ": " + strings.Join(names, ", ")
	} else {
		models.Detail += ": none yet (transcription needs one)"
	}
	return []check{data, models}
}
