package models

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"greffier/atomicfile"
	"greffier/domain"
)

// Manager keeps the model files of one folder. Only Dir is required; the other
// fields have usable zero values.
type Manager struct {
	Dir string
	// BaseURL serves ggml-NAME.bin files; default DefaultBaseURL (tinydiarize models
	// come from TDRZBaseURL unless BaseURL is set).
	BaseURL string
	Client  *http.Client
	// Models is the catalogue; nil means Catalogue().
	Models []Model
	// Progress receives download progress, about every 100 ms and at the end.
	Progress func(Progress)
	// Retries after a network failure during one Pull (0: 3; negative: none), waiting
	// RetryWait (default 1 s, doubled each time) in between. Each retry resumes.
	Retries   int
	RetryWait time.Duration

	// wrapWriter lets tests put a failing writer (a full disk) under the download.
	wrapWriter func(io.Writer) io.Writer
}

// Progress of a download.
type Progress struct {
	Model   string
	Done    int64         // bytes on disk
	Total   int64         // bytes expected, 0 if unknown
	Rate    float64       // bytes per second in this session
	ETA     time.Duration // 0 if unknown
	Resumed int64         // bytes that were already on disk when this session started
}

// Installed is a model file present in the folder.
type Installed struct {
	Name  string
	Path  string
	Size  int64
	Known bool // in the catalogue
}

// Header is what a ggml whisper file's header says about it.
type Header struct {
	Vocab, AudioState, AudioLayers, TextLayers, Mels, FType int32
}

// Kind names the model size the header describes ("tiny", "base", …, "large").
func (h Header) Kind() string {
	k := map[int32]string{384: "tiny", 512: "base", 768: "small", 1024: "medium", 1280: "large"}[h.AudioState]
	if k == "" {
		k = fmt.Sprintf("unknown (state %d)", h.AudioState)
	}
	return k
}

// Multilingual reports whether the vocabulary is multilingual.
func (h Header) Multilingual() bool { return h.Vocab >= 51865 }

const ggmlMagic = 0x67676d6c

// ReadHeader checks that r starts like a whisper.cpp ggml model and returns its
// hyper-parameters. It does not load the model.
func ReadHeader(r io.Reader) (Header, error) {
	var raw struct {
		Magic                                                uint32
		Vocab, AudioCtx, AudioState, AudioHead, AudioLayer   int32
		TextCtx, TextState, TextHead, TextLayer, Mels, FType int32
	}
	if err := binary.Read(r, binary.LittleEndian, &raw); err != nil {
		return Header{}, errors.New("too short for a whisper model")
	}
	if raw.Magic != ggmlMagic {
		return Header{}, fmt.Errorf("not a whisper.cpp ggml model (magic %#x)", raw.Magic)
	}
	ok := raw.Vocab >= 51864 && raw.Vocab <= 51866 && (raw.Mels == 80 || raw.Mels == 128) &&
		raw.AudioCtx == 1500 && raw.TextCtx == 448 && raw.AudioState > 0 && raw.AudioLayer > 0 && raw.TextLayer > 0
	if !ok {
		return Header{}, errors.New("not a whisper model (its hyper-parameters are not whisper's)")
	}
	return Header{Vocab: raw.Vocab, AudioState: raw.AudioState, AudioLayers: raw.AudioLayer,
		TextLayers: raw.TextLayer, Mels: raw.Mels, FType: raw.FType}, nil
}

// CheckFile reads the header of a model file; errors are *domain.Error EInvalid.
func CheckFile(path string) (Header, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return Header{}, domain.Wrap(domain.ENotFound, err, "model file %s not found", path)
		}
		return Header{}, domain.Wrap(domain.EInvalid, err, "open model file %s", path)
	}
	defer f.Close()
	h, err := ReadHeader(f)
	if err != nil {
		return Header{}, domain.Errorf(domain.EInvalid, "model file %s: %v", path, err)
	}
	return h, nil
}

func (m *Manager) catalogue() []Model {
	if m.Models != nil {
		return m.Models
	}
	return catalogue
}

// Lookup finds a catalogue entry by name (also accepting its file name).
func (m *Manager) Lookup(name string) (Model, bool) {
	name = nameOf(name)
	for _, c := range m.catalogue() {
		if c.Name == name {
			return c, true
		}
	}
	return Model{}, false
}

// nameOf turns "ggml-base.en.bin" (or a path to it) into "base.en".
func nameOf(s string) string {
	s = filepath.Base(s)
	s = strings.TrimSuffix(s, ".bin")
	return strings.TrimPrefix(s, "ggml-")
}

// Path is where the model called name lives (whether or not it is there).
func (m *Manager) Path(name string) string { return filepath.Join(m.Dir, FileName(nameOf(name))) }

func (m *Manager) partPath(name string) string {
	return filepath.Join(m.Dir, "."+FileName(nameOf(name))+".part")
}

// Installed lists the model files in the folder, by name.
func (m *Manager) Installed() ([]Installed, error) {
	ents, err := os.ReadDir(m.Dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, domain.Wrap(domain.EUnavailable, err, "read model folder %s", m.Dir)
	}
	var out []Installed
	for _, e := range ents {
		n := e.Name()
		if e.IsDir() || !strings.HasPrefix(n, "ggml-") || !strings.HasSuffix(n, ".bin") {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue // removed meanwhile
		}
		_, known := m.Lookup(n)
		out = append(out, Installed{Name: nameOf(n), Path: filepath.Join(m.Dir, n), Size: info.Size(), Known: known})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Remove deletes the model called name and any partial download of it.
func (m *Manager) Remove(name string) error {
	p := m.Path(name)
	err := os.Remove(p)
	os.Remove(m.partPath(name))
	if errors.Is(err, os.ErrNotExist) {
		return domain.Errorf(domain.ENotFound, "no model %q in %s", nameOf(name), m.Dir)
	}
	if err != nil {
		return domain.Wrap(domain.EUnavailable, err, "remove model %s", p)
	}
	return nil
}

// Verified is the result of checking an installed model.
type Verified struct {
	Name   string
	Path   string
	Header Header
	SHA1   string
	// Known: the catalogue has a checksum for this name; then Match tells whether
	// the file has it.
	Known bool
	Match bool
}

// Verify checks the header of the installed model called name and, when the
// catalogue knows it, its checksum. A mismatch is reported in the result, not as
// an error: the caller decides (the CLI exits non-zero).
func (m *Manager) Verify(name string) (Verified, error) {
	p := m.Path(name)
	h, err := CheckFile(p)
	if err != nil {
		return Verified{}, err
	}
	sum, err := fileSHA1(p)
	if err != nil {
		return Verified{}, domain.Wrap(domain.EUnavailable, err, "read model %s", p)
	}
	v := Verified{Name: nameOf(name), Path: p, Header: h, SHA1: sum}
	if c, ok := m.Lookup(name); ok {
		v.Known, v.Match = true, strings.EqualFold(c.SHA1, sum)
	}
	return v, nil
}

// Import copies a local model file into the folder under name (default: from the
// file's name), after checking its header. A file named like a catalogue model must
// have that model's checksum: a different file under a known name would mislead.
func (m *Manager) Import(src, name string) (string, error) {
	p, _, err := m.importFile(src, name, "")
	return p, err
}

// importFile is Import with an optional expected checksum (hex SHA-1 or SHA-256, by
// length) from a checksum list. Checksums are computed on the bytes as they are
// copied, so a model is read once and what is installed is what was checked. It
// returns how the file was checked: "upstream", "list" or "" (nothing to compare).
func (m *Manager) importFile(src, name, want string) (string, string, error) {
	if _, err := CheckFile(src); err != nil {
		return "", "", err
	}
	if name == "" {
		name = nameOf(src)
	}
	name = nameOf(name)
	if name == "" || strings.ContainsAny(name, `/\`) {
		return "", "", domain.Errorf(domain.EInvalid, "bad model name %q", name)
	}
	if err := os.MkdirAll(m.Dir, 0o755); err != nil {
		return "", "", domain.Wrap(domain.EUnavailable, err, "create model folder %s", m.Dir)
	}
	in, err := os.Open(src)
	if err != nil {
		return "", "", domain.Wrap(domain.EInvalid, err, "open %s", src)
	}
	defer in.Close()
	tmp, err := os.CreateTemp(m.Dir, ".import-*")
	if err != nil {
		return "", "", domain.Wrap(domain.EUnavailable, err, "import into %s", m.Dir)
	}
	defer os.Remove(tmp.Name())
	h1, h256 := sha1.New(), sha256.New()
	if _, err := io.Copy(io.MultiWriter(tmp, h1, h256), in); err != nil {
		tmp.Close()
		if isReadError(err, in) {
			return "", "", domain.Wrap(domain.EInvalid, err, "read %s", src)
		}
		return "", "", writeError(err, "import "+src, m.Dir)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return "", "", writeError(err, "import "+src, m.Dir)
	}
	if err := tmp.Close(); err != nil {
		return "", "", writeError(err, "import "+src, m.Dir)
	}
	sum1, sum256 := hex.EncodeToString(h1.Sum(nil)), hex.EncodeToString(h256.Sum(nil))
	checked := ""
	if want != "" {
		if !strings.EqualFold(want, sum1) && !strings.EqualFold(want, sum256) {
			return "", "", domain.Errorf(domain.EInvalid,
				"%s does not match its checksum list (expected %s): the copy is damaged, copy it again", src, want)
		}
		checked = "list"
	}
	if c, ok := m.Lookup(name); ok {
		if !strings.EqualFold(sum1, c.SHA1) {
			return "", "", domain.Errorf(domain.EInvalid,
				"%s is not upstream's %s (checksum %s, expected %s); import it under another name with --name", src, name, sum1, c.SHA1)
		}
		checked = "upstream"
	}
	dst := m.Path(name)
	if err := commit(tmp.Name(), dst); err != nil {
		return "", "", err
	}
	return dst, checked, nil
}

// isReadError tells whether a failed copy failed on the source side (a USB stick
// pulled out): the os.File error names the file that failed.
func isReadError(err error, in *os.File) bool {
	var pe *os.PathError
	return errors.As(err, &pe) && pe.Path == in.Name()
}

// commit renames a finished file into place and syncs the folder, so that after a
// crash the model is either absent or whole.
func commit(tmp, dst string) error {
	if err := os.Chmod(tmp, 0o644); err != nil {
		return domain.Wrap(domain.EUnavailable, err, "install model %s", dst)
	}
	if err := atomicfile.Commit(tmp, dst); err != nil {
		return domain.Wrap(domain.EUnavailable, err, "install model %s", dst)
	}
	return nil
}

func fileSHA1(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha1.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
