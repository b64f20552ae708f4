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
	return command{name: "encounters", summary: "list, show, diff encounters; mark a note ready for signature", subs: []command{
		encountersSub("list", "list encounters: encounters list [--state S] [--patient P] [--json]", 0, listEncounters),
		encountersSub("show", "show one: encounters show ID [--json]", 1, func(ctx context.Context, c *cli, s *store.DB, sess *store.Session, f encFlags, ids []int64) error {
			return showEncounter(ctx, c, s, ids[0], sess.User().ID, f.json)
		}),
		encountersSub("diff", "compare two versions: encounters diff ID FROM TO [--json]", 3, diffEncounter),
		encountersSub("ready", "mark the note ready for signature: encounters ready ID", 1, readyEncounter),
		encountersSub("audit", "the encounter's audit trail, chain verified: encounters audit ID [--json]", 1, func(ctx context.Context, c *cli, s *store.DB, _ *store.Session, f encFlags, ids []int64) error {
			return showAudit(ctx, c, s, ids[0], f.json)
		}),
	}}
}

// encFlags are the flags the encounters subcommands share.
type encFlags struct {
	json           bool
	state, patient string
}

// encDo is an encounters subcommand, run as the logged-in user sess.
type encDo func(ctx context.Context, c *cli, s *store.DB, sess *store.Session, f encFlags, ids []int64) error

// encountersSub parses the shared flags and the n numeric arguments, logs in as --as
// and runs do.
func encountersSub(name, summary string, n int, do encDo) command {
	return command{name: name, summary: summary, run: func(ctx context.Context, c *cli, args []string) error {
		fs := newFlags(c, "encounters "+name, summary+" --as USER [--auth-file F] [--db PATH]")
		dbFlag(c, fs)
		var f encFlags
		fs.BoolVar(&f.json, "json", false, "print JSON")
		fs.StringVar(&f.state, "state", "", "list: only encounters in this state")
		fs.StringVar(&f.patient, "patient", "", "list: only this patient (local id or MRN)")
		auth := addAuthFlags(fs, "the user reading or doing it")
		pos, err := parseFlags(fs, args)
		if err != nil {
			return err
		}
		var ids []int64
		for _, p := range pos {
			id, err := strconv.ParseInt(p, 10, 64)
			if err != nil {
				return usagef("%q is not a number", p)
			}
			ids = append(ids, id)
		}
		if len(ids) != n {
			return usagef("encounters %s takes %d numeric argument(s)", name, n)
		}
		s, sess, _, err := auth.login(ctx, c)
		if err != nil {
			return err
		}
		defer s.Close()
		return do(ctx, c, s, sess, f, ids)
	}}
}

func listEncounters(ctx context.Context, c *cli, s *store.DB, _ *store.Session, f encFlags, _ []int64) error {
	filter := store.ListFilter{State: domain.EncounterState(f.state)}
	if f.patient != "" {
		var err error
		if filter.PatientID, err = s.FindPatient(ctx, f.patient); err != nil {
			return err
		}
	}
	es, err := s.ListEncounters(ctx, filter)
	if err != nil {
		return err
	}
	if f.json {
		return writeJSON(c.stdout, es)
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTARTED\tSTATE\tPATIENT\tVERSIONS")
	for _, e := range es {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%d\n", e.ID, e.StartedAt.Local().Format("2006-01-02 15:04"), e.State, e.PatientID, e.LatestVersion)
	}
	return tw.Flush()
}

func readyEncounter(ctx context.Context, c *cli, s *store.DB, sess *store.Session, _ encFlags, ids []int64) error {
	if err := s.MarkReady(ctx, ids[0], sess.User().ID); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "encounter %d is ready for signature\n", ids[0])
	return nil
}

func diffEncounter(ctx context.Context, c *cli, s *store.DB, sess *store.Session, f encFlags, ids []int64) error {
	d, err := s.Diff(ctx, ids[0], int(ids[1]), int(ids[2]))
	if err != nil {
		return err
	}
	if err := s.AuditRecordDiff(ctx, ids[0], sess.User().ID, int(ids[1]), int(ids[2])); err != nil {
		return err
	}
	if f.json {
		return writeJSON(c.stdout, d)
	}
	fmt.Fprint(c.stdout, d.String())
	return nil
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
