package models

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"greffier/domain"
)

// Pull downloads the catalogue model called name into the folder and returns its
// path. The download goes to a hidden .part file that a later Pull resumes (HTTP
// Range) after an interruption, a crash or a full disk; the finished file must have
// upstream's SHA-1 — if not it is deleted — and is renamed into place, so the folder
// never holds a half or wrong model under a model's name. An installed model that
// verifies is not downloaded again.
func (m *Manager) Pull(ctx context.Context, name string) (string, error) {
	c, ok := m.Lookup(name)
	if !ok {
		return "", domain.Errorf(domain.ENotFound, "no model %q in the catalogue (see 'greffier models list')", name)
	}
	dst := m.Path(c.Name)
	if v, err := m.Verify(c.Name); err == nil && v.Match {
		return dst, nil
	}
	if err := os.MkdirAll(m.Dir, 0o755); err != nil {
		return "", domain.Wrap(domain.EUnavailable, err, "create model folder %s", m.Dir)
	}
	retries, wait := m.Retries, m.RetryWait
	if retries == 0 {
		retries = 3
	}
	if wait <= 0 {
		wait = time.Second
	}
	for attempt := 0; ; attempt++ {
		err := m.fetch(ctx, c)
		if err == nil {
			break
		}
		var netErr *networkError
		if !errors.As(err, &netErr) || attempt >= retries || ctx.Err() != nil {
			if netErr != nil {
				return "", domain.Wrap(domain.EUnavailable, netErr.err,
					"download of %s interrupted; run the same pull again to resume", c.Name)
			}
			return "", err
		}
		t := time.NewTimer(wait << attempt)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return "", ctx.Err()
		}
	}
	part := m.partPath(c.Name)
	sum, err := fileSHA1(part)
	if err != nil {
		return "", domain.Wrap(domain.EUnavailable, err, "read downloaded %s", part)
	}
	if !strings.EqualFold(sum, c.SHA1) {
		os.Remove(part)
		return "", domain.Errorf(domain.EInvalid,
			"downloaded %s is corrupt (SHA-1 %s, expected %s); it was deleted, run pull again", c.Name, sum, c.SHA1)
	}
	if _, err := CheckFile(part); err != nil {
		os.Remove(part)
		return "", err
	}
	if err := commit(part, dst); err != nil {
		return "", err
	}
	return dst, nil
}

// networkError marks failures worth a retry (the connection, not the content).
type networkError struct{ err error }

func (e *networkError) Error() string { return e.err.Error() }

func (m *Manager) url(c Model) string {
	base := m.BaseURL
	if base == "" {
		base = DefaultBaseURL
		if c.TDRZ() {
			base = TDRZBaseURL
		}
	}
	return strings.TrimRight(base, "/") + "/" + c.File()
}

// fetch appends the rest of the model to its .part file.
func (m *Manager) fetch(ctx context.Context, c Model) error {
	part := m.partPath(c.Name)
	f, err := os.OpenFile(part, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return domain.Wrap(domain.EUnavailable, err, "create %s", part)
	}
	defer f.Close()
	have, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return domain.Wrap(domain.EUnavailable, err, "read %s", part)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.url(c), nil)
	if err != nil {
		return domain.Wrap(domain.EInvalid, err, "bad model URL")
	}
	if have > 0 {
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-", have))
	}
	client := m.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return &networkError{fmt.Errorf("download %s: %w", c.Name, err)}
	}
	defer resp.Body.Close()
	var total int64
	switch resp.StatusCode {
	case http.StatusPartialContent:
		start, size, ok := parseContentRange(resp.Header.Get("Content-Range"))
		if !ok || start != have {
			return &networkError{fmt.Errorf("download %s: server resumed at the wrong place (%q)", c.Name, resp.Header.Get("Content-Range"))}
		}
		total = size
	case http.StatusOK:
		// The server ignored the range: start over.
		if err := f.Truncate(0); err != nil {
			return domain.Wrap(domain.EUnavailable, err, "restart %s", part)
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return domain.Wrap(domain.EUnavailable, err, "restart %s", part)
		}
		have = 0
		if resp.ContentLength > 0 {
			total = resp.ContentLength
		}
	case http.StatusRequestedRangeNotSatisfiable:
		return nil // nothing left to fetch: the checksum decides
	default:
		if resp.StatusCode >= 500 {
			return &networkError{fmt.Errorf("download %s: server answered %s", c.Name, resp.Status)}
		}
		return domain.Errorf(domain.EUnavailable, "download %s from %s: server answered %s", c.Name, m.url(c), resp.Status)
	}
	var w io.Writer = f
	if m.wrapWriter != nil {
		w = m.wrapWriter(w)
	}
	pr := &progress{m: m, name: c.Name, start: time.Now(), resumed: have, done: have, total: total}
	err = copyBody(ctx, w, resp.Body, pr)
	pr.report(true)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return writeError(err, "download "+c.Name, m.Dir)
	}
	return nil
}

func copyBody(ctx context.Context, w io.Writer, r io.Reader, pr *progress) error {
	buf := make([]byte, 256<<10)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		n, rerr := r.Read(buf)
		if n > 0 {
			if _, err := w.Write(buf[:n]); err != nil {
				return writeError(err, "download "+pr.name, pr.m.Dir)
			}
			pr.done += int64(n)
			pr.report(false)
		}
		if rerr == io.EOF {
			if pr.total > 0 && pr.done < pr.total {
				return &networkError{fmt.Errorf("download %s: connection closed after %d of %d bytes", pr.name, pr.done, pr.total)}
			}
			return nil
		}
		if rerr != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return &networkError{fmt.Errorf("download %s: %w", pr.name, rerr)}
		}
	}
}

// writeError turns a failed write into a user-facing error; a full disk says so.
func writeError(err error, what, dir string) error {
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		return domain.Wrap(domain.EUnavailable, err,
			"%s: the disk holding %s is full; free some space and run it again (a download resumes where it stopped)", what, dir)
	}
	return domain.Wrap(domain.EUnavailable, err, "%s: write to %s", what, dir)
}

type progress struct {
	m       *Manager
	name    string
	start   time.Time
	last    time.Time
	resumed int64
	done    int64
	total   int64
}

func (p *progress) report(final bool) {
	if p.m.Progress == nil {
		return
	}
	now := time.Now()
	if !final && now.Sub(p.last) < 100*time.Millisecond {
		return
	}
	p.last = now
	ev := Progress{Model: p.name, Done: p.done, Total: p.total, Resumed: p.resumed}
	if el := now.Sub(p.start).Seconds(); el > 0 {
		ev.Rate = float64(p.done-p.resumed) / el
	}
	if ev.Rate > 0 && p.total > p.done {
		ev.ETA = time.Duration(float64(p.total-p.done) / ev.Rate * float64(time.Second))
	}
	p.m.Progress(ev)
}

// parseContentRange reads "bytes START-END/SIZE".
func parseContentRange(s string) (start, size int64, ok bool) {
	s, found := strings.CutPrefix(s, "bytes ")
	if !found {
		return 0, 0, false
	}
	rng, sz, found := strings.Cut(s, "/")
	if !found {
		return 0, 0, false
	}
	a, _, found := strings.Cut(rng, "-")
	if !found {
		return 0, 0, false
	}
	start, err1 := strconv.ParseInt(a, 10, 64)
	size, err2 := strconv.ParseInt(sz, 10, 64)
	if sz == "*" {
		size, err2 = 0, nil
	}
	return start, size, err1 == nil && err2 == nil
}
