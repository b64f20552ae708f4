package crypt

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// LoadOrCreateKeyFile reads the master key from path (hex, mode 0600), creating it
// with a fresh random key if it does not exist. created says whether it was made now.
// A key file readable by group or others is refused: it would expose every note.
func LoadOrCreateKeyFile(path string) (key []byte, created bool, err error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		key, err := createKeyFile(path)
		if errors.Is(err, fs.ErrExist) { // another process made it first
			return LoadOrCreateKeyFile(path)
		}
		return key, err == nil, err
	}
	if err != nil {
		return nil, false, fmt.Errorf("read key file %s: %w", path, err)
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, false, fmt.Errorf("stat key file %s: %w", path, err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, false, fmt.Errorf("key file %s is readable by other users (mode %v): run chmod 600 %s", path, st.Mode().Perm(), path)
	}
	key, err = hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(key) != KeySize {
		return nil, false, fmt.Errorf("key file %s is damaged: want %d hex-encoded bytes", path, KeySize)
	}
	return key, false, nil
}

func createKeyFile(path string) ([]byte, error) {
	key, err := NewMasterKey()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create folder for key file: %w", err)
	}
	// Write a temporary file, then link it into place: the key file appears complete
	// or not at all, and O_EXCL-like semantics come from Link failing if it exists.
	tmp, err := os.CreateTemp(filepath.Dir(path), ".key.*.tmp")
	if err != nil {
		return nil, fmt.Errorf("create key file %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("chmod key file: %w", err)
	}
	if _, err := tmp.WriteString(hex.EncodeToString(key) + "\n"); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("write key file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("sync key file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return nil, fmt.Errorf("close key file: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil, err
		}
		return nil, fmt.Errorf("install key file %s: %w", path, err)
	}
	return key, syncDir(filepath.Dir(path))
}
