package crypt

import (
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// KDF is a set of argon2id parameters. They are stored with each password hash, so a
// change of the defaults applies at each user's next login (a rehash) without locking
// anyone out.
type KDF struct {
	Time      uint32 // passes
	MemoryKiB uint32
	Threads   uint8
}

// DefaultKDF is the production cost: 3 passes over 64 MiB with 2 lanes, about a
// quarter second on the 2-core reference machine, costly for an attacker's guesses.
func DefaultKDF() KDF { return KDF{Time: 3, MemoryKiB: 64 * 1024, Threads: 2} }

// TestKDF is a cheap cost for tests only: it makes guessing cheap too.
func TestKDF() KDF { return KDF{Time: 1, MemoryKiB: 64, Threads: 1} }

// String is the stored form, in the PHC style: argon2id$v=19$m=65536,t=3,p=2.
func (p KDF) String() string {
	return fmt.Sprintf("argon2id$v=%d$m=%d,t=%d,p=%d", argon2.Version, p.MemoryKiB, p.Time, p.Threads)
}

// ParseKDF reads what String wrote.
func ParseKDF(s string) (KDF, error) {
	var p KDF
	var v int
	if _, err := fmt.Sscanf(s, "argon2id$v=%d$m=%d,t=%d,p=%d", &v, &p.MemoryKiB, &p.Time, &p.Threads); err != nil || v != argon2.Version {
		return KDF{}, fmt.Errorf("unknown key derivation %q", s)
	}
	if p.Time == 0 || p.Threads == 0 || p.MemoryKiB < 8*uint32(p.Threads) {
		return KDF{}, fmt.Errorf("bad argon2id parameters %q", s)
	}
	return p, nil
}

// SaltSize is the length of per-user salts.
const SaltSize = 16

// NewSalt returns a fresh random salt.
func NewSalt() ([]byte, error) {
	s := make([]byte, SaltSize)
	if _, err := rand.Read(s); err != nil {
		return nil, fmt.Errorf("random salt: %w", err)
	}
	return s, nil
}

// Password is what one argon2id run over a password gives: a verifier, stored to
// check the password at login, and a key-encryption key that wraps the user's copy
// of the master key. Both come from the same run (one slow derivation per login)
// through HKDF with different labels, so the stored verifier says nothing of the KEK.
type Password struct {
	Verifier []byte
	KEK      []byte
}

// DerivePassword runs argon2id over password with salt and p.
func DerivePassword(password string, salt []byte, p KDF) (Password, error) {
	root := argon2.IDKey([]byte(password), salt, p.Time, p.MemoryKiB, p.Threads, 32)
	ver, err := hkdf.Key(sha256.New, root, nil, "greffier password verifier", 32)
	if err != nil {
		return Password{}, fmt.Errorf("derive verifier: %w", err)
	}
	kek, err := hkdf.Key(sha256.New, root, nil, "greffier password kek", 32)
	if err != nil {
		return Password{}, fmt.Errorf("derive kek: %w", err)
	}
	return Password{Verifier: ver, KEK: kek}, nil
}

// Matches compares a verifier in constant time.
func (p Password) Matches(stored []byte) bool {
	return len(stored) == len(p.Verifier) && subtle.ConstantTimeCompare(stored, p.Verifier) == 1
}

// Wrap encrypts a master key under kek (AES-256-GCM); aad names the slot, so a
// wrapped key cannot be moved to another user's slot.
func Wrap(kek, master []byte, aad string) ([]byte, error) {
	aead, err := newGCM(kek)
	if err != nil {
		return nil, err
	}
	n := make([]byte, aead.NonceSize())
	if _, err := rand.Read(n); err != nil {
		return nil, fmt.Errorf("random nonce: %w", err)
	}
	return aead.Seal(n, n, master, []byte(aad)), nil
}

// Unwrap decrypts what Wrap produced; ErrDecrypt for a wrong key or a damaged slot.
func Unwrap(kek, wrapped []byte, aad string) ([]byte, error) {
	aead, err := newGCM(kek)
	if err != nil {
		return nil, err
	}
	ns := aead.NonceSize()
	if len(wrapped) < ns+aead.Overhead() {
		return nil, ErrDecrypt
	}
	m, err := aead.Open(nil, wrapped[:ns], wrapped[ns:], []byte(aad))
	if err != nil || len(m) != KeySize {
		return nil, ErrDecrypt
	}
	return m, nil
}

// recoveryEnc writes recovery keys in groups a person can copy onto paper: base32
// without padding, whose alphabet (A-Z, 2-7) has no 0, 1 or 8 to mistake for O, I, B.
var recoveryEnc = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewRecoveryKey returns a random recovery key as shown to the user
// (XXXXX-XXXXX-… , 256 bits) and the KEK it stands for.
func NewRecoveryKey() (shown string, kek []byte, err error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", nil, fmt.Errorf("random recovery key: %w", err)
	}
	s := recoveryEnc.EncodeToString(raw)
	var groups []string
	for len(s) > 5 {
		groups, s = append(groups, s[:5]), s[5:]
	}
	groups = append(groups, s)
	kek, err = recoveryKEK(raw)
	return strings.Join(groups, "-"), kek, err
}

// RecoveryKEK turns a recovery key as typed (case, spaces and dashes ignored) into
// its KEK. The key is random and long, so no slow derivation is needed.
func RecoveryKEK(typed string) ([]byte, error) {
	s := strings.ToUpper(strings.NewReplacer("-", "", " ", "", "\n", "", "\t", "").Replace(typed))
	raw, err := recoveryEnc.DecodeString(s)
	if err != nil || len(raw) != 32 {
		return nil, fmt.Errorf("not a recovery key (want 52 letters and digits in groups of 5)")
	}
	return recoveryKEK(raw)
}

func recoveryKEK(raw []byte) ([]byte, error) {
	k, err := hkdf.Key(sha256.New, raw, nil, "greffier recovery kek", 32)
	if err != nil {
		return nil, fmt.Errorf("derive recovery kek: %w", err)
	}
	return k, nil
}
