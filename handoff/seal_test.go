package handoff_test

import (
	"bytes"
	"strings"
	"testing"

	"greffier/domain"
	"greffier/handoff"
)

const uuid = "0b7e4f8e-5a3c-4d2b-9e1f-2a3b4c5d6e7f"

func TestHandoffSealIsStableAndOpensOnlyWithItsKey(t *testing.T) {
	plain := []byte(`{"format":1,"segments":["` + strings.Repeat("the patient says ", 500) + `"]}`)
	a, err := handoff.Seal("cred-1", uuid, plain)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := handoff.Seal("cred-1", uuid, plain)
	if !bytes.Equal(a, b) {
		t.Fatal("sealing the same bundle twice gave different bytes: a resumed upload would not match")
	}
	if bytes.Contains(a, []byte("patient")) {
		t.Fatal("the sealed bundle holds clear text")
	}
	if got, err := handoff.Open("cred-1", uuid, a); err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("open: %v", err)
	}
	other, _ := handoff.Seal("cred-1", uuid, append(plain, ' '))
	if bytes.Equal(other[:12], a[:12]) {
		t.Fatal("two bundles share a nonce")
	}
	tampered := append([]byte(nil), a...)
	tampered[len(tampered)/2] ^= 1
	for name, c := range map[string]struct {
		cred, uuid string
		sealed     []byte
	}{
		"another device": {"cred-2", uuid, a},
		"another uuid":   {"cred-1", "1b7e4f8e-5a3c-4d2b-9e1f-2a3b4c5d6e7f", a},
		"altered":        {"cred-1", uuid, tampered},
		"cut":            {"cred-1", uuid, a[:len(a)-1]},
		"empty":          {"cred-1", uuid, nil},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := handoff.Open(c.cred, c.uuid, c.sealed); domain.ErrorCode(err) != domain.EInvalid {
				t.Fatalf("open: %v", err)
			}
		})
	}
}

func TestHandoffFingerprintsAndChunks(t *testing.T) {
	colon := strings.Repeat("AB:", 31) + "AB"
	if got := handoff.NormalizeFingerprint(colon); got != strings.Repeat("ab", 32) {
		t.Errorf("normalize %s: %q", colon, got)
	}
	for _, bad := range []string{"", "AB:CD", strings.Repeat("zz", 32)} {
		if handoff.NormalizeFingerprint(bad) != "" {
			t.Errorf("%q taken for a fingerprint", bad)
		}
		if _, err := handoff.PinnedTLS(bad); domain.ErrorCode(err) != domain.EInvalid {
			t.Errorf("pin %q: %v", bad, err)
		}
	}
	for _, c := range []struct {
		size  int64
		chunk int
		want  int
	}{{0, 1024, 0}, {1, 1024, 1}, {1024, 1024, 1}, {1025, 1024, 2}, {10 << 20, 256 << 10, 40}} {
		if got := handoff.Chunks(c.size, c.chunk); got != c.want {
			t.Errorf("Chunks(%d, %d) = %d, want %d", c.size, c.chunk, got, c.want)
		}
	}
}
