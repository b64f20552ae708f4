package models_test

import (
	"strings"
	"testing"

	"greffier/domain"
	"greffier/llm/gguf"
	"greffier/llm/models"
)

func TestPlanFor(t *testing.T) {
	shapes := models.Shapes()
	one, eight := shapes[0].Header(), shapes[2].Header()
	tiny := one
	tiny.HeadDim, tiny.Context = 16, 16384
	cases := []struct {
		name    string
		hdr     gguf.Header
		req     models.Request
		ctx     int // 0: only check it is below the asked one
		cache   string
		reduced bool
		refused bool
	}{
		{name: "default context, not the trained 128k", hdr: one, req: models.Request{Budget: 16 << 30}, ctx: models.DefaultContext, cache: "q8_0"},
		{name: "asked context", hdr: one, req: models.Request{Context: 6144, Budget: 16 << 30}, ctx: 6144, cache: "q8_0"},
		{name: "capped at the trained context; head too small for q8_0", hdr: tiny, req: models.Request{Context: 100000, Budget: 16 << 30}, ctx: 16384, cache: "f16"},
		{name: "forced cache type", hdr: one, req: models.Request{Budget: 16 << 30, CacheType: "f16"}, ctx: models.DefaultContext, cache: "f16"},
		{name: "reduced to fit", hdr: eight, req: models.Request{Context: 131072, Budget: 7 << 30}, cache: "q8_0", reduced: true},
		{name: "refused", hdr: eight, req: models.Request{Budget: 4 << 30}, refused: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := models.PlanFor(c.hdr, c.req)
			if c.refused {
				if domain.ErrorCode(err) != domain.EUnavailable || !strings.Contains(err.Error(), "GiB") {
					t.Fatalf("err = %v, want an EUnavailable refusal that says the sizes", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if (c.ctx != 0 && p.Context != c.ctx) || p.CacheType != c.cache || p.Reduced != c.reduced {
				t.Errorf("plan %+v, want context %d cache %s reduced %v", p, c.ctx, c.cache, c.reduced)
			}
			if c.reduced && (p.Context >= c.req.Context || p.Need.Total() > c.req.Budget) {
				t.Errorf("reduced plan %+v does not fit %d", p, c.req.Budget)
			}
			if p.Need.KV != models.KVBytes(c.hdr, p.Context, p.CacheType) || p.Need.Weights != c.hdr.TensorBytes {
				t.Errorf("need %+v", p.Need)
			}
		})
	}
}

// The KV cache of Llama-3.2-1B at the trained 128k context in F16 is 4 GiB: the
// 5.7 GB resident measured when llama-server was started without -c.
func TestKVBytes(t *testing.T) {
	h := models.Shapes()[0].Header()
	if got := models.KVBytes(h, 131072, "f16"); got != 4<<30 {
		t.Errorf("1B at 128k f16: %d bytes, want 4 GiB", got)
	}
	if q, f := models.KVBytes(h, 8192, "q8_0"), models.KVBytes(h, 8192, "f16"); q*32 != f*17 {
		t.Errorf("q8_0 %d is not 17/32 of f16 %d", q, f)
	}
}

func TestFitsAndBudget(t *testing.T) {
	for _, c := range []struct {
		budget uint64
		fits   string
	}{{64 << 30, "1b 3b 8b"}, {4 << 30, "1b 3b"}, {1 << 30, ""}} {
		var got []string
		for _, f := range models.Fits(c.budget) {
			if f.Fits {
				got = append(got, f.Shape.Key)
			}
			if f.Need < f.Shape.Q4KMBytes {
				t.Errorf("%s needs %d, less than its weights", f.Shape.Key, f.Need)
			}
		}
		if strings.Join(got, " ") != c.fits {
			t.Errorf("budget %s: fits %q, want %q", models.GiB(c.budget), got, c.fits)
		}
	}
	if b := models.Budget(16<<30, 10<<30); b != 6<<30 {
		t.Errorf("16 GiB machine with 10 free: budget %s", models.GiB(b))
	}
	if models.Budget(0, 0) != 0 || models.Budget(8<<30, 1<<30) != 1 {
		t.Error("unknown memory must be 0, no memory left 1")
	}
	if models.ContextFor(3000, 2048) != 6144 || models.ContextFor(10, 10) != models.MinContext {
		t.Errorf("ContextFor: %d %d", models.ContextFor(3000, 2048), models.ContextFor(10, 10))
	}
}

func TestSummary(t *testing.T) {
	got := models.Summary(models.Fits(4 << 30))
	if !strings.HasPrefix(got, "1B, 3B fit") || !strings.Contains(got, "8B needs") {
		t.Errorf("summary %q", got)
	}
	if got := models.Summary(models.Fits(1 << 20)); !strings.HasPrefix(got, "no language model") {
		t.Errorf("summary %q", got)
	}
}
