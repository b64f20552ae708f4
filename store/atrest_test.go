package store_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"greffier/domain"
	"greffier/store"
)

// The files on disk — database, WAL, audio — hold no plain patient text, while the
// store still reads and searches it.
func TestNoPlainPatientTextOnDisk(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "greffier.db")
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	secrets := []string{"Zéphyrine Quillebeuf", "Quillebeuf", "quillebeuf", "xylophonic palpitations", "MRN-778899", "1931-02-29", "1931-02-28"}
	doc, _ := db.CreateUser(ctx, "Dr Who", domain.UserPhysician)
	p, err := db.CreatePatient(ctx, store.Patient{LocalID: "P-1", MRN: "MRN-778899", Name: "Zéphyrine Quillebeuf", BirthDate: "1931-02-28"})
	if err != nil {
		t.Fatal(err)
	}
	e, _ := db.CreateEncounter(ctx, store.NewEncounter{PatientID: p.ID})

	// Audio: a spool written through the encrypting writer, and a file encrypted after the fact.
	audio := []byte(strings.Repeat("RIFF Zéphyrine Quillebeuf xylophonic palpitations ", 5000))
	spool := filepath.Join(dir, "rec.spool")
	f, _ := os.Create(spool)
	w, err := db.Keys().NewWriter(f)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(audio)
	w.Close()
	f.Close()
	raw := filepath.Join(dir, "import.raw")
	os.WriteFile(raw, audio, 0o600)
	// Imported files may be named after the patient: the stored path is sealed too.
	named := filepath.Join(dir, "sub")
	os.Mkdir(named, 0o700)
	enc := filepath.Join(named, "Quillebeuf-visit.enc")
	if err := db.Keys().EncryptFile(raw, enc); err != nil {
		t.Fatal(err)
	}
	os.Remove(raw)
	if _, err := db.SaveRecording(ctx, e.ID, enc, true); err != nil {
		t.Fatal(err)
	}

	if err := db.SaveSegments(ctx, e.ID, []domain.Segment{{Text: "Madame Zéphyrine Quillebeuf reports xylophonic palpitations."}, {Text: "Since Monday."}}); err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(map[string]string{"subjective": "Zéphyrine Quillebeuf, born 1931-02-29, xylophonic palpitations."})
	if _, err := db.SaveDraftVersion(ctx, store.DraftInput{EncounterID: e.ID, By: doc.ID, Body: body}); err != nil {
		t.Fatal(err)
	}
	if err := db.SuggestCodes(ctx, e.ID, store.System, []store.CodeSuggestion{{Code: "R00.2", Evidence: "xylophonic palpitations"}}); err != nil {
		t.Fatal(err)
	}
	// Still readable and searchable through the store.
	got, err := db.GetPatient(ctx, p.ID)
	if err != nil || got.Name != "Zéphyrine Quillebeuf" || got.MRN != "MRN-778899" {
		t.Fatalf("patient: %+v %v", got, err)
	}
	hits, err := db.Search(ctx, store.Query{Text: "quillebeuf xylophonic"})
	if err != nil || len(hits) != 2 || !strings.Contains(hits[0].Snippet, "Quillebeuf") {
		t.Fatalf("search: %+v %v", hits, err)
	}
	if id, err := db.FindPatient(ctx, "MRN-778899"); err != nil || id != p.ID {
		t.Fatalf("find by MRN: %d %v", id, err)
	}

	check := func(stage string) {
		t.Helper()
		files, _ := filepath.Glob(filepath.Join(dir, "*"))
		more, _ := filepath.Glob(filepath.Join(named, "*"))
		files = append(files[:len(files):len(files)], more...)
		sawWAL := false
		for _, fn := range files {
			if st, err := os.Stat(fn); err == nil && st.IsDir() {
				continue
			}
			b, err := os.ReadFile(fn)
			if err != nil {
				t.Fatal(err)
			}
			if strings.HasSuffix(fn, "-wal") && len(b) > 0 {
				sawWAL = true
			}
			for _, s := range secrets {
				if bytes.Contains(bytes.ToLower(b), bytes.ToLower([]byte(s))) {
					t.Errorf("%s: %s holds %q in plain", stage, filepath.Base(fn), s)
				}
			}
		}
		if stage == "open" && !sawWAL {
			t.Error("no WAL content to check: the test would prove nothing about it")
		}
	}
	check("open")
	db.Close()
	check("closed")
}
