package transcribe

import (
	"context"
	"sync"
)

// Priority orders work waiting for the engine.
type Priority int

const (
	// PriorityImport is for imported recordings: they wait behind live work.
	PriorityImport Priority = iota
	// PriorityPartial is for a live encounter's provisional text.
	PriorityPartial
	// PriorityLive is for a live encounter's final windows.
	PriorityLive
)

// Scheduler hands one engine to many encounters, one call at a time: the waiting
// call with the highest priority goes next, first come first served within a
// priority. A running call is never pre-empted (whisper cannot pause), so live work
// waits at most for the one window already being computed. The zero value is ready.
type Scheduler struct {
	mu      sync.Mutex
	busy    bool
	seq     uint64
	waiting []*schedWaiter
}

type schedWaiter struct {
	prio  Priority
	seq   uint64
	ready chan struct{}
}

// Run waits for the engine's turn, then runs fn. It returns ctx's error if ctx ends
// while waiting, else fn's error.
func (s *Scheduler) Run(ctx context.Context, prio Priority, fn func(context.Context) error) error {
	if err := s.acquire(ctx, prio); err != nil {
		return err
	}
	defer s.release()
	return fn(ctx)
}

// Waiting returns the number of calls waiting per priority (for status displays).
func (s *Scheduler) Waiting() map[Priority]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := map[Priority]int{}
	for _, w := range s.waiting {
		m[w.prio]++
	}
	return m
}

func (s *Scheduler) acquire(ctx context.Context, prio Priority) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	if !s.busy && len(s.waiting) == 0 {
		s.busy = true
		s.mu.Unlock()
		return nil
	}
	s.seq++
	w := &schedWaiter{prio: prio, seq: s.seq, ready: make(chan struct{})}
	s.waiting = append(s.waiting, w)
	s.mu.Unlock()
	select {
	case <-w.ready:
		return nil
	case <-ctx.Done():
		s.mu.Lock()
		defer s.mu.Unlock()
		for i, x := range s.waiting {
			if x == w {
				s.waiting = append(s.waiting[:i], s.waiting[i+1:]...)
				return ctx.Err()
			}
		}
		// Granted while we were giving up: pass the turn on.
		s.handOff()
		return ctx.Err()
	}
}

func (s *Scheduler) release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.handOff()
}

// handOff gives the engine to the best waiter, or marks it free. s.mu is held.
func (s *Scheduler) handOff() {
	if len(s.waiting) == 0 {
		s.busy = false
		return
	}
	best := 0
	for i, w := range s.waiting {
		b := s.waiting[best]
		if w.prio > b.prio || (w.prio == b.prio && w.seq < b.seq) {
			best = i
		}
	}
	w := s.waiting[best]
	s.waiting = append(s.waiting[:best], s.waiting[best+1:]...)
	close(w.ready)
}
