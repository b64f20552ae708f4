package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"greffier/atomicfile"
	"greffier/domain"
	"greffier/export/fhir"
	"greffier/notes/documents"
	"greffier/pipeline"
	"greffier/store"
)

func documentsCommand() command {
	return command{name: "documents", summary: "patient instructions and referral letters drafted from the note", subs: []command{
		{name: "draft", summary: "draft a document from the note: documents draft ID --kind instructions|referral [--lang fr|en] [--to RECIPIENT] --as USER", run: runDocumentsDraft},
		{name: "list", summary: "list an encounter's document versions and their signatures: documents list ID --as USER", run: runDocumentsList},
		{name: "show", summary: "show a document with its evidence and warnings: documents show ID --kind K [--version N] [--json] --as USER", run: runDocumentsShow},
		{name: "edit", summary: "save an edited document as a new version: documents edit ID --kind K --file F [--base N] --as USER", run: runDocumentsEdit},
		{name: "approve", summary: "sign the latest version with your password (physicians): documents approve ID --kind K --as USER [--auth-file F]", run: runDocumentsApprove},
		{name: "export", summary: "export the signed document: documents export ID --kind K --format fhir|pdf (--out DIR | --post URL) --as USER", run: runDocumentsExport},
	}}
}

// docFlags are the flags every documents subcommand shares.
type docFlags struct {
	fs   *flag.FlagSet
	auth authFlags
	kind *string
}

func newDocFlags(c *cli, name, usage string) docFlags {
	fs := newFlags(c, "documents "+name, usage)
	dbFlag(c, fs)
	return docFlags{fs: fs, auth: addAuthFlags(fs, "the user acting (recorded in the audit log)"),
		kind: fs.String("kind", "", "instructions (for the patient) or referral (letter to a specialist)")}
}

// parse reads the encounter id and the kind.
func (d docFlags) parse(args []string) (int64, documents.Kind, error) {
	pos, err := parseFlags(d.fs, args)
	if err != nil {
		return 0, "", err
	}
	id, err := encounterArg(d.fs.Name(), pos)
	if err != nil {
		return 0, "", err
	}
	if *d.kind == "" {
		return 0, "", usagef("--kind is required: instructions or referral")
	}
	kind, err := documents.ParseKind(*d.kind)
	if err != nil {
		return 0, "", usagef("%v", err)
	}
	return id, kind, nil
}

func runDocumentsDraft(ctx context.Context, c *cli, args []string) error {
	f := newDocFlags(c, "draft", "documents draft ID --kind instructions|referral [--lang fr|en] [--to RECIPIENT] --as USER [--auth-file F] [--db PATH]")
	lang := f.fs.String("lang", "", "the reader's language, fr or en (default: the encounter's, else the note's)")
	to := f.fs.String("to", "", "referral: whom the letter is for (default: the specialty the note's referral names)")
	id, kind, err := f.parse(args)
	if err != nil {
		return err
	}
	s, _, _, err := f.auth.login(ctx, c)
	if err != nil {
		return err
	}
	defer s.Close()
	dd, err := pipeline.DraftDocument(ctx, s, id, kind, *lang, *to)
	if err != nil {
		return err
	}
	d, dv := dd.Document, dd.Version
	fmt.Fprint(c.stdout, documents.Text(d, true))
	fmt.Fprintf(c.stdout, "\nencounter %d: %s version %d drafted from note version %d (%d sentences, %d warnings); review, edit, then sign it\n",
		id, kind, dv.Version, dd.NoteVersion, d.Sentences(), len(d.Warnings))
	return nil
}

func runDocumentsList(ctx context.Context, c *cli, args []string) error {
	fs := newFlags(c, "documents list", "documents list ID --as USER [--auth-file F] [--db PATH]")
	dbFlag(c, fs)
	auth := addAuthFlags(fs, "the user acting")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	id, err := encounterArg("documents list", pos)
	if err != nil {
		return err
	}
	s, _, _, err := auth.login(ctx, c)
	if err != nil {
		return err
	}
	defer s.Close()
	vs, err := s.ListDocuments(ctx, id)
	if err != nil {
		return err
	}
	if len(vs) == 0 {
		fmt.Fprintf(c.stdout, "encounter %d has no document yet\n", id)
	}
	for _, v := range vs {
		signed := "not signed"
		if v.Signature != nil {
			signed = "signed by " + v.Signature.Signer + " at " + v.Signature.SignedAt.Local().Format("2006-01-02 15:04")
		}
		fmt.Fprintf(c.stdout, "%-12s v%-3d %-20s %s  %s\n", v.Kind, v.Version, v.Author, v.CreatedAt.Local().Format("2006-01-02 15:04"), signed)
	}
	return nil
}

func runDocumentsShow(ctx context.Context, c *cli, args []string) error {
	f := newDocFlags(c, "show", "documents show ID --kind K [--version N] [--json] --as USER [--auth-file F] [--db PATH]")
	version := f.fs.Int("version", 0, "the version to show (default: the latest)")
	asJSON := f.fs.Bool("json", false, "print the document's JSON (what documents edit --file takes)")
	id, kind, err := f.parse(args)
	if err != nil {
		return err
	}
	s, _, _, err := f.auth.login(ctx, c)
	if err != nil {
		return err
	}
	defer s.Close()
	dv, err := s.GetDocument(ctx, id, string(kind), *version)
	if err != nil {
		return err
	}
	d, err := documents.Parse(dv.Body)
	if err != nil {
		return err
	}
	if *asJSON {
		out, err := json.MarshalIndent(d, "", "  ")
		if err != nil {
			return fmt.Errorf("encode document: %w", err)
		}
		fmt.Fprintf(c.stdout, "%s\n", out)
		return nil
	}
	fmt.Fprint(c.stdout, documents.Text(d, true))
	status := "not signed"
	if dv.Signature != nil {
		status = fmt.Sprintf("signed by %s at %s (sha256 %s)", dv.Signature.Signer, dv.Signature.SignedAt.Local().Format("2006-01-02 15:04:05"), dv.Signature.SHA256)
	}
	fmt.Fprintf(c.stdout, "\n%s version %d by %s at %s: %s\n", kind, dv.Version, dv.Author, dv.CreatedAt.Local().Format("2006-01-02 15:04:05"), status)
	return nil
}

func runDocumentsEdit(ctx context.Context, c *cli, args []string) error {
	f := newDocFlags(c, "edit", "documents edit ID --kind K --file F [--base N] --as USER [--auth-file F] [--db PATH]")
	file := f.fs.String("file", "", "the edited document, JSON (start from documents show --json)")
	base := f.fs.Int("base", 0, "the version the edit was made from: refused if another was saved since")
	id, kind, err := f.parse(args)
	if err != nil {
		return err
	}
	if *file == "" {
		return usagef("--file is required: the edited document's JSON")
	}
	raw, err := os.ReadFile(*file)
	if err != nil {
		return domain.Wrap(domain.EInvalid, err, "read --file")
	}
	d, err := documents.Parse(raw)
	if err != nil {
		return err
	}
	if d.Kind != kind {
		return domain.Errorf(domain.EInvalid, "--file holds a %s, not a %s", d.Kind, kind)
	}
	s, sess, _, err := f.auth.login(ctx, c)
	if err != nil {
		return err
	}
	defer s.Close()
	// The edit is checked like the draft: evidence and facts against the transcript.
	d, dv, err := pipeline.SaveDocumentEdit(ctx, s, id, d, sess.User().ID, *base)
	if err != nil {
		return err
	}
	flagged := documents.Unsupported(d)
	fmt.Fprintf(c.stdout, "encounter %d: %s version %d saved (%d sentences, %d to check)\n", id, kind, dv.Version, d.Sentences(), len(flagged))
	for _, w := range flagged {
		fmt.Fprintf(c.stdout, "  ! %s\n", w)
	}
	return nil
}

func runDocumentsApprove(ctx context.Context, c *cli, args []string) error {
	f := newDocFlags(c, "approve", "documents approve ID --kind K --as USER [--auth-file F] [--version N] [--db PATH]")
	version := f.fs.Int("version", 0, "the version being signed (default: the latest; refused if not the latest)")
	id, kind, err := f.parse(args)
	if err != nil {
		return err
	}
	s, sess, pw, err := f.auth.login(ctx, c)
	if err != nil {
		return err
	}
	defer s.Close()
	// What the checkers flagged is shown at the moment of signing: the signer decides.
	if dv, err := s.GetDocument(ctx, id, string(kind), *version); err == nil {
		if d, err := documents.Parse(dv.Body); err == nil {
			for _, w := range documents.Unsupported(d) {
				fmt.Fprintf(c.stderr, "to check: %s\n", w)
			}
		}
	}
	fmt.Fprintf(c.stderr, "%s signs: %q\n", sess.User().Name, store.DocumentMeaning)
	sig, err := s.SignDocument(ctx, sess, id, string(kind), *version, pw)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "encounter %d: %s version %d signed by %s at %s (sha256 %s)\n",
		id, kind, sig.Version, sig.Signer, sig.SignedAt.Local().Format("2006-01-02 15:04:05"), sig.SHA256)
	return nil
}

func runDocumentsExport(ctx context.Context, c *cli, args []string) error {
	f := newDocFlags(c, "export", `documents export ID --kind K --format fhir|pdf (--out DIR | --post URL) --as USER [--auth-file F] [--db PATH]

Only the latest version, signed by a physician, exports (exit 5 otherwise).
--post sends the FHIR Bundle to a FHIR base URL (https, or http to this machine)
with the bearer token from --token or $GREFFIER_FHIR_TOKEN.`)
	format := f.fs.String("format", "", "fhir (a transaction Bundle with the DocumentReference) or pdf")
	out := f.fs.String("out", "", "folder to write the export to")
	post := f.fs.String("post", "", "fhir: send the Bundle to this FHIR base URL")
	token := f.fs.String("token", "", "bearer token for --post (default $GREFFIER_FHIR_TOKEN)")
	timeout := f.fs.Duration("timeout", 60*time.Second, "how long to wait for the FHIR server with --post")
	id, kind, err := f.parse(args)
	if err != nil {
		return err
	}
	if *format != "fhir" && *format != "pdf" {
		return usagef("--format is required: fhir or pdf")
	}
	if (*out == "") == (*post == "") {
		return usagef("give one of --out DIR or --post URL")
	}
	if *post != "" && *format != "fhir" {
		return usagef("--post sends FHIR only: use --format fhir")
	}
	if *token == "" {
		*token = c.env.FHIRToken
	}
	s, sess, _, err := f.auth.login(ctx, c)
	if err != nil {
		return err
	}
	defer s.Close()
	r, err := pipeline.RenderDocument(ctx, s, id, kind, *format, sess.User().ID)
	if err != nil {
		return err
	}
	where := ""
	if *post != "" {
		pctx, cancel := context.WithTimeout(ctx, *timeout)
		defer cancel()
		res, err := fhir.Client{BaseURL: *post, Token: *token}.Post(pctx, r.Bundle)
		if err != nil {
			return err
		}
		where = fmt.Sprintf("%s (%d resources created, %d already there)", *post, res.Created(), len(res.Entries)-res.Created())
	} else {
		if err := os.MkdirAll(*out, 0o700); err != nil {
			return domain.Wrap(domain.EUnavailable, err, "create %s", *out)
		}
		ext := map[string]string{"pdf": "pdf", "fhir": "json"}[*format]
		where = filepath.Join(*out, fmt.Sprintf("encounter-%d-%s-v%d.%s", id, kind, r.Version, ext))
		if err := atomicfile.WriteFile(where, r.Data, 0o600); err != nil {
			return domain.Wrap(domain.EUnavailable, err, "write %s", where)
		}
	}
	// Audited once the file is in place or the server took it: a failure is not an export.
	if err := s.DocumentExported(ctx, id, string(kind), r.Version, sess.User().ID, *format); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "encounter %d: %s version %d exported as %s to %s\n", id, kind, r.Version, *format, where)
	return nil
}
