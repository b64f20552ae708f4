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
