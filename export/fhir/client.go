package fhir

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"greffier/domain"
)

// Client posts transaction Bundles to a FHIR R4 server.
type Client struct {
	// BaseURL is the server's FHIR base (e.g. https://ehr.example/fhir/R4). Plain http
	// is accepted only for loopback addresses: a note and a bearer token never cross a
	// network in clear.
	BaseURL string
	Token   string // bearer token; empty sends no Authorization header
	// HTTP is the client to use; nil means one with a 60 s timeout. Its redirect
	// policy is replaced: redirects are never followed.
	HTTP *http.Client
}

// Result is what the server did with each entry.
type Result struct {
	Entries []EntryResult
}

// EntryResult is one entry of the transaction-response.
type EntryResult struct {
	Status   string // "201 Created", "200 OK"…
	Location string // e.g. Patient/123/_history/1
}

// Created counts the entries the server created (status 201); the others matched an
// existing resource through the conditional create.
func (r Result) Created() int {
	n := 0
	for _, e := range r.Entries {
		if strings.HasPrefix(e.Status, "201") {
			n++
		}
	}
	return n
}

// Post sends the Bundle as a transaction. Errors are *domain.Error: EInvalid for a
// bad base URL or a Bundle the server refused (with its OperationOutcome text),
// EForbidden for a refused token, EUnavailable when the server cannot be reached or
// fails.
func (c Client) Post(ctx context.Context, b *Bundle) (Result, error) {
	endpoint, err := checkBaseURL(c.BaseURL)
	if err != nil {
		return Result{}, err
	}
	body, err := json.Marshal(b)
	if err != nil {
		return Result{}, fmt.Errorf("encode FHIR bundle: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return Result{}, domain.Wrap(domain.EInvalid, err, "FHIR base URL")
	}
	req.Header.Set("Content-Type", "application/fhir+json")
	req.Header.Set("Accept", "application/fhir+json")
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	hc := http.Client{Timeout: 60 * time.Second}
	if c.HTTP != nil {
		hc = *c.HTTP
	}
	// A redirect is never followed: it would send the note (and the token) to a
	// place nobody configured, perhaps in clear.
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := hc.Do(req)
	if err != nil {
		return Result{}, domain.Wrap(domain.EUnavailable, err, "post to FHIR server %s", redact(endpoint))
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	if err != nil {
		return Result{}, domain.Wrap(domain.EUnavailable, err, "read FHIR server response")
	}
	switch {
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		return Result{}, domain.Errorf(domain.EInvalid, "FHIR server %s answered with a redirect (HTTP %d); Greffier does not follow redirects: configure the final address", redact(endpoint), resp.StatusCode)
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return Result{}, domain.Errorf(domain.EForbidden, "FHIR server refused the credentials (HTTP %d)%s", resp.StatusCode, outcomeText(raw))
	case resp.StatusCode >= 500:
		return Result{}, domain.Errorf(domain.EUnavailable, "FHIR server failed (HTTP %d)%s", resp.StatusCode, outcomeText(raw))
	case resp.StatusCode >= 300:
		return Result{}, domain.Errorf(domain.EInvalid, "FHIR server refused the bundle (HTTP %d)%s", resp.StatusCode, outcomeText(raw))
	}
	var out Bundle
	if err := json.Unmarshal(raw, &out); err != nil || out.ResourceType != "Bundle" {
		return Result{}, domain.Errorf(domain.EUnavailable, "FHIR server answered HTTP %d without a Bundle", resp.StatusCode)
	}
	if out.Type != "transaction-response" || len(out.Entry) != len(b.Entry) {
		return Result{}, domain.Errorf(domain.EUnavailable, "FHIR server answered a %q bundle with %d entries for a transaction of %d",
			out.Type, len(out.Entry), len(b.Entry))
	}
	var res Result
	for i, e := range out.Entry {
		if e.Response == nil {
			return Result{}, domain.Errorf(domain.EUnavailable, "FHIR server gave no response for entry %d", i)
		}
		if !strings.HasPrefix(e.Response.Status, "2") {
			return Result{}, domain.Errorf(domain.EInvalid, "FHIR server refused entry %d (%s): %s", i, b.Entry[i].Request.URL, e.Response.Status)
		}
		res.Entries = append(res.Entries, EntryResult{Status: e.Response.Status, Location: e.Response.Location})
	}
	return res, nil
}

// checkBaseURL accepts https, or http to a loopback host only.
func checkBaseURL(base string) (string, error) {
	u, err := url.Parse(base)
	if err != nil || u.Host == "" {
		return "", domain.Errorf(domain.EInvalid, "FHIR base URL %q is not an absolute URL", base)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopback(u.Hostname()) {
			return "", domain.Errorf(domain.EInvalid, "FHIR base URL must use https (plain http only to this machine), got %s", redact(base))
		}
	default:
		return "", domain.Errorf(domain.EInvalid, "FHIR base URL must be https, got scheme %q", u.Scheme)
	}
	return base, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// redact drops query and credentials from a URL before it goes into a message.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(invalid URL)"
	}
	u.User = nil
	u.RawQuery = ""
	return u.String()
}

// outcomeText is ": " + the OperationOutcome's diagnostics or details, if any.
func outcomeText(raw []byte) string {
	var oo struct {
		ResourceType string `json:"resourceType"`
		Issue        []struct {
			Diagnostics string `json:"diagnostics"`
			Details     struct {
				Text string `json:"text"`
			} `json:"details"`
		} `json:"issue"`
	}
	if json.Unmarshal(raw, &oo) != nil || oo.ResourceType != "OperationOutcome" {
		return ""
	}
	var parts []string
	for _, i := range oo.Issue {
		for _, t := range []string{i.Diagnostics, i.Details.Text} {
			if t != "" {
				parts = append(parts, t)
				break
			}
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return ": " + strings.Join(parts, "; ")
}
