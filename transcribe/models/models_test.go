package models

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"greffier/domain"
	"greffier/transcribe/emptymodel"
)

// testModel is a real (empty, weightless) whisper tiny.en file and its checksum.
func testModel(t *testing.T) ([]byte, Model) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "m.bin")
	if err := emptymodel.Write(p, "tiny.en"); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha1.Sum(b)
	return b, Model{Name: "tiny.en", SizeMiB: 1, SHA1: hex.EncodeToString(sum[:])}
}

// server serves body as ggml-tiny.en.bin with Range support (http.ServeContent).
// cut, when set, ends the response after that many bytes of the n-th request (from
// 0), as a dropped connection would. It records each request's Range header.
type server struct {
	body    []byte
	cut     map[int]int
	noRange bool
	mu      sync.Mutex
	ranges  []string
	served  int64
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/ggml-tiny.en.bin" {
		http.NotFound(w, r)
		return
	}
	s.mu.Lock()
	n := len(s.ranges)
	s.ranges = append(s.ranges, r.Header.Get("Range"))
	limit, cut := s.cut[n]
	s.mu.Unlock()
	cw := &countWriter{ResponseWriter: w, s: s, limit: -1}
	if cut {
		cw.limit = limit
	}
	if s.noRange {
		w.Header().Set("Content-Length", itoa(len(s.body)))
		cw.Write(s.body)
		return
	}
	http.ServeContent(cw, r, "m.bin", time.Time{}, bytes.NewReader(s.body))
}

type countWriter struct {
	http.ResponseWriter
	s     *server
	limit int
	n     int
}

func (c *countWriter) Write(b []byte) (int, error) {
	if c.limit >= 0 && c.n+len(b) > c.limit {
		b = b[:c.limit-c.n]
		c.ResponseWriter.Write(b)
		c.s.mu.Lock()
		c.s.served += int64(len(b))
		c.s.mu.Unlock()
		c.ResponseWriter.(http.Flusher).Flush()
		panic(http.ErrAbortHandler) // drop the connection mid-body
	}
	c.n += len(b)
	c.s.mu.Lock()
	c.s.served += int64(len(b))
	c.s.mu.Unlock()
	return c.ResponseWriter.Write(b)
}

func itoa(n int) string { return strconv.Itoa(n) }

func newManager(t *testing.T, url string, m Model) (*Manager, *[]Progress) {
	var events []Progress
	var mu sync.Mutex
	return &Manager{Dir: filepath.Join(t.TempDir(), "models"), BaseURL: url, Models: []Model{m},
		RetryWait: time.Millisecond, Progress: func(p Progress) { mu.Lock(); events = append(events, p); mu.Unlock() }}, &events
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return c
}

func assertInstalled(t *testing.T, mgr *Manager, body []byte) {
	t.Helper()
	got, err := os.ReadFile(mgr.Path("tiny.en"))
	if err != nil {
		t.Fatalf("model not installed: %v", err)
	}
	if !bytes.Equal(got, body) {
		t.Fatalf("installed file differs from the served one (%d vs %d bytes)", len(got), len(body))
	}
	if _, err := os.Stat(mgr.partPath("tiny.en")); !os.IsNotExist(err) {
		t.Errorf("partial file left behind: %v", err)
	}
}

func TestPull(t *testing.T) {
	body, m := testModel(t)
	srv := &server{body: body}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	mgr, events := newManager(t, ts.URL, m)
	p, err := mgr.Pull(ctx(t), "tiny.en")
	if err != nil {
		t.Fatal(err)
	}
	if p != mgr.Path("tiny.en") {
		t.Errorf("path %s", p)
	}
	assertInstalled(t, mgr, body)
	last := (*events)[len(*events)-1]
	if last.Done != int64(len(body)) || last.Total != int64(len(body)) || last.Rate <= 0 || last.Model != "tiny.en" {
		t.Errorf("last progress %+v, want done = total = %d and a rate", last, len(body))
	}
	// Pulling an installed, verified model fetches nothing.
	if _, err := mgr.Pull(ctx(t), "tiny.en"); err != nil {
		t.Fatal(err)
	}
	if len(srv.ranges) != 1 {
		t.Errorf("%d requests, want 1 (the second pull had nothing to do)", len(srv.ranges))
	}
}

func TestPullResumesAfterDroppedConnection(t *testing.T) {
	body, m := testModel(t)
	cutAt := len(body) / 3
	srv := &server{body: body, cut: map[int]int{0: cutAt}}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	mgr, _ := newManager(t, ts.URL, m)
	if _, err := mgr.Pull(ctx(t), "tiny.en"); err != nil {
		t.Fatal(err)
	}
	assertInstalled(t, mgr, body)
	if len(srv.ranges) != 2 || srv.ranges[0] != "" || srv.ranges[1] != "bytes="+itoa(cutAt)+"-" {
		t.Fatalf("requests' ranges %q, want a fresh one then bytes=%d-", srv.ranges, cutAt)
	}
	if srv.served != int64(len(body)) {
		t.Errorf("server sent %d bytes for a %d-byte file: the resume fetched again what it had", srv.served, len(body))
	}
}

func TestPullResumesInALaterRun(t *testing.T) {
	body, m := testModel(t)
	cutAt := len(body) / 2
	srv := &server{body: body, cut: map[int]int{0: cutAt}}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	mgr, events := newManager(t, ts.URL, m)
	mgr.Retries = -1 // the first run gives up at the dropped connection
	_, err := mgr.Pull(ctx(t), "tiny.en")
	if domain.ErrorCode(err) != domain.EUnavailable || !strings.Contains(err.Error(), "resume") {
		t.Fatalf("interrupted pull: %v, want EUnavailable saying it resumes", err)
	}
	if _, err := os.Stat(mgr.Path("tiny.en")); !os.IsNotExist(err) {
		t.Fatal("a partial download was installed under the model's name")
	}
	if st, err := os.Stat(mgr.partPath("tiny.en")); err != nil || st.Size() != int64(cutAt) {
		t.Fatalf("partial file: %v (size %v), want %d bytes kept", err, st, cutAt)
	}
	*events = nil
	if _, err := mgr.Pull(ctx(t), "tiny.en"); err != nil {
		t.Fatal(err)
	}
	assertInstalled(t, mgr, body)
	if first := (*events)[0]; first.Resumed != int64(cutAt) {
		t.Errorf("second run's progress %+v, want Resumed = %d", first, cutAt)
	}
	if srv.ranges[1] != "bytes="+itoa(cutAt)+"-" {
		t.Errorf("second run's range %q", srv.ranges[1])
	}
}

func TestPullRestartsWhenServerIgnoresRange(t *testing.T) {
	body, m := testModel(t)
	srv := &server{body: body, noRange: true}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	mgr, _ := newManager(t, ts.URL, m)
	os.MkdirAll(mgr.Dir, 0o755)
	if err := os.WriteFile(mgr.partPath("tiny.en"), body[:1000], 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := mgr.Pull(ctx(t), "tiny.en"); err != nil {
		t.Fatal(err)
	}
	assertInstalled(t, mgr, body)
}

func TestPullRejectsCorruptDownload(t *testing.T) {
	body, m := testModel(t)
	bad := bytes.Clone(body)
	bad[len(bad)/2] ^= 0xff
	ts := httptest.NewServer(&server{body: bad})
	defer ts.Close()
	mgr, _ := newManager(t, ts.URL, m)
	_, err := mgr.Pull(ctx(t), "tiny.en")
	if domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), "corrupt") {
		t.Fatalf("corrupt download: %v, want EInvalid 'corrupt'", err)
	}
	for _, p := range []string{mgr.Path("tiny.en"), mgr.partPath("tiny.en")} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s still exists after a corrupt download", p)
		}
	}
}

// fullDisk fails every write past limit bytes with ENOSPC. A real full disk cannot
// be made here without mount rights, so this is a double for the file system; the
// error is the one the kernel returns.
type fullDisk struct {
	w     io.Writer
	limit int
}

func (d *fullDisk) Write(b []byte) (int, error) {
	if len(b) > d.limit {
		n, _ := d.w.Write(b[:d.limit])
		d.limit = 0
		return n, &os.PathError{Op: "write", Path: "model.part", Err: syscall.ENOSPC}
	}
	d.limit -= len(b)
	return d.w.Write(b)
}

func TestPullReportsFullDisk(t *testing.T) {
	body, m := testModel(t)
	srv := &server{body: body}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	mgr, _ := newManager(t, ts.URL, m)
	mgr.wrapWriter = func(w io.Writer) io.Writer { return &fullDisk{w: w, limit: 100 << 10} }
	_, err := mgr.Pull(ctx(t), "tiny.en")
	if domain.ErrorCode(err) != domain.EUnavailable || !strings.Contains(err.Error(), "full") || !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("full disk: %v, want EUnavailable saying the disk is full", err)
	}
	if len(srv.ranges) != 1 {
		t.Errorf("%d requests: a full disk must not be retried", len(srv.ranges))
	}
	if _, err := os.Stat(mgr.Path("tiny.en")); !os.IsNotExist(err) {
		t.Fatal("model installed despite the full disk")
	}
	// Space freed: the next pull resumes from what was written.
	mgr.wrapWriter = nil
	if _, err := mgr.Pull(ctx(t), "tiny.en"); err != nil {
		t.Fatal(err)
	}
	assertInstalled(t, mgr, body)
	if srv.ranges[1] != "bytes="+itoa(100<<10)+"-" {
		t.Errorf("after freeing space, range %q, want a resume", srv.ranges[1])
	}
}

func TestPullErrors(t *testing.T) {
	_, m := testModel(t)
	ts := httptest.NewServer(http.NotFoundHandler())
	defer ts.Close()
	mgr, _ := newManager(t, ts.URL, m)
	if _, err := mgr.Pull(ctx(t), "huge"); domain.ErrorCode(err) != domain.ENotFound {
		t.Errorf("unknown model: %v", err)
	}
	if _, err := mgr.Pull(ctx(t), "tiny.en"); domain.ErrorCode(err) != domain.EUnavailable || !strings.Contains(err.Error(), "404") {
		t.Errorf("missing on server: %v", err)
	}
	c, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := mgr.Pull(c, "tiny.en"); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled pull: %v", err)
	}
}

func TestImportVerifyRemove(t *testing.T) {
	body, m := testModel(t)
	dir := t.TempDir()
	mgr := &Manager{Dir: filepath.Join(dir, "models"), Models: []Model{m}}
	src := filepath.Join(dir, "ggml-tiny.en.bin")
	os.WriteFile(src, body, 0o644)

	p, err := mgr.Import(src, "")
	if err != nil {
		t.Fatal(err)
	}
	assertInstalled(t, mgr, body)
	v, err := mgr.Verify("tiny.en")
	if err != nil || !v.Known || !v.Match || v.Header.Kind() != "tiny" || v.Header.Multilingual() {
		t.Fatalf("verify: %+v, %v", v, err)
	}

	// A corrupted installed file fails verification.
	b := bytes.Clone(body)
	b[len(b)-1] ^= 1
	os.WriteFile(p, b, 0o644)
	if v, err := mgr.Verify("tiny.en"); err != nil || v.Match {
		t.Errorf("verify of a corrupted file: %+v, %v; want no match", v, err)
	}

	// Under a known name, only upstream's file; under another name, any whisper model.
	other := filepath.Join(dir, "custom.bin")
	os.WriteFile(other, b, 0o644)
	if _, err := mgr.Import(other, "tiny.en"); domain.ErrorCode(err) != domain.EInvalid {
		t.Errorf("import of a different file as tiny.en: %v", err)
	}
	if _, err := mgr.Import(other, "clinic-finetune"); err != nil {
		t.Errorf("import under its own name: %v", err)
	}
	text := filepath.Join(dir, "notes.txt")
	os.WriteFile(text, []byte("not a model, but long enough to have a header of sorts..."), 0o644)
	if _, err := mgr.Import(text, "x"); domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), "not a whisper") {
		t.Errorf("import of a text file: %v", err)
	}
	if _, err := mgr.Import(filepath.Join(dir, "missing.bin"), ""); domain.ErrorCode(err) != domain.ENotFound {
		t.Errorf("import of a missing file: %v", err)
	}

	inst, err := mgr.Installed()
	if err != nil || len(inst) != 2 || inst[0].Name != "clinic-finetune" || inst[1].Name != "tiny.en" || !inst[1].Known {
		t.Fatalf("installed: %+v, %v", inst, err)
	}
	if err := mgr.Remove("tiny.en"); err != nil {
		t.Fatal(err)
	}
	if err := mgr.Remove("tiny.en"); domain.ErrorCode(err) != domain.ENotFound {
		t.Errorf("second remove: %v", err)
	}
}

func TestReadHeaderKinds(t *testing.T) {
	for _, kind := range []string{"tiny", "tiny.en", "base", "base.en"} {
		p := filepath.Join(t.TempDir(), "m.bin")
		if err := emptymodel.Write(p, kind); err != nil {
			t.Fatal(err)
		}
		h, err := CheckFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if want := strings.TrimSuffix(kind, ".en"); h.Kind() != want || h.Multilingual() == strings.HasSuffix(kind, ".en") {
			t.Errorf("%s: kind %s multilingual %v", kind, h.Kind(), h.Multilingual())
		}
	}
}

func TestCatalogue(t *testing.T) {
	seen := map[string]bool{}
	for _, m := range Catalogue() {
		if len(m.SHA1) != 40 || seen[m.Name] || m.SizeMiB <= 0 {
			t.Errorf("bad entry %+v", m)
		}
		seen[m.Name] = true
	}
	for _, want := range []string{"tiny", "tiny.en", "base", "base.en", "small", "small.en", "medium", "medium.en", "large-v3-turbo", "large-v3-turbo-q5_0", "small.en-tdrz"} {
		if !seen[want] {
			t.Errorf("catalogue lacks %s", want)
		}
	}
	mgr := &Manager{}
	tdrz, _ := mgr.Lookup("small.en-tdrz")
	if u := mgr.url(tdrz); !strings.HasPrefix(u, TDRZBaseURL) {
		t.Errorf("tdrz url %s", u)
	}
	base, _ := mgr.Lookup("ggml-base.en.bin")
	if u := mgr.url(base); u != DefaultBaseURL+"/ggml-base.en.bin" {
		t.Errorf("base.en url %s", u)
	}
}

func TestSuggest(t *testing.T) {
	const gib = 1 << 30
	for _, c := range []struct {
		ram   uint64
		cores int
		en    bool
		want  string
	}{
		{1 * gib, 8, false, "tiny"},
		{16 * gib, 2, true, "base.en"},
		{16 * gib, 2, false, "base"},
		{8 * gib, 4, true, "small.en"},
		{3 * gib, 4, false, "base"},
		{16 * gib, 8, true, "large-v3-turbo-q5_0"},
		{0, 0, false, "base"},
	} {
		if got := Suggest(c.ram, c.cores, c.en); got.Name != c.want || got.Reason == "" {
			t.Errorf("Suggest(%d GiB, %d cores, en=%v) = %+v, want %s", c.ram/gib, c.cores, c.en, got, c.want)
		}
		if _, ok := (&Manager{}).Lookup(Suggest(c.ram, c.cores, c.en).Name); !ok {
			t.Errorf("suggestion %s is not in the catalogue", c.want)
		}
	}
	if SystemRAM() == 0 {
		t.Error("SystemRAM found no memory on Linux")
	}
}

func TestDefaultPrefersMultilingualWhisperModels(t *testing.T) {
	dir := t.TempDir()
	m := &Manager{Dir: dir}
	if _, err := m.Default(); domain.ErrorCode(err) != domain.ENotFound {
		t.Fatalf("empty folder: %v, want ENotFound", err)
	}
	// A Silero VAD file sorts first and has a .bin name, but is no whisper model.
	if err := os.WriteFile(filepath.Join(dir, "ggml-silero-v5.1.2.bin"), []byte("ggml\x00\x00\x00\x00not whisper"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Default(); domain.ErrorCode(err) != domain.ENotFound {
		t.Fatalf("only a VAD file: %v, want ENotFound", err)
	}
	english := filepath.Join(dir, "ggml-base.en.bin")
	if err := emptymodel.Write(english, "base.en"); err != nil {
		t.Fatal(err)
	}
	if got, err := m.Default(); err != nil || got != english {
		t.Fatalf("Default() = %q, %v; want the English model %s", got, err, english)
	}
	multi := filepath.Join(dir, "ggml-tiny.bin")
	if err := emptymodel.Write(multi, "tiny"); err != nil {
		t.Fatal(err)
	}
	if got, err := m.Default(); err != nil || got != multi {
		t.Fatalf("Default() = %q, %v; want the multilingual model %s", got, err, multi)
	}
}
