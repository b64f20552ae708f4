// Package logfile is Greffier's own log: a size-bounded file that rotates through a
// few old copies (name.log, name.log.1 … name.log.N), so a laptop that runs for years
// never fills its disk with logs. It holds what went wrong and why, never patient
// text: the edges log error codes and causes, not transcripts, notes or names.
//
// It is written here rather than taken from lumberjack because lumberjack starts a
// goroutine that its Close does not end, and bounds sizes only in whole megabytes.
package logfile

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
)

// Defaults for New: 1 MiB per file, 3 old files kept.
const (
	DefaultMaxBytes = 1 << 20
	DefaultKeep     = 3
)

// Writer appends to a log file and rotates it when a write would take it past
// MaxBytes. Safe for concurrent use.
type Writer struct {
	path     string
	maxBytes int64
	keep     int

	mu   sync.Mutex
	f    *os.File
	size int64
}

// Open opens (or creates, private) the log file at path; its folder is created 0700.
// maxBytes bounds each file, keep is how many rotated files are kept besides it.
func Open(path string, maxBytes int64, keep int) (*Writer, error) {
	if maxBytes <= 0 || keep < 0 {
		return nil, fmt.Errorf("log %s: bad bounds %d bytes, %d files", path, maxBytes, keep)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create log folder: %w", err)
	}
	w := &Writer{path: path, maxBytes: maxBytes, keep: keep}
	if err := w.open(); err != nil {
		return nil, err
	}
	return w, nil
}

func (w *Writer) open() error {
	f, err := os.OpenFile(w.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("open log %s: %w", w.path, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("stat log %s: %w", w.path, err)
	}
	w.f, w.size = f, st.Size()
	return nil
}

// Write appends p (one log record), rotating first if p would not fit. A record
// larger than a whole file is still written whole, alone in its file.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f == nil {
		return 0, fmt.Errorf("log %s is closed", w.path)
	}
	if w.size > 0 && w.size+int64(len(p)) > w.maxBytes {
		if err := w.rotate(); err != nil {
			return 0, err
		}
	}
	n, err := w.f.Write(p)
	w.size += int64(n)
	return n, err
}

// rotate shifts name.log.i to name.log.i+1 (dropping the oldest) and starts afresh.
func (w *Writer) rotate() error {
	if err := w.f.Close(); err != nil {
		return fmt.Errorf("close log %s: %w", w.path, err)
	}
	w.f = nil
	if w.keep == 0 {
		os.Remove(w.path)
	}
	for i := w.keep; i >= 1; i-- {
		from := w.path
		if i > 1 {
			from = fmt.Sprintf("%s.%d", w.path, i-1)
		}
		if err := os.Rename(from, fmt.Sprintf("%s.%d", w.path, i)); err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("rotate log %s: %w", w.path, err)
		}
	}
	return w.open()
}

// Close closes the file; later writes fail.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f == nil {
		return nil
	}
	err := w.f.Close()
	w.f = nil
	return err
}

// New returns a JSON slog logger on dir/name.log with the default bounds, and the
// file to close when the program ends.
func New(dir, name string) (*slog.Logger, io.Closer, error) {
	w, err := Open(filepath.Join(dir, name+".log"), DefaultMaxBytes, DefaultKeep)
	if err != nil {
		return nil, nil, err
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo})), w, nil
}

// Discard is a logger that drops everything, for when no log file can be opened
// (the failure to open it is reported where it happens).
func Discard() *slog.Logger { return slog.New(slog.DiscardHandler) }
