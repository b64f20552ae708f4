package app

import (
	"context"
	"os"

	"greffier/domain"
	"greffier/icd10"
	"greffier/transcribe/models"
	"greffier/transcribe/whisper"
)

// whisperModel finds the model file: the configured one, else the model manager's
// default choice in the models folder.
func (s *Services) whisperModel() (string, error) {
	if s.cfg.WhisperModel != "" {
		return s.cfg.WhisperModel, nil
	}
	dir := s.cfg.Dirs.Models()
	path, err := (&models.Manager{Dir: dir}).Default()
	if domain.ErrorCode(err) == domain.ENotFound {
		return "", domain.Errorf(domain.EUnavailable,
			"no whisper model in %s: add one in Settings, or run 'greffier models pull base' on a machine with internet", dir)
	}
	return path, err
}

// whisper loads the engine once and keeps it for every encounter.
func (s *Services) whisper() (*whisper.Model, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.engine != nil {
		return s.engine, nil
	}
	path, err := s.whisperModel()
	if err != nil {
		return nil, err
	}
	w, err := whisper.Load(path)
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
	return icd10.Open(ctx, icd10.DefaultPath(s.cfg.Dirs.Data))
}
