package templates_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"greffier/domain"
	"greffier/notes/templates"
)

func TestBuiltinTemplates(t *testing.T) {
	all, err := templates.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, tm := range all {
		keys = append(keys, tm.Key)
		if tm.Title.FR == "" || tm.Title.EN == "" || len(tm.Sections) < 3 {
			t.Errorf("template %s incomplete: %+v", tm.Key, tm)
		}
		fallback := 0
		for _, s := range tm.Sections {
			if s.Instructions == "" || len(s.Cues) == 0 {
				t.Errorf("%s/%s lacks instructions or cues", tm.Key, s.Key)
			}
			if s.Fallback {
				fallback++
			}
		}
		if fallback != 1 {
			t.Errorf("%s has %d fallback sections, want 1", tm.Key, fallback)
		}
	}
	if strings.Join(keys, ",") != "hp,progress,soap" {
		t.Fatalf("built-in templates %v", keys)
	}
	soap, _ := templates.Loader{}.Get("soap")
	if soap.Sections[0].Title.In("fr") != "Subjectif" || soap.Sections[0].Title.In("en") != "Subjective" {
		t.Errorf("soap titles %+v", soap.Sections[0].Title)
	}
}

func TestUserTemplatesOverrideAndCopy(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "templates")
	wrote, err := templates.CopyBuiltin(dir)
	if err != nil || len(wrote) != 3 {
		t.Fatalf("copy: %v %v", wrote, err)
	}
	// The user edits soap: a new section title.
	p := filepath.Join(dir, "soap.yaml")
	data, _ := os.ReadFile(p)
	edited := strings.Replace(string(data), `en: "Subjective"`, `en: "History"`, 1)
	if edited == string(data) {
		t.Fatal("fixture edit did not apply")
	}
	os.WriteFile(p, []byte(edited), 0o644)
	// Copying again never overwrites the user's edit.
	if wrote, err := templates.CopyBuiltin(dir); err != nil || len(wrote) != 0 {
		t.Fatalf("second copy wrote %v, %v", wrote, err)
	}
	tm, err := templates.Loader{Dir: dir}.Get("soap")
	if err != nil {
		t.Fatal(err)
	}
	if tm.Sections[0].Title.EN != "History" || tm.Source != p {
		t.Errorf("user template not used: %+v from %s", tm.Sections[0].Title, tm.Source)
	}
	// A new user template is listed beside the built-in ones.
	custom := "key: derm\ntitle: {fr: Dermatologie, en: Dermatology}\nsections:\n  - key: lesion\n    title: {fr: Lésion, en: Lesion}\n    instructions: Describe the lesion.\n    cues: [rash, mole]\n    fallback: true\n"
	os.WriteFile(filepath.Join(dir, "derm.yaml"), []byte(custom), 0o644)
	list, err := templates.Loader{Dir: dir}.List()
	if err != nil || len(list) != 4 {
		t.Fatalf("list: %d templates, %v", len(list), err)
	}
	if _, err := (templates.Loader{Dir: dir}).Get("derm"); err != nil {
		t.Fatal(err)
	}
}

func TestBadTemplates(t *testing.T) {
	cases := map[string]string{
		"unknown field":     "key: x\ntitle: {fr: a, en: b}\nsections:\n  - key: a\n    title: {fr: a, en: a}\n    instructions: i\n    colour: red\n",
		"no sections":       "key: x\ntitle: {fr: a, en: b}\nsections: []\n",
		"duplicate section": "key: x\ntitle: {fr: a, en: b}\nsections:\n  - {key: a, title: {fr: a, en: a}}\n  - {key: a, title: {fr: b, en: b}}\n",
		"missing title":     "key: x\ntitle: {fr: a, en: b}\nsections:\n  - {key: a, title: {fr: a}}\n",
		"bad key":           "key: X Y\ntitle: {fr: a, en: b}\nsections:\n  - {key: a, title: {fr: a, en: a}}\n",
		"bad role":          "key: x\ntitle: {fr: a, en: b}\nsections:\n  - {key: a, title: {fr: a, en: a}, roles: [nurse]}\n",
		"not yaml":          "key: [\n",
	}
	for name, doc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := templates.Parse([]byte(doc), "my.yaml")
			if err == nil {
				t.Fatal("accepted")
			}
			if domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), "my.yaml") {
				t.Errorf("error %v (code %s) should be invalid and name the file", err, domain.ErrorCode(err))
			}
		})
	}
	if _, err := (templates.Loader{}).Get("nope"); domain.ErrorCode(err) != domain.ENotFound {
		t.Errorf("unknown template: %v", err)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "soap.yaml"), []byte("key: other\ntitle: {fr: a, en: b}\nsections:\n  - {key: a, title: {fr: a, en: a}}\n"), 0o644)
	if _, err := (templates.Loader{Dir: dir}).Get("soap"); err == nil || !strings.Contains(err.Error(), "declares key") {
		t.Errorf("mismatched key: %v", err)
	}
}
