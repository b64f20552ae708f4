package draft_test

import (
	"strings"
	"testing"

	"greffier/domain"
	"greffier/notes/draft"
	"greffier/notes/schema"
)

func TestUnsupportedFacts(t *testing.T) {
	cases := []struct {
		statement, evidence string
		want                string // "" when the statement is supported; else a word of the message
	}{
		{"Lisinopril 20 mg once a day.", "and i take lisinopril twenty milligrams every day .", ""},
		{"Lisinopril 40 mg once a day.", "and i take lisinopril twenty milligrams every day .", "number 40"},
		{"Metformin 500 mg b.i.d.", "metformin five hundred milligrams twice a day", ""},
		{"Metformin 500 mg three times a day.", "metformin 500 mg twice a day", "frequency 3/d"},
		{"Atorvastatin 20 mg.", "lisinopril 20 mg", "medication atorvastatin"},
		{"Pain in the left knee.", "my right knee has been hurting for two weeks", "side left"},
		{"Right knee pain for 2 weeks.", "my right knee has been hurting for two weeks", ""},
		{"Right knee pain for 2 days.", "my right knee has been hurting for two weeks", "unit 2 day"},
		{"Swelling of the right ankle.", "my right wrist is swollen", "body site ankle"},
		{"Fever and chest pain.", "no fever , no chest pain .", "negation of fever dropped"},
		{"No cough.", "i have a cough at night", "negation of cough added"},
		{"Patient denies chest pain.", "no chest pain at all", ""},
		{"Blood pressure 142/88.", "your blood pressure is 142 over 88", ""},
		{"Blood pressure 124/88.", "your blood pressure is 142 over 88", "number 124"},
		{"Seen since Monday.", "it started on tuesday", "day mon"},
		{"Paracétamol 1 g trois fois par jour.", "je prends du paracétamol 1 g 3 fois par jour", ""},
		{"Pas de fièvre.", "j'ai de la fièvre depuis hier", "negation of fièvre added"},
		{"Douleur du genou gauche.", "j'ai mal au genou droit", "side left"},
		{"All right, the wrist.", "the wrist is sore", ""},
		{"Any weight loss? — No, weight loss or passing out.", "any weight loss?\nno, no weight loss or passing out.", "negation of pass"},
		{"I have a friend who might be interested and she has no diabetes.", "i have a friend who might be interested and she has diabetes.", "negation (1 in the sentence, 0"},
		{"Any medical problems? — I have no gallstones.", "any medical problems?\ni have gallstones.", "negation of gallstone added"},
		// Tolerant reading: dates, times, halves, spoken blood pressures, spinal levels, hesitations.
		{"He was last seen on 11/24/2020.", "patient was last seen on november 24th 2020.", ""},
		{"He was last seen on 10/24/2020.", "patient was last seen on november 24th 2020.", "number 10"},
		{"First dose on 01/15/2021.", "my first dose on january 15th, '21.", ""},
		{"Lortab every 6 hours as needed.", "you can take the lortab every uh, six hours as needed for pain.", ""},
		{"Blood pressure 132/80.", "it's about one thirty two over eighty", ""},
		{"Inject 0.5 cc of lidocaine.", "we injected half a cc of lidocaine", ""},
		{"Woke at 2:00 am with pain.", "i woke up about two o'clock in the morning", ""},
		{"Degeneration at C5-6.", "significant disc degeneration at c56", ""},
		{"Degeneration at C4-5.", "significant disc degeneration at c56", "level c4"},
		{"Metformin 1000 mg twice a day.", "metformin a thousand milligrams twice a day", ""},
		{"Douleur du genou droit depuis 3,5 semaines.", "j'ai mal au genou droit depuis trois semaines et demie", ""},
		// Negation: a mismatch needs both sides sure.
		{"No edema in the lower extremities.", "your lower extremities have no edema.", ""},
		{"Right knee shows a little effusion.", "there's no rebound or guarding and your right knee does show a little effusion", ""},
		{"He denies fever or chills.", "have you had any fever or chills?\nuh, i have not.", ""},
		{"He reports fever or chills.", "have you had any fever or chills?\nuh, i have not.", "negation of fever dropped"},
		{"Pain with flexion of the lower leg.", "you don't seem to have any pain with flexion of your lower leg.", "negation of pain dropped"},
		{"Cushing's syndrome has been ruled out.", "which means you don't have cushing's syndrome.", ""},
		{"Chest pain while running.", "all made that finger go backwards?\num, i don't really know.\nchest pain while running", ""},
		{"Swelling of the knee, okay.", "there is some swelling of your knee, okay?\nmm-hmm.", ""},
		{"Fièvre depuis deux jours.", "je n'ai pas de fièvre depuis deux jours", "negation of fièvre dropped"},
		{"Limits alcohol intake to 5 drinks a month.", "no history of tobacco and you limit alcohol intake to less than five drinks per month.", ""},
		{"Cervical spine exam: no tenderness is elicited.", "examination of the cervical spine, any pain here now?\nno.", ""},
		{"It has been a year since the last visit.", "for the past year since my last annual exam.", ""},
		{"No pain to palpation of the right knee.", "the right knee does not hurt when i press but palpation of the left is painful", ""},
		{"No pain to palpation of the right knee.", "the right knee hurts when i press but palpation of the left is fine", "the cited segments deny nothing"},
		{"Denies left foot numbness.", "with the left foot have you experienced anything like numbness?\nno.", ""},
		{"Take 2 tablets of Tylenol.", "take two tablets of tylenol and see me in two weeks", ""},
		{"Pain for 2 months.", "the pain started the past couple months", ""},
		{"Bruising over the left ankle.", "on your right ankle there is bruising, and on your left side everything is fine", "side left"},
		{"Bruising over the right ankle.", "on your right ankle there is bruising, and on your left side everything is fine", ""},
		{"The x-ray is consistent with no COPD.", "the flattening of the diaphragm is consistent with copd", "negation of copd added"},
		{"Not currently on a potassium supplement.", "the patient is not currently on potassium supplement", ""},
		{"He is currently on a potassium supplement.", "the patient is not currently on potassium supplement", "negation of potassium dropped"},
		{"Tylenol does not seem to help.", "tylenol, but it really doesn't seem to help.", ""},
		{"He is unable to make a fist.", "and i can't make a fist, but sometimes the pain's unbearable.", ""},
		{"He can make a fist.", "and i can't make a fist, but sometimes the pain's unbearable.", "negation of fist dropped"},
		{"Occasional elbow pain.", "every once in a while, my elbow.", ""},
		{"Joint congruency throughout the digits.", "x-rays show no bony abnormalities, joint congruency throughout the digits, no arthritis.", ""},
		{"Chills and nausea.", "he has no fever, chills, or nausea.", "negation of chill dropped"},
		{"Any weight loss? — , no weight loss or passing out.", "any weight loss?\nno, no weight loss or passing out.", "negation (1 in the sentence, 2"},
		{"Edema and erythema of the left knee.", "there is some edema and some erythema of your right knee, but your left knee looks fine", "side left"},
		{"Edema and erythema of the right knee; the left knee looks fine.", "there is some edema and some erythema of your right knee, but your left knee looks fine", ""},
		{"Right leg pain now; he injured his left leg before.", "right now you're experiencing right leg pain but you have injured your left leg before", ""},
		// A side repeated is no swap when the evidence names only that side.
		{"Right knee pain; the right knee is swollen.", "my right knee hurts and it is swollen", ""},
		{"Strength 4 out of 5 on the left and 5 out of 5 on the left.", "strength 4 out of 5 on your right and 5 out of 5 on your left", "side left"},
		// A negative question answered with a plain no states its negation; a reply
		// that says something else does not ("do you not go? — I usually don't, but...").
		{"He reports chest pain while running.", "and no chest pain while running?\nno.", "negation of pain dropped"},
		{"He denies chest pain while running.", "and no chest pain while running?\nno.", ""},
		{"Il a de la fièvre le soir.", "pas de fièvre le soir ?\nnon.", "negation of fièvre dropped"},
		// "or not" closing a question asks; it denies nothing.
		{"Denies chest pain or tightness.", "are you having any chest pain or tightness or not really\nno not really", ""},
		{"Reports chest pain or tightness.", "are you having any chest pain or tightness or not really\nno not really", "negation of pain dropped"},
		// A question asks through a generic head, and a reply may hesitate first.
		{"Reports excessive bruising.", "have you had any recent issues with excessive bruising?\nnope.", "negation of bruis dropped"},
		{"Il signale des saignements.", "avez-vous eu des problèmes de saignements ?\nnon.", "negation of saignement dropped"},
		{"He has had fevers.", "any fevers?\nuh, no, actually.", "negation of fever dropped"},
		// A spoken question without punctuation, answered no.
		{"He has done physical therapy.", "just to make sure have you done physical therapy before\ni have not", "negation of therapy dropped"},
		{"I will have you come back in two weeks.", "i will have you come back in two weeks\nokay", ""},
		// A sentence that denies needs segments that deny something.
		{"No fever.", "i have been feeling hot and tired", "the cited segments deny nothing"},
		{"Pas de fièvre.", "je me sens chaud et fatigué", "the cited segments deny nothing"},
		{"Denies fever.", "any fever?\nno.", ""},
		{"Denies fever, chills, sore throat or cough.", "fever, chills, sore throat, cough?\ni've had a little nasal congestion.", ""},
		{"Denies fever.", "any fever?\ni've had a little nasal congestion.", "the cited segments deny nothing"},
		{"Nie toute douleur thoracique.", "avez-vous des douleurs thoraciques ?\nnon.", ""},
		{"Sans fièvre.", "elle n'a jamais eu de fièvre", ""},
		{"Fever has been ruled out.", "the test for flu came back negative", ""},
		// Pseudo-negations deny nothing.
		{"No change in his medication.", "he takes his medication as before", ""},
		{"Not only pain but swelling.", "there is pain and swelling", ""},
		{"No doubt it is a sprain.", "it is a sprain", ""},
		{"There are hard dates in mind.", "so there is no necessarily hard dates in mind", ""},
		{"Il faut des dates fixes.", "il ne faut pas forcément des dates fixes", ""},
		{"Pas seulement la douleur mais le gonflement.", "il y a la douleur et le gonflement", ""},
		// "Avoid X" agrees with "no X"; "éviter" too.
		{"Advised to avoid skiing or gymnastics.", "i would recommend not skiing or doing any gymnastics for now", ""},
		{"Advised to go skiing and do gymnastics.", "i would recommend not skiing or doing any gymnastics for now", "negation of gymnastic dropped"},
		{"Éviter le ski.", "pas de ski pour le moment", ""},
		// A "no" before a subject answers; it negates nothing after it.
		{"She has had several injuries playing soccer.", "no i've had a lot of injuries in soccer but never injured this foot", ""},
		// A quote put in the third person is still a quote: its negations must match.
		{"The patient has had pain in the left knee for two weeks.", "i have not had pain in my left knee for two weeks", "negation (0 in the sentence, 1"},
		{"The patient has not had pain in the left knee for two weeks.", "i have not had pain in my left knee for two weeks", ""},
		{"Il s'est blessé plusieurs fois au football.", "non j'ai eu des blessures au football", ""},
		// A comma and a subject end a negation's scope.
		{"If he does not improve, we will order an x-ray.", "if it does not get better then we will order an x-ray", ""},
		{"We may consider a steroid injection.", "if it does not get better we can consider a steroid injection", ""},
		{"Reduce or avoid skin irritation.", "the patch can cause some skin irritation", ""},
		// Where and how much are not compared for negation.
		{"Denies lower extremity edema.", "no edema in the legs, and i feel stool in your lower colon", ""},
		// A quote that drops or adds its one "no" is still a quote.
		{"I've been sleeping like a log.", "no i've been sleeping like a log", "negation (0 in the sentence, 1"},
		// With and without.
		{"CT of the abdomen with contrast.", "i want a ct scan without contrast of your abdomen", "with contrast"},
		{"CT of the abdomen without contrast.", "i want a ct scan without contrast of your abdomen", ""},
		{"CT with contrast.", "a ct with or without contrast", ""},
		{"Eye movements intact without pain.", "your extraocular motions are intact with pain", "without pain"},
		{"Scanner avec injection.", "on fera un scanner sans injection", "with injection"},
	}
	for _, tc := range cases {
		got, err := draft.UnsupportedFacts(tc.statement, tc.evidence)
		if err != nil {
			t.Fatal(err)
		}
		joined := strings.Join(got, "; ")
		switch {
		case tc.want == "" && len(got) > 0:
			t.Errorf("%q vs %q: flagged %s", tc.statement, tc.evidence, joined)
		case tc.want != "" && !strings.Contains(joined, tc.want):
			t.Errorf("%q vs %q: got %q, want %q", tc.statement, tc.evidence, joined, tc.want)
		}
	}
}

func TestCheckFactsWarnsAtThePath(t *testing.T) {
	segs := []domain.Segment{
		{ID: 0, Text: "i take amlodipine five milligrams in the morning", Role: domain.RolePatient},
		{ID: 1, Text: "i have type i diabetes", Role: domain.RolePatient},
		{ID: 2, Text: "i don't think you have covid , we will send a test", Role: domain.RoleClinician},
	}
	n := schema.Note{SchemaVersion: schema.Version, Template: "soap", Language: "en", Drafter: schema.DrafterInfo{Kind: schema.DrafterLLM},
		Sections: []schema.Section{{Key: "s", Title: "S", Sentences: []schema.Sentence{
			{Text: "Takes amlodipine 5 mg in the morning.", Evidence: schema.Evidence{0}},
			{Text: "Takes amlodipine 10 mg in the morning.", Evidence: schema.Evidence{0}},
		}}},
		Problems: []schema.Problem{
			{Title: "Type 2 diabetes mellitus", ICD10: &schema.CodeRef{Code: "E11.9", Title: "Type 2 diabetes mellitus without complications"}, Evidence: schema.Evidence{1}},
			{Title: "COVID-19", ICD10: &schema.CodeRef{Code: "U07.1", Title: "COVID-19"}, Evidence: schema.Evidence{2}},
		},
		Medications: []schema.Medication{{Name: "amlodipine", Dose: "5 mg", Action: schema.ActionContinue, Evidence: schema.Evidence{0}}},
	}
	if got := draft.CheckFacts(&n, segs); got != 3 {
		t.Errorf("flagged %d items, want 3: %+v", got, n.Warnings)
	}
	paths := map[string]string{}
	for _, w := range n.Warnings {
		if w.Kind == schema.WarnUnsupportedFact {
			paths[w.Path] = w.Message
		}
	}
	for path, word := range map[string]string{"/sections/0/sentences/1": "number 10", "/problems/0": "type 1", "/problems/1": "possible"} {
		if !strings.Contains(paths[path], word) {
			t.Errorf("%s: warning %q, want it to name %q", path, paths[path], word)
		}
	}
	if _, ok := paths["/sections/0/sentences/0"]; ok {
		t.Error("the supported sentence was flagged")
	}
	before := len(n.Warnings)
	draft.CheckFacts(&n, segs)
	if len(n.Warnings) != before {
		t.Error("a second run added warnings")
	}
	if err := schema.Validate(n); err != nil {
		t.Fatal(err)
	}
}
