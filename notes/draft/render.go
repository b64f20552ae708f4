package draft

import (
	"fmt"
	"io"
	"strings"

	"greffier/notes/schema"
)

// RenderText writes a note for reading under title (the template's title in the
// note's language): sections, then the structured lists, then
// warnings. Each line ends with the segment ids it cites, e.g. "[3, 4]".
func RenderText(w io.Writer, n schema.Note, title string) error {
	var b strings.Builder
	l := func(en, fr string) string { return Label(n.Language, en, fr) }
	if title == "" {
		title = n.Template
	}
	kind := l("LLM draft", "brouillon LLM")
	if n.Drafter.Kind == schema.DrafterExtractive {
		kind = l("extractive draft", "brouillon extractif")
	}
	if n.Drafter.Model != "" {
		kind += " (" + n.Drafter.Model + ")"
	}
	fmt.Fprintf(&b, "%s — %s — %s\n", title, kind, l("to be reviewed", "à relire"))
	for _, s := range n.Sections {
		fmt.Fprintf(&b, "\n== %s ==\n", s.Title)
		if len(s.Sentences) == 0 {
			fmt.Fprintf(&b, "  %s\n", l("(nothing found)", "(rien trouvé)"))
		}
		for _, x := range s.Sentences {
			fmt.Fprintf(&b, "- %s %s\n", x.Text, ids(x.Evidence))
		}
	}
	list := func(heading string, n int, line func(i int) string) {
		if n == 0 {
			return
		}
		fmt.Fprintf(&b, "\n== %s ==\n", heading)
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, "- %s\n", line(i))
		}
	}
	list(l("Problems", "Problèmes"), len(n.Problems), func(i int) string {
		p := n.Problems[i]
		code := ""
		if p.ICD10 != nil {
			code = fmt.Sprintf(" — ICD-10-CM %s %s (%s)", p.ICD10.Code, p.ICD10.Title, l("suggestion", "suggestion"))
		}
		return p.Title + code + " " + ids(p.Evidence)
	})
	list(l("Medications", "Médicaments"), len(n.Medications), func(i int) string {
		m := n.Medications[i]
		parts := []string{m.Name}
		for _, s := range []string{m.Dose, m.Route, m.Frequency} {
			if s != "" {
				parts = append(parts, s)
			}
		}
		return strings.Join(parts, " ") + " — " + actionLabel(m.Action, n.Language) + " " + ids(m.Evidence)
	})
	list(l("Allergies", "Allergies"), len(n.Allergies), func(i int) string {
		a := n.Allergies[i]
		if a.Reaction != "" {
			return a.Substance + " (" + a.Reaction + ") " + ids(a.Evidence)
		}
		return a.Substance + " " + ids(a.Evidence)
	})
	list(l("Vital signs", "Constantes"), len(n.Vitals), func(i int) string {
		v := n.Vitals[i]
		return vitalLabel(v.Kind, n.Language) + ": " + strings.TrimSpace(v.Value+" "+v.Unit) + " " + ids(v.Evidence)
	})
	list(l("Orders", "Prescriptions et examens"), len(n.Orders), func(i int) string {
		return orderLabel(n.Orders[i].Kind, n.Language) + ": " + n.Orders[i].Text + " " + ids(n.Orders[i].Evidence)
	})
	list(l("Follow-up", "Suivi"), len(n.FollowUp), func(i int) string { return n.FollowUp[i].Text + " " + ids(n.FollowUp[i].Evidence) })
	list(l("Patient instructions", "Consignes au patient"), len(n.PatientInstructions), func(i int) string {
		return n.PatientInstructions[i].Text + " " + ids(n.PatientInstructions[i].Evidence)
	})
	if r := n.ReferralLetter; r != nil {
		list(l("Referral letter", "Lettre d'adressage")+" — "+r.Recipient, len(r.Sentences), func(i int) string {
			return r.Sentences[i].Text + " " + ids(r.Sentences[i].Evidence)
		})
	}
	list(l("Warnings", "Avertissements"), len(n.Warnings), func(i int) string {
		w := n.Warnings[i]
		if w.Path != "" {
			return fmt.Sprintf("%s (%s): %s", w.Kind, w.Path, w.Message)
		}
		return w.Kind + ": " + w.Message
	})
	_, err := io.WriteString(w, b.String())
	return err
}

func ids(ev schema.Evidence) string {
	if len(ev) == 0 {
		return "[no evidence]"
	}
	s := make([]string, len(ev))
	for i, id := range ev {
		s[i] = fmt.Sprint(id)
	}
	return "[" + strings.Join(s, ", ") + "]"
}

func actionLabel(a, lang string) string {
	fr := map[string]string{schema.ActionStart: "débuter", schema.ActionStop: "arrêter", schema.ActionContinue: "poursuivre", schema.ActionChange: "modifier", schema.ActionUnknown: "à préciser"}
	if lang == "fr" {
		return fr[a]
	}
	if a == schema.ActionUnknown {
		return "action unclear"
	}
	return a
}

// SectionText returns the text of one section (sentences joined by spaces), or ""
// if the note has no such section.
func SectionText(n schema.Note, key string) string {
	for _, s := range n.Sections {
		if s.Key == key {
			parts := make([]string, len(s.Sentences))
			for i, x := range s.Sentences {
				parts[i] = x.Text
			}
			return strings.Join(parts, " ")
		}
	}
	return ""
}

// PlainText returns all the note's text (sections and lists) without evidence,
// headings or warnings: what evaluation compares with a reference note.
func PlainText(n schema.Note) string {
	var parts []string
	for _, s := range n.Sections {
		if t := SectionText(n, s.Key); t != "" {
			parts = append(parts, t)
		}
	}
	for _, p := range n.Problems {
		parts = append(parts, p.Title)
	}
	for _, m := range n.Medications {
		parts = append(parts, strings.Join(nonEmpty(m.Name, m.Dose, m.Route, m.Frequency), " "))
	}
	for _, a := range n.Allergies {
		parts = append(parts, strings.Join(nonEmpty(a.Substance, a.Reaction), " "))
	}
	for _, v := range n.Vitals {
		parts = append(parts, strings.Join(nonEmpty(strings.ReplaceAll(v.Kind, "_", " "), v.Value, v.Unit), " "))
	}
	return strings.Join(parts, "\n")
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

func vitalLabel(kind, lang string) string {
	labels := map[string][2]string{
		schema.VitalBP: {"Blood pressure", "Tension artérielle"}, schema.VitalHR: {"Heart rate", "Fréquence cardiaque"},
		schema.VitalRR: {"Respiratory rate", "Fréquence respiratoire"}, schema.VitalTemperature: {"Temperature", "Température"},
		schema.VitalSpO2: {"SpO2", "SpO2"}, schema.VitalWeight: {"Weight", "Poids"}, schema.VitalHeight: {"Height", "Taille"},
		schema.VitalBMI: {"BMI", "IMC"}, schema.VitalGlucose: {"Glucose", "Glycémie"}, schema.VitalPain: {"Pain", "Douleur"},
		schema.VitalOther: {"Other", "Autre"},
	}
	l, ok := labels[kind]
	if !ok {
		return kind
	}
	return Label(lang, l[0], l[1])
}

func orderLabel(kind, lang string) string {
	fr := map[string]string{schema.OrderLab: "biologie", schema.OrderImaging: "imagerie", schema.OrderReferral: "avis spécialisé",
		schema.OrderProcedure: "acte", schema.OrderMedication: "médicament", schema.OrderOther: "autre"}
	if l, ok := fr[kind]; ok && lang == "fr" {
		return l
	}
	return kind
}
