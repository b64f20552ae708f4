package app

import (
	"context"
	"sync"
	"time"
)

// EventName is the one event type the UI listens to; its payload is []Event.
const EventName = "greffier:events"

// DefaultEventInterval batches events so the UI gets at most 20 messages a second,
// however fast levels, segments and progress arrive.
const DefaultEventInterval = 50 * time.Millisecond

// Event is one thing that happened. Kind says what Data is:
//   - "level": LevelEvent (microphone level while recording)
//   - "segment": SegmentEvent (a new transcript segment)
//   - "job": Job (progress or end of a long task)
//   - "recording": RecordingStatus
type Event struct {
	Kind string `json:"kind"`
	Data any    `json:"data"`
}

// Events batches events and sends them to the platform from one goroutine.
// Successive "level" events within a batch collapse to the last one.
type Events struct {
	p      Platform
	cancel context.CancelFunc
	done   chan struct{}

	mu      sync.Mutex
	pending []Event
	wake    chan struct{}
}

// NewEvents starts the batcher; Close stops it after a last flush.
func NewEvents(ctx context.Context, p Platform, interval time.Duration) *Events {
	ctx, cancel := context.WithCancel(ctx)
	e := &Events{p: p, cancel: cancel, done: make(chan struct{}), wake: make(chan struct{}, 1)}
	go e.loop(ctx, interval)
	return e
}

// Send queues an event for the next batch.
func (e *Events) Send(kind string, data any) {
	if e == nil {
		return
	}
	e.mu.Lock()
	if kind == "level" && len(e.pending) > 0 && e.pending[len(e.pending)-1].Kind == "level" {
		e.pending[len(e.pending)-1].Data = data
	} else {
		e.pending = append(e.pending, Event{Kind: kind, Data: data})
	}
	e.mu.Unlock()
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// Close flushes what is pending and stops the goroutine.
func (e *Events) Close() {
	e.cancel()
	<-e.done
}

func (e *Events) loop(ctx context.Context, interval time.Duration) {
	defer close(e.done)
	defer e.flush()
	for {
		select {
		case <-ctx.Done():
			return
		case <-e.wake:
		}
		e.flush()
		// Hold the next batch back so that at most one message leaves per interval.
		select {
		case <-ctx.Done():
			return
		case <-time.After(interval):
		}
	}
}

func (e *Events) flush() {
	e.mu.Lock()
	batch := e.pending
	e.pending = nil
	e.mu.Unlock()
	if len(batch) > 0 && e.p != nil {
		e.p.Emit(EventName, batch)
	}
}
