package domain

import (
	"errors"
	"fmt"
)

// Error codes: what kind of failure, for the edges (CLI exit codes, UI messages).
const (
	EInvalid     = "invalid"     // bad input: a file, an argument, a request
	ENotFound    = "not_found"   // no such encounter, model, device…
	EForbidden   = "forbidden"   // the user's role does not allow it
	EConflict    = "conflict"    // the state does not allow it (e.g. export before approval)
	EUnavailable = "unavailable" // a component is missing or down (model, LLM server, device)
	EInternal    = "internal"    // a bug or an unexpected failure
)

// Error is an application error with a code and a message that is safe to show a user
// (it holds no patient text). Err, if any, is the underlying cause.
type Error struct {
	Code    string
	Message string
	Err     error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an *Error with the given code around err.
func Wrap(code string, err error, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Err: err}
}

// ErrorCode returns the code of the first *Error in err's chain, EInternal for any
// other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}
