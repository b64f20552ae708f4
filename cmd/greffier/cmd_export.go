package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"greffier/domain"
	"greffier/export"
	"greffier/export/fhir"
	"greffier/export/fromstore"
	"greffier/export/hl7"
	"greffier/export/pdf"
	"greffier/export/text"
)

func exportCommand() command {
	return command{name: "export", summary: "export an approved note as FHIR R4, HL7 v2 MDM, PDF or text", run: runExport}
}

const exportUsage = `export ID --format fhir|hl7|pdf|txt [--out FILE | --post URL] [--token T] --as USER [--auth-file F] [--db PATH]

  fhir  a FHIR R4 transaction Bundle; --post BASE_URL sends it (https, or http to this
        machine) with the bearer token from --token or $GREFFIER_FHIR_TOKEN
  hl7   an HL7 v2.5.1 MDM^T02 message; --post HOST:PORT (or mllp://HOST:PORT) sends it
        over MLLP and waits for the ACK
  pdf   a printable note
  txt   plain text
Without --out or --post the export goes to standard output.
Only a note approved by a physician exports (exit 2 otherwise).`

func runExport(ctx context.Context, c *cli, args []string) error {
	fs := newFlags(c, "export", exportUsage)
	db := dbFlag(fs)
	format := fs.String("format", "", "fhir, hl7, pdf or txt")
	out := fs.String("out", "", "write the export to FILE")
	post := fs.String("post", "", "send it: a FHIR base URL (fhir) or an MLLP HOST:PORT (hl7)")
	token := fs.String("token", "", "bearer token for --post with fhir (default $GREFFIER_FHIR_TOKEN)")
	auth := addAuthFlags(fs, "the user exporting (recorded in the audit log)")
	timeout := fs.Duration("timeout", 60*time.Second, "how long to wait for the receiver with --post")
	hl7TX := fs.Bool("hl7-tx", false, "hl7: one OBX per line as TX instead of one per section as FT")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("export takes one encounter ID")
	}
	id, err := strconv.ParseInt(pos[0], 10, 64)
	if err != nil {
		return usagef("encounter ID %q is not a number", pos[0])
	}
	switch *format {
	case "fhir", "hl7", "pdf", "txt":
	case "":
		return usagef("--format is required: fhir, hl7, pdf or txt")
	default:
		return usagef("unknown --format %q: want fhir, hl7, pdf or txt", *format)
	}
	if *out != "" && *post != "" {
		return usagef("give --out or --post, not both")
	}
	if *post != "" && (*format == "pdf" || *format == "txt") {
		return usagef("--post sends fhir or hl7 only; use --out for %s", *format)
	}

	s, sess, _, err := auth.login(ctx, c, *db)
	if err != nil {
		return err
	}
	defer s.Close()
	// The store's check first: a note that is not approved never gets rendered.
	if err := s.CanExport(ctx, id); err != nil {
		return err
	}
	by := sess.User()
	doc, err := fromstore.Load(ctx, s, id, by.ID)
	if err != nil {
		return err
	}

	var data []byte
	var sent string
	switch *format {
	case "txt":
		data = []byte(text.Render(doc))
	case "pdf":
		data, err = pdf.Render(doc)
	case "fhir":
		data, sent, err = exportFHIR(ctx, doc, *post, tokenOrEnv(*token), *timeout)
	case "hl7":
		opt := hl7.Options{Now: time.Now()}
		if *hl7TX {
			opt.Presentation = hl7.TX
		}
		data, sent, err = exportHL7(ctx, doc, opt, *post, *timeout)
	}
	if err != nil {
		return err
	}

	switch {
	case *post != "":
	case *out != "":
		if err := export.WriteFile(*out, data); err != nil {
			return domain.Wrap(domain.EInvalid, err, "write the export")
		}
	default:
		if _, err := c.stdout.Write(data); err != nil {
			return fmt.Errorf("write the export: %w", err)
		}
	}
	if err := s.MarkExported(ctx, id, by.ID, *format); err != nil {
		return fmt.Errorf("the export succeeded but recording it failed: %w", err)
	}
	switch {
	case *post != "":
		fmt.Fprintf(c.stdout, "encounter %d exported as %s to %s: %s\n", id, *format, *post, sent)
	case *out != "":
		fmt.Fprintf(c.stdout, "encounter %d exported as %s to %s\n", id, *format, *out)
	}
	return nil
}

func tokenOrEnv(t string) string {
	if t != "" {
		return t
	}
	return os.Getenv("GREFFIER_FHIR_TOKEN")
}

func exportFHIR(ctx context.Context, doc export.Document, post, token string, timeout time.Duration) ([]byte, string, error) {
	b, err := fhir.Build(doc, fhir.Options{Now: time.Now()})
	if err != nil {
		return nil, "", err
	}
	if post == "" {
		data, err := fhir.Marshal(b)
		return data, "", err
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	res, err := fhir.Client{BaseURL: post, Token: token}.Post(ctx, b)
	if err != nil {
		return nil, "", err
	}
	created := res.Created()
	return nil, fmt.Sprintf("%d resources created, %d already there", created, len(res.Entries)-created), nil
}

func exportHL7(ctx context.Context, doc export.Document, opt hl7.Options, post string, timeout time.Duration) ([]byte, string, error) {
	msg, ctrl, err := hl7.MDM(doc, opt)
	if err != nil {
		return nil, "", err
	}
	if post == "" {
		return msg, "", nil
	}
	addr := strings.TrimPrefix(post, "mllp://")
	ack, err := hl7.Sender{Addr: addr, Timeout: timeout}.Send(ctx, msg, ctrl)
	if err != nil {
		return nil, "", err
	}
	return nil, "acknowledged " + ack.Code + " for message " + ctrl, nil
}
