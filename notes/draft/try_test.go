package draft_test

import (
	"context"
	"encoding/json"
	"os"
	"testing"

	"greffier/notes/draft"
	"greffier/notes/templates"
	"greffier/notes/transcript"
)

func TestTry(t *testing.T) {
	tr, err := transcript.ReadFile(os.Getenv("TR"))
	if err != nil {
		t.Fatal(err)
	}
	tm, _ := templates.Loader{}.Get(os.Getenv("TM"))
	n, err := draft.Extractive{}.Draft(context.Background(), draft.Request{Segments: tr.Segments, Template: tm, Language: os.Getenv("LG")})
	if err != nil {
		t.Fatal(err)
	}
	draft.RenderText(os.Stdout, n, tm.Title.In(n.Language))
	if os.Getenv("JS") != "" {
		b, _ := json.MarshalIndent(n, "", " ")
		os.Stdout.Write(b)
	}
}
