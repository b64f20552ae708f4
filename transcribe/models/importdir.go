package models

import (
	"bufio"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"greffier/domain"
)

// DirImport is what became of one file of a folder given to ImportDir.
type DirImport struct {
	Src string
	// Path is where the model was installed; empty if it was not.
	Path string
	// Checked says what its checksum was compared with: "upstream" (the catalogue),
	// "list" (the folder's SHA256SUMS/SHA1SUMS) or "" (nothing to compare with).
	Checked string
	// Skipped says why a file that is not a whisper model was left alone.
	Skipped string
	// Err says why a whisper model was not imported (bad checksum, full disk…).
	Err error
}

// sumLists are the checksum files ImportDir reads, in sha256sum/sha1sum format.
var sumLists = []string{"SHA256SUMS", "SHA1SUMS"}

// ImportDir imports every whisper model in dir (not its subfolders), as a clinic's IT
// brings them on a USB stick to a machine with no network. Each file is checked
// against upstream's checksum when its name is a catalogue model's, and against the
// folder's SHA256SUMS or SHA1SUMS when it is listed there; files that are not whisper
// models (a README, a Silero VAD file) are skipped. One bad file does not stop the
// others; the error counts the failures.
func (m *Manager) ImportDir(dir string) ([]DirImport, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, domain.Wrap(domain.ENotFound, err, "model folder %s not found", dir)
		}
		return nil, domain.Wrap(domain.EInvalid, err, "read model folder %s", dir)
	}
	sums, err := readSumLists(dir, ents)
	if err != nil {
		return nil, err
	}
	var out []DirImport
	failed := 0
	seen := map[string]bool{}
	for _, e := range ents {
		n := e.Name()
		if !e.Type().IsRegular() || strings.HasPrefix(n, ".") || isSumList(n) {
			continue
		}
		seen[n] = true
		r := DirImport{Src: filepath.Join(dir, n)}
		if _, err := CheckFile(r.Src); err != nil {
			r.Skipped = "not a whisper model"
			out = append(out, r)
			continue
		}
		r.Path, r.Checked, r.Err = m.importFile(r.Src, "", sums[n])
		if r.Err != nil {
			failed++
		}
		out = append(out, r)
	}
	// A file the list names but the folder lacks was lost on the way.
	for n := range sums {
		if !seen[n] {
			failed++
			out = append(out, DirImport{Src: filepath.Join(dir, n),
				Err: domain.Errorf(domain.ENotFound, "%s is in the checksum list but not in the folder", n)})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Src < out[j].Src })
	imported := 0
	for _, r := range out {
		if r.Path != "" {
			imported++
		}
	}
	switch {
	case failed > 0:
		return out, domain.Errorf(domain.EInvalid, "%d of %d whisper models in %s were not imported", failed, failed+imported, dir)
	case imported == 0:
		return out, domain.Errorf(domain.ENotFound, "no whisper model in %s", dir)
	}
	return out, nil
}

func isSumList(name string) bool {
	for _, l := range sumLists {
		if strings.EqualFold(name, l) {
			return true
		}
	}
	return false
}

// readSumLists maps file names to the hex checksums the folder's lists give them.
func readSumLists(dir string, ents []os.DirEntry) (map[string]string, error) {
	sums := map[string]string{}
	for _, e := range ents {
		if !isSumList(e.Name()) {
			continue
		}
		p := filepath.Join(dir, e.Name())
		f, err := os.Open(p)
		if err != nil {
			return nil, domain.Wrap(domain.EInvalid, err, "read checksum list %s", p)
		}
		sc := bufio.NewScanner(f)
		for line := 1; sc.Scan(); line++ {
			// "HEX  NAME" (text mode) or "HEX *NAME" (binary mode).
			sum, name, ok := strings.Cut(strings.TrimSpace(sc.Text()), " ")
			if sum == "" {
				continue
			}
			name = strings.TrimPrefix(strings.TrimLeft(name, " "), "*")
			if !ok || (len(sum) != 40 && len(sum) != 64) || name == "" {
				f.Close()
				return nil, domain.Errorf(domain.EInvalid, "checksum list %s, line %d: want \"CHECKSUM  FILE\"", p, line)
			}
			// A list written from another folder names files with a path; they are here.
			sums[filepath.Base(name)] = sum
		}
		err = sc.Err()
		f.Close()
		if err != nil {
			return nil, domain.Wrap(domain.EInvalid, err, "read checksum list %s", p)
		}
	}
	return sums, nil
}
