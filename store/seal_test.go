package store_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"greffier/domain"
	"greffier/store"
)

// The approval as exports carry it: the signer, the time, the version and its
// SHA-256 recomputed from the stored note, the password check found in the audit,
// all sealed (JWS HS256) so that the database can tell an altered statement or one
// made elsewhere.
func TestApprovalSealVerifiesAndRefusesAlterations(t *testing.T) {
	ctx := context.Background()
	f := newAuthFixture(t)
	if _, err := f.db.Approval(ctx, f.enc); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("approval of a note not signed: %v", err)
	}
	sig, err := f.db.Sign(ctx, f.doc, f.enc, 0, docPW)
	if err != nil {
		t.Fatal(err)
	}
	ap, err := f.db.Approval(ctx, f.enc)
	if err != nil {
		t.Fatal(err)
	}
	if ap.SHA256 != sig.SHA256 || ap.Version != sig.Version || ap.Signer != "Dr House" || ap.SignerID != f.docUser.ID ||
		!ap.PasswordChecked || ap.SignedAt.Sub(sig.SignedAt).Abs() > 1e9 {
		t.Fatalf("approval %+v, signature %+v", ap, sig)
	}
	again, _ := f.db.Approval(ctx, f.enc)
	if again.Seal != ap.Seal {
		t.Error("the same approval sealed twice differs: exports would not be deterministic")
	}
	c, err := f.db.VerifySeal(ap.Seal)
	if err != nil {
		t.Fatal(err)
	}
	if c.SHA256 != sig.SHA256 || c.Signer != "Dr House" || !c.PasswordChecked || c.Meaning != store.SignatureMeaning {
		t.Errorf("claims %+v", c)
	}
	// Another signer named in the payload: the MAC no longer matches.
	parts := strings.Split(ap.Seal, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var m map[string]any
	json.Unmarshal(payload, &m)
	m["signer"] = "Sam"
	forged, _ := json.Marshal(m)
	parts[1] = base64.RawURLEncoding.EncodeToString(forged)
	if _, err := f.db.VerifySeal(strings.Join(parts, ".")); domain.ErrorCode(err) != domain.EInvalid {
		t.Errorf("altered seal: %v", err)
	}
	// A seal made by another database (another master key) does not verify here.
	other := newAuthFixture(t)
	if _, err := other.db.Sign(ctx, other.doc, other.enc, 0, docPW); err != nil {
		t.Fatal(err)
	}
	oap, err := other.db.Approval(ctx, other.enc)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.VerifySeal(oap.Seal); domain.ErrorCode(err) != domain.EInvalid {
		t.Errorf("another database's seal: %v", err)
	}
	if _, err := f.db.VerifySeal("not.a.seal"); domain.ErrorCode(err) != domain.EInvalid {
		t.Errorf("garbage: %v", err)
	}
}
