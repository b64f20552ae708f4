package pipeline

import (
	"context"
	"os"
	"path/filepath"
	"strings"

	"greffier/appdirs"
	"greffier/domain"
	"greffier/icd10"
	"greffier/notes/draft"
	"greffier/notes/templates"
	"greffier/store"
	"greffier/transcribe/models"
)

// WhisperModel is the model file to transcribe with: configured if given, else the
// models folder's default (models.Manager.Default). No model at all is EUnavailable,
// with what to do about it.
func WhisperModel(dirs appdirs.Dirs, configured string) (string, error) {
	if configured != "" {
		return configured, nil
	}
	dir := dirs.Models()
	path, err := (&models.Manager{Dir: dir}).Default()
	if domain.ErrorCode(err) == domain.ENotFound {
		return "", domain.Errorf(domain.EUnavailable,
			"no whisper model in %s: add one in Settings or with 'greffier models import FILE', or run 'greffier models pull base' on a machine with internet", dir)
	}
	return path, err
}

// SpokenLanguage is the language to ask of whisper: the requested one, where
// "" and auto mean auto — unless the model is English-only, which cannot detect.
// The spoken language is whatever the consultation was held in, not the note's.
func SpokenLanguage(requested domain.Language, multilingual bool) domain.Language {
	if requested == "" {
		requested = domain.LangAuto
	}
	if requested == domain.LangAuto && !multilingual {
		return domain.LangEnglish
	}
	return requested
}

// NoteLanguage is the language to write a note in: the requested one, else the
// encounter's, else the language most of the transcript is in.
func NoteLanguage(requested, encounter domain.Language, segs []domain.Segment) domain.Language {
	for _, l := range []domain.Language{requested, encounter} {
		if l.NoteLanguage() {
			return l
		}
	}
	return domain.Language(draft.SpokenLanguage(segs))
}

// Template reads a note template: a file if name looks like a path, else a key of
// the user's templates folder, then of the built-in templates. "" is soap.
func Template(dirs appdirs.Dirs, name string) (templates.Template, error) {
	if name == "" {
		name = "soap"
	}
	if strings.ContainsAny(name, `/\`) || strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml") || strings.HasSuffix(name, ".json") {
		return templates.ReadFile(name)
	}
	return templates.Loader{Dir: dirs.Templates()}.Get(name)
}

// OpenCodeIndex opens the ICD-10-CM reference in the data folder, made with the
// starter set on first use. The data folder is created private (0700): it holds
// patient data.
func OpenCodeIndex(ctx context.Context, dirs appdirs.Dirs) (*icd10.Index, error) {
	return OpenCodeIndexAt(ctx, icd10.DefaultPath(dirs.Data))
}

// OpenCodeIndexAt opens the ICD-10-CM reference at path (":memory:" for none on disk),
// creating its folder private (0700).
func OpenCodeIndexAt(ctx context.Context, path string) (*icd10.Index, error) {
	if path != ":memory:" {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, domain.Wrap(domain.EUnavailable, err, "create the folder of %s", path)
		}
	}
	return icd10.Open(ctx, path)
}

// OpenStore opens the encounter database at path, or, for "", the data folder's
// (the folder created private, 0700: it holds patient data), with its key file: a
// database whose key is protected by users' passwords opens with OpenLockedStore.
func OpenStore(ctx context.Context, dirs appdirs.Dirs, path string) (*store.DB, error) {
	path, err := storePath(dirs, path)
	if err != nil {
		return nil, err
	}
	return store.Open(ctx, path)
}

// OpenLockedStore opens the encounter database as OpenStore does, without its key:
// a user's Login (or the first admin's Setup) unlocks it. The audit head is also
// kept beside the database (store.HeadFile), so an unlock refuses the database put
// back to an older copy (Locked.AcceptRestore lets an admin accept a restore).
func OpenLockedStore(ctx context.Context, dirs appdirs.Dirs, path string) (*store.Locked, error) {
	path, err := storePath(dirs, path)
	if err != nil {
		return nil, err
	}
	return store.OpenLocked(ctx, path, store.Options{HeadFile: store.HeadFile(path)})
}

// storePath is path, or the data folder's database (the folder created 0700).
func storePath(dirs appdirs.Dirs, path string) (string, error) {
	if path != "" {
		return path, nil
	}
	if err := os.MkdirAll(dirs.Data, 0o700); err != nil {
		return "", domain.Wrap(domain.EUnavailable, err, "cannot create the data folder %s", dirs.Data)
	}
	return dirs.Database(), nil
}
