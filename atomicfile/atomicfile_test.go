package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// recordSync stands in for fsync of the folder, which leaves nothing a test can
// read: it records the folder and checks the rename already happened.
func recordSync(t *testing.T, path string, want []byte, calls *[]string) syncer {
	return func(dir string) error {
		got, err := os.ReadFile(path)
		if err != nil || string(got) != string(want) {
			t.Errorf("folder synced before the rename: %q, %v", got, err)
		}
		*calls = append(*calls, dir)
		return SyncDir(dir)
	}
}

func TestWriteReplacesAndSyncsTheFolder(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "note.txt")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	var calls []string
	err := write(path, 0o600, func(w io.Writer) error { _, err := w.Write([]byte("new")); return err },
		recordSync(t, path, []byte("new"), &calls))
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) != 1 || calls[0] != dir {
		t.Errorf("folder syncs %q, want one of %s", calls, dir)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	assertOnly(t, dir, "note.txt")
}

func TestFailedWriteKeepsTheOldFileAndNoTemp(t *testing.T) {
	boom := errors.New("disk full")
	cases := []struct {
		name string
		path func(dir string) string
		fill func(io.Writer) error
	}{
		{"fill fails half way", func(d string) string { return filepath.Join(d, "note.txt") },
			func(w io.Writer) error { w.Write([]byte("half")); return boom }},
		// A folder where the file should go: the rename fails after a full write.
		{"rename fails", func(d string) string { return filepath.Join(d, "sub") },
			func(w io.Writer) error { _, err := w.Write([]byte("whole")); return err }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "note.txt"), []byte("old"), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Mkdir(filepath.Join(dir, "sub"), 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "sub", "x"), nil, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := Write(c.path(dir), 0o600, c.fill); err == nil {
				t.Fatal("no error")
			}
			got, err := os.ReadFile(filepath.Join(dir, "note.txt"))
			if err != nil || string(got) != "old" {
				t.Errorf("old file now %q, %v", got, err)
			}
			assertOnly(t, dir, "note.txt", "sub")
		})
	}
}

func TestWriteFileCreates(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.json")
	if err := WriteFile(path, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path); string(got) != "{}" {
		t.Errorf("content %q", got)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", fi.Mode().Perm())
	}
}

func TestWriteIntoAMissingFolderFails(t *testing.T) {
	if err := WriteFile(filepath.Join(t.TempDir(), "none", "a"), nil, 0o600); err == nil {
		t.Fatal("wrote into a missing folder")
	}
}

func TestCommitSyncsAndRenames(t *testing.T) {
	dir := t.TempDir()
	tmp, dst := filepath.Join(dir, "db.tmp"), filepath.Join(dir, "db")
	if err := os.WriteFile(tmp, []byte("copy"), 0o600); err != nil {
		t.Fatal(err)
	}
	var calls []string
	if err := commit(tmp, dst, recordSync(t, dst, []byte("copy"), &calls)); err != nil {
		t.Fatal(err)
	}
	if len(calls) != 1 || calls[0] != dir {
		t.Errorf("folder syncs %q, want one of %s", calls, dir)
	}
	assertOnly(t, dir, "db")
	if err := Commit(filepath.Join(dir, "gone"), dst); err == nil {
		t.Error("committed a missing file")
	}
	if got, _ := os.ReadFile(dst); string(got) != "copy" {
		t.Errorf("dst now %q after a failed commit", got)
	}
}

// assertOnly fails unless dir holds exactly names (no temporary file behind).
func assertOnly(t *testing.T, dir string, names ...string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range ents {
		got = append(got, e.Name())
	}
	if len(got) != len(names) {
		t.Fatalf("folder holds %q, want %q", got, names)
	}
	for i := range names {
		if got[i] != names[i] {
			t.Fatalf("folder holds %q, want %q", got, names)
		}
	}
}
