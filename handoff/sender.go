package handoff

import (
	"context"
	"errors"
	"time"

	"greffier/domain"
)

// Item is a queued encounter: the laptop's id and its UUID.
type Item struct {
	EncounterID int64
	UUID        string
}

// Queue is what the sender needs of the laptop's store (store.DB with the user's
// session: see cmd/greffier's send).
type Queue interface {
	// Bundle is the queued encounter's bundle (JSON), as built when it was queued.
	Bundle(ctx context.Context, encID int64) ([]byte, error)
	// Acked records that the server imported it as serverID.
	Acked(ctx context.Context, encID, serverID int64) error
	// Failed records a failed attempt (msg holds no patient text).
	Failed(ctx context.Context, encID int64, msg string) error
}

// Sender sends queued encounters to the paired server.
type Sender struct {
	Client *Client
	Cred   string
	Queue  Queue
	// Retries is how many more times an unreachable server is tried, waiting
	// Backoff, then twice as long each time (at most MaxBackoff).
	Retries    int
	Backoff    time.Duration
	MaxBackoff time.Duration
	// Progress, if set, hears each encounter's outcome (err nil: sent).
	Progress func(it Item, ack Ack, err error)
}

// Result counts what a run did.
type Result struct {
	Sent, Failed, Left int
}

// Send uploads one queued encounter (resuming an earlier attempt) and records the
// acknowledgement.
func (s *Sender) Send(ctx context.Context, it Item) (Ack, error) {
	plain, err := s.Queue.Bundle(ctx, it.EncounterID)
	if err != nil {
		return Ack{}, err
	}
	sealed, err := Seal(s.Cred, it.UUID, plain)
	if err != nil {
		return Ack{}, err
	}
	ack, err := s.Client.Send(ctx, it.UUID, sealed)
	if err != nil {
		if ctx.Err() == nil {
			_ = s.Queue.Failed(ctx, it.EncounterID, domain.ErrorCode(err))
		}
		return Ack{}, err
	}
	if ack.UUID != it.UUID || ack.EncounterID <= 0 {
		return Ack{}, domain.Errorf(domain.EUnavailable, "the server acknowledged another encounter")
	}
	return ack, s.Queue.Acked(ctx, it.EncounterID, ack.EncounterID)
}

// SendAll sends the queue in order. An unreachable server is retried with backoff;
// if it stays unreachable the run stops (the rest stays queued) with EUnavailable.
// An encounter the server refuses is counted as failed and the run goes on.
func (s *Sender) SendAll(ctx context.Context, items []Item) (Result, error) {
	res := Result{Left: len(items)}
	var firstErr error
	for _, it := range items {
		ack, err := s.withBackoff(ctx, it)
		if s.Progress != nil {
			s.Progress(it, ack, err)
		}
		switch {
		case err == nil:
			res.Sent++
			res.Left--
		case ctx.Err() != nil, domain.ErrorCode(err) == domain.EUnavailable, domain.ErrorCode(err) == domain.EForbidden:
			// Unreachable, not the pinned server, or this device refused: nothing
			// else would go either.
			return res, err
		default:
			res.Failed++
			res.Left--
			if firstErr == nil {
				firstErr = err
			}
		}
	}
	return res, firstErr
}

func (s *Sender) withBackoff(ctx context.Context, it Item) (Ack, error) {
	wait := s.Backoff
	if wait <= 0 {
		wait = time.Second
	}
	for try := 0; ; try++ {
		ack, err := s.Send(ctx, it)
		if err == nil || domain.ErrorCode(err) != domain.EUnavailable || try >= s.Retries || errors.Is(err, context.Canceled) {
			return ack, err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return Ack{}, ctx.Err()
		case <-t.C:
		}
		if wait *= 2; s.MaxBackoff > 0 && wait > s.MaxBackoff {
			wait = s.MaxBackoff
		}
	}
}
