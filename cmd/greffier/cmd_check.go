package main

import (
	"context"
	"encoding/json"
	"io"
	"os"

	"greffier/domain"
	"greffier/notes/draft"
	"greffier/notes/schema"
	"greffier/notes/transcript"
)

func checkCommand() command {
	return command{
		name:    "check",
		summary: "check a note's facts against the transcript segments it cites",
		run:     runCheck,
	}
}

// runCheck prints the note with the warnings of the evidence and fact checks added.
// Unsupported facts are findings, not failures: the exit status is 0.
func runCheck(ctx context.Context, c *cli, args []string) error {
	fs := newFlags(c, "check", "check --transcript FILE --note NOTE.json")
	path := fs.String("transcript", "", "transcript: JSON lines from 'greffier transcribe --json', or a [doctor]/[patient] dialogue")
	notePath := fs.String("note", "", "the note (JSON, schema version "+schema.Version+"); - reads standard input")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) > 0:
		return usagef("unexpected arguments %q", pos)
	case *path == "" || *notePath == "":
		return usagef("--transcript FILE and --note NOTE.json are required")
	}
	tr, err := transcript.ReadFile(*path)
	if err != nil {
		return err
	}
	var body []byte
	if *notePath == "-" {
		body, err = io.ReadAll(c.stdin)
	} else {
		body, err = os.ReadFile(*notePath)
	}
	if err != nil {
		return domain.Wrap(domain.EInvalid, err, "read note %s", *notePath)
	}
	note, err := schema.Parse(body)
	if err != nil {
		return domain.Wrap(domain.EInvalid, err, "note %s", *notePath)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	draft.CheckEvidence(&note, tr.Segments)
	draft.CheckFacts(&note, tr.Segments)
	enc := json.NewEncoder(c.stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(note)
}
