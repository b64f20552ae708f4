package app

import (
	"os"
	"path/filepath"

	"greffier/atomicfile"
	"greffier/domain"
	"greffier/notes/templates"
)

// Templates is the template editor's service: the YAML of a note template, saved in
// the user's templates folder where it takes precedence over the built-in one.
type Templates struct{ s *Services }

// TemplateSource is a template's editable text.
type TemplateSource struct {
	Key     string `json:"key"`
	Builtin bool   `json:"builtin"` // no user copy yet: the text is the built-in one
	YAML    string `json:"yaml"`
}

// Get returns the YAML of template key: the user's copy, else the built-in text.
func (tp *Templates) Get(key string) (TemplateSource, error) {
	if err := tp.s.ready(); err != nil {
		return TemplateSource{}, err
	}
	if _, err := (templates.Loader{}).Get(key); err != nil && !tp.userFile(key) {
		return TemplateSource{}, tp.s.fail(err)
	}
	if p := filepath.Join(tp.s.cfg.Dirs.Templates(), key+".yaml"); tp.userFile(key) {
		b, err := os.ReadFile(p)
		if err != nil {
			return TemplateSource{}, tp.s.fail(domain.Wrap(domain.EUnavailable, err, "cannot read %s", p))
		}
		return TemplateSource{Key: key, YAML: string(b)}, nil
	}
	// The built-in text, through a scratch copy (the package keeps its files embedded).
	tmp, err := os.MkdirTemp("", "greffier-templates-")
	if err != nil {
		return TemplateSource{}, tp.s.fail(err)
	}
	defer os.RemoveAll(tmp)
	if _, err := templates.CopyBuiltin(tmp); err != nil {
		return TemplateSource{}, tp.s.fail(err)
	}
	b, err := os.ReadFile(filepath.Join(tmp, key+".yaml"))
	if err != nil {
		return TemplateSource{}, tp.s.fail(domain.Wrap(domain.ENotFound, err, "no built-in template %q", key))
	}
	return TemplateSource{Key: key, Builtin: true, YAML: string(b)}, nil
}

func (tp *Templates) userFile(key string) bool {
	_, err := os.Stat(filepath.Join(tp.s.cfg.Dirs.Templates(), key+".yaml"))
	return err == nil
}

// Save checks the YAML (a template that does not parse or validate is refused with
// the reason) and writes it as the user's copy of its key.
func (tp *Templates) Save(yaml string) (TemplateSource, error) {
	if err := tp.s.ready(); err != nil {
		return TemplateSource{}, err
	}
	t, err := templates.Parse([]byte(yaml), "editor")
	if err != nil {
		return TemplateSource{}, tp.s.fail(domain.Wrap(domain.EInvalid, err, "the template is not valid"))
	}
	if err := t.Validate(); err != nil {
		return TemplateSource{}, tp.s.fail(domain.Wrap(domain.EInvalid, err, "the template is not valid"))
	}
	dir := tp.s.cfg.Dirs.Templates()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return TemplateSource{}, tp.s.fail(domain.Wrap(domain.EUnavailable, err, "cannot create %s", dir))
	}
	if err := atomicfile.WriteFile(filepath.Join(dir, t.Key+".yaml"), []byte(yaml), 0o600); err != nil {
		return TemplateSource{}, tp.s.fail(domain.Wrap(domain.EUnavailable, err, "cannot save the template"))
	}
	return TemplateSource{Key: t.Key, YAML: yaml}, nil
}

// Reset removes the user's copy of key: the built-in template applies again.
func (tp *Templates) Reset(key string) (TemplateSource, error) {
	if err := tp.s.ready(); err != nil {
		return TemplateSource{}, err
	}
	p := filepath.Join(tp.s.cfg.Dirs.Templates(), key+".yaml")
	if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
		return TemplateSource{}, tp.s.fail(domain.Wrap(domain.EUnavailable, err, "cannot remove %s", p))
	}
	return tp.Get(key)
}
