// Package fhir writes an approved note as a FHIR R4 transaction Bundle and posts it to
// a FHIR server. Every entry is a conditional create (request.ifNoneExist) on a stable
// identifier, so exporting the same note again never duplicates anything on the
// server; entries refer to each other by urn:uuid fullUrls derived from the same
// identifiers, so the Bundle is deterministic.
package fhir

import (
	"encoding/json"
	"fmt"
	"html"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"

	"greffier/export"
	"greffier/export/pdf"
	"greffier/export/text"
)

// Code systems.
const (
	SystemICD10CM       = "http://hl7.org/fhir/sid/icd-10-cm"
	SystemLOINC         = "http://loinc.org"
	systemV2IDType      = "http://terminology.hl7.org/CodeSystem/v2-0203"
	systemActCode       = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
	systemObsValue      = "http://terminology.hl7.org/CodeSystem/v3-ObservationValue"
	systemDataOperation = "http://terminology.hl7.org/CodeSystem/v3-DataOperation"
	systemParticipant   = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"
	systemCondClinical  = "http://terminology.hl7.org/CodeSystem/condition-clinical"
	systemCondVerif     = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
	systemCondCategory  = "http://terminology.hl7.org/CodeSystem/condition-category"
	systemDocCompletion = "http://terminology.hl7.org/CodeSystem/v3-DocumentCompletion"
	// SystemSignatureType is the code system of R4's signature-type value set.
	SystemSignatureType = "urn:iso-astm:E1762-95:2013"
)

// Options tune the Bundle. Zero values have documented defaults.
type Options struct {
	// SystemBase prefixes the identifier systems of Greffier's own ids (patients,
	// users, encounters, documents): SystemBase+":encounter" etc. Default
	// "urn:greffier:" + the clinic id, so two clinics' local ids never collide.
	SystemBase string
	// PDF is the note as PDF for the DocumentReference; nil renders it with package pdf.
	PDF []byte
	// Now is the Bundle's timestamp. Default: the approval time.
	Now time.Time
	// SoftwareVersion is Greffier's version, recorded on the Device.
	SoftwareVersion string
}

// entry is one resource on its way into the Bundle.
type entry struct {
	system, value string // the identifier the conditional create matches on
	search        string // the search parameter: "identifier" or "_tag"
	resource      any
	typ           string
}

func (e entry) fullURL() string {
	return "urn:uuid:" + uuid.NewSHA1(uuid.NameSpaceURL, []byte(e.system+"|"+e.value)).String()
}

func (e entry) ref(display string) *Reference {
	return &Reference{Reference: e.fullURL(), Display: display}
}

// Build returns doc as a transaction Bundle.
func Build(doc export.Document, opt Options) (*Bundle, error) {
	if err := doc.Validate(); err != nil {
		return nil, err
	}
	opt, err := opt.withDefaults(doc, func() ([]byte, error) { return pdf.Render(doc) })
	if err != nil {
		return nil, err
	}
	b := builder{doc: doc, opt: opt, sys: func(kind string) string { return opt.SystemBase + ":" + kind }}
	entries := b.entries()
	out := &Bundle{ResourceType: "Bundle", Type: "transaction", Timestamp: instant(opt.Now)}
	for _, e := range entries {
		raw, err := json.Marshal(e.resource)
		if err != nil {
			return nil, fmt.Errorf("encode %s: %w", e.typ, err)
		}
		q := url.Values{e.search: {e.system + "|" + e.value}}
		out.Entry = append(out.Entry, BundleEntry{FullURL: e.fullURL(), Resource: raw,
			Request: &BundleRequest{Method: "POST", URL: e.typ, IfNoneExist: q.Encode()}})
	}
	return out, nil
}

// Marshal returns the Bundle as indented JSON.
func Marshal(b *Bundle) ([]byte, error) {
	out, err := json.MarshalIndent(b, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode FHIR bundle: %w", err)
	}
	return append(out, '\n'), nil
}

type builder struct {
	doc export.Document
	opt Options
	sys func(kind string) string
}

func (b builder) entries() []entry {
	d := b.doc
	l := export.LabelsFor(d.Language())
	typ := d.Type()
	docType := CodeableConcept{Coding: []Coding{{System: SystemLOINC, Code: typ.LOINC, Display: typ.Display}}, Text: d.Title()}
	approved := dateTime(d.ApprovedAt)

	c := b.context()
	org, pract, dev, pat, enc := c.org, c.pract, c.dev, c.pat, c.enc
	orgRef, practRef, devRef, patRef, encRef, period := c.orgRef, c.practRef, c.devRef, c.patRef, c.encRef, c.period

	var conds []entry
	var condRefs []Reference
	for _, c := range d.AcceptedCodes {
		// Keyed by encounter and code, not note version: a re-approved note that keeps
		// a diagnosis does not create a second Condition.
		ce := entry{system: b.sys("condition"), value: d.Encounter.ID + "/" + c.Code, search: "identifier", typ: "Condition"}
		ce.resource = Condition{ResourceType: "Condition", Identifier: []Identifier{{System: ce.system, Value: ce.value}},
			ClinicalStatus:     &CodeableConcept{Coding: []Coding{{System: systemCondClinical, Code: "active"}}},
			VerificationStatus: &CodeableConcept{Coding: []Coding{{System: systemCondVerif, Code: "confirmed"}}},
			Category:           []CodeableConcept{{Coding: []Coding{{System: systemCondCategory, Code: "encounter-diagnosis", Display: "Encounter Diagnosis"}}}},
			Code:               &CodeableConcept{Coding: []Coding{{System: SystemICD10CM, Code: c.Code, Display: c.Title}}, Text: c.Title},
			Subject:            *patRef, Encounter: encRef, RecordedDate: approved, Recorder: practRef, Asserter: practRef}
		conds = append(conds, ce)
		condRefs = append(condRefs, *ce.ref(c.Code + " " + c.Title))
	}

	// The note was drafted by AI and reviewed: say so in the security labels (AIAST).
	aiMeta := &Meta{Security: []Coding{{System: systemObsValue, Code: "AIAST", Display: "Artificial Intelligence asserted"}}}
	comp := entry{system: b.sys("composition"), value: d.Key("composition"), search: "identifier", typ: "Composition"}
	composition := Composition{ResourceType: "Composition", Meta: aiMeta, Language: d.Language(),
		Identifier: &Identifier{System: comp.system, Value: comp.value}, Status: "final", Type: docType,
		Subject: patRef, Encounter: encRef, Date: approved, Author: []Reference{*practRef}, Title: d.Title(),
		Attester:  []CompositionAttester{{Mode: "legal", Time: approved, Party: practRef}},
		Custodian: orgRef}
	for _, blk := range d.Blocks() {
		s := CompositionSection{Title: blk.Title, Code: &CodeableConcept{Text: blk.Key},
			Text: &Narrative{Status: "generated", Div: narrative(blk.Lines)}}
		if blk.Key == "diagnoses" {
			s.Entry = condRefs
		}
		composition.Section = append(composition.Section, s)
	}
	comp.resource = composition

	docRef := entry{system: b.sys("document"), value: d.Key("document"), search: "identifier", typ: "DocumentReference"}
	docID := Identifier{System: docRef.system, Value: docRef.value}
	title := d.Title() + " — " + d.Patient.DisplayName() + " — " + l.FormatDate(d.Encounter.Start)
	docRef.resource = DocumentReference{ResourceType: "DocumentReference", Meta: aiMeta, MasterIdentifier: &docID,
		Identifier: []Identifier{docID}, Status: "current", DocStatus: "final", Type: &docType,
		Subject: patRef, Date: instant(d.ApprovedAt), Author: []Reference{*practRef}, Authenticator: practRef,
		Custodian: orgRef,
		Content: []DocumentReferenceContent{
			{Attachment: Attachment{ContentType: "text/plain; charset=utf-8", Language: d.Language(),
				Data: []byte(text.NoteText(d)), Title: title, Creation: approved}},
			{Attachment: Attachment{ContentType: "application/pdf", Language: d.Language(),
				Data: b.opt.PDF, Title: title, Creation: approved}},
		},
		Context: &DocumentReferenceContext{Encounter: []Reference{*encRef}, Period: period}}

	// Provenance has no identifier element in R4: it is matched on a tag instead.
	prov := entry{system: b.sys("export"), value: d.Key("provenance"), search: "_tag", typ: "Provenance"}
	targets := []Reference{*comp.ref(""), *docRef.ref("")}
	targets = append(targets, condRefs...)
	prov.resource = Provenance{ResourceType: "Provenance", Meta: &Meta{Tag: []Coding{{System: prov.system, Code: prov.value}}},
		Target: targets, Recorded: instant(d.ApprovedAt),
		Activity: &CodeableConcept{Coding: []Coding{{System: systemDataOperation, Code: "CREATE", Display: "create"}}},
		Agent: []ProvenanceAgent{
			{Type: &CodeableConcept{Coding: []Coding{{System: systemParticipant, Code: "author", Display: "Author"}}},
				Who: *practRef, OnBehalfOf: orgRef},
			{Type: &CodeableConcept{Coding: []Coding{{System: systemParticipant, Code: "assembler", Display: "Assembler"}},
				Text: "AI-assisted drafting (Greffier)"}, Who: *devRef},
		}}

	out := []entry{org, pract, dev, pat, enc}
	out = append(out, conds...)
	out = append(out, comp, docRef, prov)
	if d.Signature != nil {
		out = append(out, b.approval(practRef, comp, docRef))
	}
	return out
}

// approval is the Provenance of the signature: the physician, as legal
// authenticator, signed the Composition and the DocumentReference of this version.
// Its signature element carries the store's seal of that statement (who, when, the
// version and its SHA-256), in the seal's own format (a JWS: application/jose).
func (b builder) approval(signer *Reference, comp, docRef entry) entry {
	d, sig := b.doc, b.doc.Signature
	e := entry{system: b.sys("approval"), value: d.Key("approval"), search: "_tag", typ: "Provenance"}
	signed := instant(sig.SignedAt)
	p := Provenance{ResourceType: "Provenance", Meta: &Meta{Tag: []Coding{{System: e.system, Code: e.value}}},
		Target: []Reference{*comp.ref(""), *docRef.ref("")}, Recorded: signed,
		Activity: &CodeableConcept{Coding: []Coding{{System: systemDocCompletion, Code: "LA", Display: "legally authenticated"}},
			Text: sig.Meaning},
		Agent: []ProvenanceAgent{{Type: &CodeableConcept{Coding: []Coding{{System: systemParticipant, Code: "legal", Display: "Legal Authenticator"}}},
			Who: *signer}}}
	if len(sig.Seal) > 0 {
		p.Signature = []Signature{{
			Type:         []Coding{{System: SystemSignatureType, Code: "1.2.840.10065.1.12.1.1", Display: "Author's Signature"}},
			When:         signed,
			Who:          *signer,
			TargetFormat: "application/json",
			SigFormat:    sig.SealFormat,
			Data:         sig.Seal,
		}}
	}
	e.resource = p
	return e
}

// patient matches on the clinic's MRN when there is one, else on Greffier's local id.
func (b builder) patient() entry {
	p := b.doc.Patient
	var ids []Identifier
	mrnSystem := b.doc.Clinic.MRNSystem
	if mrnSystem == "" {
		mrnSystem = b.sys("mrn")
	}
	if p.MRN != "" {
		ids = append(ids, Identifier{Use: "usual", Type: &CodeableConcept{Coding: []Coding{{System: systemV2IDType, Code: "MR"}}},
			System: mrnSystem, Value: p.MRN})
	}
	if p.ID != "" {
		ids = append(ids, Identifier{Use: "secondary", System: b.sys("patient"), Value: p.ID})
	}
	e := entry{system: ids[0].System, value: ids[0].Value, search: "identifier", typ: "Patient"}
	e.resource = Patient{ResourceType: "Patient", Identifier: ids, Name: []HumanName{humanName(p.Family, p.Given, p.DisplayName())},
		Gender: p.Sex, BirthDate: p.BirthDate}
	return e
}

// humanName keeps an unsplit name as text only: guessing which word is the family
// name would put a wrong value in a structured field.
func humanName(family, given, display string) HumanName {
	n := HumanName{Text: display, Family: family}
	if given != "" {
		n.Given = strings.Fields(given)
	}
	return n
}

// narrative is a section's XHTML: one paragraph per line, text escaped.
func narrative(lines []string) string {
	var b strings.Builder
	b.WriteString(`<div xmlns="http://www.w3.org/1999/xhtml">`)
	if len(lines) == 0 {
		b.WriteString("<p>—</p>")
	}
	for _, l := range lines {
		b.WriteString("<p>" + html.EscapeString(l) + "</p>")
	}
	b.WriteString("</div>")
	return b.String()
}

func dateTime(t time.Time) string { return t.Format(time.RFC3339) }

// instant is dateTime with seconds and zone always present, which RFC3339 gives.
func instant(t time.Time) string { return t.Format(time.RFC3339) }

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// sanitize keeps a clinic id usable inside a URN.
func sanitize(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '.':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	return strings.ToLower(b.String())
}

// visitContext holds the entries every exported document refers to: the clinic,
// the signing practitioner, Greffier as a device, the patient and the encounter.
type visitContext struct {
	org, pract, dev, pat, enc                entry
	orgRef, practRef, devRef, patRef, encRef *Reference
	period                                   *Period
}

func (b builder) context() visitContext {
	env := b.doc
	org := entry{system: b.sys("clinic"), value: orDefault(env.Clinic.ID, "clinic"), search: "identifier", typ: "Organization"}
	org.resource = Organization{ResourceType: "Organization", Identifier: []Identifier{{System: org.system, Value: org.value}},
		Name: env.Clinic.Name}
	orgRef := org.ref(env.Clinic.Name)

	pract := entry{system: b.sys("user"), value: env.Author.ID, search: "identifier", typ: "Practitioner"}
	pract.resource = Practitioner{ResourceType: "Practitioner", Identifier: []Identifier{{System: pract.system, Value: pract.value}},
		Name: []HumanName{humanName(env.Author.Family, env.Author.Given, env.Author.DisplayName())}}
	practRef := pract.ref(env.Author.DisplayName())

	dev := entry{system: b.sys("device"), value: "greffier", search: "identifier", typ: "Device"}
	device := Device{ResourceType: "Device", Identifier: []Identifier{{System: dev.system, Value: dev.value}}, Status: "active",
		DeviceName: []DeviceName{{Name: "Greffier", Type: "user-friendly-name"}},
		Type:       &CodeableConcept{Text: "AI-assisted clinical documentation software (ambient scribe)"}, Owner: orgRef}
	if b.opt.SoftwareVersion != "" {
		device.Version = []DeviceVersion{{Value: b.opt.SoftwareVersion}}
	}
	dev.resource = device
	devRef := dev.ref("Greffier")

	pat := b.patient()
	patRef := pat.ref(env.Patient.DisplayName())

	enc := entry{system: b.sys("encounter"), value: env.Encounter.ID, search: "identifier", typ: "Encounter"}
	period := &Period{Start: dateTime(env.Encounter.Start)}
	if !env.Encounter.End.IsZero() {
		period.End = dateTime(env.Encounter.End)
	}
	enc.resource = Encounter{ResourceType: "Encounter", Identifier: []Identifier{{System: enc.system, Value: enc.value}},
		Status: "finished", Class: Coding{System: systemActCode, Code: "AMB", Display: "ambulatory"},
		Subject: patRef, Participant: []EncounterParticipant{{Individual: practRef}}, Period: period, ServiceProvider: orgRef}
	encRef := enc.ref("")
	return visitContext{org: org, pract: pract, dev: dev, pat: pat, enc: enc,
		orgRef: orgRef, practRef: practRef, devRef: devRef, patRef: patRef, encRef: encRef, period: period}
}

// withDefaults fills what the caller left out: identifier systems named after the
// clinic, the approval time as now, and the PDF rendered by render.
func (opt Options) withDefaults(env export.Document, render func() ([]byte, error)) (Options, error) {
	if opt.SystemBase == "" {
		opt.SystemBase = "urn:greffier:" + sanitize(env.Clinic.ID)
		if env.Clinic.ID == "" {
			opt.SystemBase = "urn:greffier"
		}
	}
	if opt.Now.IsZero() {
		opt.Now = env.ApprovedAt
	}
	if opt.PDF == nil {
		p, err := render()
		if err != nil {
			return opt, fmt.Errorf("render PDF for DocumentReference: %w", err)
		}
		opt.PDF = p
	}
	return opt, nil
}
