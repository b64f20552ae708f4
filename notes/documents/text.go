package documents

import (
	"fmt"
	"strings"

	"greffier/notes/draft"
)

// Text renders the document for reading. With evidence, each sentence ends with the
// segment ids it cites ("[3, 4]") and the warnings follow: the reviewer's view. Without,
// it is the text the reader (patient or specialist) gets.
func Text(d Document, evidence bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n", d.Title)
	if d.Recipient != "" {
		fmt.Fprintf(&b, "%s%s\n", draft.Label(d.Language, "To: ", "À : "), d.Recipient)
	}
	if d.Greeting != "" {
		fmt.Fprintf(&b, "\n%s\n", d.Greeting)
	}
	for _, p := range d.Parts {
		fmt.Fprintf(&b, "\n%s\n", p.Title)
		for _, s := range p.Sentences {
			if evidence {
				fmt.Fprintf(&b, "- %s %s\n", s.Text, ids(s.Evidence))
			} else {
				fmt.Fprintf(&b, "- %s\n", s.Text)
			}
		}
	}
	if d.Closing != "" {
		fmt.Fprintf(&b, "\n%s\n", d.Closing)
	}
	if evidence && len(d.Warnings) > 0 {
		fmt.Fprintf(&b, "\n%s\n", draft.Label(d.Language, "To check", "À vérifier"))
		for _, w := range d.Warnings {
			path := ""
			if w.Path != "" {
				path = " (" + w.Path + ")"
			}
			fmt.Fprintf(&b, "! %s%s: %s\n", w.Kind, path, w.Message)
		}
	}
	return b.String()
}

func ids(ev []int) string {
	parts := make([]string, len(ev))
	for i, id := range ev {
		parts[i] = fmt.Sprint(id)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}
