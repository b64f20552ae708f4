package crypt_test

import (
	"bytes"
	"crypto/rand"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"greffier/store/crypt"
)

func keys(t *testing.T) *crypt.Keys {
	t.Helper()
	m, err := crypt.NewMasterKey()
	if err != nil {
		t.Fatal(err)
	}
	k, err := crypt.New(m)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSealBindsKeyAndPlace(t *testing.T) {
	k, other := keys(t), keys(t)
	s := k.SealString("Jeanne Dupont, fièvre", "segment/1/0")
	if bytes.Contains(s, []byte("Dupont")) {
		t.Fatal("plaintext in ciphertext")
	}
	if got, err := k.OpenString(s, "segment/1/0"); err != nil || got != "Jeanne Dupont, fièvre" {
		t.Fatalf("open: %q %v", got, err)
	}
	if _, err := k.OpenString(s, "segment/2/0"); !errors.Is(err, crypt.ErrDecrypt) {
		t.Errorf("moved ciphertext opened: %v", err)
	}
	if _, err := other.OpenString(s, "segment/1/0"); !errors.Is(err, crypt.ErrDecrypt) {
		t.Errorf("other key opened: %v", err)
	}
	s[len(s)-1] ^= 1
	if _, err := k.OpenString(s, "segment/1/0"); !errors.Is(err, crypt.ErrDecrypt) {
		t.Errorf("tampered ciphertext opened: %v", err)
	}
}

func TestTokens(t *testing.T) {
	k := keys(t)
	tok := k.NewTokenizer()
	doc := tok.Document("Fièvre et DIABÈTE de type 2")
	for _, q := range []string{"fievre", "FIÈVRE", "diabete", "diab*", "diabè*", "type"} {
		m := tok.Query(q)
		if m == "" {
			t.Fatalf("query %q: empty", q)
		}
		found := false
		for _, alt := range strings.Split(strings.Trim(m, "()"), " OR ") {
			if strings.Contains(doc, alt) {
				found = true
			}
		}
		if !found {
			t.Errorf("query %q (%s) does not match the document", q, m)
		}
	}
	if strings.Contains(doc, "fievre") || strings.Contains(doc, "diab") {
		t.Error("plain word in the token document")
	}
	if other := keys(t).NewTokenizer().Document("fièvre"); strings.Contains(doc, other) {
		t.Error("tokens do not depend on the key")
	}
	if tok.Query(" * ! ") != "" {
		t.Error("a query with no word gave a match expression")
	}
}

func TestFileRoundTripAndDamage(t *testing.T) {
	k := keys(t)
	dir := t.TempDir()
	for _, size := range []int{0, 1, crypt.ChunkSize - 1, crypt.ChunkSize, crypt.ChunkSize + 1, 3*crypt.ChunkSize + 17} {
		plain := make([]byte, size)
		rand.Read(plain)
		src, enc, dec := filepath.Join(dir, "a.raw"), filepath.Join(dir, "a.enc"), filepath.Join(dir, "a.out")
		if err := os.WriteFile(src, plain, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := k.EncryptFile(src, enc); err != nil {
			t.Fatal(err)
		}
		if err := k.DecryptFile(enc, dec); err != nil {
			t.Fatalf("size %d: %v", size, err)
		}
		got, _ := os.ReadFile(dec)
		if !bytes.Equal(got, plain) {
			t.Fatalf("size %d: round trip differs", size)
		}
		ct, _ := os.ReadFile(enc)
		if size > 0 {
			// Cut at a chunk boundary (the subtle case) and mid-chunk: both fail.
			for _, cut := range []int{len(ct) - 1, 15 + crypt.ChunkSize + 16} {
				if cut >= len(ct) {
					continue
				}
				r, err := k.NewReader(bytes.NewReader(ct[:cut]))
				if err == nil {
					_, err = io.Copy(io.Discard, r)
				}
				if !errors.Is(err, crypt.ErrDecrypt) {
					t.Errorf("size %d cut at %d: %v, want ErrDecrypt", size, cut, err)
				}
			}
		}
	}
	if _, err := k.NewReader(strings.NewReader("RIFF....WAVE")); !errors.Is(err, crypt.ErrNotEncrypted) {
		t.Errorf("plain file: %v", err)
	}
}

func TestKeyFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "k", "greffier.key")
	k1, created, err := crypt.LoadOrCreateKeyFile(p)
	if err != nil || !created {
		t.Fatal(created, err)
	}
	k2, created, err := crypt.LoadOrCreateKeyFile(p)
	if err != nil || created || !bytes.Equal(k1, k2) {
		t.Fatal("reloaded key differs", created, err)
	}
	os.Chmod(p, 0o644)
	if _, _, err := crypt.LoadOrCreateKeyFile(p); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("world-readable key file: %v", err)
	}
}

// Whatever bytes arrive, the reader returns an error or data — never panics, never
// returns data that did not authenticate.
func FuzzReader(f *testing.F) {
	m := bytes.Repeat([]byte{7}, crypt.KeySize)
	k, err := crypt.New(m)
	if err != nil {
		f.Fatal(err)
	}
	var good bytes.Buffer
	w, _ := k.NewWriter(&good)
	w.Write([]byte("some audio"))
	w.Close()
	f.Add(good.Bytes())
	f.Add([]byte("GRFENC1\n1234567"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := k.NewReader(bytes.NewReader(data))
		if err != nil {
			return
		}
		out, err := io.ReadAll(r)
		// The only stream this key ever sealed holds "some audio" (fuzz workers each
		// seal their own, with their own nonce): anything else must fail.
		if err == nil && string(out) != "some audio" {
			t.Fatalf("forged stream decrypted to %q", out)
		}
	})
}
