package fhir

import "encoding/json"

// The FHIR R4 data types Greffier writes: only the elements it fills. JSON names and
// cardinalities follow the R4 specification; tests validate the output against the
// official R4 JSON schema.

type Meta struct {
	Security []Coding `json:"security,omitempty"`
	Tag      []Coding `json:"tag,omitempty"`
}

type Coding struct {
	System  string `json:"system,omitempty"`
	Code    string `json:"code,omitempty"`
	Display string `json:"display,omitempty"`
}

type CodeableConcept struct {
	Coding []Coding `json:"coding,omitempty"`
	Text   string   `json:"text,omitempty"`
}

type Identifier struct {
	Use    string           `json:"use,omitempty"`
	Type   *CodeableConcept `json:"type,omitempty"`
	System string           `json:"system,omitempty"`
	Value  string           `json:"value,omitempty"`
}

type Reference struct {
	Reference string `json:"reference,omitempty"`
	Display   string `json:"display,omitempty"`
}

type HumanName struct {
	Text   string   `json:"text,omitempty"`
	Family string   `json:"family,omitempty"`
	Given  []string `json:"given,omitempty"`
}

type Period struct {
	Start string `json:"start,omitempty"`
	End   string `json:"end,omitempty"`
}

type Narrative struct {
	Status string `json:"status"`
	Div    string `json:"div"`
}

type Attachment struct {
	ContentType string `json:"contentType,omitempty"`
	Language    string `json:"language,omitempty"`
	Data        []byte `json:"data,omitempty"` // base64 in JSON, as FHIR wants
	Title       string `json:"title,omitempty"`
	Creation    string `json:"creation,omitempty"`
}

type Patient struct {
	ResourceType string       `json:"resourceType"`
	Identifier   []Identifier `json:"identifier,omitempty"`
	Name         []HumanName  `json:"name,omitempty"`
	Gender       string       `json:"gender,omitempty"`
	BirthDate    string       `json:"birthDate,omitempty"`
}

type Practitioner struct {
	ResourceType string       `json:"resourceType"`
	Identifier   []Identifier `json:"identifier,omitempty"`
	Name         []HumanName  `json:"name,omitempty"`
}

type Organization struct {
	ResourceType string       `json:"resourceType"`
	Identifier   []Identifier `json:"identifier,omitempty"`
	Name         string       `json:"name,omitempty"`
}

type DeviceName struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

type DeviceVersion struct {
	Value string `json:"value"`
}

type Device struct {
	ResourceType string           `json:"resourceType"`
	Identifier   []Identifier     `json:"identifier,omitempty"`
	Status       string           `json:"status,omitempty"`
	DeviceName   []DeviceName     `json:"deviceName,omitempty"`
	Type         *CodeableConcept `json:"type,omitempty"`
	Version      []DeviceVersion  `json:"version,omitempty"`
	Owner        *Reference       `json:"owner,omitempty"`
}

type EncounterParticipant struct {
	Individual *Reference `json:"individual,omitempty"`
}

type Encounter struct {
	ResourceType    string                 `json:"resourceType"`
	Identifier      []Identifier           `json:"identifier,omitempty"`
	Status          string                 `json:"status"`
	Class           Coding                 `json:"class"`
	Subject         *Reference             `json:"subject,omitempty"`
	Participant     []EncounterParticipant `json:"participant,omitempty"`
	Period          *Period                `json:"period,omitempty"`
	ServiceProvider *Reference             `json:"serviceProvider,omitempty"`
}

type Condition struct {
	ResourceType       string            `json:"resourceType"`
	Identifier         []Identifier      `json:"identifier,omitempty"`
	ClinicalStatus     *CodeableConcept  `json:"clinicalStatus,omitempty"`
	VerificationStatus *CodeableConcept  `json:"verificationStatus,omitempty"`
	Category           []CodeableConcept `json:"category,omitempty"`
	Code               *CodeableConcept  `json:"code,omitempty"`
	Subject            Reference         `json:"subject"`
	Encounter          *Reference        `json:"encounter,omitempty"`
	RecordedDate       string            `json:"recordedDate,omitempty"`
	Recorder           *Reference        `json:"recorder,omitempty"`
	Asserter           *Reference        `json:"asserter,omitempty"`
}

type CompositionAttester struct {
	Mode  string     `json:"mode"`
	Time  string     `json:"time,omitempty"`
	Party *Reference `json:"party,omitempty"`
}

type CompositionSection struct {
	Title string           `json:"title,omitempty"`
	Code  *CodeableConcept `json:"code,omitempty"`
	Text  *Narrative       `json:"text,omitempty"`
	Entry []Reference      `json:"entry,omitempty"`
}

type Composition struct {
	ResourceType string                `json:"resourceType"`
	Meta         *Meta                 `json:"meta,omitempty"`
	Language     string                `json:"language,omitempty"`
	Identifier   *Identifier           `json:"identifier,omitempty"`
	Status       string                `json:"status"`
	Type         CodeableConcept       `json:"type"`
	Subject      *Reference            `json:"subject,omitempty"`
	Encounter    *Reference            `json:"encounter,omitempty"`
	Date         string                `json:"date"`
	Author       []Reference           `json:"author"`
	Title        string                `json:"title"`
	Attester     []CompositionAttester `json:"attester,omitempty"`
	Custodian    *Reference            `json:"custodian,omitempty"`
	Section      []CompositionSection  `json:"section,omitempty"`
}

type DocumentReferenceContent struct {
	Attachment Attachment `json:"attachment"`
}

type DocumentReferenceContext struct {
	Encounter []Reference `json:"encounter,omitempty"`
	Period    *Period     `json:"period,omitempty"`
}

type DocumentReference struct {
	ResourceType     string                     `json:"resourceType"`
	Meta             *Meta                      `json:"meta,omitempty"`
	MasterIdentifier *Identifier                `json:"masterIdentifier,omitempty"`
	Identifier       []Identifier               `json:"identifier,omitempty"`
	Status           string                     `json:"status"`
	DocStatus        string                     `json:"docStatus,omitempty"`
	Type             *CodeableConcept           `json:"type,omitempty"`
	Subject          *Reference                 `json:"subject,omitempty"`
	Date             string                     `json:"date,omitempty"`
	Author           []Reference                `json:"author,omitempty"`
	Authenticator    *Reference                 `json:"authenticator,omitempty"`
	Custodian        *Reference                 `json:"custodian,omitempty"`
	Content          []DocumentReferenceContent `json:"content"`
	Context          *DocumentReferenceContext  `json:"context,omitempty"`
}

type ProvenanceAgent struct {
	Type       *CodeableConcept `json:"type,omitempty"`
	Who        Reference        `json:"who"`
	OnBehalfOf *Reference       `json:"onBehalfOf,omitempty"`
}

type Provenance struct {
	ResourceType string            `json:"resourceType"`
	Meta         *Meta             `json:"meta,omitempty"`
	Target       []Reference       `json:"target"`
	Recorded     string            `json:"recorded"`
	Activity     *CodeableConcept  `json:"activity,omitempty"`
	Agent        []ProvenanceAgent `json:"agent"`
	Signature    []Signature       `json:"signature,omitempty"`
}

// Signature is the R4 Signature data type.
type Signature struct {
	Type         []Coding  `json:"type"`
	When         string    `json:"when"`
	Who          Reference `json:"who"`
	TargetFormat string    `json:"targetFormat,omitempty"`
	SigFormat    string    `json:"sigFormat,omitempty"`
	Data         []byte    `json:"data,omitempty"` // base64 in JSON
}

// Bundle is a FHIR Bundle: the transaction Greffier sends, or the server's response.
type Bundle struct {
	ResourceType string        `json:"resourceType"`
	Type         string        `json:"type"`
	Timestamp    string        `json:"timestamp,omitempty"`
	Entry        []BundleEntry `json:"entry,omitempty"`
}

type BundleEntry struct {
	FullURL  string          `json:"fullUrl,omitempty"`
	Resource json.RawMessage `json:"resource,omitempty"`
	Request  *BundleRequest  `json:"request,omitempty"`
	Response *BundleResponse `json:"response,omitempty"`
}

type BundleRequest struct {
	Method      string `json:"method"`
	URL         string `json:"url"`
	IfNoneExist string `json:"ifNoneExist,omitempty"`
}

type BundleResponse struct {
	Status   string `json:"status"`
	Location string `json:"location,omitempty"`
}
