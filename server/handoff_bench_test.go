package server_test

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
	"time"

	"greffier/handoff"
	"greffier/server"
	"greffier/store"
	"greffier/store/crypt"
)

// BenchmarkHandoffIngest measures the clinic server taking in laptops' hand-offs:
// 1,000 drafted encounters (GREFFIER_HANDOFF_BENCH_N changes it; each with the
// test visit's transcript, an extractive SOAP draft and its codes, as seedClinic
// makes them) queued on a laptop and sent one after another over HTTPS on loopback
// (announce, one chunk, commit: the server checks the SHA-256, opens the bundle and
// imports it in one transaction). Figures: ms per encounter (p50, p95, and the whole
// run divided by the count), the sealed bundle's size, and errors.
func BenchmarkHandoffIngest(b *testing.B) {
	n := 1000
	if v, err := strconv.Atoi(os.Getenv("GREFFIER_HANDOFF_BENCH_N")); err == nil && v > 0 {
		n = v
	}
	ctx := context.Background()
	lapDir := b.TempDir()
	opt := store.Options{KDF: crypt.TestKDF()}
	ids := seedClinic(b, lapDir, opt, n)
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
