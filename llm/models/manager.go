package models

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"greffier/domain"
	"greffier/llm/gguf"
)

// Manager keeps the GGUF models of one folder: NAME.gguf, with NAME.gguf.sha256
// holding the checksum taken at import. No model is downloaded: the user imports
// a file they have.
type Manager struct {
	Dir string
}

// Installed is a model in the folder.
type Installed struct {
	Name   string
	Path   string
	Size   int64
	Header gguf.Header
	SHA256 string // taken at import; "" if the file was put there by hand
	// Plan is how it would run on this machine; Err says why it cannot.
	Plan Plan
	Err  error
}

// Path is where the model called name lives.
func (m Manager) Path(name string) string { return filepath.Join(m.Dir, nameOf(name)+".gguf") }

func nameOf(s string) string { return strings.TrimSuffix(filepath.Base(s), ".gguf") }

// Import copies the GGUF file src into the folder under name (default: the file's
// name), after checking its header: a language model whose architecture and
// dimensions llama.cpp needs are there. The checksum is taken while copying.
func (m Manager) Import(src, name string) (Installed, error) {
	h, err := gguf.ReadHeaderFile(src)
	if err != nil {
		return Installed{}, domain.Wrap(domain.EInvalid, err, "%s is not a GGUF model", filepath.Base(src))
	}
	if h.Layers == 0 || h.Embed == 0 || h.Vocab == 0 {
		return Installed{}, domain.Errorf(domain.EInvalid,
			"%s is not a language model llama-server can draft with (architecture %q, %d layers, %d tokens)", filepath.Base(src), h.Architecture, h.Layers, h.Vocab)
	}
	if strings.ContainsAny(name, `/\`) {
		return Installed{}, domain.Errorf(domain.EInvalid, "bad model name %q", name)
	}
	name = nameOf(cmp.Or(name, src))
	if name == "" || name == "." {
		return Installed{}, domain.Errorf(domain.EInvalid, "bad model name %q", name)
	}
	if err := os.MkdirAll(m.Dir, 0o755); err != nil {
		return Installed{}, domain.Wrap(domain.EUnavailable, err, "create model folder %s", m.Dir)
	}
	in, err := os.Open(src)
	if err != nil {
		return Installed{}, domain.Wrap(domain.EInvalid, err, "open %s", src)
	}
	defer in.Close()
	tmp, err := os.CreateTemp(m.Dir, ".import-*")
	if err != nil {
		return Installed{}, domain.Wrap(domain.EUnavailable, err, "import into %s", m.Dir)
	}
	defer os.Remove(tmp.Name())
	sum := sha256.New()
	if _, err := io.Copy(io.MultiWriter(tmp, sum), in); err != nil {
		tmp.Close()
		return Installed{}, domain.Wrap(domain.EUnavailable, err, "copy %s into %s (is the disk full?)", src, m.Dir)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return Installed{}, domain.Wrap(domain.EUnavailable, err, "import %s", src)
	}
	if err := tmp.Close(); err != nil {
		return Installed{}, domain.Wrap(domain.EUnavailable, err, "import %s", src)
	}
	dst := m.Path(name)
	hexsum := hex.EncodeToString(sum.Sum(nil))
	if err := os.WriteFile(dst+".sha256", []byte(hexsum+"  "+name+".gguf\n"), 0o644); err != nil {
		return Installed{}, domain.Wrap(domain.EUnavailable, err, "write checksum of %s", name)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return Installed{}, domain.Wrap(domain.EUnavailable, err, "install %s", dst)
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return Installed{}, domain.Wrap(domain.EUnavailable, err, "install %s", dst)
	}
	return m.installed(name)
}

// List returns the folder's models by name, each with how it would run here.
func (m Manager) List() ([]Installed, error) {
	ents, err := os.ReadDir(m.Dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, domain.Wrap(domain.EUnavailable, err, "read model folder %s", m.Dir)
	}
	var out []Installed
	for _, e := range ents {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".gguf") || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		in, err := m.installed(nameOf(e.Name()))
		if err != nil {
			in = Installed{Name: nameOf(e.Name()), Path: filepath.Join(m.Dir, e.Name()), Err: err}
		}
		out = append(out, in)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func (m Manager) installed(name string) (Installed, error) {
	p := m.Path(name)
	st, err := os.Stat(p)
	if err != nil {
		return Installed{}, domain.Wrap(domain.ENotFound, err, "no model %q in %s", name, m.Dir)
	}
	h, err := gguf.ReadHeaderFile(p)
	if err != nil {
		return Installed{}, domain.Wrap(domain.EInvalid, err, "model %s", name)
	}
	in := Installed{Name: name, Path: p, Size: st.Size(), Header: h}
	if b, err := os.ReadFile(p + ".sha256"); err == nil {
		in.SHA256, _, _ = strings.Cut(strings.TrimSpace(string(b)), " ")
	}
	in.Plan, in.Err = PlanFor(h, Request{})
	return in, nil
}

// Verify recomputes the checksum of the model called name and compares it with the
// one taken at import; a mismatch or a missing checksum is an EInvalid error.
func (m Manager) Verify(name string) (Installed, error) {
	in, err := m.installed(nameOf(name))
	if err != nil {
		return Installed{}, err
	}
	if in.SHA256 == "" {
		return in, domain.Errorf(domain.EInvalid, "model %s has no checksum (it was not imported): import it again", in.Name)
	}
	f, err := os.Open(in.Path)
	if err != nil {
		return in, domain.Wrap(domain.EUnavailable, err, "read model %s", in.Name)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return in, domain.Wrap(domain.EUnavailable, err, "read model %s", in.Name)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != in.SHA256 {
		return in, domain.Errorf(domain.EInvalid, "model %s is damaged: checksum %s, %s at import", in.Name, got, in.SHA256)
	}
	return in, nil
}

// Remove deletes the model called name and its checksum.
func (m Manager) Remove(name string) error {
	p := m.Path(name)
	err := os.Remove(p)
	os.Remove(p + ".sha256")
	if errors.Is(err, os.ErrNotExist) {
		return domain.Errorf(domain.ENotFound, "no model %q in %s", nameOf(name), m.Dir)
	}
	if err != nil {
		return domain.Wrap(domain.EUnavailable, err, "remove model %s", p)
	}
	return nil
}

// Suggestion is the model size we advise for a machine, and why.
type Suggestion struct {
	Shape  Shape
	None   bool // no size fits
	Reason string
}

// Suggest picks a reference size for a machine with a memory budget (Budget) and
// cores CPU cores. Speed decides as much as memory: with incremental drafting the
// note waits at Stop for the last window and the generation, which on 2 threads is
// about 27 tokens/s for 1B and a third of that for 3B (bench), so 3B wants 4 cores
// and 8B 8.
func Suggest(budget uint64, cores int) Suggestion {
	fits := map[string]bool{}
	for _, f := range Fits(budget) {
		fits[f.Shape.Key] = f.Fits && f.Context == DefaultContext // a cut context would chunk long visits
	}
	shapes := Shapes()
	switch {
	case cores >= 8 && fits["8b"]:
		return Suggestion{Shape: shapes[2], Reason: "8 or more cores and room for an 8B model"}
	case cores >= 4 && fits["3b"]:
		return Suggestion{Shape: shapes[1], Reason: "4 or more cores and room for a 3B model"}
	case fits["1b"]:
		why := "fewer than 4 cores: a larger model would keep the physician waiting"
		if cores >= 4 {
			why = "not enough memory for a 3B model"
		}
		return Suggestion{Shape: shapes[0], Reason: why}
	}
	return Suggestion{None: true, Reason: fmt.Sprintf("not enough memory for a 1B model (%s available): use the extractive drafter or an endpoint", GiB(budget))}
}
