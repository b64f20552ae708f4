package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"runtime"

	"greffier/appdirs"
	"greffier/domain"
	llmmodels "greffier/llm/models"
)

func llmCommand() command {
	return command{
		name:    "llm",
		summary: "language models (GGUF) for drafting: import, list, remove, verify, suggest",
		run:     runLLM,
	}
}

const llmUsage = "llm models list|import FILE [--name NAME]|rm NAME|verify NAME|suggest [--dir DIR]"

func runLLM(ctx context.Context, c *cli, args []string) error {
	fs := newFlags(c, "llm", llmUsage)
	dir := fs.String("dir", "", "language models folder (default: the data folder's llm/)")
	name := fs.String("name", "", "with import: the name to install the model under")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) < 2 || pos[0] != "models" {
		return usagef("usage: greffier %s", llmUsage)
	}
	if *dir == "" {
		d, err := appdirs.Default()
		if err != nil {
			return domain.Wrap(domain.EUnavailable, err, "find the data folder")
		}
		*dir = filepath.Join(d.Data, "llm")
	}
	mgr := llmmodels.Manager{Dir: *dir}
	verb, rest := pos[1], pos[2:]
	one := func() error {
		if len(rest) != 1 {
			return usagef("llm models %s needs one argument", verb)
		}
		return nil
	}
	switch verb {
	case "list", "ls":
		list, err := mgr.List()
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "language models folder: %s\n", mgr.Dir)
		for _, in := range list {
			printLLMModel(c.stdout, in)
		}
		return nil
	case "import":
		if err := one(); err != nil {
			return err
		}
		in, err := mgr.Import(rest[0], *name)
		if err != nil {
			return err
		}
		fmt.Fprint(c.stdout, "imported ")
		printLLMModel(c.stdout, in)
		return nil
	case "rm", "remove":
		if err := one(); err != nil {
			return err
		}
		if err := mgr.Remove(rest[0]); err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "removed %s\n", rest[0])
		return nil
	case "verify":
		if err := one(); err != nil {
			return err
		}
		in, err := mgr.Verify(rest[0])
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "%s OK (sha256 %s)\n", in.Name, in.SHA256)
		return nil
	case "suggest":
		budget := llmmodels.Budget(llmmodels.MemInfo())
		s := llmmodels.Suggest(budget, runtime.NumCPU())
		if s.None {
			fmt.Fprintf(c.stdout, "no suggestion: %s\n", s.Reason)
		} else {
			fmt.Fprintf(c.stdout, "suggested: a %s model like %s, Q4_K_M (%s)\n", s.Shape.Key, s.Shape.Name, s.Reason)
		}
		fmt.Fprintf(c.stdout, "this machine: %s\n", llmmodels.Summary(llmmodels.Fits(budget)))
		return nil
	}
	return usagef("unknown action %q; usage: greffier %s", verb, llmUsage)
}

func printLLMModel(w io.Writer, in llmmodels.Installed) {
	if in.Header.Architecture == "" {
		fmt.Fprintf(w, "%s: unreadable: %v\n", in.Name, in.Err)
		return
	}
	h := in.Header
	fmt.Fprintf(w, "%s: %s, %.1fB parameters, %s, trained context %d, %d MiB", in.Name, h.Architecture,
		float64(h.Params)/1e9, h.Quantization(), h.Context, in.Size>>20)
	if in.Err != nil {
		fmt.Fprintf(w, "; does not fit here: %v\n", in.Err)
		return
	}
	fmt.Fprintf(w, "; here: context %d, %s KV cache, needs %s\n", in.Plan.Context, in.Plan.CacheType, llmmodels.GiB(in.Plan.Need.Total()))
}
