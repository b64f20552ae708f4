package audio

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Metadata is the JSON file written beside a recording's WAV.
type Metadata struct {
	Consent    Consent    `json:"consent"`
	Device     string     `json:"device,omitempty"`
	StartedAt  time.Time  `json:"started_at"`
	Rate       int        `json:"rate"`
	Samples    int64      `json:"samples"`
	DurationMS int64      `json:"duration_ms"`
	Bookmarks  []Bookmark `json:"bookmarks"`
	// Recovered is true when the recording was rebuilt from the spool of an
	// interrupted run; Damage says how that spool ended.
	Recovered bool   `json:"recovered,omitempty"`
	Damage    string `json:"damage,omitempty"`
}

var errLocked = errors.New("spool is in use by a running recorder")

// finalize turns a closed (or abandoned) spool into NAME.wav and NAME.json, then
// removes the spool. The WAV and the JSON are each written atomically; the spool is
// removed only after both, so a crash at any point leaves something to recover.
func finalize(spoolPath string, recovered bool) (*Recording, error) {
	sp, err := ReadSpool(spoolPath)
	if err != nil {
		return nil, err
	}
	base := strings.TrimSuffix(spoolPath, spoolExt)
	n := int64(len(sp.Samples))
	rec := &Recording{Spool: spoolPath, Samples: n, Duration: samplesToDuration(n), Bookmarks: sp.Bookmarks, Recovered: recovered}
	if n > 0 {
		if err := WriteWAV(base+".wav", sp.Samples, TargetRate); err != nil {
			return rec, err
		}
		meta := Metadata{
			Consent: sp.Header.Consent, Device: sp.Header.Device, StartedAt: sp.Header.StartedAt,
			Rate: TargetRate, Samples: n, DurationMS: n * 1000 / TargetRate,
			Bookmarks: sp.Bookmarks, Recovered: recovered, Damage: sp.Damaged,
		}
		if meta.Bookmarks == nil {
			meta.Bookmarks = []Bookmark{}
		}
		err := writeAtomic(base+".json", func(w io.Writer) error {
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			return enc.Encode(meta)
		})
		if err != nil {
			return rec, err
		}
		rec.WAV, rec.Meta = base+".wav", base+".json"
	}
	if err := os.Remove(spoolPath); err != nil {
		return rec, fmt.Errorf("remove spool: %w", err)
	}
	rec.Spool = ""
	return rec, syncDir(filepath.Dir(spoolPath))
}

// Recover finds the spools of interrupted recordings in dir (a process killed, the
// power lost) and turns each into a WAV and its metadata, as a finished recording
// would have been. Spools held by a running recorder are left alone. It returns
// what it recovered; a spool it cannot read is reported in the error and kept.
func Recover(dir string) ([]Recording, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*"+spoolExt))
	if err != nil {
		return nil, fmt.Errorf("look for spools in %s: %w", dir, err)
	}
	var out []Recording
	var errs []error
	for _, p := range paths {
		rec, err := recoverOne(p)
		switch {
		case errors.Is(err, errLocked), errors.Is(err, ErrSealed):
			continue // in use, or the app's (sealed): not this recovery's
		case err != nil:
			errs = append(errs, fmt.Errorf("recover %s: %w", p, err))
		case rec.WAV != "":
			out = append(out, *rec)
		}
	}
	return out, errors.Join(errs...)
}

func recoverOne(path string) (*Recording, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close() // releases the lock after finalize has removed the file
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, errLocked
		}
		return nil, fmt.Errorf("lock: %w", err)
	}
	return finalize(path, true)
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("marshal %T: %v", v, err)) // only our own plain structs
	}
	return b
}
