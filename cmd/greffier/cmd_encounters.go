package main

import (
	"context"
	"fmt"
	"strconv"
	"text/tabwriter"

	"greffier/domain"
	"greffier/store"
)

func encountersCommand() command {
	return command{name: "encounters", summary: "list, show, diff encounters; mark a note ready for signature", run: runEncounters}
}

const encountersUsage = "encounters list [--state S] [--patient P] [--json] | show ID [--json] | diff ID FROM TO | ready ID | audit ID (all take --as USER [--auth-file F] [--db PATH])"

func runEncounters(ctx context.Context, c *cli, args []string) error {
	if len(args) == 0 {
		return usagef("usage: greffier %s", encountersUsage)
	}
	fs := newFlags(c, "encounters "+args[0], encountersUsage)
	db := dbFlag(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	state := fs.String("state", "", "list: only encounters in this state")
	patient := fs.String("patient", "", "list: only this patient (local id or MRN)")
	auth := addAuthFlags(fs, "the user reading or doing it")
	pos, err := parseFlags(fs, args[1:])
	if err != nil {
		return err
	}
	var ids []int64
	for _, p := range pos {
		n, err := strconv.ParseInt(p, 10, 64)
		if err != nil {
			return usagef("%q is not a number", p)
		}
		ids = append(ids, n)
	}
	need := map[string]int{"list": 0, "show": 1, "ready": 1, "diff": 3, "audit": 1}
	n, ok := need[args[0]]
	if !ok {
		return usagef("unknown encounters subcommand %q: %s", args[0], encountersUsage)
	}
	if len(ids) != n {
		return usagef("encounters %s takes %d numeric argument(s)", args[0], n)
	}
	s, sess, _, err := auth.login(ctx, c, *db)
	if err != nil {
		return err
	}
	defer s.Close()
	switch args[0] {
	case "list":
		f := store.ListFilter{State: domain.EncounterState(*state)}
		if *patient != "" {
			if f.PatientID, err = s.FindPatient(ctx, *patient); err != nil {
				return err
			}
		}
		es, err := s.ListEncounters(ctx, f)
		if err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(c.stdout, es)
		}
		tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tSTARTED\tSTATE\tPATIENT\tVERSIONS")
		for _, e := range es {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%d\n", e.ID, e.StartedAt.Local().Format("2006-01-02 15:04"), e.State, e.PatientID, e.LatestVersion)
		}
		return tw.Flush()
	case "show":
		return showEncounter(ctx, c, s, ids[0], sess.User().ID, *asJSON)
	case "ready":
		if err := s.MarkReady(ctx, ids[0], sess.User().ID); err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "encounter %d is ready for signature\n", ids[0])
		return nil
	case "audit":
		return showAudit(ctx, c, s, ids[0], *asJSON)
	default: // diff
		d, err := s.Diff(ctx, ids[0], int(ids[1]), int(ids[2]))
		if err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(c.stdout, d)
		}
		fmt.Fprint(c.stdout, d.String())
		return nil
	}
}

func showEncounter(ctx context.Context, c *cli, s *store.DB, id, viewer int64, asJSON bool) error {
	e, err := s.ViewEncounter(ctx, id, viewer)
	if err != nil {
		return err
	}
	versions, err := s.ListVersions(ctx, id)
	if err != nil {
		return err
	}
	codes, err := s.Codes(ctx, id)
	if err != nil {
		return err
	}
	recs, err := s.Recordings(ctx, id)
	if err != nil {
		return err
	}
	var latest *store.Version
	if len(versions) > 0 {
		v, err := s.GetLatestDraft(ctx, id)
		if err != nil {
			return err
		}
		latest = &v
	}
	if asJSON {
		return writeJSON(c.stdout, map[string]any{"encounter": e, "versions": versions, "codes": codes, "recordings": recs, "latest": latest})
	}
	w := c.stdout
	fmt.Fprintf(w, "encounter %d  state %s  started %s\n", e.ID, e.State, e.StartedAt.Local().Format("2006-01-02 15:04"))
	if e.PatientID != 0 {
		fmt.Fprintf(w, "patient %d\n", e.PatientID)
	}
	if e.Consent != nil {
		fmt.Fprintf(w, "consent %s, recorded by user %d at %s\n", e.Consent.Kind, e.Consent.By, e.Consent.At.Local().Format("2006-01-02 15:04"))
	}
	if e.ApprovedAt != nil {
		fmt.Fprintf(w, "approved: version %d by user %d at %s\n", e.ApprovedVersion, e.ApprovedBy, e.ApprovedAt.Local().Format("2006-01-02 15:04"))
	}
	for _, r := range recs {
		status := "kept"
		if r.DeletedAt != nil {
			status = "deleted " + r.DeletedAt.Local().Format("2006-01-02")
		}
		fmt.Fprintf(w, "recording %d  %s  sha256 %s  %s\n", r.ID, r.Path, r.SHA256[:12], status)
	}
	for _, v := range versions {
		fmt.Fprintf(w, "version %d by %s at %s\n", v.Version, v.Author, v.CreatedAt.Local().Format("2006-01-02 15:04:05"))
	}
	for _, cd := range codes {
		fmt.Fprintf(w, "code %s %s  %s\n", cd.Code, cd.Display, cd.Status)
	}
	if latest != nil {
		fmt.Fprintf(w, "\n%s", latest.Text)
	}
	return nil
}

// showAudit prints an encounter's audit trail after checking the whole chain.
func showAudit(ctx context.Context, c *cli, s *store.DB, id int64, asJSON bool) error {
	n, verr := s.VerifyAudit(ctx)
	entries, err := s.Audit(ctx, store.AuditFilter{EncounterID: id})
	if err != nil {
		return err
	}
	if asJSON {
		if err := writeJSON(c.stdout, entries); err != nil {
			return err
		}
	} else {
		tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "#\tWHEN\tWHO\tWHAT\tDETAIL")
		for _, e := range entries {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", e.ID, e.At.Local().Format("2006-01-02 15:04:05"), e.Actor, e.Action, e.Detail)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if verr != nil {
		return verr
	}
	fmt.Fprintf(c.stderr, "audit chain verified: %d entries\n", n)
	return nil
}
