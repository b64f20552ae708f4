package export

import (
	"strings"

	"greffier/notes/schema"
)

// Block is one titled part of an exported note: a note section, or a list the note
// carries as structured data (diagnoses, medications…). Every format shows the same
// blocks in the same order, so a PDF, an HL7 message and a FHIR Composition agree.
type Block struct {
	Key   string // section key, or "diagnoses", "medications"… for lists
	Title string
	Lines []string // one sentence or list item each; never contains a line break
}

// Text is the block's lines joined with newlines.
func (b Block) Text() string { return strings.Join(b.Lines, "\n") }

// Blocks returns the note's sections in template order, then the accepted diagnoses,
// medications, allergies, vitals, orders, follow-up and patient instructions when the
// note has any. Empty sections are kept (an empty "Plan" is information); empty lists
// are not. Line breaks inside sentences become spaces so that one line is one item.
func (d Document) Blocks() []Block {
	l := LabelsFor(d.Language())
	n := d.Note
	var out []Block
	for _, s := range n.Sections {
		title := s.Title
		if title == "" {
			title = s.Key
		}
		out = append(out, Block{Key: s.Key, Title: oneLine(title), Lines: sentences(s.Sentences)})
	}
	if len(d.AcceptedCodes) > 0 {
		b := Block{Key: "diagnoses", Title: l.Diagnoses}
		for _, c := range d.AcceptedCodes {
			b.Lines = append(b.Lines, oneLine(c.Code+" "+c.Title))
		}
		out = append(out, b)
	}
	if len(n.Medications) > 0 {
		b := Block{Key: "medications", Title: l.Medications}
		for _, m := range n.Medications {
			item := join(" ", m.Name, m.Dose, m.Route, m.Frequency)
			if a := l.Action(m.Action); a != "" {
				item += " (" + a + ")"
			}
			b.Lines = append(b.Lines, oneLine(item))
		}
		out = append(out, b)
	}
	if len(n.Allergies) > 0 {
		b := Block{Key: "allergies", Title: l.Allergies}
		for _, a := range n.Allergies {
			item := a.Substance
			if a.Reaction != "" {
				item += ": " + a.Reaction
			}
			b.Lines = append(b.Lines, oneLine(item))
		}
		out = append(out, b)
	}
	if len(n.Vitals) > 0 {
		b := Block{Key: "vitals", Title: l.Vitals}
		for _, v := range n.Vitals {
			b.Lines = append(b.Lines, oneLine(l.Vital(v.Kind)+": "+join(" ", v.Value, v.Unit)))
		}
		out = append(out, b)
	}
	if len(n.Orders) > 0 {
		b := Block{Key: "orders", Title: l.Orders}
		for _, o := range n.Orders {
			b.Lines = append(b.Lines, oneLine(o.Text))
		}
		out = append(out, b)
	}
	if len(n.FollowUp) > 0 {
		out = append(out, Block{Key: "follow_up", Title: l.FollowUp, Lines: sentences(n.FollowUp)})
	}
	if len(n.PatientInstructions) > 0 {
		out = append(out, Block{Key: "patient_instructions", Title: l.PatientInstructions, Lines: sentences(n.PatientInstructions)})
	}
	if r := n.ReferralLetter; r != nil && len(r.Sentences) > 0 {
		lines := append([]string{oneLine(l.To + " " + r.Recipient)}, sentences(r.Sentences)...)
		out = append(out, Block{Key: "referral_letter", Title: l.ReferralLetter, Lines: lines})
	}
	return out
}

func sentences(ss []schema.Sentence) []string {
	out := make([]string, 0, len(ss))
	for _, s := range ss {
		if t := oneLine(s.Text); t != "" {
			out = append(out, t)
		}
	}
	return out
}

// oneLine folds line breaks and runs of white space into single spaces.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func join(sep string, parts ...string) string {
	var kept []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, sep)
}
