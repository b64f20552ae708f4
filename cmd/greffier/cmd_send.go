package main

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"greffier/domain"
	"greffier/handoff"
	"greffier/store"
)

func sendCommand() command {
	return command{name: "send", summary: "send an encounter to the clinic server for review (or --pending: the queue)", run: runSend}
}

// storeQueue is the laptop's store as the sender's queue, acting as the session's user.
type storeQueue struct {
	db   *store.DB
	sess *store.Session
}

func (q storeQueue) Bundle(ctx context.Context, id int64) ([]byte, error) {
	return q.db.HandoffBundle(ctx, id)
}
func (q storeQueue) Acked(ctx context.Context, id, serverID int64) error {
	return q.db.HandoffAcked(ctx, q.sess, id, serverID)
}
func (q storeQueue) Failed(ctx context.Context, id int64, msg string) error {
	return q.db.HandoffFailed(ctx, id, msg)
}

func runSend(ctx context.Context, c *cli, args []string) error {
	fs := newFlags(c, "send", "send ID | --pending  --as USER [--auth-file F] [--retries N] [--backoff D] [--db PATH]")
	dbFlag(c, fs)
	auth := addAuthFlags(fs, "your user name (a physician or secretary)")
	pending := fs.Bool("pending", false, "send every queued encounter")
	retries := fs.Int("retries", 5, "with --pending: how many more times to try an unreachable server")
	backoff := fs.Duration("backoff", 2*time.Second, "with --pending: the first wait before trying again (doubling, at most 5 min)")
	chunk := fs.Int("chunk-size", handoff.DefaultChunkSize, "upload chunk size in bytes (smaller for a poor network)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	var id int64
	switch {
	case *pending && len(pos) == 0:
	case !*pending && len(pos) == 1:
		if id, err = strconv.ParseInt(pos[0], 10, 64); err != nil {
			return usagef("encounter ID %q is not a number", pos[0])
		}
	default:
		return usagef("send takes one encounter ID, or --pending")
	}
	db, sess, _, err := auth.login(ctx, c)
	if err != nil {
		return err
	}
	defer db.Close()
	// Nothing is queued, let alone sent, without a paired, pinned server.
	hs, err := db.PairedServer(ctx)
	if err != nil {
		return err
	}
	cl, err := handoff.NewClient(hs.URL, hs.Fingerprint, hs.Credential)
	if err != nil {
		return err
	}
	defer cl.Close()
	cl.SetChunkSize(*chunk)
	snd := &handoff.Sender{Client: cl, Cred: hs.Credential, Queue: storeQueue{db, sess}, Retries: *retries, Backoff: *backoff, MaxBackoff: 5 * time.Minute}
	if *pending {
		return c.sendPending(ctx, db, snd)
	}
	h, err := db.QueueHandoff(ctx, sess, id)
	if err != nil {
		return err
	}
	if h.AckedAt != nil {
		fmt.Fprintf(c.stdout, "encounter %d was handed off already (server encounter %d)\n", id, h.ServerEncounterID)
		return nil
	}
	ack, err := snd.Send(ctx, handoff.Item{EncounterID: id, UUID: h.UUID})
	if domain.ErrorCode(err) == domain.EUnavailable {
		fmt.Fprintf(c.stderr, "encounter %d is queued (read-only here); `greffier send --pending` sends it when the server is reachable\n", id)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "encounter %d handed off: server encounter %d; the server owns it now (read-only here)\n", id, ack.EncounterID)
	return nil
}

func (c *cli) sendPending(ctx context.Context, db *store.DB, snd *handoff.Sender) error {
	queued, err := db.PendingHandoffs(ctx)
	if err != nil {
		return err
	}
	items := make([]handoff.Item, len(queued))
	for i, h := range queued {
		items[i] = handoff.Item{EncounterID: h.EncounterID, UUID: h.UUID}
	}
	fmt.Fprintf(c.stdout, "%d encounter(s) queued\n", len(items))
	snd.Progress = func(it handoff.Item, ack handoff.Ack, err error) {
		if err != nil {
			fmt.Fprintf(c.stdout, "encounter %d: not sent (%s)\n", it.EncounterID, domain.ErrorCode(err))
			return
		}
		fmt.Fprintf(c.stdout, "encounter %d: handed off (server encounter %d)\n", it.EncounterID, ack.EncounterID)
	}
	res, err := snd.SendAll(ctx, items)
	fmt.Fprintf(c.stdout, "sent %d, refused %d, still queued %d\n", res.Sent, res.Failed, res.Left)
	return err
}
