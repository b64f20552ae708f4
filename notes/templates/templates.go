// Package templates loads note templates: the sections a note has, their titles in
// French and English, instructions for an LLM and cue words for the extractive
// drafter. Three templates ship embedded (soap, hp, progress); users copy them into
// their templates folder (appdirs.Dirs.Templates) and edit them there, where they
// take precedence over the built-in ones with the same key.
package templates

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"greffier/domain"
)

//go:embed builtin/*.yaml
var builtin embed.FS

// Template describes a kind of note.
type Template struct {
	Key         string    `yaml:"key" json:"key"`
	Title       Localized `yaml:"title" json:"title"`
	Description string    `yaml:"description,omitempty" json:"description,omitempty"`
	Sections    []Section `yaml:"sections" json:"sections"`
	// Source is where the template was read from ("builtin" or a file path).
	Source string `yaml:"-" json:"-"`
}

// Section is one part of the note.
type Section struct {
	Key   string    `yaml:"key" json:"key"`
	Title Localized `yaml:"title" json:"title"`
	// Instructions tell an LLM what belongs in the section (in English; the output
	// language is given separately).
	Instructions string `yaml:"instructions" json:"instructions"`
	// Cues are words or phrases (lower case, any language) that make the extractive
	// drafter assign an utterance to this section.
	Cues []string `yaml:"cues,omitempty" json:"cues,omitempty"`
	// Roles restricts the extractive drafter to utterances of these speakers
	// (clinician, patient); empty means any.
	Roles []domain.Role `yaml:"roles,omitempty" json:"roles,omitempty"`
	// Fallback marks the section that receives clinically relevant utterances that
	// match no cue (at most one per template).
	Fallback bool `yaml:"fallback,omitempty" json:"fallback,omitempty"`
}

// Localized is a text in French and English.
type Localized struct {
	FR string `yaml:"fr" json:"fr"`
	EN string `yaml:"en" json:"en"`
}

// In returns the text in lang (fr or en), falling back to the other language.
func (l Localized) In(lang string) string {
	if lang == "fr" && l.FR != "" {
		return l.FR
	}
	if l.EN != "" {
		return l.EN
	}
	return l.FR
}

// Section returns the section with key, if any.
func (t Template) Section(key string) (Section, bool) {
	for _, s := range t.Sections {
		if s.Key == key {
			return s, true
		}
	}
	return Section{}, false
}

var keyRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_]{0,63}$`)
var templateKeyRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

// Validate checks a template's structure.
func (t Template) Validate() error {
	if !templateKeyRE.MatchString(t.Key) {
		return fmt.Errorf("template key %q: want lower-case letters, digits, _ or -", t.Key)
	}
	if len(t.Sections) == 0 {
		return fmt.Errorf("template %s has no sections", t.Key)
	}
	seen := map[string]bool{}
	fallbacks := 0
	for i, s := range t.Sections {
		if !keyRE.MatchString(s.Key) {
			return fmt.Errorf("template %s section %d: key %q: want lower-case letters, digits or _", t.Key, i+1, s.Key)
		}
		if seen[s.Key] {
			return fmt.Errorf("template %s: section %q appears twice", t.Key, s.Key)
		}
		seen[s.Key] = true
		if s.Title.FR == "" || s.Title.EN == "" {
			return fmt.Errorf("template %s section %s: needs a title in fr and en", t.Key, s.Key)
		}
		for _, r := range s.Roles {
			if r != domain.RoleClinician && r != domain.RolePatient && r != domain.RoleOther {
				return fmt.Errorf("template %s section %s: unknown role %q", t.Key, s.Key, r)
			}
		}
		if s.Fallback {
			fallbacks++
		}
	}
	if fallbacks > 1 {
		return fmt.Errorf("template %s: %d fallback sections, want at most one", t.Key, fallbacks)
	}
	return nil
}

// Parse reads a template from YAML (JSON is YAML too). Unknown fields are errors, so
// that a typo in a user's file does not silently drop a setting.
func Parse(data []byte, source string) (Template, error) {
	var t Template
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&t); err != nil {
		return Template{}, domain.Wrap(domain.EInvalid, err, "template %s", source)
	}
	if err := t.Validate(); err != nil {
		return Template{}, domain.Wrap(domain.EInvalid, err, "template %s", source)
	}
	for i := range t.Sections {
		for j, c := range t.Sections[i].Cues {
			t.Sections[i].Cues[j] = strings.ToLower(strings.TrimSpace(c))
		}
	}
	t.Source = source
	return t, nil
}

// ReadFile reads a template file.
func ReadFile(path string) (Template, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return Template{}, domain.Wrap(domain.ENotFound, err, "template file %s", path)
		}
		return Template{}, fmt.Errorf("read template %s: %w", path, err)
	}
	return Parse(data, path)
}

// Builtin returns the templates shipped with Greffier, sorted by key.
func Builtin() ([]Template, error) {
	entries, err := fs.ReadDir(builtin, "builtin")
	if err != nil {
		return nil, fmt.Errorf("list built-in templates: %w", err)
	}
	var out []Template
	for _, e := range entries {
		data, err := builtin.ReadFile("builtin/" + e.Name())
		if err != nil {
			return nil, fmt.Errorf("read built-in template %s: %w", e.Name(), err)
		}
		t, err := Parse(data, "builtin")
		if err != nil {
			return nil, fmt.Errorf("built-in template %s: %w", e.Name(), err)
		}
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

// Loader finds templates: first in Dir (the user's folder, may be empty or absent),
// then among the built-in ones.
type Loader struct {
	Dir string
}

// Get returns the template with key. A user file Dir/<key>.yaml (or .yml, .json)
// overrides the built-in template.
func (l Loader) Get(key string) (Template, error) {
	if !templateKeyRE.MatchString(key) {
		return Template{}, domain.Errorf(domain.EInvalid, "template name %q: want lower-case letters, digits, _ or -", key)
	}
	if l.Dir != "" {
		for _, ext := range []string{".yaml", ".yml", ".json"} {
			p := filepath.Join(l.Dir, key+ext)
			if _, err := os.Stat(p); err == nil {
				t, err := ReadFile(p)
				if err != nil {
					return Template{}, err
				}
				if t.Key != key {
					return Template{}, domain.Errorf(domain.EInvalid, "template file %s declares key %q, want %q", p, t.Key, key)
				}
				return t, nil
			}
		}
	}
	all, err := Builtin()
	if err != nil {
		return Template{}, err
	}
	var keys []string
	for _, t := range all {
		if t.Key == key {
			return t, nil
		}
		keys = append(keys, t.Key)
	}
	return Template{}, domain.Errorf(domain.ENotFound, "no template %q (built-in: %s; or put %s.yaml in %s)", key, strings.Join(keys, ", "), key, l.Dir)
}

// List returns the available templates: the user's, then built-in ones they do not
// override, sorted by key. A broken user file is reported, not skipped.
func (l Loader) List() ([]Template, error) {
	byKey := map[string]Template{}
	all, err := Builtin()
	if err != nil {
		return nil, err
	}
	for _, t := range all {
		byKey[t.Key] = t
	}
	if l.Dir != "" {
		entries, err := os.ReadDir(l.Dir)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("list templates in %s: %w", l.Dir, err)
		}
		for _, e := range entries {
			ext := filepath.Ext(e.Name())
			if e.IsDir() || (ext != ".yaml" && ext != ".yml" && ext != ".json") {
				continue
			}
			t, err := ReadFile(filepath.Join(l.Dir, e.Name()))
			if err != nil {
				return nil, err
			}
			byKey[t.Key] = t
		}
	}
	out := make([]Template, 0, len(byKey))
	for _, t := range byKey {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

// CopyBuiltin writes the built-in templates into dir for the user to edit. Existing
// files are left alone (a user's edits are never overwritten); it returns the paths
// it wrote.
func CopyBuiltin(dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create templates folder %s: %w", dir, err)
	}
	entries, err := fs.ReadDir(builtin, "builtin")
	if err != nil {
		return nil, fmt.Errorf("list built-in templates: %w", err)
	}
	var wrote []string
	for _, e := range entries {
		dst := filepath.Join(dir, e.Name())
		data, err := builtin.ReadFile("builtin/" + e.Name())
		if err != nil {
			return wrote, fmt.Errorf("read built-in template %s: %w", e.Name(), err)
		}
		f, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return wrote, fmt.Errorf("create %s: %w", dst, err)
		}
		_, werr := f.Write(data)
		if cerr := f.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			return wrote, fmt.Errorf("write %s: %w", dst, werr)
		}
		wrote = append(wrote, dst)
	}
	return wrote, nil
}
