package app

import (
	"context"
	"log"
	"path/filepath"
	"time"

	"greffier/store"
)

// DefaultRetentionEvery is how often the app runs retention after the run at start.
const DefaultRetentionEvery = 24 * time.Hour

// upkeep is the app's background work on its data: at start, recovering the
// recordings a crash interrupted, then retention; then retention again every
// interval. One goroutine, owned by the services: Close stops it and waits.
type upkeep struct {
	cancel context.CancelFunc
	done   chan struct{}
}

func (s *Services) startUpkeep() {
	ctx, cancel := context.WithCancel(s.ctx)
	u := &upkeep{cancel: cancel, done: make(chan struct{})}
	s.upkeep = u
	every := s.cfg.RetentionEvery
	if every <= 0 {
		every = DefaultRetentionEvery
	}
	go func() {
		defer close(u.done)
		// Recovery first: retention would otherwise sweep an old interrupted spool
		// before it is kept.
		s.Recording.recoverSpools(ctx)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			s.runRetention(ctx)
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
}

func (u *upkeep) stop() {
	if u != nil {
		u.cancel()
		<-u.done
	}
}

// RetentionEvent tells the UI what a retention run deleted (counts only).
type RetentionEvent struct {
	store.RetentionReport
}

func (s *Services) runRetention(ctx context.Context) {
	rep, err := s.db.RunRetentionWith(ctx, store.RetentionScope{
		Exports:    filepath.Join(s.cfg.Dirs.Data, "exports"),
		Recordings: s.cfg.Dirs.Recordings(),
	})
	if err != nil {
		if ctx.Err() == nil {
			log.Printf("retention: %v", err)
			s.emit("retention", RetentionEvent{rep})
		}
		return
	}
	if len(rep.Failed) > 0 {
		log.Printf("retention: %d deletions failed, retried next run", len(rep.Failed))
	}
	s.emit("retention", RetentionEvent{rep})
}
