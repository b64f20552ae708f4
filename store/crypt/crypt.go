// Package crypt is Greffier's encryption at rest: AES-256-GCM for patient text stored
// in SQLite, keyed hashes (HMAC-SHA256) of words so the full-text index holds no plain
// words, an HMAC for the audit chain, and chunked authenticated encryption of audio
// files. All keys derive (HKDF-SHA256) from one 32-byte master key, read from a key
// file with mode 0600 or derived from a passphrase with argon2id.
package crypt

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"

	"golang.org/x/crypto/argon2"
)

// KeySize is the master key's length in bytes.
const KeySize = 32

// Keys holds the working keys derived from a master key. Safe for concurrent use.
type Keys struct {
	text    cipher.AEAD
	file    []byte
	token   []byte
	audit   []byte
	row     []byte
	seal    []byte
	checker []byte
}

// ErrDecrypt is returned when a ciphertext does not authenticate: wrong key, or the
// data was damaged or tampered with.
var ErrDecrypt = errors.New("decryption failed: wrong key or damaged data")

const sealVersion = 1

// New derives the working keys from a master key of KeySize bytes.
func New(master []byte) (*Keys, error) {
	if len(master) != KeySize {
		return nil, fmt.Errorf("master key: want %d bytes, got %d", KeySize, len(master))
	}
	derive := func(info string) ([]byte, error) {
		return hkdf.Key(sha256.New, master, nil, "greffier "+info, 32)
	}
	var k Keys
	var err error
	textKey, err := derive("text aes-256-gcm")
	if err != nil {
		return nil, fmt.Errorf("derive text key: %w", err)
	}
	if k.text, err = newGCM(textKey); err != nil {
		return nil, err
	}
	for _, p := range []struct {
		dst  *[]byte
		info string
	}{{&k.file, "file aes-256-gcm"}, {&k.token, "search token hmac"}, {&k.audit, "audit chain hmac"}, {&k.row, "row authority hmac"},
		{&k.seal, "signature seal hmac"}, {&k.checker, "key check"}} {
		if *p.dst, err = derive(p.info); err != nil {
			return nil, fmt.Errorf("derive %s key: %w", p.info, err)
		}
	}
	return &k, nil
}

func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("aes: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("gcm: %w", err)
	}
	return aead, nil
}

// NewMasterKey returns a fresh random master key.
func NewMasterKey() ([]byte, error) {
	k := make([]byte, KeySize)
	if _, err := rand.Read(k); err != nil {
		return nil, fmt.Errorf("random key: %w", err)
	}
	return k, nil
}

// PassphraseKey derives a master key from a passphrase and a salt (16 random bytes
// stored beside the data) with argon2id (3 passes, 64 MiB, 2 lanes: about a quarter
// second here, costly for an attacker trying guesses).
func PassphraseKey(passphrase string, salt []byte) []byte {
	return argon2.IDKey([]byte(passphrase), salt, 3, 64*1024, 2, KeySize)
}

// Seal encrypts plain with AES-256-GCM. aad binds the ciphertext to where it is
// stored (for example "segment/42"), so it cannot be moved to another row unnoticed.
// The result is version byte || nonce || ciphertext+tag.
func (k *Keys) Seal(plain, aad []byte) []byte {
	ns := k.text.NonceSize()
	out := make([]byte, 1+ns, 1+ns+len(plain)+k.text.Overhead())
	out[0] = sealVersion
	if _, err := rand.Read(out[1 : 1+ns]); err != nil {
		// crypto/rand does not fail on supported platforms (it panics itself if it must).
		panic(fmt.Sprintf("crypto/rand: %v", err))
	}
	return k.text.Seal(out, out[1:1+ns], plain, aad)
}

// Open decrypts what Seal produced with the same aad.
func (k *Keys) Open(sealed, aad []byte) ([]byte, error) {
	ns := k.text.NonceSize()
	if len(sealed) < 1+ns+k.text.Overhead() || sealed[0] != sealVersion {
		return nil, ErrDecrypt
	}
	plain, err := k.text.Open(nil, sealed[1:1+ns], sealed[1+ns:], aad)
	if err != nil {
		return nil, ErrDecrypt
	}
	return plain, nil
}

// SealString and OpenString are Seal and Open for strings.
func (k *Keys) SealString(s, aad string) []byte { return k.Seal([]byte(s), []byte(aad)) }

// OpenString decrypts a sealed string.
func (k *Keys) OpenString(sealed []byte, aad string) (string, error) {
	b, err := k.Open(sealed, []byte(aad))
	return string(b), err
}

// AuditMAC returns the HMAC of data under the audit key.
func (k *Keys) AuditMAC(data ...[]byte) []byte {
	m := hmac.New(sha256.New, k.audit)
	for _, d := range data {
		m.Write(d)
	}
	return m.Sum(nil)
}

// RowMAC returns the HMAC of data under the key that authenticates the columns
// carrying authority (an encounter's state, a user's role...).
func (k *Keys) RowMAC(data []byte) []byte {
	m := hmac.New(sha256.New, k.row)
	m.Write(data)
	return m.Sum(nil)
}

// SealMAC returns the HMAC-SHA256 of data under the key that seals signatures
// (an approval as exported): a key of its own, so a seal is never a valid MAC of
// anything else the store authenticates.
func (k *Keys) SealMAC(data []byte) []byte {
	m := hmac.New(sha256.New, k.seal)
	m.Write(data)
	return m.Sum(nil)
}

// Token returns a keyed hash (HMAC-SHA256 under the search-token key) of parts,
// each length-prefixed under label: an exact-match lookup value for a secret (a
// diagnosis code) that the database can compare without holding it.
func (k *Keys) Token(label string, parts ...string) []byte {
	m := hmac.New(sha256.New, k.token)
	m.Write([]byte("token/" + label + "\x00"))
	for _, p := range parts {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(p)))
		m.Write(n[:])
		m.Write([]byte(p))
	}
	return m.Sum(nil)
}

// Check returns a value that identifies the key without revealing it; stored in the
// database, it lets Open refuse a wrong key with a clear message.
func (k *Keys) Check() []byte {
	m := hmac.New(sha256.New, k.checker)
	m.Write([]byte("greffier key check v1"))
	return m.Sum(nil)
}

// CheckMatches reports whether c came from Check with these keys.
func (k *Keys) CheckMatches(c []byte) bool { return subtle.ConstantTimeCompare(c, k.Check()) == 1 }

// LookupMAC returns a keyed hash for exact-match lookups of a secret value (an MRN):
// the database can find it without holding it.
func (k *Keys) LookupMAC(s string) []byte {
	m := hmac.New(sha256.New, k.token)
	m.Write([]byte("lookup\x00"))
	m.Write([]byte(Normalize(s)))
	return m.Sum(nil)
}

func (k *Keys) tokenHash() hash.Hash { return hmac.New(sha256.New, k.token) }
