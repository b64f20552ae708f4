package app

import (
	"context"
	"errors"
	"log"
	"runtime/debug"
	"strconv"
	"sync"

	"greffier/domain"
)

// Job is a long task (import, transcription, drafting) as the UI sees it. Progress
// runs from 0 to 1; State is running, done, failed or cancelled.
type Job struct {
	ID          string   `json:"id"`
	Kind        string   `json:"kind"`
	EncounterID int64    `json:"encounter_id"`
	State       string   `json:"state"`
	Progress    float64  `json:"progress"`
	Stage       string   `json:"stage,omitempty"`
	Error       *UIError `json:"error,omitempty"`
}

// jobs runs and tracks long tasks; each has a cancel function and ends with one
// "job" event saying how it ended.
type jobs struct {
	s    *Services
	wg   sync.WaitGroup
	mu   sync.Mutex
	next int
	run  map[string]context.CancelFunc
	last map[string]Job
}

func newJobs(s *Services) *jobs {
	return &jobs{s: s, run: map[string]context.CancelFunc{}, last: map[string]Job{}}
}

// start runs fn in a goroutine owned by the services; fn reports progress through
// the callback. The returned Job is the first state the UI gets.
func (j *jobs) start(kind string, encID int64, fn func(ctx context.Context, progress func(stage string, p float64)) error) Job {
	ctx, cancel := context.WithCancel(j.s.ctx)
	j.mu.Lock()
	j.next++
	job := Job{ID: kind + "-" + strconv.Itoa(j.next), Kind: kind, EncounterID: encID, State: "running"}
	j.run[job.ID] = cancel
	j.last[job.ID] = job
	j.mu.Unlock()
	j.s.emit("job", job)
	j.wg.Add(1)
	go func() {
		defer j.wg.Done()
		defer cancel()
		err := recovered(job.ID, func() error {
			return fn(ctx, func(stage string, p float64) {
				j.update(job.ID, func(x *Job) { x.Stage, x.Progress = stage, p })
			})
		})
		j.update(job.ID, func(x *Job) {
			switch {
			case err == nil:
				x.State, x.Progress = "done", 1
			case errors.Is(err, context.Canceled):
				x.State = "cancelled"
			default:
				x.State, x.Error = "failed", j.s.userError(err)
			}
		})
		j.mu.Lock()
		delete(j.run, job.ID)
		j.mu.Unlock()
	}()
	return job
}

// recovered runs fn; a panic in it fails the job (EInternal) instead of ending the
// app, with the stack in the log. The panic's value is not logged: it may quote the
// data being worked on, and logs hold no patient text.
func recovered(id string, fn func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			log.Printf("job %s panicked (%T):\n%s", id, p, debug.Stack())
			err = domain.Errorf(domain.EInternal, "job %s stopped on an internal error", id)
		}
	}()
	return fn()
}

func (j *jobs) update(id string, f func(*Job)) {
	j.mu.Lock()
	x := j.last[id]
	f(&x)
	j.last[id] = x
	j.mu.Unlock()
	j.s.emit("job", x)
}

func (j *jobs) get(id string) (Job, bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	x, ok := j.last[id]
	return x, ok
}

// running tells whether a job of kind on the encounter is still running.
func (j *jobs) running(kind string, encID int64) bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	for id := range j.run {
		if x := j.last[id]; x.Kind == kind && x.EncounterID == encID {
			return true
		}
	}
	return false
}

func (j *jobs) cancel(id string) bool {
	j.mu.Lock()
	c, ok := j.run[id]
	j.mu.Unlock()
	if ok {
		c()
	}
	return ok
}

func (j *jobs) cancelAll() {
	j.mu.Lock()
	for _, c := range j.run {
		c()
	}
	j.mu.Unlock()
	j.wg.Wait()
}
