package store_test

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
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

	"greffier/domain"
	"greffier/store"
)

// crashChildEnv makes the test binary act as the writer process of
// TestKillDuringSavesLosesNothing instead of running tests.
const crashChildEnv = "GREFFIER_STORE_CRASH_CHILD"

func TestMain(m *testing.M) {
	if spec := os.Getenv(crashChildEnv); spec != "" {
		os.Exit(crashChild(spec))
	}
	os.Exit(m.Run())
}

// crashChild saves draft versions in a loop and prints "committed N SHA" after each
// save returns, until it is killed.
func crashChild(spec string) int {
	path, rest, _ := strings.Cut(spec, "|")
	ids := strings.Split(rest, ",")
	enc, _ := strconv.ParseInt(ids[0], 10, 64)
	user, _ := strconv.ParseInt(ids[1], 10, 64)
	ctx := context.Background()
	db, err := store.Open(ctx, path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child open:", err)
		return 1
	}
	pad := strings.Repeat("padding to span several pages ", 600)
	for i := 0; ; i++ {
		body, _ := json.Marshal(map[string]string{"plan": fmt.Sprintf("step%d %s", i, pad)})
		v, err := db.SaveDraftVersion(ctx, store.DraftInput{EncounterID: enc, By: user, Body: body})
		if err != nil {
			fmt.Fprintln(os.Stderr, "child save:", err)
			return 1
		}
		sum := sha256.Sum256(body)
		fmt.Printf("committed %d %s\n", v.Version, hex.EncodeToString(sum[:]))
	}
}

func TestKillDuringSavesLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a writer process and kills it (skipped with -short)")
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "greffier.db")
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := db.CreateUser(ctx, "Dr Crash", domain.UserPhysician)
	e, _ := db.CreateEncounter(ctx, store.NewEncounter{})
	db.Close()

	committed := map[int]string{}
	for round := 0; round < 3; round++ {
		reported := runAndKill(t, path, e.ID, u.ID, 20+round*15)
		for v, sum := range reported {
			committed[v] = sum
		}
		db, err := store.Open(ctx, path) // runs quick_check; fails on damage
		if err != nil {
			t.Fatalf("round %d: reopen after SIGKILL: %v", round, err)
		}
		if res, err := db.IntegrityCheck(ctx); err != nil || res != "ok" {
			t.Fatalf("round %d: integrity_check: %q %v", round, res, err)
		}
		vs, err := db.ListVersions(ctx, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		// Versions run 1..n without a gap, and every one the child reported is there
		// with exactly the body it saved.
		for i, v := range vs {
			if v.Version != i+1 {
				t.Fatalf("round %d: versions have a gap at %d", round, i+1)
			}
		}
		for v, sum := range committed {
			got, err := db.GetVersion(ctx, e.ID, v)
			if err != nil {
				t.Fatalf("round %d: committed version %d lost: %v", round, v, err)
			}
			s := sha256.Sum256(got.Body)
			if hex.EncodeToString(s[:]) != sum {
				t.Fatalf("round %d: version %d body differs from what was committed", round, v)
			}
		}
		// No torn state: each version has its audit entry, and the chain holds.
		if _, err := db.VerifyAudit(ctx); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		entries, _ := db.Audit(ctx, store.AuditFilter{EncounterID: e.ID})
		edits := 0
		for _, a := range entries {
			if a.Action == store.ActionEdit {
				edits++
			}
		}
		if edits != len(vs) {
			t.Fatalf("round %d: %d versions but %d edit entries", round, len(vs), edits)
		}
		t.Logf("round %d: %d versions on disk, %d reported committed", round, len(vs), len(committed))
		db.Close()
	}
}

// runAndKill starts the writer, waits for n commits plus a random few milliseconds
// (so the kill lands anywhere in a save), SIGKILLs it, and returns what it reported.
func runAndKill(t *testing.T, path string, enc, user int64, n int) map[int]string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s|%d,%d", crashChildEnv, path, enc, user))
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	got := map[int]string{}
	sc := bufio.NewScanner(out)
	killed := false
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 3 && f[0] == "committed" {
			v, _ := strconv.Atoi(f[1])
			got[v] = f[2]
		}
		if len(got) == n && !killed {
			killed = true
			go func() {
				time.Sleep(time.Duration(rand.IntN(4000)) * time.Microsecond)
				cmd.Process.Signal(syscall.SIGKILL)
			}()
		}
	}
	err = cmd.Wait()
	if !killed {
		t.Fatalf("writer ended after %d commits: %v", len(got), err)
	}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("writer did not die by SIGKILL: %v", err)
	}
	return got
}
