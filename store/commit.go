package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
)

// Group commit. Every write transaction of a DB (write, tx.go) goes to one owned
// goroutine, the committer. It takes the writes waiting for it, runs each in its own
// SAVEPOINT of one transaction (a write that fails is rolled back alone, as if it
// had been its own transaction), and commits them together: one WAL fsync
// (synchronous=FULL) for all the writes that arrived while the previous commit was
// being made. A write returns only once the commit that holds it is durable, so
// nothing acknowledged is ever lost, and the audit chain is appended in one order.
//
// Why: SQLite has one writer. Each commit costs an fsync (about 10 ms here), and
// writers that find the database busy poll SQLite's busy handler, which sleeps up to
// 100 ms between tries. Fifty browser sessions opening (audited) and saving notes
// queued behind one another, p95 over a second (docs/server.md). The committer makes
// the writes of one process wait in Go, in arrival order, and share fsyncs. Other
// processes (the CLI) still meet the busy timeout.

// maxGroup caps the writes of one commit, so one commit never holds the lock long.
const maxGroup = 64

// errClosed answers writes sent after Close.
var errClosed = errors.New("the database is closed")

type writeJob struct {
	ctx  context.Context
	what string
	f    func(tx *sql.Tx) error
	done chan error
}

type committer struct {
	start   sync.Once
	jobs    chan *writeJob
	quit    chan struct{}
	stopped chan struct{}
	stopMu  sync.Mutex
	closed  bool
}

// commit runs f in a write transaction through the committer (started at the first
// write) and returns once it is committed or rolled back.
func (db *DB) commit(ctx context.Context, what string, f func(tx *sql.Tx) error) error {
	c := &db.committer
	c.start.Do(func() {
		c.jobs, c.quit, c.stopped = make(chan *writeJob, maxGroup), make(chan struct{}), make(chan struct{})
		go db.commitLoop()
	})
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	j := &writeJob{ctx: ctx, what: what, f: f, done: make(chan error, 1)}
	select {
	case c.jobs <- j:
	case <-c.quit:
		return fmt.Errorf("%s: %w", what, errClosed)
	}
	select {
	case err := <-j.done:
		return err
	case <-c.stopped:
		// Stopped after taking it? Then it ran: its answer is there.
		select {
		case err := <-j.done:
			return err
		default:
			return fmt.Errorf("%s: %w", what, errClosed)
		}
	}
}

// stopCommitter ends the committer after the writes it holds: Close calls it.
func (db *DB) stopCommitter() {
	c := &db.committer
	c.stopMu.Lock()
	defer c.stopMu.Unlock()
	c.start.Do(func() { // never started: it never will, and writes are refused
		c.jobs, c.quit, c.stopped = make(chan *writeJob), make(chan struct{}), make(chan struct{})
		close(c.stopped)
	})
	if c.closed {
		return
	}
	c.closed = true
	close(c.quit)
	<-c.stopped
}

func (db *DB) commitLoop() {
	c := &db.committer
	defer close(c.stopped)
	for {
		var first *writeJob
		select {
		case first = <-c.jobs:
		case <-c.quit:
			// Writes already queued still run: their callers wait for them.
			for {
				select {
				case j := <-c.jobs:
					db.runGroup([]*writeJob{j})
				default:
					return
				}
			}
		}
		group := []*writeJob{first}
	more:
		for len(group) < maxGroup {
			select {
			case j := <-c.jobs:
				group = append(group, j)
			default:
				break more
			}
		}
		db.runGroup(group)
	}
}

// runGroup commits group's writes together. If the group itself fails (its
// transaction lost, the commit refused), each write runs again alone, so one write
// never fails another.
func (db *DB) runGroup(group []*writeJob) {
	if len(group) == 1 {
		group[0].done <- db.writeAlone(group[0])
		return
	}
	errs, err := db.tryGroup(group)
	if err != nil {
		for _, j := range group {
			j.done <- db.writeAlone(j)
		}
		return
	}
	for i, j := range group {
		j.done <- errs[i]
	}
}

// tryGroup runs the writes in one transaction, each in a savepoint; the writes'
// own errors are in errs, the group's (nothing committed) in err.
func (db *DB) tryGroup(group []*writeJob) (errs []error, err error) {
	bg := context.Background()
	tx, err := db.db.BeginTx(bg, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	errs = make([]error, len(group))
	for i, j := range group {
		if err := j.ctx.Err(); err != nil {
			errs[i] = fmt.Errorf("%s: %w", j.what, err)
			continue
		}
		if _, err := tx.ExecContext(bg, `SAVEPOINT grf_write`); err != nil {
			return nil, err
		}
		if errs[i] = run(j, tx); errs[i] != nil {
			// Fails if SQLite rolled the whole transaction back (an interrupted
			// statement, a full disk): then the group is lost.
			if _, err := tx.ExecContext(bg, `ROLLBACK TO grf_write`); err != nil {
				return nil, err
			}
		}
		if _, err := tx.ExecContext(bg, `RELEASE grf_write`); err != nil {
			return nil, err
		}
	}
	return errs, tx.Commit()
}

// writeAlone is one write in its own transaction.
func (db *DB) writeAlone(j *writeJob) error {
	tx, err := db.db.BeginTx(j.ctx, nil)
	if err != nil {
		return fmt.Errorf("%s: begin: %w", j.what, err)
	}
	defer tx.Rollback()
	if err := run(j, tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("%s: commit: %w", j.what, err)
	}
	return nil
}

// run is j's work, its panic turned into an error (the committer serves everyone).
func run(j *writeJob, tx *sql.Tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%s: panic: %v", j.what, p)
		}
	}()
	if err := j.f(tx); err != nil {
		return handedOff(err) // a queued or handed-off encounter is read-only (handoff.go)
	}
	return nil
}
