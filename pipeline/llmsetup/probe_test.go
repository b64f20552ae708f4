package llmsetup_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"greffier/domain"
	"greffier/pipeline/llmsetup"
)

// A real HTTP server on loopback stands in for an OpenAI-compatible endpoint: only
// its GET /v1/models answer matters here.
func TestProbe(t *testing.T) {
	var paths, auths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		paths, auths = append(paths, r.URL.Path), append(auths, r.Header.Get("Authorization"))
		if r.URL.Path != "/v1/models" {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte(`{"data":[]}`))
	}))
	defer srv.Close()
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "loading", http.StatusServiceUnavailable)
	}))
	defer down.Close()
	cases := []struct {
		url, key string
		code     string
	}{
		{srv.URL, "", ""},
		{srv.URL + "/v1?model=llama3.1", "sk-1", ""},
		{srv.URL + "/v1/", "", ""},
		{down.URL, "", domain.EUnavailable},
		{"http://127.0.0.1:1", "", domain.EUnavailable},
		{"ftp://x", "", domain.EInvalid},
	}
	for _, c := range cases {
		err := llmsetup.Probe(context.Background(), c.url, c.key)
		if domain.ErrorCode(err) != c.code {
			t.Errorf("Probe(%s): %v, want code %q", c.url, err, c.code)
		}
	}
	for i, p := range paths {
		if p != "/v1/models" {
			t.Errorf("request %d went to %s, want /v1/models", i, p)
		}
	}
	if len(auths) != 3 || auths[1] != "Bearer sk-1" || auths[0] != "" {
		t.Errorf("authorization headers %q: want the key sent only when given", auths)
	}
}
