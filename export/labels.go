package export

import (
	"strings"
	"time"
)

// Labels are the fixed words an export prints, in one language.
type Labels struct {
	Lang                string
	ProgressNote        string
	HistoryPhysical     string
	Patient             string
	MRN                 string
	BirthDate           string
	Clinician           string
	Date                string
	Diagnoses           string
	Medications         string
	Allergies           string
	Vitals              string
	Orders              string
	FollowUp            string
	PatientInstructions string
	ReferralLetter      string
	To                  string
	ApprovedBy          string // "Approved electronically by %s on %s"
	Signature           string
	// SignedBy is "Electronically signed by %s on %s (password checked)"; SignedNote
	// is "Signed version %d, SHA-256 %s".
	SignedBy, SignedByNoPassword, SignedNote string
	AIAssisted                               string
	Page                                     string // "Page %d / %s": number and total
	actions                                  map[string]string
	vitals                                   map[string]string
}

// english and french are built per call: no package-level mutable state.
func english() Labels {
	return Labels{
		Lang: "en", ProgressNote: "Progress note", HistoryPhysical: "History and physical",
		Patient: "Patient", MRN: "MRN", BirthDate: "Date of birth", Clinician: "Clinician",
		Date: "Date", Diagnoses: "Diagnoses (ICD-10-CM)", Medications: "Medications",
		Allergies: "Allergies", Vitals: "Vital signs", Orders: "Orders", FollowUp: "Follow-up",
		PatientInstructions: "Patient instructions", ReferralLetter: "Referral letter", To: "To:",
		ApprovedBy: "Reviewed and approved electronically by %s on %s.",
		Signature:  "Signature", Page: "Page %d / %s",
		SignedBy:           "Electronically signed by %s on %s (password given at signing).",
		SignedByNoPassword: "Approved by %s on %s (no password at signing).",
		SignedNote:         "Signed note: version %d, SHA-256 %s",
		AIAssisted:         "Drafted with Greffier (AI-assisted documentation) and reviewed by the clinician.",
		actions: map[string]string{"start": "start", "stop": "stop", "continue": "continue",
			"change": "change"},
		vitals: map[string]string{"blood_pressure": "Blood pressure", "heart_rate": "Heart rate",
			"respiratory_rate": "Respiratory rate", "temperature": "Temperature", "spo2": "SpO2",
			"weight": "Weight", "height": "Height", "bmi": "BMI", "glucose": "Glucose",
			"pain": "Pain", "other": "Other"},
	}
}

func french() Labels {
	return Labels{
		Lang: "fr", ProgressNote: "Note d'évolution", HistoryPhysical: "Observation médicale",
		Patient: "Patient", MRN: "N° de dossier", BirthDate: "Date de naissance",
		Clinician: "Médecin", Date: "Date", Diagnoses: "Diagnostics (CIM-10-CM)",
		Medications: "Médicaments", Allergies: "Allergies", Vitals: "Signes vitaux",
		Orders: "Prescriptions et demandes", FollowUp: "Suivi",
		PatientInstructions: "Consignes au patient", ReferralLetter: "Lettre d'adressage", To: "À :",
		ApprovedBy: "Relu et approuvé électroniquement par %s le %s.",
		Signature:  "Signature", Page: "Page %d / %s",
		SignedBy:           "Signé électroniquement par %s le %s (mot de passe saisi à la signature).",
		SignedByNoPassword: "Approuvé par %s le %s (sans mot de passe à la signature).",
		SignedNote:         "Note signée : version %d, SHA-256 %s",
		AIAssisted:         "Rédigé avec Greffier (documentation assistée par IA) et relu par le médecin.",
		actions: map[string]string{"start": "début", "stop": "arrêt", "continue": "poursuite",
			"change": "modification"},
		vitals: map[string]string{"blood_pressure": "Tension artérielle", "heart_rate": "Fréquence cardiaque",
			"respiratory_rate": "Fréquence respiratoire", "temperature": "Température", "spo2": "SpO2",
			"weight": "Poids", "height": "Taille", "bmi": "IMC", "glucose": "Glycémie",
			"pain": "Douleur", "other": "Autre"},
	}
}

// LabelsFor returns the labels of lang ("fr" or anything else for English).
func LabelsFor(lang string) Labels {
	if strings.HasPrefix(strings.ToLower(lang), "fr") {
		return french()
	}
	return english()
}

// Action is the word for a medication action; "" for unknown.
func (l Labels) Action(a string) string { return l.actions[a] }

// Vital is the name of a vital sign kind.
func (l Labels) Vital(kind string) string {
	if v, ok := l.vitals[kind]; ok {
		return v
	}
	return kind
}

// FormatDate prints a date the way the language writes it (27/11/2026 or 2026-11-27).
func (l Labels) FormatDate(t time.Time) string {
	if l.Lang == "fr" {
		return t.Format("02/01/2006")
	}
	return t.Format("2006-01-02")
}

// FormatDateTime prints a date and time in the language's way, to the minute.
func (l Labels) FormatDateTime(t time.Time) string {
	if l.Lang == "fr" {
		return t.Format("02/01/2006 15:04")
	}
	return t.Format("2006-01-02 15:04")
}
