package draft_test

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"greffier/domain"
	"greffier/notes/draft"
	"greffier/notes/schema"
	"greffier/notes/transcript"
)

func draftDialogue(t *testing.T, dialogue, tmpl, lang string) (schema.Note, []domain.Segment) {
	t.Helper()
	segs, ok := transcript.ParseDialogue(dialogue)
	if !ok {
		t.Fatal("not a tagged dialogue")
	}
	n, err := draft.Extractive{}.Draft(context.Background(), draft.Request{Segments: segs, Template: mustTemplate(t, tmpl), Language: lang})
	if err != nil {
		t.Fatal(err)
	}
	return n, segs
}

func sectionOf(n schema.Note, key string) schema.Section {
	for _, s := range n.Sections {
		if s.Key == key {
			return s
		}
	}
	return schema.Section{}
}

// A fallback sentence must say nothing its cited segments do not: the fact checker
// finds no unsupported fact in the note.
func assertFactsHold(t *testing.T, n schema.Note, segs []domain.Segment) {
	t.Helper()
	if w := draft.CheckFacts(&n, segs); w != 0 {
		t.Errorf("fact checker flags %d item(s): %+v", w, n.Warnings)
	}
}

func TestChiefComplaintFallback(t *testing.T) {
	cases := []struct {
		name, dialogue, lang string
		want                 string // "" for no chief complaint
		cites                int    // a segment the chief complaint must cite
	}{
		{"reply to the opening question", "Doctor: Hi, what brings you in today?\nPatient: I have been having some trouble breathing.\nDoctor: Okay.",
			"en", "Trouble breathing.", 1},
		{"possessive after a preposition", "Doctor: What is going on?\nPatient: I have pain in my jaw since the morning.\nDoctor: How bad is it?\nPatient: Not that bad.",
			"en", "Pain in the jaw since the morning.", 1},
		{"a relative speaks for the patient", "Doctor: What is going on with him?\nGuest_family: He is complaining of chest pain.",
			"en", "Chest pain.", 1},
		{"a new clause ends it", "Doctor: So, what is going on with you?\nPatient: Well, I am having nausea and I just want to get it checked.",
			"en", "Nausea.", 1},
		{"the clinician's question answered yes", "Doctor: So, you are following up for your high blood pressure?\nPatient: Yes.",
			"en", "High blood pressure.", 0},
		{"the clinician's dictation", "Doctor: Hey, so sarah is a 27-year-old female here for her annual visit.\nPatient: Hi.\nDoctor: How have things been?\nPatient: Pretty good overall.",
			"en", "Annual visit.", 0},
		{"a n't written apart is a denial", "Doctor: How have you been?\nPatient: Okay. I have n't been checking my blood sugars.",
			"en", "", -1},
		{"a pronoun is no reason", "Doctor: Hello, I am here for you today.\nPatient: Thanks.", "en", "", -1},
		{"a denial is no complaint", "Doctor: What brings you in?\nPatient: I have no pain at all, just here to talk.",
			"en", "", -1},
		{"small talk is no complaint", "Doctor: How are you?\nPatient: I am good, thank you.\nDoctor: Great to hear.",
			"en", "", -1},
		{"French", "Médecin: Bonjour, qu'est-ce qui vous amène ?\nPatient: J'ai mal à la gorge depuis trois jours.\nMédecin: D'accord.",
			"fr", "Mal à la gorge depuis 3 jours.", 1},
		{"French, a reason for the visit", "Médecin: Bonjour madame, qu'est-ce qui vous amène aujourd'hui ?\nPatient: Je viens pour une toux qui dure.",
			"fr", "Toux.", 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n, segs := draftDialogue(t, c.dialogue, "hp", c.lang)
			cc := sectionOf(n, "chief_complaint")
			if c.want == "" {
				// No complaint cut out: the chief complaint is empty, or holds what
				// the section model routed there, whole (the reworded turn).
				for _, x := range cc.Sentences {
					if len(strings.Fields(x.Text)) < 4 {
						t.Errorf("chief complaint %q, want no complaint cut out", x.Text)
					}
				}
				return
			}
			if len(cc.Sentences) != 1 || cc.Sentences[0].Text != c.want {
				t.Fatalf("chief complaint %+v, want one sentence %q", cc.Sentences, c.want)
			}
			if !containsID(cc.Sentences[0].Evidence, c.cites) {
				t.Errorf("chief complaint cites %v, want segment %d", cc.Sentences[0].Evidence, c.cites)
			}
			assertFactsHold(t, n, segs)
		})
	}
}

func containsID(ev schema.Evidence, id int) bool {
	for _, x := range ev {
		if x == id {
			return true
		}
	}
	return false
}

// A chief complaint is a few words: what the selector routed there is moved to
// the history of present illness, not lost.
func TestChiefComplaintKeepsRoutedSentences(t *testing.T) {
	dialogue := "Doctor: Hello! What brings you in today?\nPatient: I have pain in my right knee.\n" +
		"Doctor: When did it start?\nPatient: It started two weeks ago after I fell while running in the park.\n" +
		"Doctor: Does anything make it better?\nPatient: Ice helps a little, and I have been taking ibuprofen 400 mg twice a day."
	segs, _ := transcript.ParseDialogue(dialogue)
	withFill, _ := draftDialogue(t, dialogue, "hp", "en")
	cc := sectionOf(withFill, "chief_complaint")
	if len(cc.Sentences) != 1 || !strings.Contains(cc.Sentences[0].Text, "knee") {
		t.Fatalf("chief complaint %+v, want the knee pain alone", cc.Sentences)
	}
	// Every sentence quoted anywhere cites an existing segment and is found by the checker.
	for _, s := range withFill.Sections {
		for _, x := range s.Sentences {
			if len(x.Evidence) == 0 {
				t.Errorf("%s: %q cites nothing", s.Key, x.Text)
			}
		}
	}
	assertFactsHold(t, withFill, segs)
}

func TestAllergyReplies(t *testing.T) {
	cases := []struct {
		name, dialogue, lang string
		want                 []string
	}{
		{"a drug named in the reply", "Doctor: Do you have any allergies to medications?\nPatient: Yes. Penicillin.", "en", []string{"penicillin"}},
		{"a yes naming what", "Doctor: Any allergies?\nPatient: Yes just molds.\nDoctor: Okay.", "en", []string{"molds"}},
		{"not that I know of", "Doctor: Do you have any allergies?\nPatient: Not that I know of.\nDoctor: Okay.", "en", []string{"No known allergies"}},
		{"drug allergies denied", "Doctor: Any drug allergies?\nPatient: No.", "en", []string{"No known drug allergies"}},
		{"reactions to medications denied", "Doctor: Ever had a reaction to any medications?\nPatient: Nope, none.", "en", []string{"No known drug allergies"}},
		{"a named allergen wins over a later no", "Doctor: Any allergies?\nPatient: Yes, I am allergic to sulfa.\nDoctor: Any other allergies?\nPatient: No.", "en", []string{"sulfa"}},
		{"French, drug allergies denied", "Médecin: Avez-vous des allergies aux médicaments ?\nPatient: Non.", "fr", []string{"Aucune allergie médicamenteuse connue"}},
		{"French, none known", "Médecin: Vous avez des allergies ?\nPatient: Pas que je sache.", "fr", []string{"Aucune allergie connue"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n, segs := draftDialogue(t, c.dialogue, "hp", c.lang)
			var got []string
			for _, a := range n.Allergies {
				got = append(got, a.Substance)
				if len(a.Evidence) == 0 {
					t.Errorf("%q cites nothing", a.Substance)
				}
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("allergies %q, want %q", got, c.want)
			}
			assertFactsHold(t, n, segs)
		})
	}
}

// When the clinician orders, prescribes or reads out results and findings, the
// note's plan, results and examination are not left empty, and say only what was
// said.
func TestEmptySectionsFilled(t *testing.T) {
	cases := []struct {
		name, dialogue, lang, section, word string
	}{
		{"plan: an order", "Doctor: Hi there, what brings you in?\nPatient: My knee hurts.\nDoctor: I am going to order an x-ray of your knee.", "en", "assessment_plan", "x-ray"},
		{"results read out", "Doctor: Your x-ray came back and it shows a small fracture of the wrist.\nPatient: Oh no.", "en", "results", "fracture"},
		{"exam: vital signs", "Doctor: Your blood pressure is 150 over 90 today.\nPatient: That is high.", "en", "physical_exam", "150"},
		{"French plan", "Médecin: Qu'est-ce qui vous amène ?\nPatient: J'ai mal au genou.\nMédecin: Je vais vous prescrire une radiographie du genou.", "fr", "assessment_plan", "radiographie"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n, segs := draftDialogue(t, c.dialogue, "hp", c.lang)
			s := sectionOf(n, c.section)
			text := strings.ToLower(draft.SectionText(n, c.section))
			if !strings.Contains(text, c.word) {
				t.Fatalf("%s = %q, want it to say %q", c.section, text, c.word)
			}
			for _, x := range s.Sentences {
				if len(x.Evidence) == 0 {
					t.Errorf("%q cites nothing", x.Text)
				}
			}
			assertFactsHold(t, n, segs)
		})
	}
}
