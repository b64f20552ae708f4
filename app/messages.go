package app

import "greffier/domain"

// text is one message in English and French.
type text struct{ en, fr string }

// in is the message in lang (English unless "fr").
func (t text) in(lang domain.Language) string {
	if lang == domain.LangFrench {
		return t.fr
	}
	return t.en
}

// catalogue holds every message the Go side shows the user, in both languages: the
// title and the advice for each error code, and why a language model did not draft.
// (The frontend has its own catalogue for the screens.) Never written after start.
var catalogue = map[string]text{
	"title." + domain.EInvalid:     {"Invalid input", "Entrée invalide"},
	"title." + domain.ENotFound:    {"Not found", "Introuvable"},
	"title." + domain.EForbidden:   {"Not allowed", "Non autorisé"},
	"title." + domain.EConflict:    {"Not possible now", "Impossible pour l'instant"},
	"title." + domain.EUnavailable: {"Unavailable", "Indisponible"},
	"title." + domain.EInternal:    {"Internal error", "Erreur interne"},
	"title." + EUnauthenticated:    {"Not logged in", "Non connecté"},

	"advice." + domain.EInvalid:     {"Check what you entered or the file, then try again.", "Vérifiez la saisie ou le fichier, puis réessayez."},
	"advice." + domain.ENotFound:    {"It may have been deleted; go back to the list and refresh.", "Il a peut-être été supprimé ; revenez à la liste et actualisez."},
	"advice." + domain.EForbidden:   {"Your role does not allow this; ask a physician or an administrator.", "Votre rôle ne le permet pas ; demandez à un médecin ou à un administrateur."},
	"advice." + domain.EConflict:    {"The encounter is not in the right state for this; finish the previous step first.", "La consultation n'est pas à la bonne étape ; terminez d'abord l'étape précédente."},
	"advice." + domain.EUnavailable: {"A component is missing or stopped; see Settings.", "Un composant manque ou est arrêté ; voir Réglages."},
	"advice." + EUnauthenticated:    {"Log in (or unlock with your password) to continue.", "Connectez-vous (ou déverrouillez avec votre mot de passe) pour continuer."},
	"advice." + domain.EInternal:    {"Something went wrong inside Greffier. Nothing you saved was lost; try again, and report it if it repeats.", "Une erreur interne s'est produite. Rien de ce qui était enregistré n'est perdu ; réessayez et signalez-la si elle se répète."},

	"llm.failed": {"The language model could not draft the note: %s. The previous draft is kept (nothing was saved). Try again, or, for an extractive draft without a language model, clear the language model in Settings and draft again.",
		"Brouillon non rédigé par le modèle de langage : %s. Le brouillon précédent est conservé (rien n'a été enregistré). Réessayez, ou, pour un brouillon extractif sans modèle de langage, videz le modèle de langage dans Réglages puis relancez le brouillon."},
	"llm.cancelled":   {"drafting was cancelled", "la rédaction a été annulée"},
	"llm.remote":      {"the language model's address is not on this machine and was not allowed", "l'adresse du modèle de langage n'est pas sur cet ordinateur et n'a pas été autorisée"},
	"llm.truncated":   {"the model's answer was cut short (the transcript is too long for its limits)", "la réponse du modèle a été tronquée (le transcript dépasse ses limites)"},
	"llm.unusable":    {"the model did not produce a usable note", "le modèle n'a pas produit de note utilisable"},
	"llm.noserver":    {"llama-server is not installed (Debian: apt install llama.cpp-tools)", "llama-server n'est pas installé (Debian : apt install llama.cpp-tools)"},
	"llm.down":        {"the language model server does not answer (stopped, or unreachable)", "le serveur du modèle de langage ne répond pas (arrêté ou injoignable)"},
	"llm.nomodel":     {"the GGUF model file chosen in Settings cannot be read", "le fichier de modèle GGUF choisi dans Réglages est illisible"},
	"llm.badsettings": {"the language model set in Settings is not valid", "le modèle de langage défini dans Réglages n'est pas valide"},
	"llm.unexpected":  {"unexpected failure", "échec inattendu"},
}

// msg is catalogue[key] in lang; a missing key is a bug, shown as the key itself.
func msg(key string, lang domain.Language) string {
	t, ok := catalogue[key]
	if !ok {
		return key
	}
	return t.in(lang)
}
