package pipeline_test

import (
	"testing"

	"greffier/pipeline"
)

func TestDraftDestination(t *testing.T) {
	for _, c := range []struct {
		endpoint string
		want     pipeline.Destination
	}{
		{"", pipeline.Destination{}},
		{"http://127.0.0.1:8080/v1", pipeline.Destination{Host: "127.0.0.1:8080"}},
		{"http://localhost:8080", pipeline.Destination{Host: "localhost:8080"}},
		{"http://[::1]:9000", pipeline.Destination{Host: "[::1]:9000"}},
		{"https://llm.clinic.example/v1", pipeline.Destination{Leaves: true, Host: "llm.clinic.example"}},
		{"http://10.0.0.5:8080", pipeline.Destination{Leaves: true, Host: "10.0.0.5:8080"}},
		{"not a url", pipeline.Destination{Leaves: true, Host: "not a url"}},
	} {
		t.Run(c.endpoint, func(t *testing.T) {
			if got := pipeline.DraftDestination(c.endpoint); got != c.want {
				t.Fatalf("DraftDestination(%q) = %+v, want %+v", c.endpoint, got, c.want)
			}
		})
	}
}
