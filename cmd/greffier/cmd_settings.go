package main

import (
	"context"
	"fmt"
	"strings"

	"greffier/domain"
	"greffier/store"
)

func settingsCommand() command {
	return command{name: "settings", summary: "read and change the clinic's settings (changes: admins only)", subs: []command{
		{name: "get", summary: "print a setting: settings get KEY --as USER", run: runSettingsGet},
		{name: "set", summary: "change a setting: settings set KEY VALUE --as ADMIN", run: runSettingsSet},
	}}
}

const settingsSetUsage = `settings set KEY VALUE --as ADMIN [--auth-file F] [--db PATH]

Settings are the clinic's, kept authenticated in the database; only an admin changes
them. Among them, where patient text may go:
  llm.endpoint       the language model server drafts are sent to
  hl7.mllp_remote    true lets 'export --format hl7 --post' reach another machine;
                     MLLP is unencrypted (default false: this machine only)
  fhir.*             FHIR export settings`

func runSettingsGet(ctx context.Context, c *cli, args []string) error {
	fs := newFlags(c, "settings get", "settings get KEY --as USER [--auth-file F] [--db PATH]")
	dbFlag(c, fs)
	auth := addAuthFlags(fs, "the user reading")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("settings get takes one KEY")
	}
	s, _, _, err := auth.login(ctx, c)
	if err != nil {
		return err
	}
	defer s.Close()
	v, ok, err := s.Setting(ctx, pos[0])
	if err != nil {
		return err
	}
	if !ok {
		return domain.Errorf(domain.ENotFound, "setting %s is not set", pos[0])
	}
	fmt.Fprintln(c.stdout, v)
	return nil
}

func runSettingsSet(ctx context.Context, c *cli, args []string) error {
	fs := newFlags(c, "settings set", settingsSetUsage)
	dbFlag(c, fs)
	auth := addAuthFlags(fs, "the admin making the change (recorded in the audit log)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return usagef("settings set takes a KEY and a VALUE")
	}
	key, value := pos[0], pos[1]
	if key == store.SettingMLLPRemote {
		switch value = strings.ToLower(value); value {
		case "true", "false":
		default:
			return usagef("%s is true or false, not %q", key, pos[1])
		}
	}
	s, sess, _, err := auth.login(ctx, c)
	if err != nil {
		return err
	}
	defer s.Close()
	if u := sess.User(); u.Role != domain.UserAdmin {
		return domain.Errorf(domain.EForbidden, "changing settings is for admins; %s is a %s", u.Name, u.Role)
	}
	if err := s.SetSetting(ctx, key, value, sess.User().ID); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "%s = %s\n", key, value)
	if key == store.SettingMLLPRemote && value == "true" {
		fmt.Fprintln(c.stderr, "warning: MLLP is unencrypted: HL7 exports to another machine cross the network in clear (use a VPN or a TLS tunnel)")
	}
	return nil
}
