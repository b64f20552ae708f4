package pipeline

import (
	"context"
	"time"

	"greffier/domain"
	"greffier/handoff"
	"greffier/store"
)

// The laptop's side of the hand-off (issue 11), shared by `greffier server pair`,
// `greffier send` and the app: pairing with a pinned server, queuing an encounter
// and sending the queue. Nothing is queued, let alone sent, without a paired,
// pinned server.

// HandoffQueue is the laptop's store as handoff.Sender's queue, acting as the
// session's user.
type HandoffQueue struct {
	DB   *store.DB
	Sess *store.Session
}

// Bundle is the queued encounter's sealed-at-queue bundle.
func (q HandoffQueue) Bundle(ctx context.Context, id int64) ([]byte, error) {
	return q.DB.HandoffBundle(ctx, id)
}

// Acked records the server's acknowledgement.
func (q HandoffQueue) Acked(ctx context.Context, id, serverID int64) error {
	return q.DB.HandoffAcked(ctx, q.Sess, id, serverID)
}

// Failed records a failed attempt (an error code, no patient text).
func (q HandoffQueue) Failed(ctx context.Context, id int64, msg string) error {
	return q.DB.HandoffFailed(ctx, id, msg)
}

// PairHandoff trades the admin's one-time code with the server at url, whose
// certificate must have the SHA-256 fingerprint, and records the pairing (the
// certificate pinned) in db. device names this laptop on the server.
func PairHandoff(ctx context.Context, db *store.DB, sess *store.Session, url, fingerprint, code, device string) (store.HandoffServer, error) {
	fp := handoff.NormalizeFingerprint(fingerprint)
	if fp == "" {
		return store.HandoffServer{}, domain.Errorf(domain.EInvalid, "fingerprint %q is not a SHA-256 (64 hex digits, colons allowed)", fingerprint)
	}
	cl, err := handoff.NewClient(url, fp, "")
	if err != nil {
		return store.HandoffServer{}, err
	}
	defer cl.Close()
	p, err := cl.Pair(ctx, code, device)
	if err != nil {
		return store.HandoffServer{}, err
	}
	hs := store.HandoffServer{URL: url, Fingerprint: fp, DeviceID: p.DeviceID, Credential: p.Credential}
	if err := db.SetHandoffServer(ctx, sess, hs); err != nil {
		return store.HandoffServer{}, err
	}
	return db.PairedServer(ctx)
}

// SenderOptions tune a HandoffSender; zero values are the defaults.
type SenderOptions struct {
	ChunkSize  int           // handoff.DefaultChunkSize when 0
	Retries    int           // more tries of an unreachable server in SendAll
	Backoff    time.Duration // the first wait (a second when 0), doubling
	MaxBackoff time.Duration // 5 minutes when 0
}

// HandoffSender is a sender to the paired server acting as sess's user; ENotFound
// when this laptop is not paired. Close its Client when done.
func HandoffSender(ctx context.Context, db *store.DB, sess *store.Session, o SenderOptions) (*handoff.Sender, error) {
	hs, err := db.PairedServer(ctx)
	if err != nil {
		return nil, err
	}
	cl, err := handoff.NewClient(hs.URL, hs.Fingerprint, hs.Credential)
	if err != nil {
		return nil, err
	}
	if o.ChunkSize > 0 {
		cl.SetChunkSize(o.ChunkSize)
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 5 * time.Minute
	}
	return &handoff.Sender{Client: cl, Cred: hs.Credential, Queue: HandoffQueue{db, sess},
		Retries: o.Retries, Backoff: o.Backoff, MaxBackoff: o.MaxBackoff}, nil
}

// QueueAndSend queues encounter id (read-only here from then on) and tries to send
// it once. A server that cannot be reached leaves it queued: the error is then
// EUnavailable and the Handoff says it is queued. One handed off already is
// returned as it is.
func QueueAndSend(ctx context.Context, db *store.DB, snd *handoff.Sender, sess *store.Session, id int64) (store.Handoff, handoff.Ack, error) {
	h, err := db.QueueHandoff(ctx, sess, id)
	if err != nil || h.AckedAt != nil {
		return h, handoff.Ack{UUID: h.UUID, EncounterID: h.ServerEncounterID, Duplicate: h.AckedAt != nil}, err
	}
	ack, err := snd.Send(ctx, handoff.Item{EncounterID: id, UUID: h.UUID})
	if st, serr := db.HandoffStatus(ctx, id); serr == nil {
		h = st
	}
	return h, ack, err
}

// PendingItems is the queue as the sender's items, oldest first.
func PendingItems(ctx context.Context, db *store.DB) ([]handoff.Item, error) {
	queued, err := db.PendingHandoffs(ctx)
	if err != nil {
		return nil, err
	}
	items := make([]handoff.Item, len(queued))
	for i, h := range queued {
		items[i] = handoff.Item{EncounterID: h.EncounterID, UUID: h.UUID}
	}
	return items, nil
}

// SendPending sends the whole queue (see handoff.Sender.SendAll).
func SendPending(ctx context.Context, db *store.DB, snd *handoff.Sender) (handoff.Result, error) {
	items, err := PendingItems(ctx, db)
	if err != nil {
		return handoff.Result{}, err
	}
	return snd.SendAll(ctx, items)
}
