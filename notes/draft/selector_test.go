package draft_test

import (
	"context"
	"strings"
	"testing"

	"greffier/notes/draft"
	"greffier/notes/transcript"
)

// TestSelectorKeepsAtMostHalf: on a long visit the trained selector keeps at most
// half the transcript's words, clinical content before pleasantries.
func TestSelectorKeepsAtMostHalf(t *testing.T) {
	var b strings.Builder
	for i := 0; i < 12; i++ {
		b.WriteString("[doctor] it's so nice to see you again , how was the weekend with the family and the kids ?\n")
		b.WriteString("[patient] oh it was lovely , we went to the lake and had a picnic with my sister and her dog .\n")
		b.WriteString("[doctor] your blood pressure today is 150 over 92 , so i want to increase the lisinopril to 20 mg once a day .\n")
		b.WriteString("[patient] i have had chest tightness when i climb stairs for about three weeks and some swelling in my ankles .\n")
	}
	segs, _ := transcript.ParseDialogue(b.String())
	n, err := draft.Extractive{}.Draft(context.Background(), draft.Request{Segments: segs, Template: mustTemplate(t, "soap"), Language: "en"})
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, s := range segs {
		total += len(strings.Fields(s.Text))
	}
	quoted, lisinopril, picnic := 0, 0, 0
	for _, s := range n.Sections {
		for _, x := range s.Sentences {
			quoted += len(strings.Fields(x.Text))
			if strings.Contains(x.Text, "lisinopril") {
				lisinopril++
			}
			if strings.Contains(x.Text, "picnic") {
				picnic++
			}
		}
	}
	if quoted == 0 || quoted > total/2 {
		t.Errorf("quoted %d words of %d", quoted, total)
	}
	if lisinopril == 0 || picnic > 0 {
		t.Errorf("selection kept the plan %d times and the picnic %d times", lisinopril, picnic)
	}
}

// TestSectionModelRoutes: the trained section model puts a social history where the
// hp template keeps it and the clinician's plan under the plan, though no cue word
// of the social answers names the section ("roommate", "wine").
func TestSectionModelRoutes(t *testing.T) {
	dialogue := strings.Join([]string{
		"Doctor: Who do you live with at home these days?",
		"Patient: I share an apartment with a roommate and her two cats, downtown.",
		"Doctor: Do you smoke cigarettes or drink?",
		"Patient: Only a glass of wine on weekends, and no cigarettes at all.",
		"Doctor: I think this is a tension headache, so I want you to take ibuprofen 400 mg three times a day and come back in two weeks.",
	}, "\n")
	segs, _ := transcript.ParseDialogue(dialogue)
	n, err := draft.Extractive{}.Draft(context.Background(), draft.Request{Segments: segs, Template: mustTemplate(t, "hp"), Language: "en"})
	if err != nil {
		t.Fatal(err)
	}
	past, plan := draft.SectionText(n, "past_history"), draft.SectionText(n, "assessment_plan")
	if !strings.Contains(past, "roommate") || !strings.Contains(past, "wine") {
		t.Errorf("past history %q lacks the social history", past)
	}
	if !strings.Contains(plan, "ibuprofen") {
		t.Errorf("assessment and plan %q lacks the plan", plan)
	}
}
