package handoff

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"greffier/domain"
)

// NormalizeFingerprint is a SHA-256 fingerprint as 64 lower-case hex digits, from
// the colon-separated form `serve init` prints or plain hex; "" if it is neither.
func NormalizeFingerprint(fp string) string {
	h := strings.ToLower(strings.NewReplacer(":", "", " ", "").Replace(strings.TrimSpace(fp)))
	if b, err := hex.DecodeString(h); err != nil || len(b) != sha256.Size {
		return ""
	}
	return h
}

// PinError is a server whose certificate is not the pinned one: nothing was sent.
type PinError struct{ Got, Want string }

func (e *PinError) Error() string {
	return fmt.Sprintf("the server's certificate (SHA-256 %s) is not the pinned one (%s)", e.Got, e.Want)
}

// PinnedTLS trusts exactly the certificate whose SHA-256 is fingerprint (the
// clinic's own CA is not in any trust store; the pin is what the admin read from
// `serve init` and gave the laptop).
func PinnedTLS(fingerprint string) (*tls.Config, error) {
	want := NormalizeFingerprint(fingerprint)
	if want == "" {
		return nil, domain.Errorf(domain.EInvalid, "fingerprint %q is not a SHA-256 (64 hex digits, colons allowed)", fingerprint)
	}
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		// The chain is not checked against a CA: the pin below replaces it, and is
		// stricter (one certificate, not anything a CA signs).
		InsecureSkipVerify: true,
		VerifyConnection: func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return &PinError{Got: "none", Want: want}
			}
			sum := sha256.Sum256(cs.PeerCertificates[0].Raw)
			if got := hex.EncodeToString(sum[:]); got != want {
				return &PinError{Got: got, Want: want}
			}
			return nil
		},
	}, nil
}

// Client talks to the paired clinic server.
type Client struct {
	base  string
	cred  string
	http  *http.Client
	chunk int

	// ChunksSent counts the chunks uploaded (tests check a resume sends only the
	// missing ones).
	ChunksSent atomic.Int64
	// OnChunk, if set, is called after each chunk the server accepted (progress).
	OnChunk func(sent, total int)
}

// NewClient returns a client for the server at rawURL (https://host:port) that
// trusts only the pinned certificate; cred is the device credential ("" to pair).
func NewClient(rawURL, fingerprint, cred string) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(rawURL, "/"))
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return nil, domain.Errorf(domain.EInvalid, "server URL %q: want https://HOST:PORT", rawURL)
	}
	tc, err := PinnedTLS(fingerprint)
	if err != nil {
		return nil, err
	}
	tr := &http.Transport{TLSClientConfig: tc, TLSHandshakeTimeout: 10 * time.Second, ResponseHeaderTimeout: 60 * time.Second, Proxy: nil}
	return &Client{base: u.String(), cred: cred, chunk: DefaultChunkSize, http: &http.Client{Transport: tr, Timeout: 5 * time.Minute}}, nil
}

// SetChunkSize changes the chunk size (tests use small ones).
func (c *Client) SetChunkSize(n int) { c.chunk = min(max(n, MinChunkSize), MaxChunkSize) }

// Close drops idle connections.
func (c *Client) Close() { c.http.CloseIdleConnections() }

// Pair trades the admin's one-time code for this device's credential.
func (c *Client) Pair(ctx context.Context, code, device string) (PairResponse, error) {
	var out PairResponse
	err := c.do(ctx, http.MethodPost, PathPair, "application/json", mustJSON(PairRequest{Code: code, Device: device}), nil, &out)
	if err == nil && out.Credential == "" {
		return out, domain.Errorf(domain.EUnavailable, "the server paired but sent no credential")
	}
	return out, err
}

// Send uploads a sealed bundle for encounter uuid: it asks the server what is
// missing, sends those chunks, and commits. Call it again after a failure: it
// resumes.
func (c *Client) Send(ctx context.Context, uuid string, sealed []byte) (Ack, error) {
	start := UploadStart{Size: int64(len(sealed)), SHA256: SHA256(sealed), ChunkSize: c.chunk}
	var st UploadState
	if err := c.do(ctx, http.MethodPut, PathUploads+uuid, "application/json", mustJSON(start), nil, &st); err != nil {
		return Ack{}, err
	}
	if st.Imported {
		return Ack{UUID: uuid, EncounterID: st.EncounterID, Duplicate: true}, nil
	}
	if st.ChunkSize != start.ChunkSize || st.Size != start.Size || st.SHA256 != start.SHA256 {
		return Ack{}, domain.Errorf(domain.EUnavailable, "the server answered for another upload of this encounter")
	}
	total := Chunks(st.Size, st.ChunkSize)
	for i, idx := range st.Missing {
		if idx < 0 || idx >= total {
			return Ack{}, domain.Errorf(domain.EUnavailable, "the server asked for chunk %d of %d", idx, total)
		}
		part := sealed[idx*st.ChunkSize : min(len(sealed), (idx+1)*st.ChunkSize)]
		h := http.Header{HeaderChunkSHA256: {SHA256(part)}}
		if err := c.do(ctx, http.MethodPut, PathUploads+uuid+"/chunks/"+strconv.Itoa(idx), "application/octet-stream", part, h, nil); err != nil {
			return Ack{}, err
		}
		c.ChunksSent.Add(1)
		if c.OnChunk != nil {
			c.OnChunk(total-len(st.Missing)+i+1, total)
		}
	}
	var ack Ack
	err := c.do(ctx, http.MethodPost, PathUploads+uuid+"/commit", "application/json", []byte("{}"), nil, &ack)
	return ack, err
}

// Status asks what the server holds of an upload.
func (c *Client) Status(ctx context.Context, uuid string) (UploadState, error) {
	var st UploadState
	err := c.do(ctx, http.MethodGet, PathUploads+uuid, "", nil, nil, &st)
	return st, err
}

// State asks the server where a handed-off encounter stands now.
func (c *Client) State(ctx context.Context, uuid string) (RemoteState, error) {
	var st RemoteState
	err := c.do(ctx, http.MethodGet, PathEncounters+uuid, "", nil, nil, &st)
	return st, err
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

// apiError is the server's error body.
type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// do sends one request and decodes the JSON answer into out. Network failures are
// EUnavailable (retry later); a certificate that is not the pinned one is
// EForbidden (nothing was sent; not retried); the server's refusals keep their code.
func (c *Client) do(ctx context.Context, method, path, ctype string, body []byte, h http.Header, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("hand-off request: %w", err)
	}
	for k, v := range h {
		req.Header[k] = v
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if c.cred != "" {
		req.Header.Set("Authorization", "Bearer "+c.cred)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		var pe *PinError
		if errors.As(err, &pe) {
			return domain.Wrap(domain.EForbidden, pe, "refused to connect to %s", c.base)
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return domain.Wrap(domain.EUnavailable, err, "the clinic server %s is unreachable", c.base)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return domain.Wrap(domain.EUnavailable, err, "the clinic server %s broke off its answer", c.base)
	}
	if resp.StatusCode/100 != 2 {
		return serverError(resp.StatusCode, data)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return domain.Wrap(domain.EUnavailable, err, "the clinic server's answer is not the expected JSON")
	}
	return nil
}

// serverError turns an error answer into a domain error with the server's message.
func serverError(status int, data []byte) error {
	var ae apiError
	_ = json.Unmarshal(data, &ae)
	msg := ae.Error.Message
	if msg == "" {
		msg = http.StatusText(status)
	}
	code := ae.Error.Code
	switch code {
	case domain.EInvalid, domain.ENotFound, domain.EForbidden, domain.EConflict, domain.EUnavailable:
	case "unauthorized", "csrf":
		code = domain.EForbidden
	default:
		code = domain.EInvalid
		if status >= 500 {
			code = domain.EUnavailable
		}
	}
	return domain.Errorf(code, "the clinic server refused (%d): %s", status, msg)
}
