// Package export holds what every export format starts from: an approved note with
// its patient, encounter and approving physician (Document), the blocks of text all
// formats show in the same order, and the FR/EN labels they print. The format packages
// (fhir, hl7, pdf, text) are pure functions of a Document, plus a clock for timestamps,
// so their output is deterministic and testable. Refusing notes that are not approved is
// the store's job; Validate only checks that a Document holds what an export needs.
package export

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"greffier/domain"
	"greffier/notes/schema"
)

// Document is one approved note ready for export.
type Document struct {
	Clinic    Clinic
	Patient   Patient
	Encounter Encounter
	// Author is the physician who approved the note.
	Author     Author
	ApprovedAt time.Time
	// NoteVersion is the approved draft version; with the encounter id it makes the
	// stable identifiers that let a re-export be recognised by the receiver.
	NoteVersion int
	Note        schema.Note
	// AcceptedCodes are the ICD-10-CM codes the reviewer accepted (dotted form, E11.9).
	AcceptedCodes []Code
	// NoteText is the note as plain text; empty means the text package renders it.
	NoteText string
	// Signature is the approval as signed (nil: not known, the export says only
	// who approved and when).
	Signature *Signature
}

// Signature is the electronic signature of the approved version: the signer gave
// their password again at the moment of signing (PasswordChecked), and the store
// sealed the statement (Seal, in format SealFormat; see store.Approval).
type Signature struct {
	Signer          string // the signer's display name
	SignedAt        time.Time
	Version         int
	SHA256          string // hex SHA-256 of the signed note (its stored JSON)
	PasswordChecked bool
	Meaning         string // what the signer stated, e.g. "I have reviewed and approve this note"
	Seal            []byte
	SealFormat      string // MIME type of Seal, e.g. application/jose
}

// Clinic is the organisation that produced the note.
type Clinic struct {
	ID   string // short identifier, e.g. the facility code sent in HL7 MSH-4
	Name string
	// MRNSystem is the URI of the clinic's medical record numbers (FHIR
	// Identifier.system); empty means a Greffier URN derived from ID.
	MRNSystem string
	// MRNAuthority is the HL7 assigning authority of MRNs (PID-3.4); empty means ID.
	MRNAuthority string
}

// Patient is who the note is about. Fields are optional until export; Validate says
// which one an export needs.
type Patient struct {
	ID     string // Greffier's local patient id
	MRN    string
	Family string
	Given  string
	// Name is the name as entered when it is not split into Family and Given.
	Name      string
	BirthDate string // YYYY-MM-DD, YYYY-MM or YYYY
	Sex       string // male, female, other, unknown or empty
}

// DisplayName is "Given Family", or whichever part is known, else Name.
func (p Patient) DisplayName() string { return displayName(p.Family, p.Given, p.Name) }

// Encounter is the consultation.
type Encounter struct {
	ID    string
	Start time.Time
	End   time.Time // zero when unknown
}

// Author is a clinician user of Greffier.
type Author struct {
	ID     string // Greffier user id
	Family string
	Given  string
	Name   string // the name as entered when not split into Family and Given
}

// DisplayName is "Given Family", or whichever part is known, else Name.
func (a Author) DisplayName() string { return displayName(a.Family, a.Given, a.Name) }

func displayName(family, given, name string) string {
	if n := strings.TrimSpace(strings.TrimSpace(given) + " " + strings.TrimSpace(family)); n != "" {
		return n
	}
	return strings.TrimSpace(name)
}

// NameParts returns family and given names. When only a whole name is known, the
// last word is taken as the family name: formats such as HL7 PID-5 need one, and a
// receiver matches patients on identifiers, not names.
func NameParts(family, given, name string) (string, string) {
	if family != "" || given != "" {
		return family, given
	}
	words := strings.Fields(name)
	if len(words) == 0 {
		return "", ""
	}
	return words[len(words)-1], strings.Join(words[:len(words)-1], " ")
}

// Code is an accepted ICD-10-CM code.
type Code struct {
	Code  string
	Title string
}

var (
	birthDateRE = regexp.MustCompile(`^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$`)
	icd10RE     = regexp.MustCompile(`^[A-Z]\d[0-9A-Z](\.[0-9A-Z]{1,4})?$`)
)

// Validate returns a *domain.Error (EInvalid) naming the first thing a Document lacks
// for export. The message names fields, never patient text.
func (d Document) Validate() error {
	var missing []string
	if d.Encounter.ID == "" {
		missing = append(missing, "encounter id")
	}
	if d.Encounter.Start.IsZero() {
		missing = append(missing, "encounter start time")
	}
	if d.Patient.ID == "" && d.Patient.MRN == "" {
		missing = append(missing, "patient id or MRN")
	}
	if d.Patient.DisplayName() == "" {
		missing = append(missing, "patient name")
	}
	if d.Author.ID == "" || d.Author.DisplayName() == "" {
		missing = append(missing, "approving physician")
	}
	if d.ApprovedAt.IsZero() {
		missing = append(missing, "approval time")
	}
	if len(missing) > 0 {
		return domain.Errorf(domain.EInvalid, "cannot export: missing %s", strings.Join(missing, ", "))
	}
	if d.Patient.BirthDate != "" && !birthDateRE.MatchString(d.Patient.BirthDate) {
		return domain.Errorf(domain.EInvalid, "cannot export: birth date must be YYYY-MM-DD")
	}
	switch d.Patient.Sex {
	case "", "male", "female", "other", "unknown":
	default:
		return domain.Errorf(domain.EInvalid, "cannot export: sex must be male, female, other or unknown")
	}
	for _, c := range d.AcceptedCodes {
		if !icd10RE.MatchString(c.Code) {
			return domain.Errorf(domain.EInvalid, "cannot export: %q is not an ICD-10-CM code", c.Code)
		}
	}
	return nil
}

// Language is the note's language, "fr" or "en" (the default).
func (d Document) Language() string {
	if strings.HasPrefix(strings.ToLower(d.Note.Language), "fr") {
		return "fr"
	}
	return "en"
}

// DocType is the kind of document in LOINC terms.
type DocType struct {
	LOINC   string // LOINC code
	Display string // LOINC display name
	HL7     string // HL7 table 0270 document type (TXA-2)
}

// Type maps the note's template to a LOINC document type: history and physical for
// "hp", progress note otherwise (SOAP and progress notes are both progress notes).
func (d Document) Type() DocType {
	if d.Note.Template == "hp" {
		return DocType{LOINC: "34117-2", Display: "History and physical note", HL7: "HP"}
	}
	return DocType{LOINC: "11506-3", Display: "Progress note", HL7: "PN"}
}

// Title is the document's title in its language: the template's kind of note.
func (d Document) Title() string {
	l := LabelsFor(d.Language())
	if d.Note.Template == "hp" {
		return l.HistoryPhysical
	}
	return l.ProgressNote
}

// Key returns a stable identifier value for a part of this export, e.g.
// Key("composition") = "enc-42/v3/composition". Re-exporting the same approved version
// gives the same keys, so a receiver that de-duplicates on them never duplicates.
func (d Document) Key(part string) string {
	return fmt.Sprintf("%s/v%d/%s", d.Encounter.ID, d.NoteVersion, part)
}
