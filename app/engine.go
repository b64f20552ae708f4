package app

import (
	"context"

	"greffier/icd10"
	"greffier/pipeline"
	"greffier/transcribe/whisper"
)

// whisperModel finds the model file: the configured one, else the models folder's
// default (pipeline.WhisperModel).
func (s *Services) whisperModel() (string, error) {
	return pipeline.WhisperModel(s.cfg.Dirs, s.cfg.WhisperModel)
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

// codeIndex opens the ICD-10-CM reference in the data folder, as the CLI does.
func (s *Services) codeIndex(ctx context.Context) (*icd10.Index, error) {
	return pipeline.OpenCodeIndex(ctx, s.cfg.Dirs)
}
