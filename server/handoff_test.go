package server_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"greffier/domain"
	"greffier/handoff"
	"greffier/pipeline"
	"greffier/server"
	"greffier/store"
	"greffier/store/crypt"
)

// hub is a clinic server's data folder that a test can start, stop and restart on
// the same address, as a clinic's IT would.
type hub struct {
	t    testing.TB
	dir  string
	opt  store.Options
	fp   string
	addr string
	stop func()
}

func newHub(t testing.TB) *hub {
	t.Helper()
	dir := t.TempDir()
	opt := store.Options{KDF: crypt.TestKDF()}
	seedClinic(t, dir, opt, 1)
	fp, err := server.InitDir(dir, []string{"localhost", "127.0.0.1"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	h := &hub{t: t, dir: dir, opt: opt, fp: fp, addr: "127.0.0.1:0"}
	h.start()
	t.Cleanup(func() {
		if h.stop != nil {
			h.stop()
		}
	})
	return h
}

func (h *hub) url() string { return "https://" + h.addr }

// start serves DIR over HTTPS; the database opens locked, as after a reboot.
func (h *hub) start() {
	h.t.Helper()
	tc, _, err := server.LoadTLS(h.dir, "", "")
	if err != nil {
		h.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := server.Open(ctx, server.Config{Dir: h.dir, TLS: tc, Store: h.opt})
	if err != nil {
		h.t.Fatal(err)
	}
	l, err := net.Listen("tcp", h.addr)
	if err != nil {
		h.t.Fatal(err)
	}
	h.addr = l.Addr().String()
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, l) }()
	var once sync.Once
	h.stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				h.t.Errorf("serve: %v", err)
			}
			srv.Close()
		})
	}
}

// pairCode is what `greffier server pair-code` does: an admin logs in on the
// server's database (beside the running server) and makes a code.
func (h *hub) pairCode() string {
	h.t.Helper()
	db, admin := asAdmin(h.t, h.dir, h.opt)
	code, err := db.NewPairCode(context.Background(), admin, 0)
	if err != nil {
		h.t.Fatal(err)
	}
	return code
}

// open reads the server's database (for checks), as its admin.
func (h *hub) open() *store.DB {
	h.t.Helper()
	db, _ := asAdmin(h.t, h.dir, h.opt)
	return db
}

// laptop is a physician's laptop database with one drafted encounter (two versions,
// a long transcript so the bundle spans many chunks), queued for the server.
type laptop struct {
	db    *store.DB
	doc   *store.Session
	enc   int64
	uuid  string
	plain []byte // the bundle as queued (the acknowledgement drops it from the store)
	cred  string // the device credential, once paired
	audio []byte // the visit's kept recording, handed off with it
}

func newLaptop(t *testing.T) *laptop {
	t.Helper()
	ctx := context.Background()
	l, err := store.OpenLocked(ctx, filepath.Join(t.TempDir(), "laptop.db"), store.Options{KDF: crypt.TestKDF()})
	if err != nil {
		t.Fatal(err)
	}
	db, admin, err := l.Setup(ctx, "Root", adminPW)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	doc, err := db.AddUser(ctx, admin, "Dr House", domain.UserPhysician, docPW)
	if err != nil {
		t.Fatal(err)
	}
	s, err := db.Authenticate(ctx, "Dr House", docPW)
	if err != nil {
		t.Fatal(err)
	}
	e, err := db.CreateEncounter(ctx, store.NewEncounter{By: doc.ID, Language: "en", Template: "soap",
		NewPatient: &store.Patient{LocalID: "PAT-LAPTOP-1", Name: "Jeanne Martin"}, Consent: &store.Consent{Kind: "verbal", By: doc.ID}})
	if err != nil {
		t.Fatal(err)
	}
	// Random words do not compress: the sealed bundle is about 40 KiB.
	segs := make([]domain.Segment, 400)
	for i := range segs {
		b := make([]byte, 50)
		rand.Read(b)
		segs[i] = domain.Segment{StartMS: int64(i) * 1000, EndMS: int64(i+1) * 1000, Text: hex.EncodeToString(b)}
	}
	if err := db.SaveSegments(ctx, e.ID, segs); err != nil {
		t.Fatal(err)
	}
	for i, plan := range []string{"Rest.", "Rest and fluids."} {
		body := `{"sections":[{"title":"Plan","text":"` + plan + `"}]}`
		if _, err := db.SaveDraftVersion(ctx, store.DraftInput{EncounterID: e.ID, By: doc.ID, Body: []byte(body), Base: i}); err != nil {
			t.Fatal(err)
		}
	}
	// The clinic keeps audio: the recording (random bytes, 48 KiB) goes with the note.
	audio := make([]byte, 48<<10)
	rand.Read(audio)
	wav := filepath.Join(t.TempDir(), "visit.wav")
	if err := os.WriteFile(wav, audio, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := pipeline.KeepRecording(ctx, db, t.TempDir(), e.ID, wav); err != nil {
		t.Fatal(err)
	}
	h, err := db.QueueHandoff(ctx, s, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := db.HandoffBundle(ctx, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	return &laptop{db: db, doc: s, enc: e.ID, uuid: h.UUID, plain: plain, audio: audio}
}

// pair pairs the laptop with the hub through url (the hub's, or a proxy's).
func (lp *laptop) pair(t *testing.T, h *hub, url string) string {
	t.Helper()
	cl, err := handoff.NewClient(url, h.fp, "")
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	p, err := cl.Pair(context.Background(), h.pairCode(), "laptop of Dr House")
	if err != nil {
		t.Fatal(err)
	}
	lp.cred = p.Credential
	return p.Credential
}

type testQueue struct{ lp *laptop }

func (q testQueue) Bundle(ctx context.Context, id int64) ([]byte, error) {
	return q.lp.db.HandoffBundle(ctx, id)
}
func (q testQueue) Acked(ctx context.Context, id, sid int64) error {
	return q.lp.db.HandoffAcked(ctx, q.lp.doc, id, sid)
}
func (q testQueue) Failed(ctx context.Context, id int64, msg string) error {
	return q.lp.db.HandoffFailed(ctx, id, msg)
}

func (lp *laptop) sender(t testing.TB, url, fp, cred string) *handoff.Sender {
	t.Helper()
	cl, err := handoff.NewClient(url, fp, cred)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	cl.SetChunkSize(handoff.MinChunkSize)
	return &handoff.Sender{Client: cl, Cred: cred, Queue: testQueue{lp}, Backoff: 10 * time.Millisecond}
}

func (lp *laptop) item() handoff.Item { return handoff.Item{EncounterID: lp.enc, UUID: lp.uuid} }

// checkImported asserts the server holds the laptop's encounter exactly once, with
// every version, and that the laptop's copy is now read-only.
func checkImported(t *testing.T, h *hub, lp *laptop, ack handoff.Ack) {
	t.Helper()
	ctx := context.Background()
	db := h.open()
	// The hub was seeded with one encounter: the hand-off adds exactly one.
	all, err := db.ListEncounters(ctx, store.ListFilter{Limit: 100})
	rec, err2 := db.ReceivedHandoff(ctx, lp.uuid)
	if err != nil || err2 != nil || len(all) != 2 || rec.EncounterID != ack.EncounterID {
		t.Fatalf("server: %d encounters, hand-off %+v (%v, %v)", len(all), rec, err, err2)
	}
	for v := 1; v <= 2; v++ {
		sv, err := db.GetVersion(ctx, ack.EncounterID, v)
		lv, _ := lp.db.GetVersion(ctx, lp.enc, v)
		if err != nil || sv.Text != lv.Text || sv.Author != "Dr House" {
			t.Fatalf("server version %d: %q by %q, laptop %q (%v)", v, sv.Text, sv.Author, lv.Text, err)
		}
	}
	if segs, _ := db.Segments(ctx, ack.EncounterID); len(segs) != 400 {
		t.Fatalf("server segments: %d", len(segs))
	}
	// The audio, once, encrypted in the server's recordings folder under its own key.
	recs, err := db.Recordings(ctx, ack.EncounterID)
	if err != nil || len(recs) != 1 || filepath.Dir(recs[0].Path) != filepath.Join(h.dir, server.RecordingsDir) {
		t.Fatalf("server recordings: %+v %v", recs, err)
	}
	r, err := db.OpenRecording(ctx, recs[0])
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if got, err := io.ReadAll(r); err != nil || !bytes.Equal(got, lp.audio) {
		t.Fatalf("the server's audio differs from the laptop's (%d bytes, %v)", len(got), err)
	}
	if files, _ := os.ReadDir(filepath.Join(h.dir, server.RecordingsDir)); len(files) != 1 {
		t.Fatalf("%d files in the server's recordings folder, want 1", len(files))
	}
	// The review queue files it under its physician: the consent's recorder on the
	// laptop, carried by the hand-off.
	house, err := db.UserByName(ctx, "Dr House")
	if err != nil {
		t.Fatal(err)
	}
	queue, err := db.Queue(ctx, store.ListFilter{PhysicianID: house.ID})
	found := false
	for _, e := range queue {
		found = found || (e.ID == ack.EncounterID && e.Physician == "Dr House" && e.PatientLabel == "PAT-LAPTOP-1")
	}
	if err != nil || !found {
		t.Fatalf("Dr House's queue %+v (%v): the handed-off encounter is not in it", queue, err)
	}
	// The laptop can ask where its encounter stands on the server; another device cannot.
	cl, err := handoff.NewClient(h.url(), h.fp, lp.cred)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if st, err := cl.State(ctx, lp.uuid); err != nil || st.EncounterID != ack.EncounterID || st.State != "drafted" || st.LatestVersion != 2 {
		t.Fatalf("remote state: %+v %v", st, err)
	}
	if h, err := lp.db.HandoffStatus(ctx, lp.enc); err != nil || h.AckedAt == nil || h.ServerEncounterID != ack.EncounterID {
		t.Fatalf("laptop status: %+v %v", h, err)
	}
	_, err = lp.db.SaveDraftVersion(ctx, store.DraftInput{EncounterID: lp.enc, By: lp.doc.User().ID, Body: []byte(`{"sections":[]}`), Base: 2})
	if domain.ErrorCode(err) != domain.EConflict || !strings.Contains(err.Error(), "read-only") {
		t.Fatalf("saving on the laptop after the hand-off: %v", err)
	}
}

func TestPairPinsTheCertificateAndUsesTheCodeOnce(t *testing.T) {
	ctx := context.Background()
	h := newHub(t)
	code := h.pairCode()

	// A wrong fingerprint: refused before anything is sent, so the code still works.
	wrong, err := handoff.NewClient(h.url(), strings.Repeat("ab:", 31)+"ab", "")
	if err != nil {
		t.Fatal(err)
	}
	_, err = wrong.Pair(ctx, code, "laptop")
	var pe *handoff.PinError
	if domain.ErrorCode(err) != domain.EForbidden || !errors.As(err, &pe) {
		t.Fatalf("wrong fingerprint: %v", err)
	}
	if _, err := handoff.NewClient("http://"+h.addr, h.fp, ""); domain.ErrorCode(err) != domain.EInvalid {
		t.Fatalf("plain http URL: %v", err)
	}

	right, err := handoff.NewClient(h.url(), h.fp, "")
	if err != nil {
		t.Fatal(err)
	}
	defer right.Close()
	p, err := right.Pair(ctx, strings.ToLower(code), "laptop")
	if err != nil || p.Credential == "" || p.DeviceID == 0 {
		t.Fatalf("pair: %+v %v", p, err)
	}
	if _, err := right.Pair(ctx, code, "laptop 2"); domain.ErrorCode(err) != domain.EForbidden || !strings.Contains(err.Error(), "used") {
		t.Fatalf("used code: %v", err)
	}
	// An upload needs a device credential.
	anon, _ := handoff.NewClient(h.url(), h.fp, "not-a-credential")
	defer anon.Close()
	if _, err := anon.Status(ctx, "0b7e4f8e-5a3c-4d2b-9e1f-2a3b4c5d6e7f"); domain.ErrorCode(err) != domain.EForbidden {
		t.Fatalf("unknown device: %v", err)
	}
}

// cutProxy forwards TCP to upstream and cuts every connection once budget bytes
// went from the client to the server; later connections are refused (the network
// is down) until heal.
type cutProxy struct {
	l      net.Listener
	budget atomic.Int64
}

func newCutProxy(t *testing.T, upstream string, budget int64) *cutProxy {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{l: l}
	p.budget.Store(budget)
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go p.serve(c, upstream)
		}
	}()
	return p
}

func (p *cutProxy) url() string { return "https://" + p.l.Addr().String() }

func (p *cutProxy) serve(c net.Conn, upstream string) {
	defer c.Close()
	if p.budget.Load() <= 0 {
		return
	}
	u, err := net.Dial("tcp", upstream)
	if err != nil {
		return
	}
	defer u.Close()
	go io.Copy(c, u)
	buf := make([]byte, 512)
	for {
		n, err := c.Read(buf)
		if n > 0 {
			if p.budget.Add(-int64(n)) < 0 {
				return // cut mid-request
			}
			if _, err := u.Write(buf[:n]); err != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func TestSendResumesAfterTheConnectionIsCut(t *testing.T) {
	ctx := context.Background()
	h := newHub(t)
	lp := newLaptop(t)
	cred := lp.pair(t, h, h.url())

	// The network dies after about 12 KiB: a handful of the 1 KiB chunks got through.
	proxy := newCutProxy(t, h.addr, 12<<10)
	cut := lp.sender(t, proxy.url(), h.fp, cred)
	_, err := cut.Send(ctx, lp.item())
	if domain.ErrorCode(err) != domain.EUnavailable {
		t.Fatalf("send through the cut: %v", err)
	}
	first := cut.Client.ChunksSent.Load()
	if hs, _ := lp.db.HandoffStatus(ctx, lp.enc); hs.AckedAt != nil || hs.Attempts != 1 {
		t.Fatalf("after the cut: %+v", hs)
	}
	snd := lp.sender(t, h.url(), h.fp, cred)
	st, err := snd.Client.Status(ctx, lp.uuid)
	if err != nil {
		t.Fatal(err)
	}
	have := st.Chunks - len(st.Missing)
	if have == 0 || len(st.Missing) == 0 || int64(have) < first {
		t.Fatalf("server holds %d of %d chunks after the cut (client saw %d accepted)", have, st.Chunks, first)
	}
	t.Logf("cut after %d of %d chunks; the resume sends the %d missing", have, st.Chunks, len(st.Missing))
	if st.Chunks < 20 {
		t.Fatalf("bundle of only %d chunks: the test would not cut mid-upload", st.Chunks)
	}

	ack, err := snd.Send(ctx, lp.item())
	if err != nil || ack.Duplicate {
		t.Fatalf("resume: %+v %v", ack, err)
	}
	if got := snd.Client.ChunksSent.Load(); got != int64(len(st.Missing)) {
		t.Errorf("the resume sent %d chunks, want only the %d missing", got, len(st.Missing))
	}
	checkImported(t, h, lp, ack)

	other := newLaptop(t)
	oc, _ := handoff.NewClient(h.url(), h.fp, other.pair(t, h, h.url()))
	defer oc.Close()
	if _, err := oc.State(ctx, lp.uuid); domain.ErrorCode(err) != domain.ENotFound {
		t.Fatalf("another device asks for the encounter: %v", err)
	}

	// Sending again changes nothing: the server answers that it has it.
	again := lp.sender(t, h.url(), h.fp, cred)
	sealed, err := handoff.Seal(cred, lp.uuid, lp.plain)
	if err != nil {
		t.Fatal(err)
	}
	ack2, err := again.Client.Send(ctx, lp.uuid, sealed)
	if err != nil || !ack2.Duplicate || ack2.EncounterID != ack.EncounterID || again.Client.ChunksSent.Load() != 0 {
		t.Fatalf("second send: %+v %v (%d chunks)", ack2, err, again.Client.ChunksSent.Load())
	}
	checkImported(t, h, lp, ack)
}

func TestSendResumesAfterTheServerRestarts(t *testing.T) {
	ctx := context.Background()
	h := newHub(t)
	lp := newLaptop(t)
	cred := lp.pair(t, h, h.url())

	// An upload abandoned 31 days ago is swept when a new one starts; a recent one stays.
	stale := filepath.Join(h.dir, "handoff", "1b7e4f8e-5a3c-4d2b-9e1f-2a3b4c5d6e7f")
	recent := filepath.Join(h.dir, "handoff", "2b7e4f8e-5a3c-4d2b-9e1f-2a3b4c5d6e7f")
	for _, d := range []string{stale, recent} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, "meta.json"), []byte(`{}`), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-31 * 24 * time.Hour)
	if err := os.Chtimes(filepath.Join(stale, "meta.json"), old, old); err != nil {
		t.Fatal(err)
	}

	// The server stops after the 10th chunk, in the middle of the upload.
	snd := lp.sender(t, h.url(), h.fp, cred)
	snd.Client.OnChunk = func(sent, total int) {
		if sent == 10 {
			h.stop()
		}
	}
	_, err := snd.Send(ctx, lp.item())
	if domain.ErrorCode(err) != domain.EUnavailable {
		t.Fatalf("send while the server stops: %v", err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("the stale upload is still there: %v", err)
	}
	if _, err := os.Stat(recent); err != nil {
		t.Errorf("the recent upload was removed: %v", err)
	}
	// Unreachable with backoff: the queue keeps it.
	snd.Retries = 2
	res, err := snd.SendAll(ctx, []handoff.Item{lp.item()})
	if domain.ErrorCode(err) != domain.EUnavailable || res.Left != 1 || res.Sent != 0 {
		t.Fatalf("send to a stopped server: %+v %v", res, err)
	}
	if p, _ := lp.db.PendingHandoffs(ctx); len(p) != 1 || p[0].Attempts != 4 {
		t.Fatalf("queue after 4 failed attempts: %+v", p)
	}

	// Restarted, the server is locked (nobody logged in): the device's credential
	// unlocks it, and the upload resumes from the chunks kept on disk.
	h.start()
	resumed := lp.sender(t, h.url(), h.fp, cred)
	st, err := resumed.Client.Status(ctx, lp.uuid)
	if err != nil || st.Chunks-len(st.Missing) != 10 {
		t.Fatalf("after restart the server holds %d chunks, want 10 (%v)", st.Chunks-len(st.Missing), err)
	}
	res, err = resumed.SendAll(ctx, []handoff.Item{lp.item()})
	if err != nil || res.Sent != 1 || res.Left != 0 {
		t.Fatalf("resume after restart: %+v %v", res, err)
	}
	if got := resumed.Client.ChunksSent.Load(); got != int64(len(st.Missing)) {
		t.Errorf("resume sent %d chunks, want %d", got, len(st.Missing))
	}
	hs, _ := lp.db.HandoffStatus(ctx, lp.enc)
	checkImported(t, h, lp, handoff.Ack{EncounterID: hs.ServerEncounterID})
}
