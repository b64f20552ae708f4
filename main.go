// Command greffier-desktop is Greffier's desktop app: a Wails v2 window over the
// services in app/. Build it with `make desktop` (tags desktop,production,webkit2_41).
// GREFFIER_DATA sets the data folder, GREFFIER_SCREEN the first screen (home,
// recording, review, queue, export, settings), GREFFIER_ENCOUNTER an encounter to open
// on it, GREFFIER_LANG the language (en, fr), GREFFIER_MODEL the whisper model file,
// GREFFIER_MODEL_URL where models download from (a clinic mirror), GREFFIER_LLAMA_THREADS
// the managed llama-server's threads, GREFFIER_LLM_API_KEY the LLM endpoint's token.
// Its log is logs/greffier.log in the data folder.
package main

import (
	"context"
	"embed"
	"fmt"
	"log"
	"os"
	"strconv"
	"strings"

	"github.com/wailsapp/wails/v2"
	"github.com/wailsapp/wails/v2/pkg/options"
	"github.com/wailsapp/wails/v2/pkg/options/assetserver"
	"github.com/wailsapp/wails/v2/pkg/options/linux"
	"github.com/wailsapp/wails/v2/pkg/runtime"

	"greffier/app"
	"greffier/domain"
	"greffier/logfile"
	"greffier/pipeline"
)

//go:embed all:frontend/dist
var assets embed.FS

//go:embed build/appicon.png
var icon []byte

// wailsPlatform gives the services the window's runtime; app/ never imports Wails.
type wailsPlatform struct{ ctx context.Context }

func (p wailsPlatform) Emit(name string, data any) { runtime.EventsEmit(p.ctx, name, data) }

func (p wailsPlatform) OpenFile(title string, patterns []string) (string, error) {
	return runtime.OpenFileDialog(p.ctx, runtime.OpenDialogOptions{
		Title:   title,
		Filters: []runtime.FileFilter{{DisplayName: title, Pattern: strings.Join(patterns, ";")}},
	})
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "greffier-desktop:", err)
		os.Exit(1)
	}
}

func run() error {
	// Configuration is read once, here; a bad value stops the start with its reason.
	env, err := pipeline.ReadEnv(os.Getenv)
	if err != nil {
		return err
	}
	logger, logs, err := logfile.New(env.Dirs.Logs(), "greffier")
	if err != nil {
		return fmt.Errorf("open the log: %w", err)
	}
	defer logs.Close()
	enc, _ := strconv.ParseInt(os.Getenv("GREFFIER_ENCOUNTER"), 10, 64)
	svc := app.New(app.Config{
		Dirs:           env.Dirs,
		StartScreen:    os.Getenv("GREFFIER_SCREEN"),
		StartEncounter: enc,
		Language:       domain.Language(os.Getenv("GREFFIER_LANG")),
		WhisperModel:   env.WhisperModel,
		ModelBaseURL:   env.ModelBaseURL,
		LLMThreads:     env.LLMThreads,
		LLMAPIKey:      env.LLMAPIKey,
		Log:            logger,
	})
	return wails.Run(&options.App{
		Title:     app.Product,
		Width:     1200,
		Height:    800,
		MinWidth:  800,
		MinHeight: 560,
		AssetServer: &assetserver.Options{
			Assets: assets,
		},
		OnStartup: func(ctx context.Context) {
			// A failure here (damaged database, unwritable folder) is shown by the UI,
			// which asks Settings.Info and gets the error.
			if err := svc.Start(ctx, wailsPlatform{ctx: ctx}); err != nil {
				logger.Error("start", "cause", err.Error())
				log.Printf("start: %v", err)
			}
		},
		OnShutdown: func(context.Context) {
			if err := svc.Close(); err != nil {
				logger.Error("close", "cause", err.Error())
				log.Printf("close: %v", err)
			}
		},
		Bind: svc.Bind(),
		Linux: &linux.Options{
			ProgramName: "greffier",
			Icon:        icon,
			// Software rendering: clinic laptops and Xvfb often lack working GL.
			WebviewGpuPolicy: linux.WebviewGpuPolicyNever,
		},
	})
}
