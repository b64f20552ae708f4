package app_test

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"greffier/app"
	"greffier/appdirs"
	"greffier/store/crypt"
	"greffier/transcribe/emptymodel"
	"greffier/transcribe/models"
)

// TestPullModel downloads a model from a local server (a real HTTP download of a
// real, empty, whisper file) as a job with progress; a wrong checksum fails the job
// and installs nothing.
func TestPullModel(t *testing.T) {
	src := filepath.Join(t.TempDir(), "ggml-tiny.en.bin")
	if err := emptymodel.Write(src, "tiny.en"); err != nil {
		t.Fatal(err)
	}
	body, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha1.Sum(body)
	srv := httptest.NewServer(http.FileServer(http.Dir(filepath.Dir(src))))
	defer srv.Close()

	for _, tc := range []struct {
		name, sha string
		want      string
	}{
		{"good checksum", hex.EncodeToString(sum[:]), "done"},
		{"bad checksum", "0000000000000000000000000000000000000000", "failed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dirs := appdirs.Dirs{Data: t.TempDir()}
			rec := &recorder{}
			s := app.New(app.Config{Dirs: dirs, ModelBaseURL: srv.URL, KDF: crypt.TestKDF(),
				ModelCatalogue: []models.Model{{Name: "tiny.en", SizeMiB: 1, SHA1: tc.sha}}})
			if err := s.Start(context.Background(), rec); err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			setUp(t, s)
			if _, err := s.Settings.PullModel("huge-v9"); err == nil {
				t.Fatal("unknown model accepted")
			}
			job, err := s.Settings.PullModel("tiny.en")
			if err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(30 * time.Second)
			for job.State == "running" && time.Now().Before(deadline) {
				time.Sleep(50 * time.Millisecond)
				job, _ = s.Encounters.Job(job.ID)
			}
			if job.State != tc.want {
				t.Fatalf("job %+v, want %s", job, tc.want)
			}
			ms, err := s.Settings.Models()
			if err != nil {
				t.Fatal(err)
			}
			if installed := len(ms) == 1 && ms[0].Active; installed != (tc.want == "done") {
				t.Fatalf("installed models %+v after %s", ms, tc.want)
			}
			if tc.want == "failed" && (job.Error == nil || job.Error.Message == "") {
				t.Fatalf("a failed download must say why: %+v", job)
			}
		})
	}
}
