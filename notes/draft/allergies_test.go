package draft_test

import (
	"context"
	"reflect"
	"testing"

	"greffier/notes/draft"
	"greffier/notes/transcript"
)

func TestAllergyLists(t *testing.T) {
	cases := []struct {
		name, dialogue string
		want           []string
	}{
		{"a list", "Doctor: Are you allergic to anything?\nPatient: Yes, I am allergic to shellfish and latex.", []string{"shellfish", "latex"}},
		{"none other", "Doctor: Are you allergic to anything?\nPatient: I am allergic to sulfa.\nDoctor: Any other allergies?\nPatient: No.", []string{"sulfa"}},
		{"none", "Doctor: Any allergies to medicines?\nPatient: No.", []string{"No known drug allergies"}},
		{"none at all", "Doctor: Any allergies?\nPatient: No.", []string{"No known allergies"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			segs, _ := transcript.ParseDialogue(c.dialogue)
			n, err := draft.Extractive{}.Draft(context.Background(), draft.Request{Segments: segs, Template: mustTemplate(t, "hp"), Language: "en"})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, a := range n.Allergies {
				got = append(got, a.Substance)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("allergies %q, want %q", got, c.want)
			}
		})
	}
}
