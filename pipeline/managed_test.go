package pipeline_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"greffier/appdirs"
	"greffier/domain"
	"greffier/llm/llamaserver"
	"greffier/llm/llmtest"
	"greffier/llm/models"
	"greffier/notes/draft"
	"greffier/notes/templates"
	"greffier/pipeline"
	"greffier/pipeline/llmsetup"
)

// pool starts a server for every request and records what was asked.
type pool struct {
	mu      sync.Mutex
	asked   []llmsetup.Managed
	servers []*llamaserver.Server
}

func (p *pool) Server(ctx context.Context, m llmsetup.Managed) (*llamaserver.Server, error) {
	m.Threads = 1
	p.mu.Lock()
	defer p.mu.Unlock()
	p.asked = append(p.asked, m)
	srv, err := llmsetup.StartManaged(ctx, m)
	if err != nil {
		return nil, err
	}
	p.servers = append(p.servers, srv)
	return srv, nil
}

func (p *pool) stop() {
	for _, s := range p.servers {
		s.Stop()
	}
}

// The managed llama-server is not started until a transcript is drafted, and then
// asks for a context sized to that transcript: a short visit less than the 12k
// default, a long one more.
func TestManagedServerSizedToTranscript(t *testing.T) {
	llmtest.RequireServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	p := &pool{}
	defer p.stop()
	model := llmtest.Model(t)
	d, err := pipeline.ChooseDrafter(ctx, pipeline.DrafterConfig{Dirs: appdirs.Dirs{Data: t.TempDir()}, Model: model, NoCodes: true, Servers: p})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if !d.LLM || len(p.asked) != 0 {
		t.Fatalf("LLM %v, %d servers asked for before any draft", d.LLM, len(p.asked))
	}
	tmpl, err := templates.Loader{}.Get("soap")
	if err != nil {
		t.Fatal(err)
	}
	visit := func(n int) []domain.Segment {
		segs := make([]domain.Segment, n)
		for i := range segs {
			segs[i] = domain.Segment{ID: i, Turn: i, Role: domain.RolePatient,
				Text: fmt.Sprintf("Line %d: the cough has lasted three weeks and is worse at night.", i)}
		}
		return segs
	}
	for _, n := range []int{4, 500} {
		// Only the short visit is drafted to the end: the tiny model's tokens are
		// characters, so the long one would take minutes; its server's size is
		// what matters.
		dctx, dcancel := context.WithCancel(ctx)
		if n > 4 {
			dcancel()
		}
		_, err := d.Draft(dctx, draft.Request{Template: tmpl, Language: "en", Segments: visit(n)})
		dcancel()
		if n == 4 && err != nil {
			t.Fatalf("short visit: %v", err)
		}
	}
	if len(p.asked) != 2 {
		t.Fatalf("%d servers asked for, want one per draft", len(p.asked))
	}
	short, long := p.asked[0].Context, p.asked[1].Context
	if short < models.MinContext || short >= models.DefaultContext || long <= models.DefaultContext {
		t.Errorf("contexts asked: %d for 4 segments, %d for 500: want the short under %d and the long over it",
			short, long, models.DefaultContext)
	}
	if got := p.servers[0].Plan().Context; got != short {
		t.Errorf("the short visit's server has context %d, want %d", got, short)
	}
	if !strings.HasSuffix(p.asked[0].LogFile, filepath.Join("logs", "llama-server.log")) {
		t.Errorf("log file %q", p.asked[0].LogFile)
	}
}
