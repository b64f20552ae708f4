package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"time"

	"greffier/domain"
	"greffier/handoff"
	"greffier/pipeline"
	"greffier/store"
)

// `greffier server …`: this laptop and the clinic server (issue 11's hand-off).
// pair-code runs on the server's database; pair runs on the laptop.
func serverCommand() command {
	return command{name: "server", summary: "pair this laptop with the clinic server (pair-code on the server, pair here)", subs: []command{
		{name: "pair-code", summary: "make a one-time pairing code (admins, on the server's database)", run: runPairCode},
		{name: "pair", summary: "pair with the clinic server: URL --fingerprint SHA256 --code CODE", run: runPair},
		{name: "status", summary: "the paired server and the hand-off queue", run: runServerStatus},
		{name: "devices", summary: "list the paired laptops (admins, on the server's database)", run: runPairedDevices},
		{name: "revoke", summary: "revoke a paired laptop: ID (admins, on the server's database)", run: runRevoke},
	}}
}

func runPairCode(ctx context.Context, c *cli, args []string) error {
	fs := newFlags(c, "server pair-code", "server pair-code --db DIR/greffier.db --as ADMIN [--auth-file F] [--ttl D]")
	ttl := fs.Duration("ttl", store.DefaultPairCodeTTL, "how long the code stays valid")
	return c.withLogin(ctx, fs, "an admin of the server", args, func(db *store.DB, sess *store.Session) error {
		code, err := db.NewPairCode(ctx, sess, *ttl)
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "pairing code (one use, valid %s): %s\n", *ttl, code)
		return nil
	})
}

func runPair(ctx context.Context, c *cli, args []string) error {
	fs := newFlags(c, "server pair", "server pair URL --fingerprint SHA256 --code CODE --as USER [--auth-file F] [--name DEVICE] [--db PATH]")
	dbFlag(c, fs)
	auth := addAuthFlags(fs, "your user name on this laptop")
	fp := fs.String("fingerprint", "", "the server certificate's SHA-256, as `greffier serve init` printed it")
	code := fs.String("code", "", "the one-time code from `greffier server pair-code`")
	host, _ := os.Hostname()
	name := fs.String("name", host, "a name for this laptop on the server")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || *fp == "" || *code == "" {
		return usagef("server pair takes the server's URL, --fingerprint and --code")
	}
	if handoff.NormalizeFingerprint(*fp) == "" {
		return usagef("--fingerprint %q is not a SHA-256 (64 hex digits, colons allowed)", *fp)
	}
	db, sess, _, err := auth.login(ctx, c)
	if err != nil {
		return err
	}
	defer db.Close()
	hs, err := pipeline.PairHandoff(ctx, db, sess, pos[0], *fp, *code, *name)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "paired with %s as device %d (%s); certificate pinned\n", hs.URL, hs.DeviceID, *name)
	return nil
}

func runServerStatus(ctx context.Context, c *cli, args []string) error {
	fs := newFlags(c, "server status", "server status --as USER [--auth-file F] [--db PATH]")
	return c.withLogin(ctx, fs, "your user name", args, func(db *store.DB, _ *store.Session) error {
		hs, err := db.PairedServer(ctx)
		if err != nil {
			return err
		}
		pending, err := db.PendingHandoffs(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "server %s (device %d, paired %s)\n", hs.URL, hs.DeviceID, hs.PairedAt.Local().Format(time.DateTime))
		fmt.Fprintf(c.stdout, "%d encounter(s) waiting to be sent\n", len(pending))
		for _, h := range pending {
			fmt.Fprintf(c.stdout, "  encounter %d: queued %s, %d attempt(s)%s\n", h.EncounterID, h.QueuedAt.Local().Format(time.DateTime), h.Attempts, lastErr(h.LastError))
		}
		return c.showHandedOff(ctx, db, hs)
	})
}

// showHandedOff lists the encounters the server owns now, with their state there
// when the server is reachable.
func (c *cli) showHandedOff(ctx context.Context, db *store.DB, hs store.HandoffServer) error {
	sent, err := db.HandedOff(ctx, 20)
	if err != nil || len(sent) == 0 {
		return err
	}
	cl, err := handoff.NewClient(hs.URL, hs.Fingerprint, hs.Credential)
	if err != nil {
		return err
	}
	defer cl.Close()
	fmt.Fprintln(c.stdout, "handed off (read-only here):")
	offline := false
	for _, h := range sent {
		line := fmt.Sprintf("  encounter %d: server encounter %d, sent %s", h.EncounterID, h.ServerEncounterID, h.AckedAt.Local().Format(time.DateTime))
		if offline {
			fmt.Fprintln(c.stdout, line)
			continue
		}
		st, err := cl.State(ctx, h.UUID)
		switch {
		case err == nil:
			line += fmt.Sprintf(", on the server: %s, version %d", st.State, st.LatestVersion)
		case domain.ErrorCode(err) == domain.EUnavailable:
			// One unreachable answer is enough: the others are listed without asking.
			offline = true
			line += " (server unreachable: no current state)"
		default:
			line += " (" + domain.ErrorCode(err) + ")"
		}
		fmt.Fprintln(c.stdout, line)
	}
	return nil
}

func lastErr(code string) string {
	if code == "" {
		return ""
	}
	return ", last failure: " + code
}

func runPairedDevices(ctx context.Context, c *cli, args []string) error {
	fs := newFlags(c, "server devices", "server devices --db DIR/greffier.db --as ADMIN [--auth-file F]")
	return c.withLogin(ctx, fs, "an admin of the server", args, func(db *store.DB, sess *store.Session) error {
		devs, err := db.Devices(ctx, sess)
		if err != nil {
			return err
		}
		for _, d := range devs {
			state := "active"
			if d.RevokedAt != nil {
				state = "revoked " + d.RevokedAt.Local().Format(time.DateTime)
			}
			fmt.Fprintf(c.stdout, "%d\t%s\tpaired %s\t%s\n", d.ID, d.Name, d.PairedAt.Local().Format(time.DateTime), state)
		}
		return nil
	})
}

func runRevoke(ctx context.Context, c *cli, args []string) error {
	fs := newFlags(c, "server revoke", "server revoke ID --db DIR/greffier.db --as ADMIN [--auth-file F]")
	dbFlag(c, fs)
	auth := addAuthFlags(fs, "an admin of the server")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("server revoke takes one device ID (see server devices)")
	}
	id, err := strconv.ParseInt(pos[0], 10, 64)
	if err != nil {
		return usagef("device ID %q is not a number", pos[0])
	}
	db, sess, _, err := auth.login(ctx, c)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.RevokeDevice(ctx, sess, id); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "device %d revoked: its uploads are refused; pair it again to use it\n", id)
	return nil
}
