// Package llm is a client for OpenAI-compatible chat completion servers
// (llama-server, Ollama, LM Studio, vLLM) with JSON-schema constrained output.
//
// It never returns a silently cut answer: a response that stopped at max_tokens is
// ErrTruncated, one that is not valid JSON after a repair round is ErrInvalidJSON.
// It talks only to loopback endpoints unless AllowRemote is set, because the
// messages hold patient text; a remote endpoint must be https (plain http only to
// 127.0.0.0/8, ::1 and localhost), and redirects are never followed, so neither the
// transcript nor the bearer token can be sent on to another address.
package llm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// Errors a caller can test with errors.Is.
var (
	// ErrTruncated: the model stopped at max_tokens (finish_reason "length").
	ErrTruncated = errors.New("llm output truncated at max_tokens")
	// ErrContextExceeded: the prompt does not fit the server's context window.
	ErrContextExceeded = errors.New("prompt exceeds the model's context")
	// ErrUnavailable: the server cannot be reached or died during the request.
	ErrUnavailable = errors.New("llm server unavailable")
	// ErrServer: the server answered with an HTTP error.
	ErrServer = errors.New("llm server error")
	// ErrBadResponse: the server's body is not a chat completion.
	ErrBadResponse = errors.New("llm server sent an invalid response")
	// ErrInvalidJSON: the model's answer is not valid JSON (or fails the caller's
	// check) even after one repair round.
	ErrInvalidJSON = errors.New("llm answer is not valid JSON")
	// ErrRemote: a non-loopback endpoint without AllowRemote.
	ErrRemote = errors.New("llm endpoint is not on this machine")
	// ErrInsecure: a non-loopback endpoint over plain http.
	ErrInsecure = errors.New("llm endpoint off this machine must use https")
)

// Client calls one OpenAI-compatible server. Fields are read at each call; set them
// before use. The zero Timeout means DefaultTimeout.
type Client struct {
	// BaseURL is the server's root, e.g. http://127.0.0.1:8080 (a trailing /v1 is
	// accepted).
	BaseURL string
	// Model is sent as "model"; llama-server ignores it, other servers need it.
	Model string
	// APIKey, if set, is sent as a bearer token.
	APIKey string
	// AllowRemote permits non-loopback endpoints. Only set it when the user
	// explicitly configured the endpoint.
	AllowRemote bool
	// Timeout bounds one HTTP request (the context may end it sooner).
	Timeout time.Duration
	// HTTP is the transport; nil means a private client with no proxy (loopback
	// traffic must not go through an HTTP proxy). Redirects are refused whatever
	// its CheckRedirect says.
	HTTP *http.Client
	// Guard, if set, is called before every request; an error stops the request
	// before anything is sent (a managed server checks that its port is still its
	// own child's: llamaserver.Server.CheckOwner).
	Guard func() error
}

// DefaultTimeout bounds one completion when Client.Timeout is zero: a 7B model on a
// laptop CPU writes 5–10 tokens a second, so a 4,000-token note takes minutes.
const DefaultTimeout = 15 * time.Minute

// Message is one chat message.
type Message struct {
	Role    string `json:"role"` // system, user or assistant
	Content string `json:"content"`
}

// Request is one constrained completion.
type Request struct {
	Messages []Message
	// SchemaName and Schema constrain the answer (response_format json_schema).
	// With a nil Schema the answer is free text.
	SchemaName string
	Schema     json.RawMessage
	// Grammar, if set, constrains the answer with a GBNF grammar instead of the
	// schema (llama-server's "grammar"; other servers ignore it, so only set it
	// for llama-server).
	Grammar     string
	MaxTokens   int      // 0: server default
	Temperature *float64 // nil: server default
	Seed        *int64   // nil: server default
}

// Response is the model's answer.
type Response struct {
	Content          string
	FinishReason     string
	Model            string
	PromptTokens     int
	CompletionTokens int
	// CachedTokens is how many prompt tokens the server found in its cache
	// (llama-server reports it; 0 elsewhere).
	CachedTokens int
	// PromptTime and GenerationTime are the server's own timings of this request
	// (llama-server; 0 elsewhere).
	PromptTime, GenerationTime time.Duration
	// DraftTokens and DraftAccepted count speculative decoding's proposals and the
	// ones the model kept (llama-server with --spec-type; 0 elsewhere).
	DraftTokens, DraftAccepted int
	// Repaired is set by CompleteJSON when the first answer was invalid; FirstTry
	// then holds that answer's counts and timings (its content dropped), so that
	// what a repair round cost can be measured.
	Repaired bool
	FirstTry *Response
}

// HTTPError is an HTTP failure from the server; it matches ErrServer (and
// ErrContextExceeded when the server says the prompt is too long).
type HTTPError struct {
	Status  int
	Message string // the server's error message, shortened
}

func (e *HTTPError) Error() string {
	return fmt.Sprintf("llm server: HTTP %d: %s", e.Status, e.Message)
}

func (e *HTTPError) Is(target error) bool {
	switch target {
	case ErrServer:
		return true
	case ErrContextExceeded:
		m := strings.ToLower(e.Message)
		return e.Status == http.StatusBadRequest && strings.Contains(m, "context")
	case ErrUnavailable:
		return e.Status == http.StatusServiceUnavailable || e.Status == http.StatusBadGateway
	}
	return false
}

// CheckEndpoint returns ErrRemote if rawURL is not on loopback and remote is false,
// ErrInsecure if it is not on loopback and not https, or an error if it is not an
// http(s) URL.
func CheckEndpoint(rawURL string, remote bool) error {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("llm endpoint %q: want an http(s) URL", rawURL)
	}
	if IsLoopback(u.Hostname()) {
		return nil
	}
	if !remote {
		return fmt.Errorf("%w: %s (configure it explicitly to allow it)", ErrRemote, u.Host)
	}
	if u.Scheme != "https" {
		return fmt.Errorf("%w: %s (use https://)", ErrInsecure, u.Host)
	}
	return nil
}

// IsLoopback reports whether host is localhost or a loopback IP literal. Other names
// are not resolved: a name could point anywhere later.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (c *Client) endpoint() (string, error) {
	if err := CheckEndpoint(c.BaseURL, c.AllowRemote); err != nil {
		return "", err
	}
	base := strings.TrimRight(c.BaseURL, "/")
	base = strings.TrimSuffix(base, "/v1")
	return base + "/v1/chat/completions", nil
}

// httpClient is the caller's client or a private one, refusing redirects: a 3xx
// answer is returned as it is (an *HTTPError), never followed.
func (c *Client) httpClient() *http.Client {
	hc := &http.Client{Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}}
	if c.HTTP != nil {
		copied := *c.HTTP
		hc = &copied
	}
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return hc
}

// do sends hreq with the bearer token, after the guard.
func (c *Client) do(ctx context.Context, hreq *http.Request) (*http.Response, error) {
	if c.Guard != nil {
		if err := c.Guard(); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
		}
	}
	if c.APIKey != "" {
		hreq.Header.Set("Authorization", "Bearer "+c.APIKey)
	}
	hresp, err := c.httpClient().Do(hreq)
	if err != nil {
		return nil, transportError(ctx, err)
	}
	return hresp, nil
}

type wireRequest struct {
	Model          string          `json:"model,omitempty"`
	Messages       []Message       `json:"messages"`
	MaxTokens      int             `json:"max_tokens,omitempty"`
	Temperature    *float64        `json:"temperature,omitempty"`
	Seed           *int64          `json:"seed,omitempty"`
	Stream         bool            `json:"stream"`
	ResponseFormat *responseFormat `json:"response_format,omitempty"`
	Grammar        string          `json:"grammar,omitempty"`
}

type responseFormat struct {
	Type       string          `json:"type"`
	JSONSchema *jsonSchemaSpec `json:"json_schema,omitempty"`
}

type jsonSchemaSpec struct {
	Name   string          `json:"name"`
	Schema json.RawMessage `json:"schema"`
	Strict bool            `json:"strict"`
}

type wireResponse struct {
	Model   string `json:"model"`
	Choices []struct {
		FinishReason string `json:"finish_reason"`
		Message      struct {
			Content *string `json:"content"`
		} `json:"message"`
	} `json:"choices"`
	Usage struct {
		PromptTokens     int `json:"prompt_tokens"`
		CompletionTokens int `json:"completion_tokens"`
		Details          struct {
			Cached int `json:"cached_tokens"`
		} `json:"prompt_tokens_details"`
	} `json:"usage"`
	Timings struct {
		PromptMS      float64 `json:"prompt_ms"`
		PredictedMS   float64 `json:"predicted_ms"`
		DraftN        int     `json:"draft_n"`
		DraftAccepted int     `json:"draft_n_accepted"`
	} `json:"timings"`
}

// maxBody bounds what we read from a server: a note is a few KB.
const maxBody = 8 << 20

// Complete sends one request. A response cut at max_tokens is returned together with
// an error matching ErrTruncated, so the caller can see how far it got.
func (c *Client) Complete(ctx context.Context, req Request) (Response, error) {
	ep, err := c.endpoint()
	if err != nil {
		return Response{}, err
	}
	wr := wireRequest{Model: c.Model, Messages: req.Messages, MaxTokens: req.MaxTokens,
		Temperature: req.Temperature, Seed: req.Seed, Grammar: req.Grammar}
	if req.Schema != nil && req.Grammar == "" {
		name := req.SchemaName
		if name == "" {
			name = "answer"
		}
		wr.ResponseFormat = &responseFormat{Type: "json_schema",
			JSONSchema: &jsonSchemaSpec{Name: name, Schema: req.Schema, Strict: true}}
	}
	data, err := c.roundTrip(ctx, ep, wr)
	if err != nil {
		return Response{}, err
	}
	return decodeResponse(data)
}

// roundTrip posts in as JSON to url and returns the body of a 200 answer; other
// statuses are *HTTPError, transport failures ErrUnavailable or the context's error.
func (c *Client) roundTrip(ctx context.Context, url string, in any) ([]byte, error) {
	body, err := json.Marshal(in)
	if err != nil {
		return nil, fmt.Errorf("encode llm request: %w", err)
	}
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("llm request: %w", err)
	}
	hreq.Header.Set("Content-Type", "application/json")
	hresp, err := c.do(ctx, hreq)
	if err != nil {
		return nil, err
	}
	defer hresp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(hresp.Body, maxBody+1))
	if err != nil {
		return nil, transportError(ctx, err)
	}
	if len(data) > maxBody {
		return nil, fmt.Errorf("%w: body larger than %d bytes", ErrBadResponse, maxBody)
	}
	if hresp.StatusCode != http.StatusOK {
		return nil, &HTTPError{Status: hresp.StatusCode, Message: errorMessage(data)}
	}
	return data, nil
}

func decodeResponse(data []byte) (Response, error) {
	var wr wireResponse
	if err := json.Unmarshal(data, &wr); err != nil {
		return Response{}, fmt.Errorf("%w: %v", ErrBadResponse, err)
	}
	if len(wr.Choices) == 0 || wr.Choices[0].Message.Content == nil {
		return Response{}, fmt.Errorf("%w: no choices or no message content", ErrBadResponse)
	}
	ch := wr.Choices[0]
	r := Response{Content: *ch.Message.Content, FinishReason: ch.FinishReason, Model: wr.Model,
		PromptTokens: wr.Usage.PromptTokens, CompletionTokens: wr.Usage.CompletionTokens, CachedTokens: wr.Usage.Details.Cached,
		PromptTime:     time.Duration(wr.Timings.PromptMS * float64(time.Millisecond)),
		GenerationTime: time.Duration(wr.Timings.PredictedMS * float64(time.Millisecond)),
		DraftTokens:    wr.Timings.DraftN, DraftAccepted: wr.Timings.DraftAccepted}
	if ch.FinishReason == "length" {
		return r, fmt.Errorf("%w (%d tokens)", ErrTruncated, r.CompletionTokens)
	}
	return r, nil
}

// transportError classifies a failed round trip: our own cancellation or timeout is
// reported as such, anything else means the server is unreachable or died.
func transportError(ctx context.Context, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		if errors.Is(ctxErr, context.DeadlineExceeded) {
			return fmt.Errorf("llm request timed out: %w", ctxErr)
		}
		return fmt.Errorf("llm request cancelled: %w", ctxErr)
	}
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Errorf("%w: connection refused (is the server running?)", ErrUnavailable)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET):
		return fmt.Errorf("%w: the server closed the connection mid-request (it may have crashed)", ErrUnavailable)
	}
	return fmt.Errorf("%w: %v", ErrUnavailable, err)
}

// errorMessage extracts the server's message from an error body, shortened; servers
// answer {"error":{"message":...}} or {"error":"..."} or plain text.
func errorMessage(data []byte) string {
	var e struct {
		Error json.RawMessage `json:"error"`
	}
	msg := strings.TrimSpace(string(data))
	if json.Unmarshal(data, &e) == nil && len(e.Error) > 0 {
		var obj struct {
			Message string `json:"message"`
		}
		var s string
		if json.Unmarshal(e.Error, &obj) == nil && obj.Message != "" {
			msg = obj.Message
		} else if json.Unmarshal(e.Error, &s) == nil {
			msg = s
		}
	}
	const max = 200
	if len(msg) > max {
		msg = msg[:max] + "…"
	}
	if msg == "" {
		msg = "(empty body)"
	}
	return msg
}

// CompleteJSON sends a request whose answer must be a JSON value that check accepts
// (check may be nil). If the first answer is invalid, it sends the error back once
// and asks again; the second failure is ErrInvalidJSON. Truncation is never repaired:
// it is returned as ErrTruncated for the caller to shorten the request.
func (c *Client) CompleteJSON(ctx context.Context, req Request, check func([]byte) error) (Response, error) {
	resp, err := c.Complete(ctx, req)
	if err != nil {
		return resp, err
	}
	bad := validJSON(resp.Content, check)
	if bad == nil {
		return resp, nil
	}
	repair := req
	repair.Messages = append(append([]Message(nil), req.Messages...),
		Message{Role: "assistant", Content: resp.Content},
		Message{Role: "user", Content: "Your answer was rejected: " + bad.Error() +
			". Answer again with only the corrected JSON object."})
	resp2, err := c.Complete(ctx, repair)
	first := resp
	first.Content = ""
	resp2.Repaired, resp2.FirstTry = true, &first
	if err != nil {
		return resp2, fmt.Errorf("repair round: %w", err)
	}
	if bad := validJSON(resp2.Content, check); bad != nil {
		// The check's details may quote the answer (patient text): keep them out.
		return resp2, fmt.Errorf("%w after one repair round", ErrInvalidJSON)
	}
	return resp2, nil
}

func validJSON(content string, check func([]byte) error) error {
	b := []byte(strings.TrimSpace(content))
	if !json.Valid(b) {
		return errors.New("it is not valid JSON")
	}
	if check != nil {
		return check(b)
	}
	return nil
}
