package audio

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// Sealed spools. The desktop app records into a spool whose audio and bookmark
// payloads are encrypted with AES-GCM (Options.Seal) under a key of its own, from
// the first block: no clear audio reaches the disk. Each block is sealed alone, so a
// crash still costs only the block being written. The nonce is the block's sequence
// number, unique within the file, and the key is used for one file only; the block
// header (kind, sequence, position, length) is authenticated with it, so blocks
// cannot be reordered or moved. Such a spool is not turned into a clear WAV: the
// caller keeps it (KeepSpool in the app) and Recover leaves it alone.

// ErrSealed is returned when reading a sealed spool without its key.
var ErrSealed = errors.New("the spool is sealed: it is read with its key")

// ErrSpoolInUse is returned by LockSpool for a spool a running recorder holds.
var ErrSpoolInUse = errors.New("spool is in use by a running recorder")

// SpoolExt is the extension of spool files.
const SpoolExt = spoolExt

func sealedKind(k blockKind) bool { return k == kindAudio || k == kindBookmark }

func blockNonce(seq uint32) []byte {
	var n [12]byte
	binary.LittleEndian.PutUint32(n[8:], seq)
	return n[:]
}

// LockSpool takes the spool's lock, so that no recorder writes it and no other
// recovery takes it, until release; ErrSpoolInUse if a recorder holds it.
func LockSpool(path string) (release func(), err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open spool: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, ErrSpoolInUse
		}
		return nil, fmt.Errorf("lock spool %s: %w", path, err)
	}
	return func() { f.Close() }, nil
}

// FindSpools lists the spool files in dir and its subfolders.
func FindSpools(dir string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) {
				return nil
			}
			return err
		}
		if !d.IsDir() && filepath.Ext(p) == spoolExt {
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("look for spools in %s: %w", dir, err)
	}
	return out, nil
}
