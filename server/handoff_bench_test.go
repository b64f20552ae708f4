package server_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"greffier/handoff"
	"greffier/icd10"
	"greffier/notes/draft"
	"greffier/notes/templates"
	"greffier/notes/transcript"
	"greffier/pipeline"
	"greffier/server"
	"greffier/store"
	"greffier/store/crypt"
)

// BenchmarkHandoffIngest measures the clinic server taking in laptops' hand-offs:
// 1,000 drafted encounters (GREFFIER_HANDOFF_BENCH_N changes it) queued on a laptop
// and sent one after another over HTTPS on loopback (announce, chunks, commit: the
// server checks the SHA-256, opens the bundle and imports it in one transaction).
// Two sizes: the short test visit as seedClinic makes it ("short", 57 words), and
// a consultation of about 1,700 words ("long": the visit's dialogue 30 times, with
// its extractive draft and codes). Repeated text compresses well, so "long" is small
// on the wire; what grows is the import (segments sealed and indexed one by one). Figures: ms per encounter (p50, p95,
// and the whole run divided by the count), the sealed bundle's size, and errors.
func BenchmarkHandoffIngest(b *testing.B) {
	n := 1000
	if v, err := strconv.Atoi(os.Getenv("GREFFIER_HANDOFF_BENCH_N")); err == nil && v > 0 {
		n = v
	}
	b.Run("short", func(b *testing.B) {
		dir := b.TempDir()
		benchIngest(b, dir, seedClinic(b, dir, store.Options{KDF: crypt.TestKDF()}, n))
	})
	b.Run("long", func(b *testing.B) {
		dir := b.TempDir()
		seedClinic(b, dir, store.Options{KDF: crypt.TestKDF()}, 0)
		benchIngest(b, dir, seedLong(b, dir, n))
	})
}

// seedLong adds n drafted encounters of a long consultation to DIR/greffier.db.
func seedLong(b *testing.B, dir string, n int) []int64 {
	ctx := context.Background()
	l, err := store.OpenLocked(ctx, filepath.Join(dir, server.DBName), store.Options{KDF: crypt.TestKDF()})
	if err != nil {
		b.Fatal(err)
	}
	db, doc, err := l.Login(ctx, "Dr House", docPW)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	ix, err := icd10.Open(ctx, ":memory:")
	if err != nil {
		b.Fatal(err)
	}
	defer ix.Close()
	tmpl, err := templates.Loader{}.Get("soap")
	if err != nil {
		b.Fatal(err)
	}
	segs, _ := transcript.ParseDialogue(strings.Repeat(visit+"\n", 30))
	note, err := pipeline.Draft(ctx, draft.Extractive{Codes: ix}, draft.Request{Segments: segs, Template: tmpl, Language: "en"})
	if err != nil {
		b.Fatal(err)
	}
	var ids []int64
	for i := range n {
		e, err := db.CreateEncounter(ctx, store.NewEncounter{By: doc.User().ID, Language: "en", Template: "soap",
			NewPatient: &store.Patient{LocalID: fmt.Sprintf("LONG-%05d", i)}})
		if err != nil {
			b.Fatal(err)
		}
		if err := db.SaveSegments(ctx, e.ID, segs); err != nil {
			b.Fatal(err)
		}
		if _, err := pipeline.SaveDraft(ctx, db, e.ID, doc.User().ID, note, segs, "SOAP note"); err != nil {
			b.Fatal(err)
		}
		ids = append(ids, e.ID)
	}
	return ids
}

// benchIngest queues ids on the laptop database in lapDir and sends them to a new hub.
func benchIngest(b *testing.B, lapDir string, ids []int64) {
	n := len(ids)
	ctx := context.Background()
	opt := store.Options{KDF: crypt.TestKDF()}
	l, err := store.OpenLocked(ctx, filepath.Join(lapDir, server.DBName), opt)
	if err != nil {
		b.Fatal(err)
	}
	lap, doc, err := l.Login(ctx, "Dr House", docPW)
	if err != nil {
		b.Fatal(err)
	}
	defer lap.Close()
	items := make([]handoff.Item, len(ids))
	var bundleBytes int
	for i, id := range ids {
		h, err := lap.QueueHandoff(ctx, doc, id)
		if err != nil {
			b.Fatal(err)
		}
		items[i] = handoff.Item{EncounterID: id, UUID: h.UUID}
	}
	h := newHub(b)
	cl, err := handoff.NewClient(h.url(), h.fp, "")
	if err != nil {
		b.Fatal(err)
	}
	p, err := cl.Pair(ctx, h.pairCode(), "bench laptop")
	if err != nil {
		b.Fatal(err)
	}
	cl.Close()
	for _, it := range items[:min(len(items), 20)] {
		plain, _ := lap.HandoffBundle(ctx, it.EncounterID)
		sealed, _ := handoff.Seal(p.Credential, it.UUID, plain)
		bundleBytes += len(sealed)
	}
	snd := (&laptop{db: lap, doc: doc}).sender(b, h.url(), h.fp, p.Credential)
	snd.Client.SetChunkSize(handoff.DefaultChunkSize)
	var per []time.Duration
	last := time.Now()
	errs := 0
	snd.Progress = func(_ handoff.Item, _ handoff.Ack, err error) {
		if err != nil {
			errs++
		}
		now := time.Now()
		per = append(per, now.Sub(last))
		last = now
	}
	b.ResetTimer()
	t0 := time.Now()
	res, err := snd.SendAll(ctx, items)
	total := time.Since(t0)
	b.StopTimer()
	if err != nil || res.Sent != n {
		b.Errorf("sent %d of %d: %v", res.Sent, n, err)
	}
	sort.Slice(per, func(i, j int) bool { return per[i] < per[j] })
	b.ReportMetric(ms(per[len(per)/2]), "ingest_p50_ms")
	b.ReportMetric(ms(per[len(per)*95/100]), "ingest_p95_ms")
	b.ReportMetric(ms(total)/float64(n), "ingest_ms/encounter")
	b.ReportMetric(float64(bundleBytes)/float64(min(len(items), 20))/1024, "bundle_KiB")
	b.ReportMetric(float64(n), "encounters")
	b.ReportMetric(float64(errs+n-res.Sent), "errors")
}
