package server

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"greffier/domain"
)

// Files of the server's own certificate authority, in DIR/tls.
const (
	TLSDir   = "tls"
	CAFile   = "ca.pem"
	CertFile = "cert.pem"
	KeyFile  = "key.pem"
)

// certValidity is the server certificate's lifetime; the CA's is ten times longer.
const certValidity = 825 * 24 * time.Hour

// InitDir creates the server's data folder with a new CA and a certificate it signs
// for hosts (names or IP addresses, e.g. the server's LAN address), unless DIR/tls
// already holds one. It returns the certificate's SHA-256 fingerprint, which laptops
// and browsers pin or compare.
func InitDir(dir string, hosts []string, now time.Time) (string, error) {
	td := filepath.Join(dir, TLSDir)
	if _, err := os.Stat(filepath.Join(td, CertFile)); err == nil {
		return "", domain.Errorf(domain.EConflict, "%s already holds a certificate: remove it to make a new one", td)
	}
	if err := os.MkdirAll(td, 0o700); err != nil {
		return "", domain.Wrap(domain.EUnavailable, err, "cannot create %s", td)
	}
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", fmt.Errorf("CA key: %w", err)
	}
	ca := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "Greffier clinic CA", Organization: []string{"Greffier"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(10 * certValidity),
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLenZero:        true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		return "", fmt.Errorf("CA certificate: %w", err)
	}
	if ca, err = x509.ParseCertificate(caDER); err != nil {
		return "", fmt.Errorf("CA certificate: %w", err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", fmt.Errorf("server key: %w", err)
	}
	leaf := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: hosts[0], Organization: []string{"Greffier"}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(certValidity),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			leaf.IPAddresses = append(leaf.IPAddresses, ip)
		} else {
			leaf.DNSNames = append(leaf.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, leaf, ca, &key.PublicKey, caKey)
	if err != nil {
		return "", fmt.Errorf("server certificate: %w", err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return "", fmt.Errorf("server key: %w", err)
	}
	// The CA's private key is not kept: a new certificate means a new CA, and a
	// stolen data folder cannot mint certificates for other hosts.
	for _, f := range []struct {
		name, kind string
		der        []byte
		mode       os.FileMode
	}{
		{CAFile, "CERTIFICATE", caDER, 0o644},
		{CertFile, "CERTIFICATE", der, 0o644},
		{KeyFile, "EC PRIVATE KEY", keyDER, 0o600},
	} {
		b := pem.EncodeToMemory(&pem.Block{Type: f.kind, Bytes: f.der})
		if err := os.WriteFile(filepath.Join(td, f.name), b, f.mode); err != nil {
			return "", domain.Wrap(domain.EUnavailable, err, "cannot write %s", f.name)
		}
	}
	return Fingerprint(der), nil
}

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 126))
	return n
}

// Fingerprint is the SHA-256 of a DER certificate, as colon-separated upper hex
// (the form browsers show).
func Fingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	h := strings.ToUpper(hex.EncodeToString(sum[:]))
	parts := make([]string, 0, len(sum))
	for i := 0; i < len(h); i += 2 {
		parts = append(parts, h[i:i+2])
	}
	return strings.Join(parts, ":")
}

// LoadTLS loads a certificate and key (IT's, or DIR/tls's when both paths are empty)
// and returns the TLS config and the certificate's fingerprint.
func LoadTLS(dir, certFile, keyFile string) (*tls.Config, string, error) {
	if certFile == "" && keyFile == "" {
		certFile, keyFile = filepath.Join(dir, TLSDir, CertFile), filepath.Join(dir, TLSDir, KeyFile)
	}
	if certFile == "" || keyFile == "" {
		return nil, "", domain.Errorf(domain.EInvalid, "give both --cert and --key")
	}
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if errors.Is(err, os.ErrNotExist) {
		return nil, "", domain.Wrap(domain.ENotFound, err, "no certificate at %s: run `greffier serve init --dir %s` or give --cert and --key", certFile, dir)
	}
	if err != nil {
		return nil, "", domain.Wrap(domain.EInvalid, err, "cannot load the certificate %s", certFile)
	}
	return &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}, Fingerprint(pair.Certificate[0]), nil
}
