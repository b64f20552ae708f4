package pipeline_test

import (
	"path/filepath"
	"testing"

	"greffier/domain"
	"greffier/pipeline"
)

func TestReadEnv(t *testing.T) {
	cases := []struct {
		name    string
		env     map[string]string
		threads int
		code    string
	}{
		{"nothing set", map[string]string{"HOME": "/home/u"}, 0, ""},
		{"threads", map[string]string{"GREFFIER_DATA": "/d", "GREFFIER_LLAMA_THREADS": "3"}, 3, ""},
		{"threads not a number", map[string]string{"GREFFIER_DATA": "/d", "GREFFIER_LLAMA_THREADS": "many"}, 0, domain.EInvalid},
		{"threads zero", map[string]string{"GREFFIER_DATA": "/d", "GREFFIER_LLAMA_THREADS": "0"}, 0, domain.EInvalid},
		{"threads negative", map[string]string{"GREFFIER_DATA": "/d", "GREFFIER_LLAMA_THREADS": "-2"}, 0, domain.EInvalid},
		{"no data folder at all", map[string]string{}, 0, domain.EUnavailable},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.name == "no data folder at all" {
				t.Setenv("HOME", "") // os.UserHomeDir reads it
			}
			e, err := pipeline.ReadEnv(func(k string) string { return c.env[k] })
			if domain.ErrorCode(err) != c.code {
				t.Fatalf("err %v, want code %q", err, c.code)
			}
			if err == nil && e.LLMThreads != c.threads {
				t.Errorf("threads %d, want %d", e.LLMThreads, c.threads)
			}
		})
	}
	e, err := pipeline.ReadEnv(func(k string) string {
		return map[string]string{"GREFFIER_DATA": "/srv/g", "GREFFIER_MODEL": "/m.bin", "GREFFIER_MODEL_URL": "http://mirror",
			"GREFFIER_LLM_API_KEY": "k", "GREFFIER_FHIR_TOKEN": "tok"}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	want := pipeline.Env{WhisperModel: "/m.bin", ModelBaseURL: "http://mirror", LLMAPIKey: "k", FHIRToken: "tok"}
	want.Dirs.Data = "/srv/g"
	if e != want {
		t.Errorf("ReadEnv = %+v, want %+v", e, want)
	}
	if e.Dirs.Logs() != filepath.Join("/srv/g", "logs") {
		t.Errorf("logs folder %s", e.Dirs.Logs())
	}
}

func TestSpokenLanguage(t *testing.T) {
	cases := []struct {
		req   domain.Language
		multi bool
		want  domain.Language
	}{
		{"", true, domain.LangAuto},
		{"", false, domain.LangEnglish},
		{domain.LangAuto, false, domain.LangEnglish},
		{domain.LangAuto, true, domain.LangAuto},
		{domain.LangFrench, true, domain.LangFrench},
		// An English-only model asked for French is given French: whisper says so.
		{domain.LangFrench, false, domain.LangFrench},
	}
	for _, c := range cases {
		if got := pipeline.SpokenLanguage(c.req, c.multi); got != c.want {
			t.Errorf("SpokenLanguage(%q, %v) = %q, want %q", c.req, c.multi, got, c.want)
		}
	}
}

func TestNoteLanguage(t *testing.T) {
	fr := []domain.Segment{{Text: "Bonjour, j'ai mal à la gorge depuis trois jours et de la fièvre."}}
	en := []domain.Segment{{Text: "Hello, I have had a sore throat for three days and a fever."}}
	cases := []struct {
		req, enc domain.Language
		segs     []domain.Segment
		want     domain.Language
	}{
		{"en", "fr", fr, "en"},
		{"", "fr", en, "fr"},
		{"", "", fr, "fr"},
		{"", "", en, "en"},
		{"auto", "auto", fr, "fr"},
	}
	for _, c := range cases {
		if got := pipeline.NoteLanguage(c.req, c.enc, c.segs); got != c.want {
			t.Errorf("NoteLanguage(%q, %q, %q) = %q, want %q", c.req, c.enc, c.segs[0].Text, got, c.want)
		}
	}
}
