package models_test

import (
	"os"
	"path/filepath"
	"testing"

	"greffier/domain"
	"greffier/llm/gguf"
	"greffier/llm/models"
)

func TestManager(t *testing.T) {
	src := filepath.Join(t.TempDir(), "Tiny-Random.gguf")
	if err := gguf.WriteFile(src, gguf.Tiny()); err != nil {
		t.Fatal(err)
	}
	m := models.Manager{Dir: filepath.Join(t.TempDir(), "llm")}
	if list, err := m.List(); err != nil || len(list) != 0 {
		t.Fatalf("empty folder: %v, %v", list, err)
	}
	in, err := m.Import(src, "")
	if err != nil {
		t.Fatal(err)
	}
	if in.Name != "Tiny-Random" || in.Header.Layers != 2 || in.Header.Quantization() != "F32" || len(in.SHA256) != 64 || in.Err != nil || in.Plan.Context == 0 {
		t.Errorf("imported %+v", in)
	}
	if _, err := m.Import(src, "other"); err != nil {
		t.Fatal(err)
	}
	list, err := m.List()
	if err != nil || len(list) != 2 || list[0].Name != "Tiny-Random" || list[1].Name != "other" || list[1].SHA256 != in.SHA256 {
		t.Fatalf("list = %+v, %v", list, err)
	}
	if _, err := m.Verify("other"); err != nil {
		t.Errorf("verify: %v", err)
	}
	// A damaged file fails its checksum.
	f, err := os.OpenFile(m.Path("other"), os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteAt([]byte{0xff}, 200_000)
	f.Close()
	if _, err := m.Verify("other"); domain.ErrorCode(err) != domain.EInvalid {
		t.Errorf("verify of a damaged file: %v", err)
	}
	if err := m.Remove("other"); err != nil {
		t.Fatal(err)
	}
	if err := m.Remove("other"); domain.ErrorCode(err) != domain.ENotFound {
		t.Errorf("second remove: %v", err)
	}
	if _, err := os.Stat(m.Path("other") + ".sha256"); !os.IsNotExist(err) {
		t.Error("the checksum file was left behind")
	}

	bad := filepath.Join(t.TempDir(), "ggml-base.bin")
	os.WriteFile(bad, []byte("lmgg not a gguf model at all"), 0o600)
	for _, c := range []struct{ src, name string }{{bad, ""}, {src, "../escape"}, {filepath.Join(t.TempDir(), "none.gguf"), ""}} {
		if _, err := m.Import(c.src, c.name); domain.ErrorCode(err) != domain.EInvalid {
			t.Errorf("Import(%s, %q) = %v, want EInvalid", c.src, c.name, err)
		}
	}
	if list, _ := m.List(); len(list) != 1 {
		t.Errorf("after refused imports: %+v", list)
	}
}

func TestSuggest(t *testing.T) {
	for _, c := range []struct {
		budget uint64
		cores  int
		want   string
	}{
		{64 << 30, 16, "8b"}, {64 << 30, 4, "3b"}, {64 << 30, 2, "1b"}, {3 << 30, 8, "1b"}, {4 << 30, 8, "3b"},
	} {
		if s := models.Suggest(c.budget, c.cores); s.None || s.Shape.Key != c.want || s.Reason == "" {
			t.Errorf("Suggest(%s, %d) = %+v, want %s", models.GiB(c.budget), c.cores, s, c.want)
		}
	}
	if s := models.Suggest(1<<30, 8); !s.None {
		t.Errorf("1 GiB: %+v, want none", s)
	}
}
