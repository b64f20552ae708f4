package app

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"greffier/domain"
	"greffier/notes/draft"
	"greffier/notes/icd10"
	"greffier/notes/schema"
	"greffier/transcribe"
)

// whisperModel finds the model file: the configured one, else the first *.bin of the
// models folder (by name, so the choice is stable).
func (s *Services) whisperModel() (string, error) {
	if s.cfg.WhisperModel != "" {
		return s.cfg.WhisperModel, nil
	}
	dir := s.cfg.Dirs.Models()
	found, _ := filepath.Glob(filepath.Join(dir, "*.bin"))
	sort.Strings(found)
	for _, f := range found {
		if !strings.HasPrefix(filepath.Base(f), ".") {
			return f, nil
		}
	}
	return "", domain.Errorf(domain.EUnavailable,
		"no whisper model in %s: add one in Settings, or run 'greffier models pull base' on a machine with internet", dir)
}

// whisper loads the engine once and keeps it for every encounter.
func (s *Services) whisper() (*transcribe.Whisper, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.engine != nil {
		return s.engine, nil
	}
	path, err := s.whisperModel()
	if err != nil {
		return nil, err
	}
	w, err := transcribe.LoadWhisper(path)
	if err != nil {
		return nil, err
	}
	s.engine = w
	return w, nil
}

// codeIndex opens the ICD-10-CM reference in the data folder (made with the starter
// set on first use), as the CLI does.
func (s *Services) codeIndex(ctx context.Context) (*icd10.Index, error) {
	if err := os.MkdirAll(s.cfg.Dirs.Data, 0o700); err != nil {
		return nil, domain.Wrap(domain.EUnavailable, err, "create data folder %s", s.cfg.Dirs.Data)
	}
	return icd10.Open(ctx, filepath.Join(s.cfg.Dirs.Data, "icd10cm.db"))
}

// icdSuggester adapts the index to the drafter: billable codes first.
type icdSuggester struct{ ix *icd10.Index }

var _ draft.CodeSuggester = icdSuggester{}

func (c icdSuggester) Suggest(ctx context.Context, text string, limit int) ([]schema.CodeRef, error) {
	codes, err := c.ix.Search(ctx, text, max(limit, 5))
	if err != nil {
		return nil, err
	}
	var billable, other []schema.CodeRef
	for _, x := range codes {
		ref := schema.CodeRef{Code: x.Code, Title: x.Title}
		if x.Billable {
			billable = append(billable, ref)
		} else {
			other = append(other, ref)
		}
	}
	out := append(billable, other...)
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}
