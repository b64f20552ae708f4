package main

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"greffier/domain"
	"greffier/handoff"
	"greffier/pipeline"
	"greffier/store"
)

func sendCommand() command {
	return command{name: "send", summary: "send an encounter to the clinic server for review (or --pending: the queue)", run: runSend}
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
	snd, err := pipeline.HandoffSender(ctx, db, sess, pipeline.SenderOptions{ChunkSize: *chunk, Retries: *retries, Backoff: *backoff})
	if err != nil {
		return err
	}
	defer snd.Client.Close()
	if *pending {
		return c.sendPending(ctx, db, snd)
	}
	h, ack, err := pipeline.QueueAndSend(ctx, db, snd, sess, id)
	if err == nil && ack.Duplicate {
		fmt.Fprintf(c.stdout, "encounter %d was handed off already (server encounter %d)\n", id, h.ServerEncounterID)
		return nil
	}
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
	items, err := pipeline.PendingItems(ctx, db)
	if err != nil {
		return err
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
