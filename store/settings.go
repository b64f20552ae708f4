package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"greffier/domain"
)

// Settings keys.
const (
	// SettingRetentionDays is how many days after approval audio is deleted.
	SettingRetentionDays = "retention.audio_days"
	// SettingLLMEndpoint is the language model server drafts are sent to.
	SettingLLMEndpoint = "llm.endpoint"
	// SettingMLLPRemote ("true" or "false") lets HL7 exports go over MLLP to a
	// receiver that is not this machine. MLLP is unencrypted: an admin decides.
	SettingMLLPRemote = "hl7.mllp_remote"
	// SettingServerExport lists the formats the clinic server lets a browser download
	// an approved note in ("pdf,txt,fhir,hl7"; "none" for none). Unset: all of them.
	SettingServerExport = "export.server_formats"
)

// EndpointSetting reports whether key says where patient text may go (the language
// model endpoint, FHIR and HL7 settings, what the clinic server lets browsers
// download): only an admin changes those.
func EndpointSetting(key string) bool {
	return key == SettingLLMEndpoint || key == SettingServerExport || strings.HasPrefix(key, "fhir.") || strings.HasPrefix(key, "hl7.")
}

// serverExportFormats are the formats a note exports to, in the order offered.
var serverExportFormats = []string{"pdf", "txt", "fhir", "hl7"}

// ServerExportFormats returns the formats the clinic policy lets a browser download
// from the clinic server (SettingServerExport): all of them when unset, none for
// "none"; an unknown format in the setting is refused rather than ignored.
func (db *DB) ServerExportFormats(ctx context.Context) ([]string, error) {
	v, ok, err := db.Setting(ctx, SettingServerExport)
	if err != nil {
		return nil, err
	}
	if !ok {
		return append([]string(nil), serverExportFormats...), nil
	}
	out := []string{}
	for _, f := range strings.Split(v, ",") {
		f = strings.ToLower(strings.TrimSpace(f))
		switch {
		case f == "" || f == "none":
		case slices.Contains(serverExportFormats, f):
			if !slices.Contains(out, f) {
				out = append(out, f)
			}
		default:
			return nil, domain.Errorf(domain.EInvalid, "setting %s = %q: %q is not one of %s or none", SettingServerExport, v, f, strings.Join(serverExportFormats, ", "))
		}
	}
	return out, nil
}

// DefaultRetentionDays is the audio retention when the setting is absent.
const DefaultRetentionDays = 30

// Setting returns a setting's value and whether it is set.
func (db *DB) Setting(ctx context.Context, key string) (string, bool, error) {
	var v string
	q := `SELECT grf_checked('setting', value, mac, key, value) FROM settings WHERE key = ?`
	if strings.HasPrefix(key, "integrity.") {
		q = `SELECT value FROM settings WHERE key = ?`
	}
	err := db.db.QueryRowContext(ctx, q, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, funcErr(err, "read setting %s", key)
	}
	return v, true, nil
}

// MLLPRemote reports whether an admin allowed HL7 over MLLP to a receiver that is
// not this machine (SettingMLLPRemote).
func (db *DB) MLLPRemote(ctx context.Context) (bool, error) {
	v, _, err := db.Setting(ctx, SettingMLLPRemote)
	if err != nil {
		return false, err
	}
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "", "false", "0", "no":
		return false, nil
	case "true", "1", "yes":
		return true, nil
	}
	return false, domain.Errorf(domain.EInvalid, "setting %s = %q: want true or false", SettingMLLPRemote, v)
}

// SetSetting stores a setting; by is recorded in the audit log. A setting that says
// where patient text may go (EndpointSetting) is changed only by an admin; saving
// it unchanged (a settings form saved as a whole) is allowed and not recorded.
// Keys under "integrity." are the store's own.
func (db *DB) SetSetting(ctx context.Context, key, value string, by int64) error {
	if strings.HasPrefix(key, "integrity.") {
		return domain.Errorf(domain.EInvalid, "setting %s is kept by Greffier itself", key)
	}
	var refused *actor
	err := db.write(ctx, "save setting", func(tx *sql.Tx) error {
		a, err := actorTx(ctx, tx, by)
		if err != nil {
			return err
		}
		if EndpointSetting(key) {
			var old sql.NullString
			err := tx.QueryRowContext(ctx, `SELECT grf_checked('setting', value, mac, key, value) FROM settings WHERE key = ?`, key).Scan(&old)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return funcErr(err, "read setting %s", key)
			}
			if old.Valid && old.String == value || !old.Valid && value == "" {
				return nil
			}
			if err := a.require("changing where patient text is sent ("+key+")", domain.UserAdmin); err != nil {
				refused = &a
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, key, value, ms(db.now())); err != nil {
			return fmt.Errorf("save setting %s: %w", key, err)
		}
		return db.auditTx(ctx, tx, a, ActionSettings, 0, "key="+key)
	})
	if refused != nil {
		// The transaction was rolled back with the refusal: recorded apart.
		db.refusal(ctx, refused.ID, refused.Name, ActionSettingRefused, 0, "key="+key)
	}
	return err
}

// RetentionDays returns the audio retention in days (DefaultRetentionDays if unset
// or not a non-negative number).
func (db *DB) RetentionDays(ctx context.Context) (int, error) {
	v, ok, err := db.Setting(ctx, SettingRetentionDays)
	if err != nil || !ok {
		return DefaultRetentionDays, err
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return DefaultRetentionDays, fmt.Errorf("setting %s = %q is not a number of days; using %d", SettingRetentionDays, v, DefaultRetentionDays)
	}
	return n, nil
}
