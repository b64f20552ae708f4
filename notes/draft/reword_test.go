package draft

import (
	"testing"

	"greffier/domain"
)

func TestRewordText(t *testing.T) {
	cases := []struct {
		name, lang string
		sex        Sex
		role       domain.Role
		in, want   string
	}{
		{"first person, sex unknown", "en", 0, domain.RolePatient, "I have had this headache for 2 weeks.", "Has had this headache for 2 weeks."},
		{"first person mid-sentence, sex unknown", "en", 0, domain.RolePatient, "After the fall I had this headache.", "After the fall the patient had this headache."},
		{"a relative without a possessive", "en", 0, domain.RolePatient, "My mother has diabetes.", "Mother has diabetes."},
		{"pronouns when the sex is known", "en", 'f', domain.RolePatient, "I take metformin and my knee hurts. I'm tired.", "She takes metformin and her knee hurts. She is tired."},
		{"adverb before the verb, opener dropped", "en", 'm', domain.RolePatient, "Well, I also feel tired.", "He also feels tired."},
		{"contractions and negation kept", "en", 0, domain.RolePatient, "I don't smoke and I've never had surgery.", "Doesn't smoke and the patient has never had surgery."},
		{"spelled letters are not a pronoun", "en", 0, domain.RolePatient, "They gave me I V fluids.", "They gave the patient I V fluids."},
		{"past tense unchanged", "en", 'm', domain.RolePatient, "I went to the ER and I felt dizzy.", "He went to the ER and he felt dizzy."},
		{"no possessive when the sex is unknown", "en", 0, domain.RolePatient, "After the fall I hurt my knee.", "After the fall the patient hurt knee."},
		{"courtesies and questions dropped", "en", 0, domain.RoleClinician, "I see. Thank you. How long has it hurt?", ""},
		{"a greeting dropped", "fr", 'f', domain.RolePatient, "Bonjour docteur. J'ai mal au dos.", "La patiente a mal au dos."},
		{"clinician's you", "en", 0, domain.RoleClinician, "You have a history of asthma.", "Has a history of asthma."},
		{"a colleague's you is not the patient", "en", 'm', domain.RoleClinician, "Sorry, doctor. I was looking for you.", "I was looking for you."},
		{"you as the subject of a clause", "en", 0, domain.RoleClinician, "Make sure you drink plenty of fluids.", "Make sure the patient drinks plenty of fluids."},
		{"clinician's your opening a finding", "en", 0, domain.RoleClinician, "Your lungs are clear.", "Lungs are clear."},
		{"clinician's own I untouched", "en", 'f', domain.RoleClinician, "I'm going to order an x-ray of your left knee.", "I'm going to order an x-ray of her left knee."},
		{"a no whose question is not quoted", "en", 0, domain.RolePatient, "No. I quit 2 years ago.", "Quit 2 years ago."},
		{"an announcement of the topic dropped", "en", 0, domain.RoleClinician, "Tell me a little bit about your family history. You mentioned diabetes.", "Mentioned diabetes."},
		{"an announcement with a figure kept", "en", 'm', domain.RoleClinician, "Let's talk about the 2 pills you take.", "Let's talk about the 2 pills he takes."},
		{"French announcement dropped", "fr", 0, domain.RoleClinician, "Parlons de vos antécédents familiaux.", ""},
		{"French, sex unknown: no subject", "fr", 0, domain.RolePatient, "J'ai mal au dos depuis 3 jours.", "A mal au dos depuis 3 jours."},
		{"French, sex known", "fr", 'f', domain.RolePatient, "Je suis fatiguée et je ne dors pas.", "La patiente est fatiguée et elle ne dort pas."},
		{"French reflexive and negation", "fr", 0, domain.RolePatient, "Je me sens mieux mais je n'ai pas faim.", "Se sent mieux mais n'a pas faim."},
		{"French possessive", "fr", 'm', domain.RolePatient, "Ma mère a du diabète.", "Sa mère a du diabète."},
		{"French future", "fr", 'm', domain.RolePatient, "Je prendrai le traitement.", "Le patient prendra le traitement."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			first := true
			if got := (voice{lang: c.lang, sex: c.sex}).rewordText(c.in, c.role, &first); got != c.want {
				t.Errorf("rewordText(%q)\n got %q\nwant %q", c.in, got, c.want)
			}
		})
	}
}

func TestRewordAnswer(t *testing.T) {
	cases := []struct {
		name, lang string
		sex        Sex
		ask, reply string
		sign       int
		want       string // "" when the pair must stay quoted
	}{
		{"have you had any, no", "en", 0, "Have you had any fever or chills?", "No.", -1, "Denies fever or chills."},
		{"any, no", "en", 0, "Okay. Any chest pain?", "Nope.", -1, "No chest pain."},
		{"any, yes", "en", 0, "Any nausea?", "Yes.", 1, "Reports nausea."},
		{"how about, no", "en", 0, "How about swelling in your legs?", "No.", -1, "No swelling in legs."},
		{"do you, no, with more said", "en", 'm', "Do you smoke?", "No, I quit 2 years ago.", -1, "He quit 2 years ago. He does not smoke."},
		{"are you, no with an echo", "en", 'f', "Are you currently pregnant?", "No, I'm not.", -1, "She is not currently pregnant."},
		{"do you have, yes", "en", 0, "Do you have diabetes?", "Yes, I do.", 1, "Has diabetes."},
		{"do you have, yes, sex known", "en", 'f', "Do you have diabetes?", "Yes, I do.", 1, "She has diabetes."},
		{"an echo of the no", "en", 0, "And any family history of heart disease?", "No, actually.", -1, "No family history of heart disease."},
		{"a doubt stays quoted", "en", 0, "Any pain?", "I'm not sure.", -1, ""},
		{"a softened no stays quoted", "en", 0, "Any pain?", "No, just a little.", -1, ""},
		{"an open question stays quoted", "en", 0, "When did it start?", "Yesterday.", 0, ""},
		{"the clinician's own question", "en", 0, "Do you want me to call your wife?", "No.", -1, ""},
		{"French, no", "fr", 0, "Avez-vous de la fièvre ?", "Non.", -1, "Pas de fièvre."},
		{"French, no, vowel", "fr", 0, "Vous avez eu des étourdissements ?", "Non, jamais.", -1, "Pas d'étourdissements."},
		{"French, yes", "fr", 0, "Des vertiges ?", "Oui.", 1, "Signale des vertiges."},
		{"French, no to a list", "fr", 0, "Vous avez de la fièvre ou des troubles de la vision ?", "Non.", -1, "Pas de fièvre ni de troubles de la vision."},
		{"a no that repeats part of the question stays quoted", "fr", 0, "Vous avez de la fièvre ou des troubles de la vision ?", "Non, pas de fièvre.", -1, ""},
		{"French, unread question", "fr", 0, "Prenez-vous un traitement ?", "Non.", -1, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			first := true
			got, ok := (voice{lang: c.lang, sex: c.sex}).rewordAnswer(c.ask, c.reply, c.sign, &first)
			if !ok {
				got = ""
			}
			if got != c.want {
				t.Errorf("rewordAnswer(%q, %q)\n got %q (ok %v)\nwant %q", c.ask, c.reply, got, ok, c.want)
			}
		})
	}
}

func TestPatientSex(t *testing.T) {
	seg := func(role domain.Role, text string) domain.Segment { return domain.Segment{Role: role, Text: text} }
	cases := []struct {
		name string
		segs []domain.Segment
		want Sex
	}{
		{"sir", []domain.Segment{seg(domain.RoleClinician, "Good morning, sir. What brings you in?")}, 'm'},
		{"miss as an address", []domain.Segment{seg(domain.RoleClinician, "Hello, miss.")}, 'f'},
		{"miss as a verb", []domain.Segment{seg(domain.RoleClinician, "Did you miss a dose?")}, 0},
		{"the patient says", []domain.Segment{seg(domain.RolePatient, "I'm a 45 year old woman.")}, 'f'},
		{"conflicting signs", []domain.Segment{seg(domain.RoleClinician, "Yes, sir."), seg(domain.RoleClinician, "Thank you, ma'am.")}, 0},
		{"the patient's sir is not the patient", []domain.Segment{seg(domain.RolePatient, "Yes, sir.")}, 0},
		{"French", []domain.Segment{seg(domain.RoleClinician, "Bonjour madame.")}, 'f'},
		{"an address before a surname", []domain.Segment{seg(domain.RoleClinician, "Bonjour monsieur Martin, asseyez-vous.")}, 'm'},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := patientSex(c.segs); got != c.want {
				t.Errorf("patientSex = %q, want %q", got, c.want)
			}
		})
	}
}

func TestRewordOpen(t *testing.T) {
	cases := []struct {
		name, lang, ask, reply string
		answer                 int
		want                   string // "" for the quote
	}{
		{"an open question, a statement", "en", "How is your sleep?", "I cannot sleep because of the pain.", 0, "Cannot sleep because of the pain."},
		{"a yes stated on its own", "en", "Do you have any medical history we should know of?", "I have type 2 diabetes.", 1, "Has type 2 diabetes."},
		{"a yes pointing back at the question", "en", "How often do you check your sugar levels?", "I do it at home.", 1, ""},
		{"a no keeps its question", "en", "Do you take anything for the pain?", "I don't take anything at all.", -1, ""},
		{"a yes, then a statement", "en", "Are you on anything for cholesterol?", "Yes, I take Lipitor every night.", 1, "Takes Lipitor every night."},
		{"a yes about someone else", "en", "Is your son in school?", "Yes, he is doing quite well.", 1, ""},
		{"French, a yes, then a statement", "fr", "Vous êtes suivie pour le cholestérol ?", "Oui, je prends du Lipitor le soir.", 1, "Prend du Lipitor le soir."},
		{"French, a yes stated on its own", "fr", "Vous prenez un traitement ?", "Je prends de la metformine le matin.", 1, "Prend de la metformine le matin."},
		{"French, a yes pointing back", "fr", "Vous prenez des anti-inflammatoires ?", "J'en prends tous les jours.", 1, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			u := unit{text: c.ask + " — " + c.reply, ask: c.ask, reply: c.reply, answer: c.answer, role: domain.RolePatient}
			want := c.want
			if want == "" {
				want = u.text
			}
			first := true
			if got := (voice{lang: c.lang}).rewordOpen(u, &first); got != want {
				t.Errorf("rewordOpen(%q)\n got %q\nwant %q", u.text, got, want)
			}
		})
	}
}
