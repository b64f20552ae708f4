// Package schema defines Greffier's clinical note: the Go types every drafter fills
// and the versioned JSON Schema (note.schema.json) their JSON must satisfy. Every
// sentence and item carries evidence: ids of the transcript segments it comes from.
package schema

import "encoding/json"

// Version is the schema_version this package writes and validates.
const Version = "1"

// Drafter kinds.
const (
	DrafterExtractive = "extractive"
	DrafterLLM        = "llm"
)

// Medication actions.
const (
	ActionStart    = "start"
	ActionStop     = "stop"
	ActionContinue = "continue"
	ActionChange   = "change"
	ActionUnknown  = "unknown"
)

// Warning kinds that Greffier's drafters emit. The schema accepts any lower_snake
// kind so that new ones do not break stored notes.
const (
	WarnTruncated       = "truncated"         // the model's output was cut (max tokens) or input dropped
	WarnNoEvidence      = "no_evidence"       // a sentence or item cites no segment
	WarnInvalidEvidence = "invalid_evidence"  // it cites ids that are not in the transcript
	WarnInvalidCode     = "invalid_code"      // an ICD-10-CM code failed validation
	WarnExtractive      = "extractive"        // the note was drafted by rules, not a model
	WarnChunked         = "chunked"           // the transcript was drafted in pieces and merged
	WarnRepaired        = "repaired"          // the model's JSON needed a repair round
	WarnEmptyTranscript = "empty_transcript"  // nothing to draft from
	WarnLanguage        = "language_mismatch" // extractive quotes are not in the note language
	WarnLowConfidence   = "low_confidence"    // a cited segment was transcribed with low confidence
	WarnUnsupportedFact = "unsupported_fact"  // a fact stated (dose, side, negation...) is not in the cited segments
	WarnSectionConflict = "section_conflict"  // two texts of a section arrived at once: the user chooses
)

// Note is one drafted clinical note. Marshal it with encoding/json: nil slices are
// written as empty arrays, as the schema requires.
type Note struct {
	SchemaVersion       string          `json:"schema_version"`
	Template            string          `json:"template"`
	Language            string          `json:"language"` // output language: fr or en
	Drafter             DrafterInfo     `json:"drafter"`
	Sections            []Section       `json:"sections"`
	Problems            []Problem       `json:"problems"`
	Medications         []Medication    `json:"medications"`
	Allergies           []Allergy       `json:"allergies"`
	Vitals              []Vital         `json:"vitals"`
	Orders              []Order         `json:"orders"`
	FollowUp            []Sentence      `json:"follow_up"`
	PatientInstructions []Sentence      `json:"patient_instructions"`
	ReferralLetter      *ReferralLetter `json:"referral_letter,omitempty"`
	Warnings            []Warning       `json:"warnings"`
}

// DrafterInfo says what produced the draft.
type DrafterInfo struct {
	Kind  string `json:"kind"`            // DrafterExtractive or DrafterLLM
	Model string `json:"model,omitempty"` // model name for LLM drafts
}

// Evidence lists transcript segment ids (domain.Segment.ID).
type Evidence []int

// MarshalJSON writes nil as [] (the schema requires an array).
func (e Evidence) MarshalJSON() ([]byte, error) {
	if e == nil {
		return []byte("[]"), nil
	}
	return json.Marshal([]int(e))
}

// Sentence is one statement of the note with its evidence.
type Sentence struct {
	Text     string   `json:"text"`
	Evidence Evidence `json:"evidence"`
}

// Section is one titled part of the note (e.g. SOAP's "subjective").
type Section struct {
	Key       string     `json:"key"`
	Title     string     `json:"title"`
	Sentences []Sentence `json:"sentences"`
	// Alternatives are other texts of the section that arrived while it was being
	// edited (a redraft, another user's save): kept, never dropped, until the user
	// chooses one. Only Sentences are rendered and exported.
	Alternatives []Alternative `json:"alternatives,omitempty"`
}

// Alternative kinds.
const (
	AltRedraft = "redraft" // Greffier redrafted the section
	AltEdit    = "edit"    // a user's save made from an older version
)

// Alternative is a competing text of a section, waiting for the user's choice.
type Alternative struct {
	Kind      string     `json:"kind"` // AltRedraft or AltEdit
	Sentences []Sentence `json:"sentences"`
}

// CodeRef is a suggested ICD-10-CM code with its official title.
type CodeRef struct {
	Code  string `json:"code"`
	Title string `json:"title"`
	// Confidence (0 to 1) and Reason say how sure the suggestion is and why; the
	// extractive coder fills them, a model's codes may leave them empty.
	Confidence float64 `json:"confidence,omitempty"`
	Reason     string  `json:"reason,omitempty"`
}

// Problem is a diagnosis or problem discussed, with an optional code suggestion.
type Problem struct {
	Title    string   `json:"title"`
	ICD10    *CodeRef `json:"icd10,omitempty"`
	Evidence Evidence `json:"evidence"`
}

// Medication is a drug mentioned, and what the plan does with it.
type Medication struct {
	Name      string   `json:"name"`
	Dose      string   `json:"dose,omitempty"`
	Route     string   `json:"route,omitempty"`
	Frequency string   `json:"frequency,omitempty"`
	Action    string   `json:"action"` // one of the Action constants
	Evidence  Evidence `json:"evidence"`
}

// Allergy is a stated allergy or intolerance.
type Allergy struct {
	Substance string   `json:"substance"`
	Reaction  string   `json:"reaction,omitempty"`
	Evidence  Evidence `json:"evidence"`
}

// Vital kinds.
const (
	VitalBP          = "blood_pressure"
	VitalHR          = "heart_rate"
	VitalRR          = "respiratory_rate"
	VitalTemperature = "temperature"
	VitalSpO2        = "spo2"
	VitalWeight      = "weight"
	VitalHeight      = "height"
	VitalBMI         = "bmi"
	VitalGlucose     = "glucose"
	VitalPain        = "pain"
	VitalOther       = "other"
)

// Vital is one measured sign, e.g. {blood_pressure, "120/80", "mmHg"}.
type Vital struct {
	Kind     string   `json:"kind"`
	Value    string   `json:"value"`
	Unit     string   `json:"unit,omitempty"`
	Evidence Evidence `json:"evidence"`
}

// Order kinds.
const (
	OrderLab        = "lab"
	OrderImaging    = "imaging"
	OrderReferral   = "referral"
	OrderProcedure  = "procedure"
	OrderMedication = "medication"
	OrderOther      = "other"
)

// Order is a test, referral or procedure ordered.
type Order struct {
	Kind     string   `json:"kind"`
	Text     string   `json:"text"`
	Evidence Evidence `json:"evidence"`
}

// ReferralLetter is an optional letter to another clinician.
type ReferralLetter struct {
	Recipient string     `json:"recipient"`
	Sentences []Sentence `json:"sentences"`
}

// Warning tells the reviewer what to check. Path is a JSON pointer into the note
// (e.g. "/sections/1/sentences/3") when the warning is about one item.
type Warning struct {
	Kind    string `json:"kind"`
	Message string `json:"message"`
	Path    string `json:"path,omitempty"`
}

// MarshalJSON writes nil slices as [].
func (n Note) MarshalJSON() ([]byte, error) {
	type plain Note
	p := plain(n)
	p.Sections = nonNil(p.Sections)
	p.Problems = nonNil(p.Problems)
	p.Medications = nonNil(p.Medications)
	p.Allergies = nonNil(p.Allergies)
	p.Vitals = nonNil(p.Vitals)
	p.Orders = nonNil(p.Orders)
	p.FollowUp = nonNil(p.FollowUp)
	p.PatientInstructions = nonNil(p.PatientInstructions)
	p.Warnings = nonNil(p.Warnings)
	return json.Marshal(p)
}

// MarshalJSON writes nil sentences as [].
func (s Section) MarshalJSON() ([]byte, error) {
	type plain Section
	p := plain(s)
	p.Sentences = nonNil(p.Sentences)
	return json.Marshal(p)
}

// MarshalJSON writes nil sentences as [].
func (r ReferralLetter) MarshalJSON() ([]byte, error) {
	type plain ReferralLetter
	p := plain(r)
	p.Sentences = nonNil(p.Sentences)
	return json.Marshal(p)
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// AddWarning appends a warning to the note.
func (n *Note) AddWarning(kind, path, message string) {
	n.Warnings = append(n.Warnings, Warning{Kind: kind, Message: message, Path: path})
}

// MarshalJSON writes nil sentences as [].
func (a Alternative) MarshalJSON() ([]byte, error) {
	type plain Alternative
	p := plain(a)
	p.Sentences = nonNil(p.Sentences)
	return json.Marshal(p)
}
