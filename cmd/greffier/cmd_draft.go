package main

import (
	"context"
	"encoding/json"
	"fmt"

	"greffier/domain"
	"greffier/notes/draft"
	"greffier/notes/schema"
	"greffier/notes/templates"
	"greffier/notes/transcript"
	"greffier/pipeline"
)

func draftCommand() command {
	return command{
		name:    "draft",
		summary: "draft a structured clinical note from a transcript",
		run:     runDraft,
	}
}

const draftUsage = "draft --transcript FILE [--template soap|hp|progress|FILE.yaml] [--lang fr|en] " +
	"[--llm URL | --llama-model GGUF | --offline] [--format json|text] [--no-codes]\n" +
	"       greffier draft --copy-templates   (copy the built-in templates to your templates folder to edit them)"

func runDraft(ctx context.Context, c *cli, args []string) error {
	fs := newFlags(c, "draft", draftUsage)
	path := fs.String("transcript", "", "transcript: JSON lines from 'greffier transcribe --json', or a [doctor]/[patient] dialogue; - reads standard input")
	tmpl := fs.String("template", "soap", "note template: soap, hp, progress, a template of your templates folder, or a .yaml file")
	lang := fs.String("lang", "", "note language: fr or en (default: the consultation's language)")
	llmURL := fs.String("llm", "", "OpenAI-compatible endpoint of a language model (e.g. http://127.0.0.1:8080)")
	llamaModel := fs.String("llama-model", "", "GGUF model file to run with llama-server")
	offline := fs.Bool("offline", false, "draft without a model: extractive, rule-based (the default when no model is given)")
	format := fs.String("format", "json", "output: json (the note, schema version "+schema.Version+") or text")
	noCodes := fs.Bool("no-codes", false, "do not suggest ICD-10-CM codes")
	copyTemplates := fs.Bool("copy-templates", false, "copy the built-in templates into the templates folder and exit")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	dirs := c.env.Dirs
	if *copyTemplates {
		return copyBuiltinTemplates(c, dirs.Templates())
	}
	if *path == "" && len(pos) == 1 {
		*path = pos[0]
		pos = nil
	}
	switch {
	case len(pos) > 0:
		return usagef("unexpected arguments %q", pos)
	case *path == "":
		return usagef("--transcript FILE is required")
	case *format != "json" && *format != "text":
		return usagef("--format must be json or text, not %q", *format)
	case *lang != "" && !domain.Language(*lang).NoteLanguage():
		return usagef("--lang must be fr or en, not %q", *lang)
	case *llmURL != "" && *llamaModel != "":
		return usagef("give --llm or --llama-model, not both")
	case *offline && (*llmURL != "" || *llamaModel != ""):
		return usagef("--offline drafts without a model: drop --llm/--llama-model")
	}

	var tr transcript.Transcript
	if *path == "-" {
		tr, err = transcript.Parse(c.stdin, "standard input")
	} else {
		tr, err = transcript.ReadFile(*path)
	}
	if err != nil {
		return err
	}
	t, err := pipeline.Template(dirs, *tmpl)
	if err != nil {
		return err
	}
	noteLang := pipeline.NoteLanguage(domain.Language(*lang), "", tr.Segments)
	d, err := c.drafter(ctx, *llmURL, *llamaModel, *noCodes)
	if err != nil {
		return err
	}
	defer d.Close()
	note, err := pipeline.Draft(ctx, d, draft.Request{Segments: tr.Segments, Template: t, Language: string(noteLang)})
	if err != nil {
		return err
	}
	if *format == "text" {
		return draft.RenderText(c.stdout, note, t.Title.In(string(noteLang)))
	}
	enc := json.NewEncoder(c.stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(note)
}

func copyBuiltinTemplates(c *cli, dir string) error {
	wrote, err := templates.CopyBuiltin(dir)
	if err != nil {
		return domain.Wrap(domain.EUnavailable, err, "copy templates")
	}
	for _, p := range wrote {
		fmt.Fprintln(c.stdout, p)
	}
	if len(wrote) == 0 {
		fmt.Fprintf(c.stdout, "the templates are already in %s (existing files are never overwritten)\n", dir)
	}
	return nil
}
