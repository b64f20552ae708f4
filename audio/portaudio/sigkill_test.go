package portaudio_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"greffier/audio"
	"greffier/domain"
)

// noise is a reproducible signal every sample of which is checkable.
func noise(n int, seed uint64) []int16 {
	r := rand.New(rand.NewPCG(seed, 1))
	s := make([]int16, n)
	for i := range s {
		s[i] = int16(r.IntN(20000) - 10000)
	}
	return s
}

// A real child process records from PortAudio and is killed with SIGKILL in the
// middle; recovery gives back everything it had reported written, sample for
// sample, with the consent.
func TestSIGKILLRecovery(t *testing.T) {
	feed := noise(30*16000, 7)
	if err := sound.WriteFeed16(feed); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cmd, out := startChild(t, "record", dir)
	sc := bufio.NewScanner(out)
	var reported int64
	for sc.Scan() {
		line := sc.Text()
		if n, ok := strings.CutPrefix(line, "written "); ok {
			reported, _ = strconv.ParseInt(n, 10, 64)
			if reported >= 5*16000 {
				break
			}
			continue
		}
		t.Fatalf("child: %s", line)
	}
	if reported < 5*16000 {
		t.Fatalf("child stopped after reporting %d samples: %v", reported, sc.Err())
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	// Lines still in the pipe: the child wrote these blocks before it died.
	for sc.Scan() {
		if n, ok := strings.CutPrefix(sc.Text(), "written "); ok {
			reported, _ = strconv.ParseInt(n, 10, 64)
		}
	}
	spool := filepath.Join(dir, "child.gspool")
	raw, err := os.ReadFile(spool)
	if err != nil {
		t.Fatalf("no spool after the kill: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "child.wav")); err == nil {
		t.Fatal("a WAV exists: the child was not killed mid-recording")
	}

	recs, err := audio.Recover(dir)
	if err != nil || len(recs) != 1 {
		t.Fatalf("recover: %v, %d recordings", err, len(recs))
	}
	rec := recs[0]
	got := wavInt16(t, rec.WAV)
	lost := float64(reported-int64(len(got))) / 16000
	t.Logf("reported %d samples before SIGKILL, recovered %d (lost %.3f s)", reported, len(got), max(0, lost))
	if lost > 1 {
		t.Errorf("lost %.2f s, want ≤ 1 s", lost)
	}
	if i := firstDiff(got, feed); i >= 0 {
		t.Fatalf("recovered sample %d is %d, fed %d", i, got[i], feed[i])
	}
	var meta audio.Metadata
	b, _ := os.ReadFile(rec.Meta)
	if err := json.Unmarshal(b, &meta); err != nil || !meta.Recovered || meta.Consent.By != "Dr Test" || meta.Samples != int64(len(got)) {
		t.Errorf("metadata %s: want recovered, the consent, %d samples (%v)", b, len(got), err)
	}
	if _, err := os.Stat(spool); !os.IsNotExist(err) {
		t.Errorf("spool still there after recovery: %v", err)
	}
	if again, err := audio.Recover(dir); err != nil || len(again) != 0 {
		t.Errorf("second recovery: %v, %d recordings", err, len(again))
	}

	// The same spool cut at any point (a crash mid-write) or with a flipped byte
	// recovers to a prefix of the fed audio.
	t.Run("damaged", func(t *testing.T) {
		hdrEnd := 4 + bytes.Index(raw[4:], []byte("GSB1")) // end of the header block
		cuts := []int{len(raw) - 1, len(raw) - 100, len(raw) / 2, 3000, hdrEnd + 10, hdrEnd - 1, 30}
		for _, cut := range cuts {
			for _, flip := range []bool{false, true} {
				b := append([]byte(nil), raw[:cut]...)
				if flip {
					b[cut*2/3] ^= 0x40
				}
				d := t.TempDir()
				os.WriteFile(filepath.Join(d, "x.gspool"), b, 0o600)
				recs, err := audio.Recover(d)
				if cut < hdrEnd || flip && cut*2/3 < hdrEnd { // the header block is damaged
					if err == nil || len(recs) > 0 {
						t.Errorf("cut %d: recovered %+v from a damaged header (err %v)", cut, recs, err)
					}
					continue
				}
				if err != nil {
					t.Errorf("cut %d flip %v: %v", cut, flip, err)
					continue
				}
				if len(recs) == 0 {
					continue // nothing before the damage
				}
				g := wavInt16(t, recs[0].WAV)
				if i := firstDiff(g, feed); i >= 0 || len(g) > cut/2 {
					t.Errorf("cut %d flip %v: %d samples, first difference at %d", cut, flip, len(g), i)
				}
			}
		}
	})
}

// When the disk refuses to grow the spool, the recording stops with an error
// event and everything written so far is kept.
func TestDiskFullKeepsAudio(t *testing.T) {
	feed := noise(20*16000, 11)
	if err := sound.WriteFeed16(feed); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cmd, out := startChild(t, "diskfull", dir)
	done := make(chan struct{})
	var res childResult
	go func() {
		defer close(done)
		sc := bufio.NewScanner(out)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			if r, ok := strings.CutPrefix(sc.Text(), "result "); ok {
				json.Unmarshal([]byte(r), &res)
			}
		}
	}()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("child did not stop within 60 s")
	}
	cmd.Wait()
	if res.Code != domain.EUnavailable || !strings.Contains(res.Err, "cannot write to disk") {
		t.Fatalf("child result %+v: want an EUnavailable disk error", res)
	}
	if !strings.Contains(strings.Join(res.Events, ","), "error,stopped") {
		t.Errorf("events %v: want error then stopped", res.Events)
	}
	if res.Rec == nil || res.Rec.WAV == "" {
		t.Fatalf("no WAV kept: %+v", res.Rec)
	}
	got := wavInt16(t, res.Rec.WAV)
	// The limit is 200 KiB: the spool held about 6 s of audio when it hit it.
	if len(got) < 5*16000 {
		t.Errorf("kept %d samples, want about 6 s", len(got))
	}
	if i := firstDiff(got, feed); i >= 0 {
		t.Errorf("kept sample %d is %d, fed %d", i, got[i], feed[i])
	}
}
