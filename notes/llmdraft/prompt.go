package llmdraft

import (
	"fmt"
	"strings"

	"greffier/domain"
	"greffier/llm"
	"greffier/notes/templates"
)

// systemPrompt tells the model what to write. It is in English whatever the output
// language: instructions in English work best across models; the language of the
// note is stated explicitly.
func systemPrompt(tmpl templates.Template, lang string) string {
	var b strings.Builder
	b.WriteString("You are a clinical scribe. From the transcript of a consultation, you draft a structured clinical note for the clinician to review.\n\n")
	b.WriteString("Rules:\n")
	b.WriteString("- Use only facts stated in the transcript. Never invent findings, doses, results or diagnoses.\n")
	b.WriteString("- Every sentence and every item cites in \"evidence\" the ids of the transcript segments that support it (the numbers in square brackets).\n")
	fmt.Fprintf(&b, "- Write the note in %s, whatever the language of the consultation.\n", languageName(lang))
	b.WriteString("- Write short factual sentences, one fact per sentence. Leave a list empty when the transcript says nothing about it.\n")
	b.WriteString("- Answer with one JSON object that matches the given schema, and nothing else.\n\n")
	fmt.Fprintf(&b, "Note template: %s.\nSections (use these keys):\n", tmpl.Title.In("en"))
	for _, s := range tmpl.Sections {
		fmt.Fprintf(&b, "- %s (%s): %s\n", s.Key, s.Title.In(lang), oneLine(s.Instructions))
	}
	b.WriteString("\nOther fields:\n")
	b.WriteString("- problems: diagnoses or problems discussed; icd10 is an ICD-10-CM code suggestion with its official title, only when you are confident (a billable code, e.g. E11.9 \"Type 2 diabetes mellitus without complications\").\n")
	b.WriteString("- medications: each drug with dose, route and frequency as stated, and action: start, stop, continue, change or unknown.\n")
	b.WriteString("- allergies: substance and reaction.\n")
	b.WriteString("- vitals: kind, value and unit as measured.\n")
	b.WriteString("- orders: labs, imaging, referrals, procedures ordered.\n")
	b.WriteString("- follow_up: when and why the patient is seen again.\n")
	b.WriteString("- patient_instructions: advice given to the patient.\n")
	return b.String()
}

// chatMessages is the request for part n of total: Draft sends it, Incremental
// prefills it.
func chatMessages(sys string, part []domain.Segment, n, total int) []llm.Message {
	return []llm.Message{{Role: "system", Content: sys}, {Role: "user", Content: userPrompt(part, n, total)}}
}

// userPrompt numbers the segments: "[id] role: text", one per line.
func userPrompt(segs []domain.Segment, part, parts int) string {
	var b strings.Builder
	if parts > 1 {
		fmt.Fprintf(&b, "This is part %d of %d of a long consultation. Draft the note for this part only; the parts will be merged.\n\n", part, parts)
	}
	b.WriteString("Transcript (segment id, speaker, text):\n")
	for _, s := range segs {
		b.WriteString(segmentLine(s))
	}
	return b.String()
}

func segmentLine(s domain.Segment) string {
	role := string(s.Role)
	if role == "" {
		role = fmt.Sprintf("speaker %d", s.Turn)
	}
	return fmt.Sprintf("[%d] %s: %s\n", s.ID, role, oneLine(s.Text))
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func languageName(lang string) string {
	if lang == "fr" {
		return "French"
	}
	return "English"
}
