package handoff

import (
	"bytes"
	"compress/gzip"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"

	"greffier/domain"
)

// The bundle travels and waits on the server sealed under a key derived from the
// device credential: the server's disk never holds a received bundle in clear, and
// only the device that sealed it (whose credential comes with the commit) opens it.
// The nonce is derived from the content, so sealing the same bundle twice gives the
// same bytes (a resumed upload matches the chunks already sent), and a nonce repeats
// only for the same plaintext.

func bundleKey(cred string) []byte {
	sum := sha256.Sum256([]byte("greffier bundle key\x00" + cred))
	return sum[:]
}

func gcm(cred string) (cipher.AEAD, error) {
	block, err := aes.NewCipher(bundleKey(cred))
	if err != nil {
		return nil, fmt.Errorf("bundle cipher: %w", err)
	}
	return cipher.NewGCM(block)
}

// Seal compresses and encrypts a bundle for the upload of encounter uuid.
func Seal(cred, uuid string, plain []byte) ([]byte, error) {
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	if _, err := zw.Write(plain); err != nil {
		return nil, fmt.Errorf("compress bundle: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("compress bundle: %w", err)
	}
	aead, err := gcm(cred)
	if err != nil {
		return nil, err
	}
	mac := hmac.New(sha256.New, bundleKey(cred))
	mac.Write([]byte(uuid))
	mac.Write([]byte{0})
	mac.Write(z.Bytes())
	nonce := mac.Sum(nil)[:aead.NonceSize()]
	return aead.Seal(append([]byte(nil), nonce...), nonce, z.Bytes(), []byte(uuid)), nil
}

// Open decrypts and inflates what Seal made (at most MaxBundle bytes once inflated).
func Open(cred, uuid string, sealed []byte) ([]byte, error) {
	aead, err := gcm(cred)
	if err != nil {
		return nil, err
	}
	ns := aead.NonceSize()
	if len(sealed) < ns+aead.Overhead() {
		return nil, domain.Errorf(domain.EInvalid, "the hand-off is too short to be a bundle")
	}
	z, err := aead.Open(nil, sealed[:ns], sealed[ns:], []byte(uuid))
	if err != nil {
		return nil, domain.Errorf(domain.EInvalid, "the hand-off does not open with this device's key (sent by another device, or altered)")
	}
	zr, err := gzip.NewReader(bytes.NewReader(z))
	if err != nil {
		return nil, domain.Wrap(domain.EInvalid, err, "the hand-off is not a compressed bundle")
	}
	plain, err := io.ReadAll(io.LimitReader(zr, MaxBundle+1))
	if err != nil {
		return nil, domain.Wrap(domain.EInvalid, err, "the hand-off is not a compressed bundle")
	}
	if len(plain) > MaxBundle {
		return nil, domain.Errorf(domain.EInvalid, "the hand-off inflates beyond %d bytes", MaxBundle)
	}
	return plain, nil
}

// SHA256 is the hex SHA-256 of b.
func SHA256(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
