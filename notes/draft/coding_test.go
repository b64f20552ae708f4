package draft_test

import (
	"context"
	"strings"
	"testing"

	"greffier/icd10"
	"greffier/notes/draft"
	"greffier/notes/schema"
	"greffier/notes/transcript"
)

// starterCodes looks codes up in the ICD-10-CM starter set that Greffier ships. It
// stands in for *icd10.Index, whose SQLite needs cgo and these tests run without it
// (scripts/test-pure); cmd/greffier's draft tests use the real index.
type starterCodes map[string]schema.CodeRef

func newStarterCodes(t testing.TB) starterCodes {
	t.Helper()
	codes, err := icd10.StarterCodes()
	if err != nil {
		t.Fatal(err)
	}
	out := starterCodes{}
	for _, c := range codes {
		out[c.Code] = schema.CodeRef{Code: c.Code, Title: c.Title}
	}
	return out
}

// Suggest answers exact codes only, as the extractive coder asks.
func (s starterCodes) Suggest(_ context.Context, q string, _ int) ([]schema.CodeRef, error) {
	if c, ok := s[strings.ToUpper(q)]; ok {
		return []schema.CodeRef{c}, nil
	}
	return nil, nil
}

func draftCodes(t *testing.T, dialogue string) schema.Note {
	t.Helper()
	segs, _ := transcript.ParseDialogue(dialogue)
	n, err := draft.Extractive{Codes: newStarterCodes(t)}.Draft(context.Background(), draft.Request{Segments: segs, Template: mustTemplate(t, "soap"), Language: draft.SpokenLanguage(segs)})
	if err != nil {
		t.Fatal(err)
	}
	checkNote(t, n, segs)
	return n
}

func codesOf(n schema.Note) []string {
	var out []string
	for _, p := range n.Problems {
		if p.ICD10 != nil {
			out = append(out, p.ICD10.Code)
		}
	}
	return out
}

func TestCodingContext(t *testing.T) {
	cases := []struct {
		name      string
		dialogue  string
		want, not []string
	}{
		{"type I diabetes is type 1", "[patient] i have had type i diabetes since i was nine , i use an insulin pump .\n[doctor] okay , so for your type i diabetes we will keep the pump settings and check your a1c .",
			[]string{"E10.9"}, []string{"E11.9"}},
		{"diabetes without a type is type 2", "[doctor] for your diabetes , your a1c is 7.2 , let's continue the metformin 500 mg twice a day .",
			[]string{"E11.9"}, []string{"E10.9"}},
		{"covid doubted and tested", "[patient] i've had a cough and a sore throat for three days .\n[doctor] i don't think you have covid , but we'll send a test to be sure .",
			nil, []string{"U07.1"}},
		{"right wrist sprain", "[patient] i fell off my bike and landed on my right wrist , it's swollen .\n[doctor] the x-ray shows no fracture . this is a sprain of your right wrist , we'll put it in a brace .",
			[]string{"S63.501A"}, []string{"M81.0", "S63.502A"}},
		{"finger sprain", "[patient] i jammed my finger playing basketball on saturday .\n[doctor] it looks like you sprained your finger , let's buddy tape it .",
			[]string{"S63.619A"}, []string{"K59.00"}},
		{"left ring finger sprain", "[doctor] so you have a sprained left ring finger from the game .", []string{"S63.615A"}, nil},
		{"someone else's condition", "[patient] my mother has diabetes and my father had a stroke .\n[doctor] okay , that family history is important .",
			nil, []string{"E11.9", "I63.9"}},
		{"review of systems denials", "[doctor] any chest pain ?\n[patient] no .\n[doctor] shortness of breath ?\n[patient] no , none .\n[doctor] and you deny any fever or cough .",
			nil, []string{"R07.9", "R06.02", "R50.9", "R05.9"}},
		{"hypothetical", "[doctor] if you develop a fever or chest pain , call us or go to the emergency room .", nil, []string{"R50.9", "R07.9"}},
		{"ruled out", "[doctor] your chest x-ray was clear , so pneumonia was ruled out .\n[doctor] i think you have bronchitis .", []string{"J20.9"}, []string{"J18.9"}},
		{"historical", "[patient] i had pneumonia years ago but i'm fine now .", nil, []string{"J18.9"}},
		{"prediabetes is not diabetes", "[doctor] your a1c is 6.1 , that is pre-diabetes , so diet and exercise .", []string{"R73.03"}, []string{"E11.9"}},
		{"knee pain by side", "[doctor] for your left knee pain , let's try physical therapy .", []string{"M25.562"}, []string{"M25.561"}},
		{"French negation and sprain", "Médecin: Vous n'avez pas de diabète ni d'hypertension ?\nPatient: Non, rien de tout ça.\nMédecin: Pas de fièvre ? Bon, c'est une entorse de la cheville droite, on met une attelle.",
			[]string{"S93.401A"}, []string{"E11.9", "I10", "R50.9"}},
		{"French family and hypothetical", "Patient: Ma mère a du diabète.\nMédecin: Si vous avez de la fièvre, rappelez-moi. Pour votre hypertension, on continue le ramipril.",
			[]string{"I10"}, []string{"E11.9", "R50.9"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n := draftCodes(t, tc.dialogue)
			got := codesOf(n)
			for _, w := range tc.want {
				if !contains(got, w) {
					t.Errorf("codes %v lack %s (problems %+v)", got, w, n.Problems)
				}
			}
			for _, w := range tc.not {
				if contains(got, w) {
					t.Errorf("codes %v hold %s", got, w)
				}
			}
		})
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// TestCodesCarryConfidenceAndRankAssessedFirst: the assessed problem comes first
// with a sure code; a condition only the patient speaks of is listed, uncoded.
func TestCodesCarryConfidenceAndRankAssessedFirst(t *testing.T) {
	n := draftCodes(t, "[patient] i have heartburn after big meals .\n"+
		"[doctor] okay .\n[patient] the heartburn keeps me up at night .\n[doctor] let me examine you .\n[doctor] your lungs sound clear .\n"+
		"[doctor] so for your high blood pressure , we'll continue the lisinopril 20 mg a day .")
	if len(n.Problems) < 2 || n.Problems[0].ICD10 == nil || n.Problems[0].ICD10.Code != "I10" {
		t.Fatalf("want the assessed hypertension first: %+v", n.Problems)
	}
	for _, p := range n.Problems {
		if p.ICD10 == nil {
			continue
		}
		if p.ICD10.Confidence <= 0 || p.ICD10.Confidence > 1 || p.ICD10.Reason == "" {
			t.Errorf("%s: confidence %v reason %q", p.ICD10.Code, p.ICD10.Confidence, p.ICD10.Reason)
		}
	}
	if c := n.Problems[0].ICD10; c.Confidence < draft.SureCodeConfidence {
		t.Errorf("assessed problem %+v: confidence under %v", c, draft.SureCodeConfidence)
	}
	if p := n.Problems[1]; !strings.Contains(strings.ToLower(p.Title), "reflux") || p.ICD10 != nil {
		t.Errorf("the patient's heartburn: %+v, want it listed without a code", p)
	}
}

func TestAssertionOf(t *testing.T) {
	cases := []struct {
		text, phrase string
		want         draft.Assertion
	}{
		{"No fever, no chills.", "fever", draft.Negated},
		{"He denies chest pain and shortness of breath.", "shortness of breath", draft.Negated},
		{"No, I do have asthma.", "asthma", draft.Affirmed},
		{"I don't think you have covid, we'll send a test.", "covid", draft.Possible},
		{"We need to rule out a blood clot.", "blood clot", draft.Possible},
		{"Call us if the fever comes back.", "fever", draft.Hypothetical},
		{"My dad has diabetes.", "diabetes", draft.Other},
		{"Diabetes runs in the family.", "diabetes", draft.Other},
		{"I had shingles years ago.", "shingles", draft.Historical},
		{"Your blood pressure is not controlled, so hypertension needs a second drug.", "hypertension", draft.Affirmed},
		{"No fever, but the cough is worse.", "cough", draft.Affirmed},
		{"Le patient n'a pas de fièvre.", "fièvre", draft.Negated},
		{"Si la douleur persiste, revenez.", "douleur", draft.Hypothetical},
		{"Sa mère a un diabète.", "diabète", draft.Other},
		{"On fait un test pour éliminer une embolie pulmonaire.", "embolie pulmonaire", draft.Possible},
		{"Embolie pulmonaire écartée.", "embolie pulmonaire", draft.Negated},
	}
	for _, tc := range cases {
		got, ok := draft.AssertionOf(tc.text, tc.phrase)
		if !ok || got != tc.want {
			t.Errorf("%q / %q: got %v (found %v), want %v", tc.text, tc.phrase, got, ok, tc.want)
		}
	}
}

// TestCodingWhereTheClinicianAssesses: a code is sure (>= SureCodeConfidence) only
// when the clinician names the problem while assessing; symptoms a diagnosis
// explains, review-of-systems and examination findings, states named by an
// adjective and conditions said of a drug or a risk are not coded.
func TestCodingWhereTheClinicianAssesses(t *testing.T) {
	cases := []struct {
		name               string
		dialogue           string
		sure, not, notSure []string
	}{
		{"symptoms a diagnosis explains", "[patient] i've had a cough and a fever for a week .\n[doctor] so for your assessment and plan , this is pneumonia , that's what is causing the cough and the fever , we'll start antibiotics .",
			[]string{"J18.9"}, []string{"R05.9", "R50.9"}, nil},
		{"knee pain with a knee sprain", "[patient] my right knee pain started after i fell .\n[doctor] my assessment is a sprain of your right knee , and the right knee pain should get better with a brace .",
			[]string{"S83.91XA"}, []string{"M25.561"}, nil},
		{"a symptom given a cause", "[doctor] so for your problem of left shoulder pain , your symptoms are most likely due to a rotator cuff tendinopathy .",
			nil, []string{"M25.512"}, nil},
		{"history read out is not assessed", "[doctor] so for your medical history , it's high cholesterol .\n[patient] yes .\n[doctor] okay .\n[doctor] my assessment , for your high blood pressure we'll continue the lisinopril .",
			[]string{"I10"}, nil, []string{"E78.5"}},
		{"an adjective is not a diagnosis", "[patient] i'm a bit anxious about the results .\n[doctor] okay , for your high blood pressure we'll continue the lisinopril .",
			[]string{"I10"}, []string{"F41.9"}, nil},
		{"a sore throat is a symptom", "[patient] i have a sore throat and a runny nose .\n[doctor] okay , let me look .", nil, []string{"J02.9", "R07.0"}, nil},
		{"doubt over a spoken clause", "[doctor] so my impression , i do n't think that this is a a sign of a stroke or any bleeding in your brain . for your tension headache let's try a muscle relaxant .",
			[]string{"R51.9"}, []string{"I63.9"}, nil},
		{"side effects", "[doctor] the most common side effects are going to be nausea , vomiting , diarrhea and constipation .", nil, []string{"K59.00", "R19.7"}, nil},
		{"a condition one may develop", "[doctor] call us if the headaches become more severe or suddenly worsen or you develop a fever .", nil, []string{"R50.9", "R51.9"}, nil},
		{"what a drug is used for", "[doctor] so in terms of the plan , it's a medication which has been used for diabetes , it works on satiety .", nil, []string{"E11.9"}, nil},
		{"examination findings without an assessment header", "[patient] the wound on my heel smells .\n[doctor] okay .\n[doctor] let me examine you . on your foot exam i do recognize a slight fever and what looks like cellulitis around the wound .",
			nil, []string{"R50.9"}, []string{"L03.90"}},
		{"a yes naming a relative", "[doctor] anything in the family like diabetes , high blood pressure ?\n[patient] um , yeah my grandma has diabetes .",
			nil, []string{"E11.9", "I10"}, nil},
		{"an answer 'I do not'", "[doctor] do you suffer from acid reflux ?\n[patient] i do not , no .", nil, []string{"K21.9"}, nil},
		{"a diagnosis that only sounds like one", "[patient] the light hurts my eyes .\n[doctor] okay .\n[doctor] from the sounds of it , it does sound quite like a migraine .",
			nil, []string{"G43.909"}, nil},
		{"recap and safety-netting at the close of a visit", "[patient] i've had diarrhea for three days .\n[doctor] okay .\n[doctor] so just to recap , you've been having diarrhea and some fever .\n" +
			"[doctor] look out for a high fever , or your breathing getting worse , or chest pain , give me a call .",
			nil, []string{"R19.7", "R50.9", "R07.9"}, nil},
		{"the answer to a question about the family", "[doctor] okay and what conditions would you say run in your family\n[patient] i have high blood pressure diabetes and depression\n[doctor] okay .",
			nil, []string{"I10", "E11.9", "F32.A"}, nil},
		{"a word inside a longer name", "[doctor] has anybody ever said that you had some rheumatoid arthritis in your hand\n[patient] no nobody said anything like that so i mean",
			nil, []string{"M19.90"}, nil},
		{"a habit stopped", "[patient] i stopped smoking last spring .\n[doctor] okay , for your high blood pressure we'll continue the lisinopril .", []string{"I10"}, []string{"F17.210"}, nil},
		{"only at the start of the illness", "[patient] i had some fever in the beginning , it's going down now .\n[doctor] okay .\n[doctor] so , had initial fever , now settled .",
			nil, []string{"R50.9"}, nil},
		{"a known condition named again at the close", "[doctor] any other medical problems ?\n[patient] just the diabetes .\n[doctor] okay .\n[patient] the cough started a week ago .\n[doctor] okay .\n" +
			"[doctor] with the diabetes you are more likely to get an infection , and i think you have bronchitis .",
			[]string{"J20.9"}, []string{"E11.9"}, nil},
		{"a clinician's yes echoes the patient", "[patient] i feel tired all the time .\n[doctor] okay .\n[doctor] any thyroid problems ?\n[patient] thyroid , too little activity .\n[doctor] oh yeah , underactive thyroid , yes .",
			nil, []string{"E03.9"}, nil},
		{"a recap over two turns", "[patient] i coughed up some blood .\n[doctor] okay .\n[patient] yes .\n[doctor] given the way in which you have presented now .\n[doctor] just one day with a fever and this slight pain .",
			nil, []string{"R50.9"}, nil},
		{"another possibility", "[doctor] okay .\n[patient] it hurts .\n[doctor] my impression is a tension headache .\n[doctor] the other possibility is a migraine as well .",
			[]string{"R51.9"}, []string{"G43.909"}, nil},
		{"French: explained symptom and history", "Médecin: Pour vos antécédents, il y a de l'asthme.\nMédecin: En conclusion, c'est une grippe, la fièvre est due à la grippe.",
			[]string{"J11.1"}, []string{"R50.9"}, []string{"J45.909"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n := draftCodes(t, tc.dialogue)
			conf := map[string]float64{}
			for _, p := range n.Problems {
				if p.ICD10 != nil {
					conf[p.ICD10.Code] = p.ICD10.Confidence
					if toCheck := strings.Contains(p.ICD10.Reason, "to check") || strings.Contains(p.ICD10.Reason, "à vérifier"); toCheck != (p.ICD10.Confidence < draft.SureCodeConfidence) {
						t.Errorf("%s: confidence %v, reason %q", p.ICD10.Code, p.ICD10.Confidence, p.ICD10.Reason)
					}
				}
			}
			for _, c := range tc.sure {
				if conf[c] < draft.SureCodeConfidence {
					t.Errorf("%s: confidence %v, want >= %v (codes %v)", c, conf[c], draft.SureCodeConfidence, conf)
				}
			}
			for _, c := range tc.not {
				if _, ok := conf[c]; ok {
					t.Errorf("%s coded (codes %v)", c, conf)
				}
			}
			for _, c := range tc.notSure {
				if conf[c] >= draft.SureCodeConfidence {
					t.Errorf("%s sure (%v), want under %v or absent", c, conf[c], draft.SureCodeConfidence)
				}
			}
		})
	}
}

// TestCodingRulesOfMTSDialogTrain: rules read on MTS-Dialog train's errors
// (December 2026), each in English and, where it is about language, French.
func TestCodingRulesOfMTSDialogTrain(t *testing.T) {
	cases := []struct {
		name      string
		dialogue  string
		sure, not []string
	}{
		// An excerpt has no closing part: its last turns are not the assessment.
		{"an excerpt of history taking", "[doctor] any other complaints you have had in the past ?\n[patient] just some knee pain issues .\n[doctor] okay , so chronic knee pain .\n[patient] yes .",
			nil, []string{"M25.569"}},
		{"French: an excerpt of history taking", "Médecin: Avez-vous d'autres problèmes ?\nPatient: De l'asthme depuis l'enfance.\nMédecin: D'accord, de l'asthme.",
			nil, []string{"J45.909"}},
		// Read from the record, a condition is history.
		{"read from the chart", "[doctor] it is mentioned in your chart that you have a kidney stone .\n[patient] that's right .", nil, []string{"N20.0"}},
		{"French: read from the file", "Médecin: Il est noté dans votre dossier que vous avez une hypertension.\nPatient: Oui.", nil, []string{"I10"}},
		{"an earlier visit", "[doctor] it looks like doctor kumar followed up with you last time regarding your hypertension and osteoporosis .\n[patient] yes .",
			nil, []string{"I10", "M81.0"}},
		{"a plan after a result of the last visit", "[doctor] last time your a1c was seven , so for your diabetes we'll increase the metformin .", []string{"E11.9"}, nil},
		{"French: an earlier visit", "Médecin: La dernière fois, on avait parlé de votre hypertension.\nPatient: Oui.", nil, []string{"I10"}},
		{"a history qualified", "[doctor] i also see that you have a recurring history of pneumonia .\n[patient] yeah .", nil, []string{"J18.9"}},
		// What the patient takes for a condition is medication history ...
		{"a drug taken for it", "[doctor] he takes percocet daily for his back pain .\n[doctor] he also had surgery twice .", nil, []string{"M54.50"}},
		{"a drug given for it, asked", "[doctor] they gave you procrit for your anemia ?\n[patient] yes , i think so .", nil, []string{"D64.9"}},
		{"French: a drug taken for it", "Médecin: Il prend du paracétamol pour son mal de dos.\nMédecin: D'accord.", nil, []string{"M54.50"}},
		// ... unless the plan manages it in this visit.
		{"a drug continued for it", "[doctor] keep taking the metformin for your diabetes .", []string{"E11.9"}, nil},
		{"French: a drug continued for it", "Médecin: Continuez de prendre la metformine pour votre diabète.", []string{"E11.9"}, nil},
		{"a treatment changed", "[patient] yes , i take my medicines .\n[doctor] i am going to change your diabetes medication .", []string{"E11.9"}, nil},
		{"French: a treatment renewed", "Médecin: On va renouveler votre traitement pour l'asthme.", []string{"J45.909"}, nil},
		{"a treatment only named", "[doctor] do you take your diabetes medication every day ?\n[patient] yes .", nil, []string{"E11.9"}},
		// Phrases that state a diagnosis.
		{"it appears", "[doctor] let's take a look at you .\n[doctor] hm it appears that you have bronchitis .", []string{"J20.9"}, nil},
		{"a result shows it", "[doctor] it looks like your x-rays show bronchitis .", []string{"J20.9"}, nil},
		{"French: I think he has", "Médecin: Je pense qu'il a une sinusite.", []string{"J01.90"}, nil},
		{"the answer to 'what's the diagnosis?'", "[doctor] what's her diagnosis ?\n[doctor] refractory anemia .\n[doctor] gotcha .", []string{"D64.9"}, nil},
		{"French: the answer to 'what does he have?'", "Patient: Qu'est-ce qu'il a, docteur ?\nMédecin: Une bronchite, rien de grave.", []string{"J20.9"}, nil},
		{"a question about the diagnosis before", "[doctor] any diagnosis of diabetes before ?\n[patient] no .", nil, []string{"E11.9"}},
		{"a condition monitored", "[doctor] we have discussed this before , but keep track of your high cholesterol and hypothyroid .", []string{"E78.5", "E03.9"}, nil},
		{"an acronym spelled out", "[doctor] okay . let's take a look at you .\n[doctor] hm it appears that you have a u r i .", []string{"J06.9"}, nil},
		// A urinary infection whose site is named is coded by its site.
		{"cystitis is a UTI by its site", "[doctor] you have a urinary tract infection .\n[doctor] you got something called acute cystitis .", []string{"N30.00"}, []string{"N39.0"}},
		{"French: cystitis", "Médecin: C'est une cystite, on va commencer un antibiotique.", []string{"N30.90"}, []string{"N39.0"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n := draftCodes(t, tc.dialogue)
			conf := map[string]float64{}
			for _, p := range n.Problems {
				if p.ICD10 != nil {
					conf[p.ICD10.Code] = p.ICD10.Confidence
					if p.ICD10.Reason == "" || len(p.Evidence) == 0 {
						t.Errorf("%s: no reason or evidence", p.ICD10.Code)
					}
				}
			}
			for _, c := range tc.sure {
				if conf[c] < draft.SureCodeConfidence {
					t.Errorf("%s: confidence %v, want >= %v (codes %v)", c, conf[c], draft.SureCodeConfidence, conf)
				}
			}
			for _, c := range tc.not {
				if _, ok := conf[c]; ok {
					t.Errorf("%s coded (codes %v)", c, conf)
				}
			}
		})
	}
}
