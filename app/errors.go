package app

import (
	"encoding/json"
	"errors"

	"greffier/domain"
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

// advice is what to do next, per error code and language.
var advice = map[string][2]string{ // [en, fr]
	domain.EInvalid:     {"Check what you entered or the file, then try again.", "Vérifiez la saisie ou le fichier, puis réessayez."},
	domain.ENotFound:    {"It may have been deleted; go back to the list and refresh.", "Il a peut-être été supprimé ; revenez à la liste et actualisez."},
	domain.EForbidden:   {"Your role does not allow this; ask a physician or an administrator.", "Votre rôle ne le permet pas ; demandez à un médecin ou à un administrateur."},
	domain.EConflict:    {"The encounter is not in the right state for this; finish the previous step first.", "La consultation n'est pas à la bonne étape ; terminez d'abord l'étape précédente."},
	domain.EUnavailable: {"A component is missing or stopped; see Settings.", "Un composant manque ou est arrêté ; voir Réglages."},
	domain.EInternal:    {"Something went wrong inside Greffier. Nothing you saved was lost; try again, and report it if it repeats.", "Une erreur interne s'est produite. Rien de ce qui était enregistré n'est perdu ; réessayez et signalez-la si elle se répète."},
}

var codeTitle = map[string][2]string{
	domain.EInvalid:     {"Invalid input", "Entrée invalide"},
	domain.ENotFound:    {"Not found", "Introuvable"},
	domain.EForbidden:   {"Not allowed", "Non autorisé"},
	domain.EConflict:    {"Not possible now", "Impossible pour l'instant"},
	domain.EUnavailable: {"Unavailable", "Indisponible"},
	domain.EInternal:    {"Internal error", "Erreur interne"},
}

// UserError turns any error into a *UIError in lang ("en" or "fr"). A *domain.Error
// keeps its user-safe message (from the core, in English) after a localized title and
// before localized advice; any other error becomes a generic internal error, since its
// text may hold paths or data that are not for the user's eyes.
func UserError(err error, lang string) *UIError {
	if err == nil {
		return nil
	}
	var ue *UIError
	if errors.As(err, &ue) {
		return ue
	}
	i := 0
	if lang == "fr" {
		i = 1
	}
	code := domain.ErrorCode(err)
	title, ok := codeTitle[code]
	if !ok {
		code = domain.EInternal
		title = codeTitle[code]
	}
	msg := title[i]
	var de *domain.Error
	if code != domain.EInternal && errors.As(err, &de) && de.Message != "" {
		msg += ": " + de.Message
	}
	return &UIError{Code: code, Message: msg + ". " + advice[code][i]}
}

// fail converts err for the UI in the current language; nil stays nil.
func (s *Services) fail(err error) error {
	if err == nil {
		return nil
	}
	return UserError(err, s.language())
}
