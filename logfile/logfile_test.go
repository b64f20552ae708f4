package logfile

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRotationKeepsAFewBoundedFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "greffier.log")
	w, err := Open(path, 100, 2)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		if _, err := fmt.Fprintf(w, "record %02d %s\n", i, strings.Repeat("x", 20)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir(dir)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
		fi, _ := e.Info()
		if fi.Size() > 100 {
			t.Errorf("%s is %d bytes, over the 100-byte bound", e.Name(), fi.Size())
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v, want 0600", e.Name(), fi.Mode().Perm())
		}
	}
	if strings.Join(names, " ") != "greffier.log greffier.log.1 greffier.log.2" {
		t.Fatalf("files %q, want the log and 2 rotated copies", names)
	}
	// The newest record is in the live file, the previous ones in .1 then .2.
	last, _ := os.ReadFile(path)
	if !strings.HasSuffix(string(last), "record 19 "+strings.Repeat("x", 20)+"\n") {
		t.Errorf("live file ends %q", last)
	}
	older, _ := os.ReadFile(path + ".2")
	newer, _ := os.ReadFile(path + ".1")
	if string(older) >= string(newer) {
		t.Errorf(".2 (%q) is not older than .1 (%q)", older, newer)
	}
	if strings.Contains(string(older)+string(newer)+string(last), "record 00") {
		t.Error("the oldest records were kept beyond 3 files")
	}
}

func TestReopenAppendsAndCountsExistingSize(t *testing.T) {
	path := filepath.Join(t.TempDir(), "logs", "a.log")
	w, err := Open(path, 50, 1)
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte(strings.Repeat("a", 40) + "\n"))
	w.Close()
	if _, err := w.Write([]byte("late")); err == nil {
		t.Error("a write after Close succeeded")
	}
	w, err = Open(path, 50, 1)
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte(strings.Repeat("b", 20) + "\n"))
	w.Close()
	if b, _ := os.ReadFile(path + ".1"); !strings.HasPrefix(string(b), "aaaa") {
		t.Errorf("the reopened file did not rotate the earlier content: .1 = %q", b)
	}
	if st, _ := os.Stat(filepath.Dir(path)); st.Mode().Perm() != 0o700 {
		t.Errorf("log folder mode %v, want 0700", st.Mode().Perm())
	}
}

func TestNewWritesJSONRecords(t *testing.T) {
	dir := t.TempDir()
	log, c, err := New(dir, "cli")
	if err != nil {
		t.Fatal(err)
	}
	log.Error("command failed", "command", "export", "code", "internal")
	c.Close()
	b, _ := os.ReadFile(filepath.Join(dir, "cli.log"))
	if !strings.Contains(string(b), `"msg":"command failed"`) || !strings.Contains(string(b), `"command":"export"`) {
		t.Errorf("log holds %q", b)
	}
}
