package audio

import (
	"crypto/cipher"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// The spool format is described in SPOOL.md. In short: a sequence of blocks, each
//
//	"GSB1" | kind u8 | 3 zero bytes | seq u32 | at u64 | len u32 | crc u32 | payload
//
// little-endian, where at is the block's position in recorded samples (16 kHz),
// crc is CRC-32C over kind..len and the payload. The first block is the header
// (JSON), audio blocks hold 16-bit PCM at 16 kHz mono, and an end block marks a
// clean close. A reader stops at the first block that is short or fails its CRC:
// that is where a crash cut the file.

const (
	spoolExt     = ".gspool"
	blockMagic   = "GSB1"
	blockHdrSize = 4 + 4 + 4 + 8 + 4 + 4
	// maxBlockPayload bounds what a reader allocates for one block (10 s of audio).
	maxBlockPayload = 10 * TargetRate * 2
)

type blockKind uint8

const (
	kindHeader   blockKind = 1
	kindAudio    blockKind = 2
	kindBookmark blockKind = 3
	kindPause    blockKind = 4
	kindResume   blockKind = 5
	kindEnd      blockKind = 6
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Consent records who agreed to the recording, and when. A Recorder cannot be made
// without one.
type Consent struct {
	By        string    `json:"by"`
	At        time.Time `json:"at"`
	Encounter string    `json:"encounter,omitempty"`
}

// SpoolHeader is the first block of a spool: what the recording is.
type SpoolHeader struct {
	Version   int       `json:"version"`
	Rate      int       `json:"rate"`
	Consent   Consent   `json:"consent"`
	Device    string    `json:"device"`
	StartedAt time.Time `json:"started_at"`
	// Sealed spools hold their audio and bookmarks encrypted (see seal.go) under
	// the file key KeyID names; the header itself is clear, so that recovery knows
	// which key and which encounter.
	Sealed bool  `json:"sealed,omitempty"`
	KeyID  int64 `json:"key_id,omitempty"`
}

// Bookmark is a moment the physician marked, in recorded time (pauses removed).
type Bookmark struct {
	AtMS  int64  `json:"at_ms"`
	Label string `json:"label,omitempty"`
}

// spoolWriter appends blocks to a spool file and makes them durable.
type spoolWriter struct {
	f        *os.File
	path     string
	seq      uint32
	buf      []byte
	lastSync time.Time
	every    time.Duration
	now      func() time.Time
	aead     cipher.AEAD // nil: payloads in clear
}

// createSpool creates path exclusively, locks it (so recovery leaves a live spool
// alone), writes the header, and syncs the file and its folder.
func createSpool(path string, h SpoolHeader, aead cipher.AEAD, syncEvery time.Duration, now func() time.Time) (*spoolWriter, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create spool: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock spool %s: %w", path, err)
	}
	w := &spoolWriter{f: f, path: path, every: syncEvery, now: now, aead: aead}
	h.Sealed = aead != nil
	hj, _ := json.Marshal(h)
	if err := w.block(kindHeader, 0, hj); err != nil {
		w.abandon()
		return nil, err
	}
	if err := w.sync(); err != nil {
		w.abandon()
		return nil, err
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		w.abandon()
		return nil, err
	}
	return w, nil
}

// abandon closes and removes a spool that could not even be started.
func (w *spoolWriter) abandon() {
	w.f.Close()
	os.Remove(w.path)
}

// block appends one block in a single write, then syncs if the last sync is older
// than the interval.
func (w *spoolWriter) block(kind blockKind, at int64, payload []byte) error {
	plen := len(payload)
	sealed := w.aead != nil && sealedKind(kind)
	if sealed {
		plen += w.aead.Overhead()
	}
	n := blockHdrSize + plen
	if cap(w.buf) < n {
		w.buf = make([]byte, n)
	}
	b := w.buf[:n]
	copy(b, blockMagic)
	b[4], b[5], b[6], b[7] = byte(kind), 0, 0, 0
	binary.LittleEndian.PutUint32(b[8:], w.seq)
	binary.LittleEndian.PutUint64(b[12:], uint64(at))
	binary.LittleEndian.PutUint32(b[20:], uint32(plen))
	if sealed {
		payload = w.aead.Seal(b[28:28], blockNonce(w.seq), payload, b[4:24])
	} else {
		copy(b[28:], payload)
	}
	crc := crc32.Update(crc32.Checksum(b[4:24], castagnoli), castagnoli, payload)
	binary.LittleEndian.PutUint32(b[24:], crc)
	if _, err := w.f.Write(b); err != nil {
		return fmt.Errorf("write spool %s: %w", w.path, err)
	}
	w.seq++
	if w.now().Sub(w.lastSync) >= w.every {
		return w.sync()
	}
	return nil
}

func (w *spoolWriter) audio(at int64, samples []float32) error {
	p := make([]byte, 2*len(samples))
	for i, s := range samples {
		binary.LittleEndian.PutUint16(p[2*i:], uint16(floatToPCM16(s)))
	}
	return w.block(kindAudio, at, p)
}

func (w *spoolWriter) sync() error {
	if err := w.f.Sync(); err != nil {
		return fmt.Errorf("sync spool %s: %w", w.path, err)
	}
	w.lastSync = w.now()
	return nil
}

// finish writes the end block and syncs. The file stays open, and locked, until
// release: the spool is not up for recovery while it is being turned into a WAV.
func (w *spoolWriter) finish(at int64) error {
	if err := w.block(kindEnd, at, nil); err != nil {
		return err
	}
	return w.sync()
}

func (w *spoolWriter) release() { w.f.Close() }

// Spool is what a spool file holds, read back.
type Spool struct {
	Header    SpoolHeader
	Samples   []float32 // 16 kHz mono
	Bookmarks []Bookmark
	// Clean is true when the writer closed the spool; false after a crash, in
	// which case Damaged says how the file ended.
	Clean   bool
	Damaged string
}

// ReadSpool reads a spool file up to its end or to the first damaged block. A
// sealed spool needs ReadSpoolWith.
func ReadSpool(path string) (*Spool, error) { return ReadSpoolWith(path, nil) }

// ReadSpoolWith reads a spool, sealed or not; key returns the cipher of a sealed
// spool from its header (nil key: sealed spools are refused with ErrSealed).
func ReadSpoolWith(path string, key func(SpoolHeader) (cipher.AEAD, error)) (*Spool, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open spool: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("stat spool %s: %w", path, err)
	}
	return readSpool(f, st.Size(), key)
}

func readSpool(r io.Reader, size int64, key func(SpoolHeader) (cipher.AEAD, error)) (*Spool, error) {
	var aead cipher.AEAD
	sp := &Spool{}
	var hdr [blockHdrSize]byte
	var seq uint32
	var payload []byte
	var next int64 // expected position of the next audio block
	for {
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			if err != io.EOF {
				sp.Damaged = "cut inside a block header"
			}
			break
		}
		kind := blockKind(hdr[4])
		n := binary.LittleEndian.Uint32(hdr[20:])
		if string(hdr[:4]) != blockMagic || binary.LittleEndian.Uint32(hdr[8:]) != seq || n > maxBlockPayload || int64(n) > size {
			sp.Damaged = fmt.Sprintf("bad block header at block %d", seq)
			break
		}
		if cap(payload) < int(n) {
			payload = make([]byte, n)
		}
		payload = payload[:n]
		if _, err := io.ReadFull(r, payload); err != nil {
			sp.Damaged = fmt.Sprintf("cut inside block %d", seq)
			break
		}
		crc := crc32.Update(crc32.Checksum(hdr[4:24], castagnoli), castagnoli, payload)
		if crc != binary.LittleEndian.Uint32(hdr[24:]) {
			sp.Damaged = fmt.Sprintf("checksum mismatch in block %d", seq)
			break
		}
		if aead != nil && sealedKind(kind) {
			plain, err := aead.Open(payload[:0], blockNonce(seq), payload, hdr[4:24])
			if err != nil {
				sp.Damaged = fmt.Sprintf("block %d does not authenticate", seq)
				break
			}
			payload, n = plain, uint32(len(plain))
		}
		at := int64(binary.LittleEndian.Uint64(hdr[12:]))
		if seq == 0 {
			if kind != kindHeader {
				return nil, fmt.Errorf("not a spool (no header block)")
			}
			if err := json.Unmarshal(payload, &sp.Header); err != nil {
				return nil, fmt.Errorf("spool header: %w", err)
			}
			if sp.Header.Version != 1 || sp.Header.Rate != TargetRate {
				return nil, fmt.Errorf("unsupported spool version %d at %d Hz", sp.Header.Version, sp.Header.Rate)
			}
			if sp.Header.Sealed {
				if key == nil {
					return nil, ErrSealed
				}
				var err error
				if aead, err = key(sp.Header); err != nil {
					return nil, fmt.Errorf("key of sealed spool: %w", err)
				}
			}
			sp.Samples = make([]float32, 0, min(size/2, 1<<24))
		}
		seq++
		switch kind {
		case kindAudio:
			if at != next || n%2 != 0 {
				sp.Damaged = fmt.Sprintf("audio block %d out of place", seq-1)
				return sp, nil
			}
			for i := 0; i < int(n); i += 2 {
				sp.Samples = append(sp.Samples, float32(int16(binary.LittleEndian.Uint16(payload[i:])))/32768)
			}
			next += int64(n / 2)
		case kindBookmark:
			var b Bookmark
			if json.Unmarshal(payload, &b) == nil {
				sp.Bookmarks = append(sp.Bookmarks, b)
			}
		case kindEnd:
			sp.Clean = true
			return sp, nil
		}
	}
	if seq == 0 {
		return nil, fmt.Errorf("not a spool (no header block)")
	}
	return sp, nil
}
