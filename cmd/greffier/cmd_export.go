package main

import (
	"context"
	"fmt"
	"time"

	"greffier/pipeline"
)

func exportCommand() command {
	return command{name: "export", summary: "export an approved note as FHIR R4, HL7 v2 MDM, PDF or text", run: runExport}
}

const exportUsage = `export ID --format fhir|hl7|pdf|txt [--out FILE | --post URL] [--token T] --as USER [--auth-file F] [--db PATH]

  fhir  a FHIR R4 transaction Bundle; --post BASE_URL sends it (https, or http to this
        machine) with the bearer token from --token or $GREFFIER_FHIR_TOKEN
  hl7   an HL7 v2.5.1 MDM^T02 message; --post HOST:PORT (or mllp://HOST:PORT) sends it
        over MLLP and waits for the ACK. MLLP is unencrypted: only to this machine,
        unless an admin ran 'greffier settings set hl7.mllp_remote true'
Exports carry the approval's electronic signature (FHIR Provenance.signature, the
PDF's signature line with the note's SHA-256, HL7 TXA-22).
  pdf   a printable note
  txt   plain text
Without --out or --post the export goes to standard output.
Only a note approved by a physician exports (exit 5 otherwise).`

func runExport(ctx context.Context, c *cli, args []string) error {
	fs := newFlags(c, "export", exportUsage)
	dbFlag(c, fs)
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
	id, err := encounterArg("export", pos)
	if err != nil {
		return err
	}
	if *format == "" {
		return usagef("--format is required: fhir, hl7, pdf or txt")
	}
	if *token == "" {
		*token = c.env.FHIRToken
	}
	s, sess, _, err := auth.login(ctx, c)
	if err != nil {
		return err
	}
	defer s.Close()
	x := pipeline.Export{EncounterID: id, Format: *format, HL7TX: *hl7TX, Out: *out, Post: *post, Token: *token, Timeout: *timeout,
		By: sess.User().ID}
	if *out == "" && *post == "" {
		x.To = c.stdout
	}
	res, err := pipeline.RunExport(ctx, s, x)
	if err != nil {
		return err
	}
	if res.Warning != "" {
		fmt.Fprintln(c.stderr, "warning: "+res.Warning)
	}
	switch {
	case *post != "":
		fmt.Fprintf(c.stdout, "encounter %d exported as %s to %s: %s\n", id, *format, *post, res.Sent)
	case *out != "":
		fmt.Fprintf(c.stdout, "encounter %d exported as %s to %s\n", id, *format, *out)
	}
	return nil
}
