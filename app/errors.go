package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"greffier/domain"
	"greffier/llm"
	"greffier/llm/llamaserver"
	"greffier/notes/llmdraft"
)

// UIError is what a service returns to the UI: a code and a message in the user's
// language that says what happened and what to do next. It holds no patient text.
// Its Error() is JSON so that Wails, which passes only the error string, carries the
// code too; api.ts parses it.
type UIError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *UIError) Error() string {
	b, _ := json.Marshal(e)
	return string(b)
}

// UserError turns any error into a *UIError in lang ("en" or "fr"): the one place
// where the app's errors become what the user reads (messages.go has the words). A
// *domain.Error keeps its user-safe message (from the core, in English) after a
// localized title and before localized advice; any other error becomes a generic
// internal error, since its text may hold paths or data that are not for the user's
// eyes.
func UserError(err error, lang domain.Language) *UIError {
	if err == nil {
		return nil
	}
	var ue *UIError
	if errors.As(err, &ue) {
		return ue
	}
	code := domain.ErrorCode(err)
	if _, ok := catalogue["title."+code]; !ok {
		code = domain.EInternal
	}
	m := msg("title."+code, lang)
	var de *domain.Error
	if code != domain.EInternal && errors.As(err, &de) && de.Message != "" {
		m += ": " + de.Message
	}
	return &UIError{Code: code, Message: m + ". " + msg("advice."+code, lang)}
}

// llmFailure tells the user, in lang, why the language model could not draft, that
// the previous draft is kept, and how to get the extractive draft instead. It holds
// no patient text (nor the server's answer).
func llmFailure(err error, lang domain.Language) *UIError {
	code, why := domain.EUnavailable, "llm.unexpected"
	switch {
	case errors.Is(err, context.Canceled):
		why = "llm.cancelled"
	case errors.Is(err, llm.ErrRemote):
		code, why = domain.EForbidden, "llm.remote"
	case errors.Is(err, llm.ErrTruncated), errors.Is(err, llm.ErrContextExceeded), errors.Is(err, llmdraft.ErrNothingDrafted):
		why = "llm.truncated"
	case errors.Is(err, llm.ErrInvalidJSON), errors.Is(err, llm.ErrBadResponse):
		why = "llm.unusable"
	case errors.Is(err, llamaserver.ErrNotFound):
		why = "llm.noserver"
	case errors.Is(err, llm.ErrUnavailable), errors.Is(err, llm.ErrServer), errors.Is(err, context.DeadlineExceeded):
		why = "llm.down"
	case domain.ErrorCode(err) == domain.ENotFound:
		code, why = domain.ENotFound, "llm.nomodel"
	case domain.ErrorCode(err) == domain.EInvalid:
		code, why = domain.EInvalid, "llm.badsettings"
	}
	return &UIError{Code: code, Message: fmt.Sprintf(msg("llm.failed", lang), msg(why, lang))}
}

// userError is UserError in the current language, after logging an internal error
// with its cause: the user is told something went wrong, the log says what.
func (s *Services) userError(err error) *UIError {
	if err == nil {
		return nil
	}
	var ue *UIError
	if !errors.As(err, &ue) && domain.ErrorCode(err) == domain.EInternal {
		s.log.Error("internal error", "cause", err.Error())
	}
	return UserError(err, s.language())
}

// fail converts err for the UI in the current language; nil stays nil.
func (s *Services) fail(err error) error {
	if err == nil {
		return nil
	}
	return s.userError(err)
}
