package llm_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"greffier/llm"
	"greffier/llm/llamaserver"
	"greffier/llm/llmtest"
)

var smallSchema = json.RawMessage(`{"type":"object","additionalProperties":false,"required":["word","n"],
 "properties":{"word":{"type":"string","maxLength":12},"n":{"type":"integer","minimum":0,"maximum":99}}}`)

func seed(n int64) *int64 { return &n }

// Against the real llama-server with a random-weight model.
func TestRealServer(t *testing.T) {
	srv := llmtest.Start(t, llamaserver.Config{})
	c := llmtest.Client(srv)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	msgs := []llm.Message{{Role: "user", Content: "Say a word and a number."}}

	t.Run("schema-constrained answers are valid JSON", func(t *testing.T) {
		for i := int64(0); i < 5; i++ {
			resp, err := c.CompleteJSON(ctx, llm.Request{Messages: msgs, SchemaName: "x", Schema: smallSchema, MaxTokens: 400, Seed: seed(i)}, nil)
			if err != nil {
				t.Fatalf("seed %d: %v", i, err)
			}
			var got struct {
				Word string `json:"word"`
				N    *int   `json:"n"`
			}
			if err := json.Unmarshal([]byte(resp.Content), &got); err != nil || got.N == nil || *got.N > 99 || len(got.Word) > 12 {
				t.Errorf("seed %d: answer %q does not match the schema (%v)", i, resp.Content, err)
			}
			if resp.FinishReason != "stop" || resp.CompletionTokens == 0 || resp.PromptTokens == 0 {
				t.Errorf("seed %d: finish %q, tokens %d/%d", i, resp.FinishReason, resp.PromptTokens, resp.CompletionTokens)
			}
		}
	})
	t.Run("an answer cut by max_tokens is ErrTruncated", func(t *testing.T) {
		resp, err := c.CompleteJSON(ctx, llm.Request{Messages: msgs, Schema: smallSchema, MaxTokens: 3, Seed: seed(1)}, nil)
		if !errors.Is(err, llm.ErrTruncated) {
			t.Fatalf("error = %v, want ErrTruncated", err)
		}
		if resp.FinishReason != "length" || resp.Content == "" || json.Valid([]byte(resp.Content)) {
			t.Errorf("response %+v: want the cut, invalid content with finish_reason length", resp)
		}
	})
	t.Run("a prompt longer than the context is ErrContextExceeded", func(t *testing.T) {
		huge := []llm.Message{{Role: "user", Content: strings.Repeat("x", 20000)}}
		_, err := c.Complete(ctx, llm.Request{Messages: huge, MaxTokens: 5})
		if !errors.Is(err, llm.ErrContextExceeded) || !errors.Is(err, llm.ErrServer) {
			t.Errorf("error = %v, want ErrContextExceeded", err)
		}
	})
	t.Run("prefill fills the cache the chat completion then uses", func(t *testing.T) {
		chat := []llm.Message{{Role: "system", Content: "You write notes."}, {Role: "user", Content: "Transcript: the patient has a cough."}}
		prompt, err := c.ApplyTemplate(ctx, chat)
		if err != nil || !strings.Contains(prompt, "<|im_start|>user\nTranscript") {
			t.Fatalf("template: %q, %v", prompt, err)
		}
		n, err := c.Tokenize(ctx, prompt)
		// The control tokens are one token each: fewer tokens than bytes.
		if err != nil || n == 0 || n >= len(prompt) {
			t.Errorf("tokens: %d for %d bytes, %v", n, len(prompt), err)
		}
		pf, err := c.Prefill(ctx, prompt)
		if err != nil || pf.Evaluated == 0 {
			t.Fatalf("prefill %+v, %v", pf, err)
		}
		resp, err := c.Complete(ctx, llm.Request{Messages: chat, MaxTokens: 3})
		if err != nil && !errors.Is(err, llm.ErrTruncated) {
			t.Fatal(err)
		}
		if resp.GenerationTime <= 0 {
			t.Errorf("no generation timing in %+v", resp)
		}
		if resp.CachedTokens < pf.Evaluated {
			t.Errorf("completion found %d of %d prompt tokens cached after a prefill of %d", resp.CachedTokens, resp.PromptTokens, pf.Evaluated)
		}
	})
	t.Run("context size from /props", func(t *testing.T) {
		n, err := c.ContextSize(ctx)
		if err != nil || n != srv.Plan().Context {
			t.Errorf("ContextSize = %d, %v; want the planned %d", n, err, srv.Plan().Context)
		}
	})
}

func TestConnectionRefused(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	c := &llm.Client{BaseURL: "http://" + addr}
	_, err = c.Complete(context.Background(), llm.Request{Messages: []llm.Message{{Role: "user", Content: "x"}}})
	if !errors.Is(err, llm.ErrUnavailable) || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("error = %v, want ErrUnavailable: connection refused", err)
	}
}

func TestRemoteEndpoints(t *testing.T) {
	for _, tc := range []struct {
		url    string
		remote bool
		want   error
	}{
		{"http://127.0.0.1:8080", false, nil},
		{"http://localhost:11434/v1", false, nil},
		{"http://[::1]:8080", false, nil},
		{"http://10.0.0.5:8080", false, llm.ErrRemote},
		{"http://127.8.9.10:8080", false, nil},
		{"https://api.example.com", false, llm.ErrRemote},
		{"https://api.example.com", true, nil},
		// Off loopback, plain http is refused even when remote endpoints are allowed.
		{"http://api.example.com/v1", true, llm.ErrInsecure},
		{"http://10.0.0.5:8080", true, llm.ErrInsecure},
		{"http://0.0.0.0:8080", true, llm.ErrInsecure},
		{"http://localhost.example.com", true, llm.ErrInsecure},
	} {
		err := llm.CheckEndpoint(tc.url, tc.remote)
		if !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
			t.Errorf("CheckEndpoint(%s, %v) = %v, want %v", tc.url, tc.remote, err, tc.want)
		}
	}
	if err := llm.CheckEndpoint("ftp://x", true); err == nil {
		t.Error("ftp URL accepted")
	}
	// The client refuses before sending anything.
	c := &llm.Client{BaseURL: "http://192.0.2.1:8080"}
	if _, err := c.Complete(context.Background(), llm.Request{}); !errors.Is(err, llm.ErrRemote) {
		t.Errorf("Complete to a remote endpoint: %v", err)
	}
}

// The cases below need answers llama-server does not give on demand (garbage, HTTP
// 500, a first answer that is invalid, a server that never answers): an httptest
// server plays it, speaking the same wire format.

func completion(content, finish string) string {
	b, _ := json.Marshal(map[string]any{"model": "m", "choices": []any{map[string]any{
		"finish_reason": finish, "message": map[string]any{"role": "assistant", "content": content}}},
		"usage": map[string]int{"prompt_tokens": 10, "completion_tokens": 5}})
	return string(b)
}

func fake(t *testing.T, answers ...func(w http.ResponseWriter, body map[string]any)) (*llm.Client, *atomic.Int32) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := int(calls.Add(1)) - 1
		var body map[string]any
		data, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(data, &body); err != nil || r.URL.Path != "/v1/chat/completions" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		answers[min(n, len(answers)-1)](w, body)
	}))
	t.Cleanup(srv.Close)
	return &llm.Client{BaseURL: srv.URL, Timeout: 5 * time.Second}, &calls
}

func say(s string) func(http.ResponseWriter, map[string]any) {
	return func(w http.ResponseWriter, _ map[string]any) { io.WriteString(w, s) }
}

func TestServerFailures(t *testing.T) {
	req := llm.Request{Messages: []llm.Message{{Role: "user", Content: "x"}}, Schema: smallSchema}
	for _, tc := range []struct {
		name   string
		answer func(http.ResponseWriter, map[string]any)
		want   error
		text   string
	}{
		{"HTTP 500", func(w http.ResponseWriter, _ map[string]any) {
			w.WriteHeader(500)
			io.WriteString(w, `{"error":{"code":500,"message":"failed to parse grammar"}}`)
		}, llm.ErrServer, "HTTP 500: failed to parse grammar"},
		{"HTTP 503 loading", func(w http.ResponseWriter, _ map[string]any) {
			w.WriteHeader(503)
			io.WriteString(w, `{"error":{"message":"Loading model"}}`)
		}, llm.ErrUnavailable, "Loading model"},
		{"garbage body", say("<html>proxy error</html>"), llm.ErrBadResponse, "invalid response"},
		{"no choices", say(`{"choices":[]}`), llm.ErrBadResponse, "no choices"},
		{"null content", say(`{"choices":[{"finish_reason":"stop","message":{"content":null}}]}`), llm.ErrBadResponse, "no message content"},
		{"server dies mid-answer", func(w http.ResponseWriter, _ map[string]any) {
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
		}, llm.ErrUnavailable, "closed the connection"},
		{"truncated", say(completion(`{"word":"ab`, "length")), llm.ErrTruncated, "truncated"},
		{"invalid twice", say(completion(`{"word": nope}`, "stop")), llm.ErrInvalidJSON, "after one repair"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := fake(t, tc.answer)
			_, err := c.CompleteJSON(context.Background(), req, nil)
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.text) {
				t.Errorf("error = %v, want %v containing %q", err, tc.want, tc.text)
			}
		})
	}
}

func TestRepairRound(t *testing.T) {
	var second map[string]any
	c, calls := fake(t,
		say(completion(`{"word":"a","n":`, "stop")),
		func(w http.ResponseWriter, body map[string]any) {
			second = body
			io.WriteString(w, completion(`{"word":"a","n":1}`, "stop"))
		})
	req := llm.Request{Messages: []llm.Message{{Role: "system", Content: "s"}, {Role: "user", Content: "u"}},
		SchemaName: "x", Schema: smallSchema, MaxTokens: 50}
	resp, err := c.CompleteJSON(context.Background(), req, nil)
	if err != nil || !resp.Repaired || resp.Content != `{"word":"a","n":1}` || calls.Load() != 2 {
		t.Fatalf("resp %+v err %v calls %d", resp, err, calls.Load())
	}
	// What the first try cost is kept, without its content.
	if f := resp.FirstTry; f == nil || f.CompletionTokens != 5 || f.PromptTokens != 10 || f.Content != "" {
		t.Errorf("first try = %+v, want its counts and no content", f)
	}
	// The repair request repeats the conversation, the bad answer and the error, with
	// the same schema.
	msgs := second["messages"].([]any)
	if len(msgs) != 4 || msgs[2].(map[string]any)["role"] != "assistant" ||
		!strings.Contains(msgs[3].(map[string]any)["content"].(string), "not valid JSON") {
		t.Errorf("repair messages = %v", msgs)
	}
	rf := second["response_format"].(map[string]any)
	if rf["type"] != "json_schema" || rf["json_schema"].(map[string]any)["strict"] != true {
		t.Errorf("response_format = %v", rf)
	}

	// A caller's check failing also triggers the repair round.
	c, calls = fake(t, say(completion(`{"word":"bad","n":1}`, "stop")), say(completion(`{"word":"good","n":1}`, "stop")))
	check := func(b []byte) error {
		if strings.Contains(string(b), "bad") {
			return fmt.Errorf("word must not be bad")
		}
		return nil
	}
	resp, err = c.CompleteJSON(context.Background(), req, check)
	if err != nil || !strings.Contains(resp.Content, "good") || calls.Load() != 2 {
		t.Errorf("resp %+v err %v calls %d", resp, err, calls.Load())
	}
}

func TestTimeoutAndCancel(t *testing.T) {
	hang := func(w http.ResponseWriter, _ map[string]any) { time.Sleep(3 * time.Second) }
	c, _ := fake(t, hang)
	c.Timeout = 100 * time.Millisecond
	start := time.Now()
	_, err := c.Complete(context.Background(), llm.Request{})
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "timed out") {
		t.Errorf("timeout: %v", err)
	}
	c.Timeout = time.Minute
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	_, err = c.Complete(ctx, llm.Request{})
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "cancelled") {
		t.Errorf("cancel: %v", err)
	}
	if d := time.Since(start); d > 2500*time.Millisecond {
		t.Errorf("timeout and cancel took %s", d)
	}
}

// A server that redirects is never followed: neither the transcript nor the bearer
// token reaches the redirect's target, and the 3xx is an error.
func TestRedirectsAreNotFollowed(t *testing.T) {
	var reached atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached.Add(1)
		io.WriteString(w, completion(`{"word":"x","n":1}`, "stop"))
	}))
	defer target.Close()
	for _, code := range []int{http.StatusFound, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		from := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, target.URL+r.URL.Path, code)
		}))
		// The caller's own client, which would follow redirects, is not obeyed either.
		for _, hc := range []*http.Client{nil, {Transport: &http.Transport{Proxy: nil}}} {
			c := &llm.Client{BaseURL: from.URL, APIKey: "sk-secret", HTTP: hc, Timeout: 5 * time.Second}
			_, err := c.Complete(context.Background(), llm.Request{Messages: []llm.Message{{Role: "user", Content: "cough"}}, Schema: smallSchema})
			var he *llm.HTTPError
			if !errors.As(err, &he) || he.Status != code {
				t.Errorf("redirect %d: error %v, want the HTTP %d itself", code, err, code)
			}
			if _, err := c.ContextSize(context.Background()); err != nil {
				t.Errorf("redirect %d: ContextSize: %v", code, err)
			}
		}
		from.Close()
	}
	if n := reached.Load(); n != 0 {
		t.Errorf("the redirect target got %d requests", n)
	}
}

// The guard runs before every request; when it refuses, nothing is sent.
func TestGuardStopsRequests(t *testing.T) {
	c, calls := fake(t, say(completion(`{"word":"x","n":1}`, "stop")))
	refused := errors.New("not our server")
	c.Guard = func() error { return refused }
	req := llm.Request{Messages: []llm.Message{{Role: "user", Content: "x"}}, Schema: smallSchema}
	if _, err := c.Complete(context.Background(), req); !errors.Is(err, refused) || !errors.Is(err, llm.ErrUnavailable) {
		t.Errorf("Complete with a refusing guard: %v", err)
	}
	if _, err := c.Prefill(context.Background(), "x"); !errors.Is(err, refused) {
		t.Errorf("Prefill with a refusing guard: %v", err)
	}
	if _, err := c.ContextSize(context.Background()); !errors.Is(err, refused) {
		t.Errorf("ContextSize with a refusing guard: %v", err)
	}
	if calls.Load() != 0 {
		t.Errorf("%d requests sent past the guard", calls.Load())
	}
	c.Guard = func() error { return nil }
	if _, err := c.Complete(context.Background(), req); err != nil || calls.Load() != 1 {
		t.Errorf("Complete with an accepting guard: %v (%d calls)", err, calls.Load())
	}
}
