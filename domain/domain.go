// Package domain holds the types that Greffier's packages speak in: transcript
// segments, encounters and their states, speaker roles, and the application error.
// It depends on nothing else in the project.
package domain

// Segment is one stretch of transcribed speech. Times are milliseconds from the start
// of the recording, with paused time removed.
type Segment struct {
	ID      int    `json:"id"`
	StartMS int64  `json:"start_ms"`
	EndMS   int64  `json:"end_ms"`
	Text    string `json:"text"`
	// Turn numbers speaker turns: it changes when the speaker (probably) changes.
	Turn int `json:"turn"`
	// Role is assigned by drafting (or given by a tagged dialogue); empty until then.
	Role Role `json:"role,omitempty"`
	// Confidence as whisper reports it: mean and minimum token probability, and the
	// probability that the window held no speech. Zero when unknown.
	TokenProb    float32 `json:"token_prob"`
	MinTokenProb float32 `json:"min_token_prob"`
	NoSpeechProb float32 `json:"no_speech_prob"`
}

// Role is who spoke a segment.
type Role string

const (
	RoleClinician Role = "clinician"
	RolePatient   Role = "patient"
	RoleOther     Role = "other"
)

// EncounterState is where an encounter is in its life: recording → transcribed →
// drafted → in_review → approved → exported.
type EncounterState string

const (
	StateRecording   EncounterState = "recording"
	StateTranscribed EncounterState = "transcribed"
	StateDrafted     EncounterState = "drafted"
	StateInReview    EncounterState = "in_review"
	StateApproved    EncounterState = "approved"
	StateExported    EncounterState = "exported"
)

// UserRole is what a user of the clinic may do.
type UserRole string

const (
	UserPhysician UserRole = "physician"
	UserSecretary UserRole = "secretary"
	UserAdmin     UserRole = "admin"
)

// Language is a language Greffier works in: the one spoken in a consultation, or a
// note's. Notes are written in French or English; the spoken language may also be
// Auto (detected by a multilingual whisper model).
type Language string

const (
	LangFrench  Language = "fr"
	LangEnglish Language = "en"
	LangAuto    Language = "auto"
)

// NoteLanguage reports whether l is a language notes are written in (fr or en).
func (l Language) NoteLanguage() bool { return l == LangFrench || l == LangEnglish }

// Spoken reports whether l can be asked of the transcriber (fr, en or auto).
func (l Language) Spoken() bool { return l.NoteLanguage() || l == LangAuto }
