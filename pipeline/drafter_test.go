package pipeline_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"greffier/appdirs"
	"greffier/domain"
	"greffier/icd10"
	"greffier/notes/draft"
	"greffier/notes/transcript"
	"greffier/pipeline"
)

func TestChooseDrafter(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name    string
		cfg     func(dirs appdirs.Dirs) pipeline.DrafterConfig
		code    string
		llm     bool
		notice  string // a word every notice must hold, "" for no notice
		withIdx bool   // the extractive drafter has the code table
	}{
		{name: "extractive with codes", cfg: func(d appdirs.Dirs) pipeline.DrafterConfig { return pipeline.DrafterConfig{Dirs: d} }, withIdx: true},
		{name: "extractive without codes", cfg: func(d appdirs.Dirs) pipeline.DrafterConfig { return pipeline.DrafterConfig{Dirs: d, NoCodes: true} }},
		{name: "code table cannot open: drafts, and says so",
			cfg: func(d appdirs.Dirs) pipeline.DrafterConfig {
				// A file where the data folder should be: nothing can be created in it.
				bad := filepath.Join(d.Data, "file")
				os.WriteFile(bad, nil, 0o600)
				return pipeline.DrafterConfig{Dirs: appdirs.Dirs{Data: bad}}
			}, notice: "ICD-10-CM"},
		{name: "malformed endpoint", cfg: func(d appdirs.Dirs) pipeline.DrafterConfig {
			return pipeline.DrafterConfig{Dirs: d, Endpoint: "http://[::1"}
		}, code: domain.EInvalid},
		{name: "remote endpoint: told", cfg: func(d appdirs.Dirs) pipeline.DrafterConfig {
			return pipeline.DrafterConfig{Dirs: d, Endpoint: "https://llm.example.org/v1?model=m"}
		}, llm: true, notice: "not on this machine"},
		{name: "loopback endpoint: no notice", cfg: func(d appdirs.Dirs) pipeline.DrafterConfig {
			return pipeline.DrafterConfig{Dirs: d, Endpoint: "http://127.0.0.1:9/v1"}
		}, llm: true},
		{name: "missing GGUF wins over the endpoint", cfg: func(d appdirs.Dirs) pipeline.DrafterConfig {
			return pipeline.DrafterConfig{Dirs: d, Endpoint: "http://127.0.0.1:9/v1", Model: filepath.Join(d.Data, "none.gguf")}
		}, code: domain.ENotFound},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dirs := appdirs.Dirs{Data: t.TempDir()}
			d, err := pipeline.ChooseDrafter(ctx, c.cfg(dirs))
			if domain.ErrorCode(err) != c.code {
				t.Fatalf("err %v, want code %q", err, c.code)
			}
			if err != nil {
				return
			}
			defer d.Close()
			if d.LLM != c.llm {
				t.Errorf("LLM %v, want %v", d.LLM, c.llm)
			}
			if c.notice == "" && len(d.Notices) > 0 || c.notice != "" && (len(d.Notices) != 1 || !strings.Contains(d.Notices[0], c.notice)) {
				t.Errorf("notices %q, want one holding %q", d.Notices, c.notice)
			}
			if ex, ok := d.Drafter.(draft.Extractive); ok && (ex.Codes != nil) != c.withIdx {
				t.Errorf("extractive drafter has codes: %v, want %v", ex.Codes != nil, c.withIdx)
			}
		})
	}
}

// The code table is created private with the data folder, and the extractive
// drafter suggests codes from it.
func TestChosenExtractiveDrafterSuggestsCodes(t *testing.T) {
	ctx := context.Background()
	dirs := appdirs.Dirs{Data: filepath.Join(t.TempDir(), "greffier")}
	d, err := pipeline.ChooseDrafter(ctx, pipeline.DrafterConfig{Dirs: dirs})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	st, err := os.Stat(dirs.Data)
	if err != nil || st.Mode().Perm() != 0o700 {
		t.Fatalf("data folder %v, %v: want created 0700", st, err)
	}
	if _, err := os.Stat(icd10.DefaultPath(dirs.Data)); err != nil {
		t.Fatalf("no code table: %v", err)
	}
	segs, _ := transcript.ParseDialogue(visit)
	tmpl, err := pipeline.Template(dirs, "")
	if err != nil {
		t.Fatal(err)
	}
	note, err := pipeline.Draft(ctx, d, draft.Request{Segments: segs, Template: tmpl, Language: "en"})
	if err != nil {
		t.Fatal(err)
	}
	var codes []string
	for _, p := range note.Problems {
		if p.ICD10 != nil {
			codes = append(codes, p.ICD10.Code)
		}
	}
	if !strings.Contains(strings.Join(codes, " "), "I10") {
		t.Errorf("codes %q: want I10 for hypertension", codes)
	}
}

func TestTemplate(t *testing.T) {
	dirs := appdirs.Dirs{Data: t.TempDir()}
	if tp, err := pipeline.Template(dirs, ""); err != nil || tp.Key != "soap" {
		t.Errorf("default template %q, %v: want soap", tp.Key, err)
	}
	if _, err := pipeline.Template(dirs, "nosuch"); domain.ErrorCode(err) != domain.ENotFound {
		t.Errorf("unknown key: %v, want ENotFound", err)
	}
	if _, err := pipeline.Template(dirs, filepath.Join(dirs.Data, "none.yaml")); err == nil {
		t.Error("a missing template file was read")
	}
}

func TestWhisperModelSaysWhatToDo(t *testing.T) {
	dirs := appdirs.Dirs{Data: t.TempDir()}
	if p, err := pipeline.WhisperModel(dirs, "/x/m.bin"); p != "/x/m.bin" || err != nil {
		t.Errorf("configured model: %q, %v", p, err)
	}
	_, err := pipeline.WhisperModel(dirs, "")
	if domain.ErrorCode(err) != domain.EUnavailable || !strings.Contains(err.Error(), "models pull") {
		t.Errorf("no model: %v, want EUnavailable saying how to get one", err)
	}
}

func TestOpenStoreMakesAPrivateDataFolder(t *testing.T) {
	ctx := context.Background()
	dirs := appdirs.Dirs{Data: filepath.Join(t.TempDir(), "a", "greffier")}
	db, err := pipeline.OpenStore(ctx, dirs, "")
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if st, err := os.Stat(dirs.Data); err != nil || st.Mode().Perm() != 0o700 {
		t.Fatalf("data folder %v, %v: want 0700", st, err)
	}
	if _, err := os.Stat(dirs.Database()); err != nil {
		t.Errorf("no database in the data folder: %v", err)
	}
	// A path given is used as is; the data folder is not made for it.
	other := appdirs.Dirs{Data: filepath.Join(t.TempDir(), "unused")}
	db, err = pipeline.OpenStore(ctx, other, filepath.Join(t.TempDir(), "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := os.Stat(other.Data); err == nil {
		t.Error("the data folder was made although a database path was given")
	}
}
