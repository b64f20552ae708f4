package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"greffier/domain"
	"greffier/store"
)

func verifyCommand() command {
	return command{name: "verify-signature", summary: "check the approval seal of an exported FHIR bundle (or a seal) against this database", run: runVerify}
}

const verifyUsage = `verify-signature FILE --as USER [--auth-file F] [--db PATH]

FILE is a FHIR bundle exported by Greffier (its approval Provenance carries the seal in
signature.data, sigFormat application/jose) or a file holding the seal itself. The seal
is keyed by this database: it verifies here, not elsewhere. Exit 0 when it verifies and
the note it names is still the approved one; exit 2 when it does not verify; exit 5 when
it verifies but the note was changed or signed again since.`

func runVerify(ctx context.Context, c *cli, args []string) error {
	fs := newFlags(c, "verify-signature", verifyUsage)
	dbFlag(c, fs)
	auth := addAuthFlags(fs, "the user checking")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("verify-signature takes one FILE")
	}
	raw, err := os.ReadFile(pos[0])
	if err != nil {
		return domain.Wrap(domain.EInvalid, err, "read %s", pos[0])
	}
	seal, err := sealIn(raw)
	if err != nil {
		return err
	}
	s, _, _, err := auth.login(ctx, c)
	if err != nil {
		return err
	}
	defer s.Close()
	claims, err := s.VerifySeal(seal)
	if err != nil {
		return err
	}
	pw := "without a password at signing"
	if claims.PasswordChecked {
		pw = "password given at signing"
	}
	fmt.Fprintf(c.stdout, "seal verified: encounter %d version %d signed by %s on %s (%s)\nnote SHA-256 %s\n",
		claims.EncounterID, claims.Version, claims.Signer, claims.SignedAt, pw, claims.SHA256)
	now, err := s.Approval(ctx, claims.EncounterID)
	if err != nil || now.Version != claims.Version || now.SHA256 != claims.SHA256 {
		return domain.Errorf(domain.EConflict, "the note was changed or signed again since this seal: it is no longer the approved version")
	}
	fmt.Fprintln(c.stdout, "it is the approved version in this database")
	return nil
}

// sealIn finds the seal in a FHIR bundle (the signature of sigFormat
// application/jose), or takes the file as the seal itself.
func sealIn(raw []byte) (string, error) {
	var b struct {
		ResourceType string `json:"resourceType"`
		Entry        []struct {
			Resource struct {
				ResourceType string `json:"resourceType"`
				Signature    []struct {
					SigFormat string `json:"sigFormat"`
					Data      []byte `json:"data"`
				} `json:"signature"`
			} `json:"resource"`
		} `json:"entry"`
	}
	if json.Unmarshal(raw, &b) != nil || b.ResourceType != "Bundle" {
		return strings.TrimSpace(string(raw)), nil
	}
	for _, e := range b.Entry {
		for _, sig := range e.Resource.Signature {
			if e.Resource.ResourceType == "Provenance" && sig.SigFormat == store.SealFormat {
				return string(sig.Data), nil
			}
		}
	}
	return "", domain.Errorf(domain.EInvalid, "the bundle carries no approval seal (a Provenance signature of format %s)", store.SealFormat)
}
