package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"greffier/domain"
	"greffier/transcribe/models"
)

func modelsCommand() command {
	return command{name: "models", summary: "list, download, import, remove and verify whisper models", subs: []command{
		modelsSub("list", "models list: installed and known models", func(ctx context.Context, c *cli, mgr *models.Manager, rest []string, _ string) error {
			if len(rest) != 0 {
				return usagef("models list takes no arguments")
			}
			return listModels(c.stdout, mgr)
		}),
		modelsSub("pull", "models pull NAME: download a model, checksum verified", pullModel),
		modelsSub("import", "models import FILE|DIR [--name NAME]: install a model file, or every model in a folder", func(ctx context.Context, c *cli, mgr *models.Manager, rest []string, name string) error {
			if len(rest) != 1 {
				return usagef("models import needs one model FILE, or a folder of models")
			}
			if st, err := os.Stat(rest[0]); err == nil && st.IsDir() {
				if name != "" {
					return usagef("--name applies to one FILE, not to a folder")
				}
				return importModelDir(c.stdout, mgr, rest[0])
			}
			p, err := mgr.Import(rest[0], name)
			if err != nil {
				return err
			}
			fmt.Fprintf(c.stdout, "imported %s\n", p)
			return nil
		}),
		modelsSub("rm", "models rm NAME...: remove models", removeModels),
		modelsSub("verify", "models verify [NAME...]: check the installed models' files", func(ctx context.Context, c *cli, mgr *models.Manager, rest []string, _ string) error {
			return verifyModels(c.stdout, mgr, rest)
		}),
	}}
}

// modelsSub parses the flags every models subcommand takes (--dir, --base-url,
// --name) and runs do on the models folder.
func modelsSub(name, summary string, do func(ctx context.Context, c *cli, mgr *models.Manager, rest []string, name string) error) command {
	return command{name: name, summary: summary, run: func(ctx context.Context, c *cli, args []string) error {
		fs := newFlags(c, "models "+name, summary+" [--dir DIR] [--base-url URL]")
		dir := fs.String("dir", "", "models folder (default: the data folder's models/)")
		baseURL := fs.String("base-url", c.env.ModelBaseURL, "where to download from (default: $GREFFIER_MODEL_URL, else upstream, "+models.DefaultBaseURL+")")
		as := fs.String("name", "", "with import: the name to install the model under")
		rest, err := parseFlags(fs, args)
		if err != nil {
			return err
		}
		if *dir == "" {
			*dir = c.env.Dirs.Models()
		}
		return do(ctx, c, &models.Manager{Dir: *dir, BaseURL: *baseURL}, rest, *as)
	}}
}

func pullModel(ctx context.Context, c *cli, mgr *models.Manager, rest []string, _ string) error {
	if len(rest) != 1 {
		return usagef("models pull needs one model NAME (see 'greffier models list')")
	}
	mgr.Progress = progressPrinter(c.stderr)
	p, err := mgr.Pull(ctx, rest[0])
	fmt.Fprintln(c.stderr)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "installed %s (checksum verified)\n", p)
	return nil
}

func removeModels(ctx context.Context, c *cli, mgr *models.Manager, rest []string, _ string) error {
	if len(rest) == 0 {
		return usagef("models rm needs a model NAME")
	}
	for _, n := range rest {
		if err := mgr.Remove(n); err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "removed %s\n", n)
	}
	return nil
}

func listModels(w io.Writer, mgr *models.Manager) error {
	inst, err := mgr.Installed()
	if err != nil {
		return err
	}
	have := map[string]models.Installed{}
	for _, i := range inst {
		have[i.Name] = i
	}
	sug := models.SuggestHere(false)
	fmt.Fprintf(w, "models folder: %s\n\n%-22s %10s  %-9s  %s\n", mgr.Dir, "NAME", "SIZE", "STATUS", "NOTES")
	for _, m := range models.Catalogue() {
		status := "-"
		if _, ok := have[m.Name]; ok {
			status = "installed"
		}
		var notes []string
		if m.English() {
			notes = append(notes, "English only")
		}
		if m.TDRZ() {
			notes = append(notes, "speaker turns")
		}
		if m.Name == sug.Name {
			notes = append(notes, "suggested for this machine ("+sug.Reason+")")
		}
		if en := models.SuggestHere(true); m.Name == en.Name && en.Name != sug.Name {
			notes = append(notes, "suggested if you only speak English")
		}
		fmt.Fprintf(w, "%-22s %6d MiB  %-9s  %s\n", m.Name, m.SizeMiB, status, strings.TrimSpace(strings.Join(notes, "; ")))
	}
	for _, i := range inst {
		if !i.Known {
			fmt.Fprintf(w, "%-22s %6d MiB  %-9s  %s\n", i.Name, i.Size>>20, "installed", "imported (not in the catalogue)")
		}
	}
	return nil
}

// importModelDir imports every whisper model of a folder (a USB stick) and says what
// became of each file.
func importModelDir(w io.Writer, mgr *models.Manager, dir string) error {
	res, err := mgr.ImportDir(dir)
	for _, r := range res {
		switch {
		case r.Err != nil:
			fmt.Fprintf(w, "FAILED    %s: %v\n", r.Src, r.Err)
		case r.Skipped != "":
			fmt.Fprintf(w, "skipped   %s: %s\n", r.Src, r.Skipped)
		default:
			how := map[string]string{"upstream": "checksum matches upstream", "list": "checksum matches the folder's list"}[r.Checked]
			if how == "" {
				how = "no checksum to compare with"
			}
			fmt.Fprintf(w, "imported  %s -> %s (%s)\n", r.Src, r.Path, how)
		}
	}
	return err
}

func verifyModels(w io.Writer, mgr *models.Manager, names []string) error {
	if len(names) == 0 {
		inst, err := mgr.Installed()
		if err != nil {
			return err
		}
		for _, i := range inst {
			names = append(names, i.Name)
		}
		if len(names) == 0 {
			fmt.Fprintf(w, "no models in %s\n", mgr.Dir)
			return nil
		}
	}
	bad := 0
	for _, n := range names {
		v, err := mgr.Verify(n)
		switch {
		case err != nil:
			bad++
			fmt.Fprintf(w, "%-22s BAD   %v\n", n, err)
		case v.Known && !v.Match:
			bad++
			fmt.Fprintf(w, "%-22s BAD   checksum %s differs from upstream's: remove it and pull again\n", v.Name, v.SHA1)
		case v.Known:
			fmt.Fprintf(w, "%-22s OK    %s, checksum matches upstream\n", v.Name, v.Header.Kind())
		default:
			fmt.Fprintf(w, "%-22s OK    %s whisper model (imported: no upstream checksum to compare)\n", v.Name, v.Header.Kind())
		}
	}
	if bad > 0 {
		return domain.Errorf(domain.EInvalid, "%d of %d models failed verification", bad, len(names))
	}
	return nil
}

// progressPrinter shows one updating line: done/total, rate, ETA.
func progressPrinter(w io.Writer) func(models.Progress) {
	return func(p models.Progress) {
		mib := func(b int64) float64 { return float64(b) / (1 << 20) }
		line := fmt.Sprintf("\r%s: %.1f MiB", p.Model, mib(p.Done))
		if p.Total > 0 {
			line += fmt.Sprintf(" of %.1f MiB (%.0f%%)", mib(p.Total), 100*float64(p.Done)/float64(p.Total))
		}
		line += fmt.Sprintf(", %.1f MiB/s", p.Rate/(1<<20))
		if p.ETA > 0 {
			line += ", " + p.ETA.Round(time.Second).String() + " left"
		}
		fmt.Fprintf(w, "%-78s", line)
	}
}
