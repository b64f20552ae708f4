package server

import (
	"encoding/json"
	"errors"
	"net/http"

	"greffier/app"
	"greffier/domain"
)

// Codes of this edge, next to the domain's (domain/error.go).
const (
	codeUnauthorized = "unauthorized" // no session, an expired one, or a failed login
	codeCSRF         = "csrf"         // a state-changing request without the session's token
	codeTooLarge     = "too_large"    // a request body over the limit
	codeMediaType    = "media_type"   // a request body that is not JSON
)

// statusOf is the one place where an error code becomes an HTTP status.
var statusOf = map[string]int{
	domain.EInvalid:     http.StatusBadRequest,
	domain.ENotFound:    http.StatusNotFound,
	domain.EForbidden:   http.StatusForbidden,
	domain.EConflict:    http.StatusConflict,
	domain.EUnavailable: http.StatusServiceUnavailable,
	domain.EInternal:    http.StatusInternalServerError,
	codeUnauthorized:    http.StatusUnauthorized,
	codeCSRF:            http.StatusForbidden,
	codeTooLarge:        http.StatusRequestEntityTooLarge,
	codeMediaType:       http.StatusUnsupportedMediaType,
}

// apiError is the body of every failure: {"error": {"code", "message"}}, the message
// in the user's language and free of patient text (app.UserError).
type apiError struct {
	Error app.UIError `json:"error"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeErr answers with err's code and localized message.
func writeErr(w http.ResponseWriter, err error, lang string) {
	var ee *edgeError
	if errors.As(err, &ee) {
		writeJSON(w, statusOf[ee.code], apiError{app.UIError{Code: ee.code, Message: ee.message(lang)}})
		return
	}
	ue := app.UserError(err, domain.Language(lang))
	status, ok := statusOf[ue.Code]
	if !ok {
		status = http.StatusInternalServerError
	}
	writeJSON(w, status, apiError{*ue})
}

// edgeError is a failure of this edge (session, CSRF, size), with its message in
// both languages.
type edgeError struct {
	code   string
	en, fr string
}

func (e *edgeError) Error() string { return e.code + ": " + e.en }

func (e *edgeError) message(lang string) string {
	if lang == "fr" {
		return e.fr
	}
	return e.en
}

var (
	errNoSession = &edgeError{codeUnauthorized, "Not logged in, or the session ended. Log in again.", "Non connecté, ou la session a pris fin. Reconnectez-vous."}
	errCSRF      = &edgeError{codeCSRF, "The request lacks this session's security token. Reload the page.", "Il manque le jeton de sécurité de la session. Rechargez la page."}
	errTooLarge  = &edgeError{codeTooLarge, "The request is too large.", "La requête est trop volumineuse."}
	errNotJSON   = &edgeError{codeMediaType, "The request body must be JSON.", "Le corps de la requête doit être du JSON."}
)

// loginFailed turns a refused login (wrong password, unknown user, backoff, disabled:
// EForbidden from the store) into 401 with the store's reason, which holds no secret
// (it says the same for an unknown user and a wrong password); other failures keep
// their code.
func loginFailed(err error, lang string) *app.UIError {
	var de *domain.Error
	if !errors.As(err, &de) || de.Code != domain.EForbidden {
		return app.UserError(err, domain.Language(lang))
	}
	title := "Login refused: "
	if lang == "fr" {
		title = "Connexion refusée : "
	}
	return &app.UIError{Code: codeUnauthorized, Message: title + de.Message + "."}
}
