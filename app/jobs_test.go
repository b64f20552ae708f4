package app

import (
	"context"
	"testing"
	"time"

	"greffier/appdirs"
	"greffier/domain"
)

type discard struct{}

func (discard) Emit(string, any)                          {}
func (discard) OpenFile(string, []string) (string, error) { return "", nil }

// A job that panics (a bug in a decoder, a drafter…) fails with an internal error;
// the app stays up and runs the next job. No job panics on demand, so the test starts
// one that does.
func TestJobPanicFailsTheJob(t *testing.T) {
	s := New(Config{Dirs: appdirs.Dirs{Data: t.TempDir()}})
	if err := s.Start(context.Background(), discard{}); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	wait := func(id string) Job {
		deadline := time.Now().Add(10 * time.Second)
		for {
			j, _ := s.jobs.get(id)
			if j.State != "running" || time.Now().After(deadline) {
				return j
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	var nilMap map[string]int
	bad := s.jobs.start("import", 1, func(context.Context, func(string, float64)) error {
		nilMap["x"] = 1 // a real runtime panic: assignment to a nil map
		return nil
	})
	if j := wait(bad.ID); j.State != "failed" || j.Error == nil || j.Error.Code != domain.EInternal {
		t.Fatalf("panicking job ended %+v", j)
	}
	good := s.jobs.start("import", 1, func(context.Context, func(string, float64)) error { return nil })
	if j := wait(good.ID); j.State != "done" {
		t.Fatalf("the next job ended %+v", j)
	}
}
