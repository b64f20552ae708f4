package llmdraft

import (
	"slices"
	"strings"

	"greffier/notes/schema"
	"greffier/notes/templates"
)

// merge joins the answers for the parts of a transcript, in transcript order:
// sections are concatenated by key, and problems, medications, allergies, vitals,
// orders, follow-up and instructions that several parts repeat are kept once, with
// the union of their evidence.
func merge(tmpl templates.Template, parts []answer) answer {
	var out answer
	byKey := map[string]int{}
	for _, s := range tmpl.Sections {
		byKey[s.Key] = len(out.Sections)
		out.Sections = append(out.Sections, answerSection{Key: s.Key})
	}
	for _, p := range parts {
		for _, s := range p.Sections {
			if i, ok := byKey[s.Key]; ok {
				out.Sections[i].Sentences = append(out.Sections[i].Sentences, s.Sentences...)
			}
		}
		out.Problems = mergeItems(out.Problems, p.Problems, problemKey, func(a, b *schema.Problem) {
			a.Evidence = union(a.Evidence, b.Evidence)
			if a.ICD10 == nil {
				a.ICD10 = b.ICD10
			}
		})
		out.Medications = mergeItems(out.Medications, p.Medications, func(m schema.Medication) string { return norm(m.Name) },
			func(a, b *schema.Medication) {
				a.Evidence = union(a.Evidence, b.Evidence)
				a.Dose, a.Route, a.Frequency = orElse(a.Dose, b.Dose), orElse(a.Route, b.Route), orElse(a.Frequency, b.Frequency)
				// A later part states what the plan does with the drug.
				if b.Action != "" && b.Action != schema.ActionUnknown {
					a.Action = b.Action
				}
			})
		out.Allergies = mergeItems(out.Allergies, p.Allergies, func(a schema.Allergy) string { return norm(a.Substance) },
			func(a, b *schema.Allergy) {
				a.Evidence = union(a.Evidence, b.Evidence)
				a.Reaction = orElse(a.Reaction, b.Reaction)
			})
		out.Vitals = mergeItems(out.Vitals, p.Vitals, func(v schema.Vital) string { return v.Kind + "|" + norm(v.Value) },
			func(a, b *schema.Vital) { a.Evidence = union(a.Evidence, b.Evidence) })
		out.Orders = mergeItems(out.Orders, p.Orders, func(o schema.Order) string { return o.Kind + "|" + norm(o.Text) },
			func(a, b *schema.Order) { a.Evidence = union(a.Evidence, b.Evidence) })
		sentence := func(s schema.Sentence) string { return norm(s.Text) }
		joinEv := func(a, b *schema.Sentence) { a.Evidence = union(a.Evidence, b.Evidence) }
		out.FollowUp = mergeItems(out.FollowUp, p.FollowUp, sentence, joinEv)
		out.PatientInstructions = mergeItems(out.PatientInstructions, p.PatientInstructions, sentence, joinEv)
	}
	return out
}

func problemKey(p schema.Problem) string {
	if p.ICD10 != nil && p.ICD10.Code != "" {
		return "code:" + strings.ReplaceAll(strings.ToUpper(p.ICD10.Code), ".", "")
	}
	return "title:" + norm(p.Title)
}

// mergeItems appends the items of add to have, folding those whose key is already
// there into the existing one.
func mergeItems[T any](have, add []T, key func(T) string, join func(a, b *T)) []T {
	for _, x := range add {
		k := key(x)
		i := slices.IndexFunc(have, func(h T) bool { return key(h) == k })
		if i < 0 {
			have = append(have, x)
			continue
		}
		join(&have[i], &x)
	}
	return have
}

func union(a, b schema.Evidence) schema.Evidence {
	out := append(slices.Clone(a), b...)
	slices.Sort(out)
	return slices.Compact(out)
}

func orElse(a, b string) string {
	if strings.TrimSpace(a) != "" {
		return a
	}
	return b
}

// norm folds text for de-duplication: lower case, single spaces, no end punctuation.
func norm(s string) string {
	s = strings.ToLower(strings.Join(strings.Fields(s), " "))
	return strings.TrimRight(s, ".;:,!")
}

// fill copies the merged answer into the note, with section titles in the output
// language from the template (in template order).
func fill(note *schema.Note, tmpl templates.Template, lang string, a answer) {
	note.Sections = emptySections(tmpl, lang)
	for i, s := range a.Sections {
		note.Sections[i].Sentences = s.Sentences
	}
	note.Problems = a.Problems
	note.Medications = a.Medications
	note.Allergies = a.Allergies
	note.Vitals = a.Vitals
	note.Orders = a.Orders
	note.FollowUp = a.FollowUp
	note.PatientInstructions = a.PatientInstructions
}

func emptySections(tmpl templates.Template, lang string) []schema.Section {
	out := make([]schema.Section, len(tmpl.Sections))
	for i, s := range tmpl.Sections {
		out[i] = schema.Section{Key: s.Key, Title: s.Title.In(lang)}
	}
	return out
}
