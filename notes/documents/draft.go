package documents

import (
	"slices"
	"strings"

	"greffier/domain"
	"greffier/notes/draft"
	"greffier/notes/schema"
)

// Options tune Draft. The zero value drafts in the note's language.
type Options struct {
	// Language is the reader's language, fr or en: the patient's for instructions.
	// Empty: the note's.
	Language string
	// Recipient is whom a referral letter is for. Empty: the specialty named in the
	// note's referral order, else a colleague.
	Recipient string
	// NoteVersion is the version of the note drafted from, recorded in Source.
	NoteVersion int
}

// Drafter tag of documents drafted by Draft.
const DrafterRules = "rules"

// Section keys of the built-in templates that feed each part of a referral letter.
var (
	historyKeys    = []string{"chief_complaint", "subjective", "hpi", "interval_history", "past_history", "review_of_systems"}
	findingKeys    = []string{"objective", "physical_exam", "exam_results", "results"}
	assessmentKeys = []string{"assessment", "assessment_plan"}
	planKeys       = []string{"plan"}
)

// Draft writes a document of kind from note, by rules (no language model): each
// sentence is made from one item or sentence of the note and cites that item's
// evidence, then the whole is checked against segs (Check). Patient instructions
// say the medicines, tests, follow-up and advice of the note in everyday words;
// a referral letter gives the reason, history, findings, assessment, current
// treatment and the question to the specialist.
func Draft(kind Kind, note schema.Note, segs []domain.Segment, opt Options) (Document, error) {
	if _, err := ParseKind(string(kind)); err != nil {
		return Document{}, err
	}
	lang := opt.Language
	if lang == "" {
		lang = note.Language
	}
	if lang != "fr" && lang != "en" {
		return Document{}, domain.Errorf(domain.EInvalid, "document language %q: want fr or en", lang)
	}
	d := Document{SchemaVersion: Version, Kind: kind, Language: lang,
		Source: Source{NoteVersion: opt.NoteVersion, NoteLang: note.Language, Drafter: DrafterRules}}
	b := builder{note: note, lang: lang}
	if kind == KindInstructions {
		b.instructions(&d)
	} else {
		b.referral(&d, opt.Recipient)
	}
	d.Warnings = append(d.Warnings, schema.Warning{Kind: "drafted_by_rules", Message: draft.Label(lang,
		"Drafted by rules from the note: every sentence cites the note item it comes from; read each one before signing.",
		"Rédigé par des règles à partir de la note : chaque phrase cite l'élément de la note d'où elle vient ; relisez-les toutes avant de signer.")})
	if note.Language != "" && note.Language != lang {
		d.Warnings = append(d.Warnings, schema.Warning{Kind: schema.WarnLanguage, Message: draft.Label(lang,
			"The note is in "+draft.LangName(note.Language, lang)+": the sentences taken from it are in that language; translate them before signing.",
			"La note est en "+draft.LangName(note.Language, lang)+" : les phrases qui en viennent sont dans cette langue ; traduisez-les avant de signer.")})
	}
	if d.Sentences() == 0 {
		d.Warnings = append(d.Warnings, schema.Warning{Kind: WarnIncomplete, Message: draft.Label(lang,
			"The note holds nothing this document can say: write it, or complete the note first.",
			"La note ne contient rien que ce document puisse reprendre : rédigez-le, ou complétez d'abord la note.")})
	}
	Check(&d, segs)
	return d, nil
}

type builder struct {
	note schema.Note
	lang string
	used [][]int // evidence of the items already said, to skip repeats
}

func (b *builder) l(en, fr string) string { return draft.Label(b.lang, en, fr) }

func (b *builder) say(p *Part, text string, ev schema.Evidence) {
	text = strings.TrimSpace(text)
	if text == "" {
		return
	}
	for _, s := range p.Sentences {
		if s.Text == text {
			return
		}
	}
	p.Sentences = append(p.Sentences, schema.Sentence{Text: text, Evidence: slices.Clone(ev)})
	b.used = append(b.used, ev)
}

// covered reports whether every id of ev is in the evidence of one item said
// already: the sentence would repeat it.
func (b *builder) covered(ev schema.Evidence) bool {
	if len(ev) == 0 {
		return false
	}
	for _, u := range b.used {
		all := true
		for _, id := range ev {
			if !slices.Contains(u, id) {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

func (b *builder) sections(p *Part, keys []string, plain bool) {
	for _, s := range b.note.Sections {
		if !slices.Contains(keys, s.Key) {
			continue
		}
		for _, x := range s.Sentences {
			if b.covered(x.Evidence) {
				continue
			}
			text := sentence(x.Text)
			if plain {
				text = Plain(x.Text, b.lang)
			}
			b.say(p, text, x.Evidence)
		}
	}
}

func addPart(d *Document, p Part) {
	if len(p.Sentences) > 0 {
		d.Parts = append(d.Parts, p)
	}
}

// instructions drafts patient instructions in plain words.
func (b *builder) instructions(d *Document) {
	d.Title = b.l("Your instructions after the visit", "Vos consignes après la consultation")
	d.Closing = b.l("If you have a question, call the practice.", "Pour toute question, appelez le cabinet.")

	reason := Part{Key: "reason", Title: b.l("Why you came", "Motif de votre visite")}
	for _, p := range b.note.Problems {
		b.say(&reason, b.l("We talked about: ", "Nous avons parlé de : ")+plainWords(p.Title, b.lang)+".", p.Evidence)
	}
	addPart(d, reason)

	meds := Part{Key: "medicines", Title: b.l("Your medicines", "Vos médicaments")}
	for _, m := range b.note.Medications {
		b.say(&meds, b.medicine(m), m.Evidence)
	}
	addPart(d, meds)

	tests := Part{Key: "tests", Title: b.l("Tests and appointments", "Examens et rendez-vous")}
	for _, o := range b.note.Orders {
		if o.Kind == schema.OrderMedication && b.covered(o.Evidence) {
			continue
		}
		b.say(&tests, b.orderLabel(o.Kind)+b.l(": ", " : ")+plainWords(o.Text, b.lang)+".", o.Evidence)
	}
	addPart(d, tests)

	next := Part{Key: "follow_up", Title: b.l("Your next visit", "Votre prochain rendez-vous")}
	for _, s := range b.note.FollowUp {
		b.say(&next, Plain(s.Text, b.lang), s.Evidence)
	}
	addPart(d, next)

	home := Part{Key: "at_home", Title: b.l("What to do at home", "Ce que vous pouvez faire chez vous")}
	for _, s := range b.note.PatientInstructions {
		if !b.covered(s.Evidence) {
			b.say(&home, Plain(s.Text, b.lang), s.Evidence)
		}
	}
	b.sections(&home, planKeys, true)
	addPart(d, home)
}

func (b *builder) medicine(m schema.Medication) string {
	name := strings.TrimSpace(m.Name)
	var details []string
	for _, s := range []string{m.Dose, plainWords(m.Route, b.lang), plainWords(m.Frequency, b.lang)} {
		if s = strings.TrimSpace(s); s != "" {
			details = append(details, s)
		}
	}
	det := strings.Join(details, ", ")
	with := func(s string) string {
		if det == "" {
			return s + "."
		}
		return s + b.l(": ", " : ") + det + "."
	}
	switch m.Action {
	case schema.ActionStart:
		return with(b.l("Start taking ", "Commencez ") + name)
	case schema.ActionContinue:
		return with(b.l("Keep taking ", "Continuez ") + name)
	case schema.ActionStop:
		return b.l("Stop taking ", "Arrêtez ") + name + "."
	case schema.ActionChange:
		return with(b.l("New way to take ", "Nouvelle façon de prendre ") + name)
	}
	return strings.TrimSuffix(with(name), ".") + b.l(" (ask us if you are unsure how to take it).", " (demandez-nous en cas de doute).")
}

func (b *builder) orderLabel(kind string) string {
	switch kind {
	case schema.OrderLab:
		return b.l("Lab tests", "Analyses")
	case schema.OrderImaging:
		return b.l("Imaging test", "Examen d'imagerie")
	case schema.OrderReferral:
		return b.l("Appointment with a specialist", "Rendez-vous avec un spécialiste")
	case schema.OrderProcedure:
		return b.l("Test or procedure", "Examen ou acte")
	case schema.OrderMedication:
		return b.l("Medicine", "Médicament")
	}
	return b.l("To do", "À faire")
}

// referral drafts a letter to a specialist.
func (b *builder) referral(d *Document, recipient string) {
	d.Title = b.l("Referral letter", "Lettre d'adressage")
	var referrals []schema.Order
	for _, o := range b.note.Orders {
		if o.Kind == schema.OrderReferral {
			referrals = append(referrals, o)
		}
	}
	if recipient == "" {
		for _, o := range referrals {
			if recipient = specialty(o.Text, b.lang); recipient != "" {
				break
			}
		}
	}
	if recipient == "" {
		recipient = b.l("Specialist colleague", "Confrère spécialiste")
	}
	d.Recipient = recipient
	d.Greeting = b.l("Dear colleague,", "Cher confrère, chère consœur,")
	d.Closing = b.l("Thank you for your help. With kind regards,", "Je vous remercie de votre aide. Bien confraternellement,")

	reason := Part{Key: "reason", Title: b.l("Reason for referral", "Motif")}
	for _, o := range referrals {
		b.say(&reason, sentence(o.Text), o.Evidence)
	}
	for _, p := range b.note.Problems {
		b.say(&reason, b.l("Problem: ", "Problème : ")+p.Title+".", p.Evidence)
	}
	addPart(d, reason)

	history := Part{Key: "history", Title: b.l("History", "Histoire de la maladie")}
	b.sections(&history, historyKeys, false)
	addPart(d, history)

	findings := Part{Key: "findings", Title: b.l("Examination and results", "Examen clinique et résultats")}
	for _, v := range b.note.Vitals {
		b.say(&findings, vitalLabel(v.Kind, b.lang)+b.l(": ", " : ")+strings.TrimSpace(v.Value+" "+v.Unit)+".", v.Evidence)
	}
	b.sections(&findings, findingKeys, false)
	addPart(d, findings)

	assessment := Part{Key: "assessment", Title: b.l("Assessment", "Évaluation")}
	b.sections(&assessment, assessmentKeys, false)
	addPart(d, assessment)

	treatment := Part{Key: "treatment", Title: b.l("Current treatment", "Traitement en cours")}
	for _, m := range b.note.Medications {
		parts := []string{strings.TrimSpace(m.Name)}
		for _, s := range []string{m.Dose, m.Route, m.Frequency} {
			if s = strings.TrimSpace(s); s != "" {
				parts = append(parts, s)
			}
		}
		b.say(&treatment, sentence(strings.Join(parts, " ")+" ("+actionLabel(m.Action, b.lang)+")"), m.Evidence)
	}
	for _, a := range b.note.Allergies {
		text := b.l("Allergy: ", "Allergie : ") + a.Substance
		if a.Reaction != "" {
			text += " (" + a.Reaction + ")"
		}
		b.say(&treatment, text+".", a.Evidence)
	}
	b.sections(&treatment, planKeys, false)
	addPart(d, treatment)

	question := Part{Key: "question", Title: b.l("Question", "Question posée")}
	var ev schema.Evidence
	var topics []string
	for _, o := range referrals {
		ev = append(ev, o.Evidence...)
	}
	for _, p := range b.note.Problems {
		ev = append(ev, p.Evidence...)
		topics = append(topics, lower(p.Title))
	}
	slices.Sort(ev)
	ev = slices.Compact(ev)
	if len(ev) > 0 {
		topic := b.l("this problem", "ce problème")
		if len(topics) > 0 {
			topic = strings.Join(topics, ", ")
		}
		question.Sentences = append(question.Sentences, schema.Sentence{Evidence: ev, Text: b.l(
			"Thank you for your opinion on "+topic+" and on its management.",
			"Merci de votre avis sur : "+topic+", et sur la prise en charge.")})
	}
	addPart(d, question)
	if len(question.Sentences) == 0 {
		d.Warnings = append(d.Warnings, schema.Warning{Kind: WarnIncomplete, Path: "/parts", Message: b.l(
			"The note names no referral and no problem: write the question you ask the specialist.",
			"La note ne mentionne ni adressage ni problème : écrivez la question posée au spécialiste.")})
	}
}

// specialty names the specialty a referral order mentions, in lang.
func specialty(text, lang string) string {
	t := strings.ToLower(text)
	for _, s := range []struct{ stems, en, fr string }{
		{"cardiolog", "Cardiology", "Cardiologie"},
		{"dermatolog", "Dermatology", "Dermatologie"},
		{"neurolog", "Neurology", "Neurologie"},
		{"orthop", "Orthopaedics", "Orthopédie"},
		{"physical therap|physiotherap|kinésithérap|kiné", "Physiotherapy", "Kinésithérapie"},
		{"nephrolog|néphrolog", "Nephrology", "Néphrologie"},
		{"endocrinolog", "Endocrinology", "Endocrinologie"},
		{"gastroenterolog|gastro-entérolog|gastroentérolog", "Gastroenterology", "Gastro-entérologie"},
		{"urolog", "Urology", "Urologie"},
		{"pulmonolog|pneumolog", "Pulmonology", "Pneumologie"},
		{"rheumatolog|rhumatolog", "Rheumatology", "Rhumatologie"},
		{"ophthalmolog|ophtalmolog", "Ophthalmology", "Ophtalmologie"},
		{"psychiatr", "Psychiatry", "Psychiatrie"},
		{"surgeon|surgery|chirurg", "Surgery", "Chirurgie"},
	} {
		for _, stem := range strings.Split(s.stems, "|") {
			if strings.Contains(t, stem) {
				return draft.Label(lang, s.en, s.fr)
			}
		}
	}
	return ""
}

// plainWords is Plain without the capital and full stop, for use inside a sentence.
func plainWords(text, lang string) string {
	p := strings.TrimRight(Plain(text, lang), ".")
	if p == "" {
		return ""
	}
	return lower(p)
}

func actionLabel(a, lang string) string {
	en := map[string]string{schema.ActionStart: "started", schema.ActionStop: "stopped", schema.ActionContinue: "continued",
		schema.ActionChange: "changed", schema.ActionUnknown: "status unclear"}
	fr := map[string]string{schema.ActionStart: "débuté", schema.ActionStop: "arrêté", schema.ActionContinue: "poursuivi",
		schema.ActionChange: "modifié", schema.ActionUnknown: "statut à préciser"}
	if lang == "fr" {
		if v, ok := fr[a]; ok {
			return v
		}
	} else if v, ok := en[a]; ok {
		return v
	}
	return a
}

func vitalLabel(kind, lang string) string {
	labels := map[string][2]string{
		schema.VitalBP: {"Blood pressure", "Tension artérielle"}, schema.VitalHR: {"Heart rate", "Fréquence cardiaque"},
		schema.VitalRR: {"Respiratory rate", "Fréquence respiratoire"}, schema.VitalTemperature: {"Temperature", "Température"},
		schema.VitalSpO2: {"Oxygen saturation", "Saturation en oxygène"}, schema.VitalWeight: {"Weight", "Poids"}, schema.VitalHeight: {"Height", "Taille"},
		schema.VitalBMI: {"BMI", "IMC"}, schema.VitalGlucose: {"Glucose", "Glycémie"}, schema.VitalPain: {"Pain", "Douleur"},
	}
	if l, ok := labels[kind]; ok {
		return draft.Label(lang, l[0], l[1])
	}
	return draft.Label(lang, "Other", "Autre")
}
