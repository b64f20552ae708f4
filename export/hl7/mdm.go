// Package hl7 writes an approved note as an HL7 v2.5.1 MDM^T02 message (original
// document notification and content) and sends it over MLLP, reading the receiver's
// ACK. The message is built by hand: HL7 v2 writing is a few rules (segments, fields,
// escaping) that no well-kept Go library covers better, and the escaping is tested here.
package hl7

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"greffier/export"
)

// Presentation is how the note text is carried in OBX-5.
type Presentation string

const (
	// FT puts one OBX per note block, lines separated by \.br\ (formatted text).
	FT Presentation = "FT"
	// TX puts one OBX per line, the block number in OBX-4 (plain text).
	TX Presentation = "TX"
)

// Options are the message's envelope. Zero values have documented defaults.
type Options struct {
	SendingApplication   string // MSH-3; default "GREFFIER"
	SendingFacility      string // MSH-4; default the clinic id
	ReceivingApplication string // MSH-5
	ReceivingFacility    string // MSH-6
	ProcessingID         string // MSH-11: P production (default), T training, D debugging
	Presentation         Presentation
	// Now is when the message is made (MSH-7, EVN-2) and seeds the control id. Default:
	// the approval time, so that the same approved note gives the same message.
	Now time.Time
}

// MDM returns doc as an MDM^T02 message, segments separated by CR, without MLLP
// framing. It returns the message control id (MSH-10) too: the ACK must echo it.
func MDM(doc export.Document, opt Options) (msg []byte, controlID string, err error) {
	if err := doc.Validate(); err != nil {
		return nil, "", err
	}
	d := Standard()
	w := writer{d: d}
	if opt.SendingApplication == "" {
		opt.SendingApplication = "GREFFIER"
	}
	if opt.SendingFacility == "" {
		opt.SendingFacility = doc.Clinic.ID
	}
	if opt.ProcessingID == "" {
		opt.ProcessingID = "P"
	}
	if opt.Presentation != TX {
		opt.Presentation = FT
	}
	now := opt.Now
	if now.IsZero() {
		now = doc.ApprovedAt
	}
	controlID = ControlID(doc, now)
	af, ag := export.NameParts(doc.Author.Family, doc.Author.Given, doc.Author.Name)
	author := w.comp(doc.Author.ID, af, ag)
	pf, pg := export.NameParts(doc.Patient.Family, doc.Patient.Given, doc.Patient.Name)

	w.segment("MSH", string(d.Field), d.encodingCharacters(), // MSH-1 is the separator itself
		w.esc(opt.SendingApplication), w.esc(opt.SendingFacility),
		w.esc(opt.ReceivingApplication), w.esc(opt.ReceivingFacility),
		ts(now), "", w.comp("MDM", "T02", "MDM_T02"), controlID, opt.ProcessingID, "2.5.1",
		"", "", "AL", "NE", "", "UNICODE UTF-8")
	w.segment("EVN", "T02", ts(now), "", "", author)
	w.segment("PID", "1", "", w.patientIDs(doc), "", w.comp(pf, pg),
		"", strings.ReplaceAll(doc.Patient.BirthDate, "-", ""), sex(doc.Patient.Sex))
	w.sparse("PV1", map[int]string{1: "1", 2: "O", 7: author,
		19: w.comp(doc.Encounter.ID), 44: ts(doc.Encounter.Start), 45: tsOrEmpty(doc.Encounter.End)})
	typ := doc.Type()
	// TXA-22 authentication: the approving physician, the time in component 15.
	authn := author + strings.Repeat(string(d.Component), 12) + ts(doc.ApprovedAt)
	w.sparse("TXA", map[int]string{1: "1", 2: typ.HL7, 3: string(opt.Presentation),
		4: ts(doc.Encounter.Start), 5: author, 6: ts(doc.ApprovedAt), 9: author, 10: author,
		12: w.comp(doc.Key("document"), "GREFFIER"), 17: "AU", 19: "AV", 22: authn})
	w.observations(doc, opt.Presentation)
	return []byte(w.b.String()), controlID, nil
}

// ControlID derives MSH-10 from the document and the sending time: unique per export,
// yet reproducible in tests. 20 characters at most (the limit of older receivers).
func ControlID(doc export.Document, now time.Time) string {
	h := sha256.Sum256([]byte(doc.Key("hl7") + "|" + now.UTC().Format(time.RFC3339Nano)))
	return "GRF" + strings.ToUpper(hex.EncodeToString(h[:]))[:17]
}

// observations writes the note blocks: FT (one OBX per block) or TX (one per line).
// The diagnoses block is written as coded values (CE, coding system I10C, ICD-10-CM).
func (w *writer) observations(doc export.Document, p Presentation) {
	n := 0
	for i, b := range doc.Blocks() {
		sub := strconv.Itoa(i + 1)
		id := w.comp(b.Key, b.Title, "L")
		if b.Key == "diagnoses" {
			for _, c := range doc.AcceptedCodes {
				n++
				w.segment("OBX", strconv.Itoa(n), "CE", id, sub, w.comp(c.Code, c.Title, "I10C"),
					"", "", "", "", "", "F")
			}
			continue
		}
		if p == FT {
			n++
			w.segment("OBX", strconv.Itoa(n), "FT", id, sub, w.d.Escape(b.Text(), true),
				"", "", "", "", "", "F")
			continue
		}
		lines := b.Lines
		if len(lines) == 0 {
			lines = []string{""} // an empty section is still said
		}
		for _, line := range lines {
			n++
			w.segment("OBX", strconv.Itoa(n), "TX", id, sub, w.d.Escape(line, false),
				"", "", "", "", "", "F")
		}
	}
}

type writer struct {
	d Delimiters
	b strings.Builder
}

// segment writes name|f1|f2… and a CR, dropping trailing empty fields. Fields are
// already escaped.
func (w *writer) segment(name string, fields ...string) {
	for len(fields) > 0 && fields[len(fields)-1] == "" {
		fields = fields[:len(fields)-1]
	}
	w.b.WriteString(name)
	for i, f := range fields {
		if name == "MSH" && i < 2 {
			// MSH-1 is the field separator itself and MSH-2 follows it directly.
			w.b.WriteString(f)
			continue
		}
		w.b.WriteByte(w.d.Field)
		w.b.WriteString(f)
	}
	w.b.WriteByte('\r')
}

// sparse writes a segment from its non-empty fields, keyed by field number.
func (w *writer) sparse(name string, fields map[int]string) {
	last := 0
	for n := range fields {
		last = max(last, n)
	}
	all := make([]string, last)
	for n, f := range fields {
		all[n-1] = f
	}
	w.segment(name, all...)
}

func (w *writer) esc(s string) string { return w.d.Escape(s, false) }

// comp escapes each component and joins them, dropping trailing empty ones.
func (w *writer) comp(parts ...string) string {
	for len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	esc := make([]string, len(parts))
	for i, p := range parts {
		esc[i] = w.esc(p)
	}
	return strings.Join(esc, string(w.d.Component))
}

// patientIDs is PID-3: the MRN (type MR) and Greffier's local id (type PI).
func (w *writer) patientIDs(doc export.Document) string {
	var reps []string
	if doc.Patient.MRN != "" {
		auth := doc.Clinic.MRNAuthority
		if auth == "" {
			auth = doc.Clinic.ID
		}
		reps = append(reps, w.comp(doc.Patient.MRN, "", "", auth, "MR"))
	}
	if doc.Patient.ID != "" {
		reps = append(reps, w.comp(doc.Patient.ID, "", "", "GREFFIER", "PI"))
	}
	return strings.Join(reps, string(w.d.Repetition))
}

func ts(t time.Time) string { return t.Format("20060102150405-0700") }

func tsOrEmpty(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return ts(t)
}

// sex maps to HL7 table 0001.
func sex(s string) string {
	switch s {
	case "male":
		return "M"
	case "female":
		return "F"
	case "other":
		return "O"
	case "unknown":
		return "U"
	}
	return ""
}
