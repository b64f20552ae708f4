package fhir

import (
	"encoding/json"
	"fmt"
	"net/url"

	"greffier/export"
	"greffier/export/pdf"
	"greffier/notes/documents"
)

// BuildDocument returns a signed document drafted from the note (patient
// instructions, referral letter) as a transaction Bundle of its own: the
// DocumentReference, typed with its LOINC code (69730-0 Instructions, 57133-1
// Referral note), with the text and the PDF, plus the Organization, Practitioner
// (the signer), Device, Patient and Encounter it refers to, and a Provenance. env
// gives the clinic, patient, encounter, signer (Author) and signing time
// (ApprovedAt); version is the document's signed version. Entries are conditional
// creates on identifiers made from the encounter, kind and version, so a re-export
// creates nothing.
func BuildDocument(env export.Document, d documents.Document, version int, opt Options) (*Bundle, error) {
	if err := env.Validate(); err != nil {
		return nil, err
	}
	if err := d.Validate(); err != nil {
		return nil, err
	}
	opt, err := opt.withDefaults(env, func() ([]byte, error) { return pdf.RenderDocument(env, d) })
	if err != nil {
		return nil, err
	}
	env.Note.Language = d.Language
	b := builder{doc: env, opt: opt, sys: func(kind string) string { return opt.SystemBase + ":" + kind }}
	entries := b.documentEntries(d, version)
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

func (b builder) documentEntries(d documents.Document, version int) []entry {
	env := b.doc
	l := export.LabelsFor(d.Language)
	code, display := d.Kind.LOINC()
	docType := CodeableConcept{Coding: []Coding{{System: SystemLOINC, Code: code, Display: display}}, Text: d.Title}
	signed := dateTime(env.ApprovedAt)
	key := fmt.Sprintf("%s/%s/v%d", env.Encounter.ID, d.Kind, version)

	c := b.context()
	org, pract, dev, pat, enc := c.org, c.pract, c.dev, c.pat, c.enc
	orgRef, practRef, patRef, encRef, period := c.orgRef, c.practRef, c.patRef, c.encRef, c.period

	aiMeta := &Meta{Security: []Coding{{System: systemObsValue, Code: "AIAST", Display: "Artificial Intelligence asserted"}}}
	docRef := entry{system: b.sys("document"), value: key, search: "identifier", typ: "DocumentReference"}
	docID := Identifier{System: docRef.system, Value: docRef.value}
	title := d.Title + " — " + env.Patient.DisplayName() + " — " + l.FormatDate(env.Encounter.Start)
	docRef.resource = DocumentReference{ResourceType: "DocumentReference", Meta: aiMeta, MasterIdentifier: &docID,
		Identifier: []Identifier{docID}, Status: "current", DocStatus: "final", Type: &docType,
		Subject: patRef, Date: instant(env.ApprovedAt), Author: []Reference{*practRef}, Authenticator: practRef,
		Custodian: orgRef,
		Content: []DocumentReferenceContent{
			{Attachment: Attachment{ContentType: "text/plain; charset=utf-8", Language: d.Language,
				Data: []byte(documents.Text(d, false)), Title: title, Creation: signed}},
			{Attachment: Attachment{ContentType: "application/pdf", Language: d.Language,
				Data: b.opt.PDF, Title: title, Creation: signed}},
		},
		Context: &DocumentReferenceContext{Encounter: []Reference{*encRef}, Period: period}}

	prov := entry{system: b.sys("export"), value: key + "/provenance", search: "_tag", typ: "Provenance"}
	prov.resource = Provenance{ResourceType: "Provenance", Meta: &Meta{Tag: []Coding{{System: prov.system, Code: prov.value}}},
		Target: []Reference{*docRef.ref("")}, Recorded: instant(env.ApprovedAt),
		Activity: &CodeableConcept{Coding: []Coding{{System: systemDataOperation, Code: "CREATE", Display: "create"}}},
		Agent: []ProvenanceAgent{
			{Type: &CodeableConcept{Coding: []Coding{{System: systemParticipant, Code: "author", Display: "Author"}}},
				Who: *practRef, OnBehalfOf: orgRef},
			{Type: &CodeableConcept{Coding: []Coding{{System: systemParticipant, Code: "assembler", Display: "Assembler"}},
				Text: "Drafted by rules from the AI-assisted note (Greffier)"}, Who: *dev.ref("Greffier")},
		}}
	return []entry{org, pract, dev, pat, enc, docRef, prov}
}
