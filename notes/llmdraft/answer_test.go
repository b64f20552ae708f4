package llmdraft_test

import (
	"context"
	"encoding/json"
	"testing"

	"greffier/notes/draft"
	"greffier/notes/llmdraft"
)

// The latency bench answers with the extractive note written as the model's
// answer: it must pass the same validation as a model's answer, with all its
// sentences.
func TestExtractiveNoteIsAValidAnswer(t *testing.T) {
	tmpl := soap(t)
	note, err := draft.Extractive{}.Draft(context.Background(), draft.Request{Template: tmpl, Language: "en", Segments: dialogue()})
	if err != nil {
		t.Fatal(err)
	}
	data, err := llmdraft.AnswerJSON(note)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := llmdraft.CheckAnswer(tmpl, data); err != nil {
		t.Fatalf("extractive note as an answer: %v\n%s", err, data)
	}
	var got struct {
		Sections []struct {
			Sentences []json.RawMessage `json:"sentences"`
		} `json:"sections"`
	}
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	want, have := 0, 0
	for _, s := range note.Sections {
		want += len(s.Sentences)
	}
	for _, s := range got.Sections {
		have += len(s.Sentences)
	}
	if want == 0 || have != want {
		t.Fatalf("answer has %d sentences, the note %d", have, want)
	}
}
