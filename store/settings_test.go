package store_test

import (
	"context"
	"testing"

	"greffier/domain"
	"greffier/store"
)

// Where patient text may go is an admin's decision: a physician or a secretary who
// changes the language model endpoint, a FHIR or an HL7 setting is refused (and the
// refusal audited); saving the value unchanged, as a settings form does, passes.
func TestOnlyAnAdminChangesEndpoints(t *testing.T) {
	ctx := context.Background()
	f := newAuthFixture(t)
	db := f.db
	for _, key := range []string{store.SettingLLMEndpoint, "fhir.base_url", store.SettingMLLPRemote} {
		for _, u := range []store.User{f.docUser, f.secUser} {
			wantCode(t, db.SetSetting(ctx, key, "https://elsewhere.example", u.ID), domain.EForbidden)
		}
		if err := db.SetSetting(ctx, key, "true", f.admin.User().ID); err != nil {
			t.Fatalf("admin sets %s: %v", key, err)
		}
		if err := db.SetSetting(ctx, key, "true", f.docUser.ID); err != nil {
			t.Errorf("%s saved unchanged by a physician: %v", key, err)
		}
		if v, _, _ := db.Setting(ctx, key); v != "true" {
			t.Errorf("%s = %q after refused changes", key, v)
		}
	}
	// Other settings are not endpoints: a physician sets the clinic's name.
	if err := db.SetSetting(ctx, "clinic.name", "Riverside", f.docUser.ID); err != nil {
		t.Fatal(err)
	}
	wantCode(t, db.SetSetting(ctx, "integrity.checked_at", "0", f.admin.User().ID), domain.EInvalid)
	if remote, err := db.MLLPRemote(ctx); err != nil || !remote {
		t.Errorf("MLLPRemote = %v, %v", remote, err)
	}
	entries, _ := db.Audit(ctx, store.AuditFilter{})
	refused := 0
	for _, e := range entries {
		if e.Action == store.ActionSettingRefused {
			refused++
		}
	}
	if refused != 6 {
		t.Errorf("%d refusals audited, want 6", refused)
	}
}
