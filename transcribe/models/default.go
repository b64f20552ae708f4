package models

import (
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"greffier/domain"
)

// Default picks the whisper model to use when none was chosen: among the folder's
// *.bin files whose header is a whisper model's (a Silero VAD file kept beside them is
// not), multilingual models first, since consultations are held in French and
// English, then by file name so the choice is stable. No model is ENotFound.
func (m *Manager) Default() (string, error) {
	ents, err := os.ReadDir(m.Dir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", domain.Wrap(domain.EUnavailable, err, "read model folder %s", m.Dir)
	}
	var names []string
	for _, e := range ents {
		if n := e.Name(); !e.IsDir() && strings.HasSuffix(n, ".bin") && !strings.HasPrefix(n, ".") {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	english := ""
	for _, n := range names {
		p := filepath.Join(m.Dir, n)
		h, err := CheckFile(p)
		if err != nil {
			continue
		}
		if h.Multilingual() {
			return p, nil
		}
		if english == "" {
			english = p
		}
	}
	if english != "" {
		return english, nil
	}
	return "", domain.Errorf(domain.ENotFound,
		"no whisper model in %s: add one with 'greffier models import FILE', or 'greffier models pull base' on a machine with internet", m.Dir)
}
