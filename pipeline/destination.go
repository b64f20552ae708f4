package pipeline

import (
	"net/url"
	"strings"

	"greffier/llm"
)

// Destination is where an LLM draft sends the transcript: the UI shows it before a
// draft starts, so that nobody sends patient text off the machine unknowingly.
type Destination struct {
	// Leaves is true when the transcript goes to another machine.
	Leaves bool `json:"leaves"`
	// Host is the endpoint's host (with its port, if any); "" for no endpoint.
	Host string `json:"host"`
}

// DraftDestination tells where a draft with the LLM endpoint goes: nowhere for ""
// (the extractive drafter, or a GGUF served here), this machine for a loopback
// address, another machine for anything else (a name is not resolved: it could
// point anywhere later, so only localhost and loopback literals stay here). An
// endpoint that does not parse is treated as leaving, so the warning errs on the
// safe side.
func DraftDestination(endpoint string) Destination {
	endpoint = strings.TrimSpace(endpoint)
	if endpoint == "" {
		return Destination{}
	}
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" {
		return Destination{Leaves: true, Host: endpoint}
	}
	return Destination{Leaves: !llm.IsLoopback(u.Hostname()), Host: u.Host}
}
