package crypt

import (
	"bytes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"greffier/atomicfile"
	"io"
	"os"
)

// Encrypted files (audio recordings) are a header then chunks, after the STREAM
// construction: each chunk of up to ChunkSize bytes is sealed with AES-256-GCM under
// a nonce made of a random per-file prefix, the chunk's number and a last-chunk flag.
// Reordered, dropped, or truncated chunks fail to authenticate, so a cut file is an
// error, not silently shorter audio.

// ChunkSize is the plaintext size of each chunk but the last.
const ChunkSize = 64 << 10

var fileMagic = []byte("GRFENC1\n")

const prefixLen = 7 // + 4-byte counter + 1-byte flag = 12-byte GCM nonce

// ErrNotEncrypted is returned by NewReader for data without the header.
var ErrNotEncrypted = errors.New("not a Greffier encrypted file")

// Writer encrypts what is written to it. Close writes the last chunk; without it the
// file reads as truncated.
type Writer struct {
	w      io.Writer
	aead   cipher.AEAD
	prefix []byte
	n      uint32
	buf    []byte
	out    []byte
	closed bool
	err    error
}

// NewWriter returns a Writer that encrypts to w with the file key.
func (k *Keys) NewWriter(w io.Writer) (*Writer, error) {
	aead, err := newGCM(k.file)
	if err != nil {
		return nil, err
	}
	prefix := make([]byte, prefixLen)
	if _, err := rand.Read(prefix); err != nil {
		return nil, fmt.Errorf("random nonce: %w", err)
	}
	if _, err := w.Write(append(append([]byte{}, fileMagic...), prefix...)); err != nil {
		return nil, fmt.Errorf("write header: %w", err)
	}
	return &Writer{w: w, aead: aead, prefix: prefix, buf: make([]byte, 0, ChunkSize)}, nil
}

func nonce(prefix []byte, n uint32, last bool) []byte {
	b := make([]byte, 12)
	copy(b, prefix)
	binary.BigEndian.PutUint32(b[prefixLen:], n)
	if last {
		b[11] = 1
	}
	return b
}

// Write encrypts p, emitting every full chunk once more data follows it.
func (w *Writer) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	if w.closed {
		return 0, errors.New("write to closed encrypted writer")
	}
	total := len(p)
	for len(p) > 0 {
		if len(w.buf) == ChunkSize {
			if err := w.flush(false); err != nil {
				return total - len(p), err
			}
		}
		n := min(ChunkSize-len(w.buf), len(p))
		w.buf = append(w.buf, p[:n]...)
		p = p[n:]
	}
	return total, nil
}

func (w *Writer) flush(last bool) error {
	if w.n == ^uint32(0) {
		w.err = errors.New("encrypted file too large")
		return w.err
	}
	w.out = w.aead.Seal(w.out[:0], nonce(w.prefix, w.n, last), w.buf, fileMagic)
	w.n++
	w.buf = w.buf[:0]
	if _, err := w.w.Write(w.out); err != nil {
		w.err = fmt.Errorf("write encrypted chunk: %w", err)
		return w.err
	}
	return nil
}

// Close writes the last chunk. It does not close the underlying writer.
func (w *Writer) Close() error {
	if w.closed {
		return w.err
	}
	w.closed = true
	if w.err != nil {
		return w.err
	}
	return w.flush(true)
}

// Reader decrypts a stream written by Writer.
type Reader struct {
	r      io.Reader
	aead   cipher.AEAD
	prefix []byte
	n      uint32
	in     []byte
	plain  []byte
	rest   []byte
	done   bool
}

// NewReader reads the header from r and returns a decrypting Reader.
func (k *Keys) NewReader(r io.Reader) (*Reader, error) {
	aead, err := newGCM(k.file)
	if err != nil {
		return nil, err
	}
	hdr := make([]byte, len(fileMagic)+prefixLen)
	if _, err := io.ReadFull(r, hdr); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, ErrNotEncrypted
		}
		return nil, fmt.Errorf("read header: %w", err)
	}
	if !bytes.Equal(hdr[:len(fileMagic)], fileMagic) {
		return nil, ErrNotEncrypted
	}
	return &Reader{r: r, aead: aead, prefix: hdr[len(fileMagic):], in: make([]byte, ChunkSize+aead.Overhead()+1)}, nil
}

// Read returns decrypted bytes; a truncated or altered file is ErrDecrypt.
func (r *Reader) Read(p []byte) (int, error) {
	for len(r.rest) == 0 {
		if r.done {
			return 0, io.EOF
		}
		if err := r.next(); err != nil {
			return 0, err
		}
	}
	n := copy(p, r.rest)
	r.rest = r.rest[n:]
	return n, nil
}

func (r *Reader) next() error {
	// Read one byte more than a full chunk: if it arrives, this chunk is not the last.
	want := ChunkSize + r.aead.Overhead()
	n, err := io.ReadFull(r.r, r.in[:want+1])
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("read encrypted chunk: %w", err)
	}
	last := n <= want
	chunk := r.in[:min(n, want)]
	plain, oerr := r.aead.Open(r.plain[:0], nonce(r.prefix, r.n, last), chunk, fileMagic)
	if oerr != nil {
		return ErrDecrypt
	}
	r.plain, r.rest = plain, plain
	r.n++
	if last {
		r.done = true
		return nil
	}
	// Keep the extra byte for the next chunk.
	extra := r.in[want]
	r.r = io.MultiReader(bytes.NewReader([]byte{extra}), r.r)
	return nil
}

// EncryptFile encrypts src into dst atomically (a temporary file, fsynced, renamed).
func (k *Keys) EncryptFile(src, dst string) error {
	return k.transformFile(src, dst, func(in io.Reader, out io.Writer) error {
		w, err := k.NewWriter(out)
		if err != nil {
			return err
		}
		if _, err := io.Copy(w, in); err != nil {
			return err
		}
		return w.Close()
	})
}

// DecryptFile decrypts src (made by EncryptFile or Writer) into dst atomically.
func (k *Keys) DecryptFile(src, dst string) error {
	return k.transformFile(src, dst, func(in io.Reader, out io.Writer) error {
		r, err := k.NewReader(in)
		if err != nil {
			return err
		}
		_, err = io.Copy(out, r)
		return err
	})
}

func (k *Keys) transformFile(src, dst string, f func(io.Reader, io.Writer) error) (err error) {
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("open %s: %w", src, err)
	}
	defer in.Close()
	// Recordings are the user's only (0600).
	if err := atomicfile.Write(dst, 0o600, func(out io.Writer) error { return f(in, out) }); err != nil {
		return fmt.Errorf("%s -> %s: %w", src, dst, err)
	}
	return nil
}

func syncDir(dir string) error { return atomicfile.SyncDir(dir) }
