package app

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"greffier/domain"
)

// Every error code, and every reason a language model did not draft, has its words
// in both languages: a missing one would show the user a key.
func TestCatalogueIsComplete(t *testing.T) {
	keys := []string{"llm.failed", "llm.cancelled", "llm.remote", "llm.truncated", "llm.unusable", "llm.noserver",
		"llm.down", "llm.nomodel", "llm.badsettings", "llm.unexpected"}
	for _, c := range []string{domain.EInvalid, domain.ENotFound, domain.EForbidden, domain.EConflict, domain.EUnavailable, domain.EInternal, EUnauthenticated} {
		keys = append(keys, "title."+c, "advice."+c)
	}
	for _, k := range keys {
		tx, ok := catalogue[k]
		if !ok || tx.en == "" || tx.fr == "" || tx.en == tx.fr {
			t.Errorf("%s: %+v, want an English and a French text", k, tx)
		}
	}
	if len(catalogue) != len(keys) {
		t.Errorf("catalogue has %d entries, %d checked: test the new ones", len(catalogue), len(keys))
	}
}

// An internal error reaches the log with its cause, and the user only a generic
// message; a user error (its message is for the user) is not logged as internal.
func TestInternalErrorsAreLoggedWithTheirCause(t *testing.T) {
	var buf bytes.Buffer
	s := New(Config{Log: slog.New(slog.NewJSONHandler(&buf, nil))})
	cause := fmt.Errorf("save version: %w", errors.New("database disk image is malformed"))
	ue := s.userError(cause)
	if ue.Code != domain.EInternal || strings.Contains(ue.Message, "malformed") {
		t.Errorf("user sees %+v: want internal, without the cause", ue)
	}
	if !strings.Contains(buf.String(), "database disk image is malformed") {
		t.Errorf("log %q lacks the cause", buf.String())
	}
	buf.Reset()
	if ue := s.userError(domain.Errorf(domain.EConflict, "encounter 3 is approved")); ue.Code != domain.EConflict {
		t.Errorf("conflict became %+v", ue)
	}
	if buf.Len() != 0 {
		t.Errorf("a user error was logged as internal: %s", buf.String())
	}
	s.setLanguage("fr")
	if got := s.userError(errors.New("x")).Message; !strings.HasPrefix(got, "Erreur interne") {
		t.Errorf("French message %q", got)
	}
}
