package app_test

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"greffier/app"
	"greffier/appdirs"
	"greffier/audio"
	"greffier/audio/audiotest"
	"greffier/domain"
	"greffier/store/crypt"
)

// diskFullLimit is the largest file the diskfull child may write: the kernel refuses
// to grow any file past it (EFBIG; Go ignores SIGXFSZ), a real write failure
// without filling a disk.
const diskFullLimit = 1 << 20

// diskFullChild records encounter GREFFIER_APP_ENC from the file-backed input with
// files limited to diskFullLimit, waits for the recorder to fail, stops, and prints
// how the stop job ended.
func diskFullChild() int {
	s := app.New(app.Config{Dirs: appdirs.Dirs{Data: os.Getenv("GREFFIER_APP_TEST_DIR")}, KDF: crypt.TestKDF()})
	if err := s.Start(context.Background(), &recorder{}); err != nil {
		fmt.Println("error", err)
		return 1
	}
	if _, err := s.Session.Login("Dr Feed", testPassword); err != nil {
		fmt.Println("error", err)
		return 1
	}
	enc, _ := strconv.ParseInt(os.Getenv("GREFFIER_APP_ENC"), 10, 64)
	lim := &syscall.Rlimit{Cur: diskFullLimit, Max: diskFullLimit}
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, lim); err != nil {
		fmt.Println("error setrlimit", err)
		return 1
	}
	if _, err := s.Recording.Start(enc, audiotest.File16); err != nil {
		fmt.Println("error", err)
		return 1
	}
	// The input reads faster than real time: the spool reaches the limit in seconds.
	deadline := time.Now().Add(60 * time.Second)
	for {
		st, _ := s.Recording.Status()
		if !st.Active || time.Now().After(deadline) {
			break
		}
		if spools, _ := audio.FindSpools(filepath.Join(os.Getenv("GREFFIER_APP_TEST_DIR"), "recordings")); len(spools) == 1 {
			if fi, err := os.Stat(spools[0]); err == nil && fi.Size() >= diskFullLimit-64<<10 {
				break
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond) // the recorder meets the limit
	job, err := s.Recording.Stop()
	if err != nil {
		fmt.Println("error", err)
		return 1
	}
	for job.State == "running" {
		time.Sleep(50 * time.Millisecond)
		job, _ = s.Encounters.Job(job.ID)
	}
	msg := ""
	if job.Error != nil {
		msg = job.Error.Code + " " + job.Error.Message
	}
	fmt.Println("job", job.State, msg)
	return 0
}

// A full disk in the middle of a visit: the recording stops, what was captured is
// kept, encrypted, with the encounter, sample for sample, and the user is told so.
// (Were even the encrypted WAV refused, the sealed spool would stay for the next
// start: the path TestAppRecordingSurvivesKill takes.)
func TestAppDiskFullKeepsRecording(t *testing.T) {
	if testing.Short() {
		t.Skip("live recording skipped in -short mode")
	}
	feed := make([]int16, 90*16000)
	r := rand.New(rand.NewPCG(3, 1))
	for i := range feed {
		feed[i] = int16(r.IntN(20000) - 10000)
	}
	ctx := context.Background()
	s, dirs, enc := fedEncounter(t, feed)
	s.Close()
	if fi, err := os.Stat(dirs.Database()); err != nil || fi.Size() > diskFullLimit/2 {
		t.Fatalf("database %v, %v: the file size limit would stop it, not the recording", fi.Size(), err)
	}

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), appChildEnv+"=diskfull", "GREFFIER_APP_TEST_DIR="+dirs.Data, fmt.Sprintf("GREFFIER_APP_ENC=%d", enc.ID))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("child: %v: %s", err, out)
	}
	var job string
	for sc := bufio.NewScanner(strings.NewReader(string(out))); sc.Scan(); {
		if strings.HasPrefix(sc.Text(), "error") {
			t.Fatalf("child: %s", sc.Text())
		}
		if j, ok := strings.CutPrefix(sc.Text(), "job "); ok {
			job = j
		}
	}
	if !strings.HasPrefix(job, "failed "+domain.EUnavailable) || !strings.Contains(job, "stopped on a failure") || !strings.Contains(job, "captured is kept") {
		t.Fatalf("stop job ended %q: want it to say the recording failed and what was captured is kept", job)
	}
	// The spool met the limit; the encrypted WAV, a little smaller than the spool
	// (no block headers), could still be written: the audio is filed already.
	if spools, _ := audio.FindSpools(dirs.Recordings()); len(spools) != 0 {
		t.Errorf("spools left: %v", spools)
	}
	noClearAudio(t, dirs.Data)
	db := openDB(t, dirs)
	recs, err := db.Recordings(ctx, enc.ID)
	if err != nil || len(recs) != 1 {
		t.Fatalf("recordings %+v, %v", recs, err)
	}
	got := decryptRecording(t, db, recs[0])
	if len(got) < 25*16000 { // about 1 MB of 16-bit audio: 32 s
		t.Errorf("kept %d samples", len(got))
	}
	for i, v := range got {
		if int16(v*32768) != feed[i] {
			t.Fatalf("kept sample %d is %v, fed %d", i, v*32768, feed[i])
		}
	}
	t.Logf("kept %.2f s of audio through a full disk", float64(len(got))/16000)
}

// Closing the window in the middle of a visit keeps the audio: Close stops the
// recording and files it, encrypted, with the encounter; no spool is left.
func TestCloseMidVisitKeepsRecording(t *testing.T) {
	feed := make([]int16, 30*16000)
	for i := range feed {
		feed[i] = int16((i*7919)%20000 - 10000)
	}
	ctx := context.Background()
	s, dirs, enc := fedEncounter(t, feed)
	if _, err := s.Recording.Start(enc.ID, audiotest.File16); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	db := openDB(t, dirs)
	recs, err := db.Recordings(ctx, enc.ID)
	if err != nil || len(recs) != 1 {
		t.Fatalf("recordings after closing mid-visit: %+v, %v", recs, err)
	}
	got := decryptRecording(t, db, recs[0])
	if len(got) == 0 {
		t.Fatal("no audio kept")
	}
	// The file-backed input reads faster than real time, silence after the feed.
	for i, v := range got[:min(len(got), len(feed))] {
		if int16(v*32768) != feed[i] {
			t.Fatalf("kept sample %d is %v, fed %d", i, v*32768, feed[i])
		}
	}
	if spools, _ := audio.FindSpools(dirs.Recordings()); len(spools) != 0 {
		t.Errorf("spools left: %v", spools)
	}
	noClearAudio(t, dirs.Data)
}

// fedEncounter sets what the file-backed input captures, and starts services on a
// new data folder with a physician and a consented encounter.
func fedEncounter(t *testing.T, feed []int16) (*app.Services, appdirs.Dirs, app.EncounterView) {
	t.Helper()
	if err := sound.WriteFeed16(feed); err != nil {
		t.Fatal(err)
	}
	dirs := appdirs.Dirs{Data: t.TempDir()}
	s := app.New(app.Config{Dirs: dirs, KDF: crypt.TestKDF()})
	if err := s.Start(context.Background(), &recorder{}); err != nil {
		t.Fatal(err)
	}
	setUp(t, s)
	addUser(t, s, "Dr Feed", "physician")
	act(t, s, "Dr Feed")
	enc, err := s.Encounters.Create(app.NewEncounter{PatientLabel: "FEED-1", Consent: true})
	if err != nil {
		t.Fatal(err)
	}
	return s, dirs, enc
}
