package llmdraft_test

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"greffier/domain"
	"greffier/llm"
	"greffier/llm/benchmodel"
	"greffier/llm/gguf"
	"greffier/llm/llamaserver"
	"greffier/llm/models"
	"greffier/notes/draft"
	"greffier/notes/eval"
	"greffier/notes/llmdraft"
	"greffier/notes/templates"
)

// BenchmarkDraftLatency times Stop → note on models of real shapes (random weights,
// Q4_K_M, made at bench time: llm/benchmodel) for visits made of PriMock57's
// transcripts, with and without incremental drafting. Settings (environment):
//
//	BENCH_SHAPES       1b,3b,8b (default all)
//	BENCH_CONSULT_MIN  5,15,30 (default all)
//	BENCH_INCREMENTAL  no,yes (default both)
//	BENCH_THREADS      llama-server's threads (default 2)
//	BENCH_SERVER_ARGS  extra llama-server arguments, space-separated (experiments,
//	                   e.g. "--spec-type ngram-simple")
//	BENCH_COMPACT      yes: the answer is constrained by the compact-JSON grammar
//	                   (Drafter.CompactJSON); no (default, as the app): the schema
//	BENCH_PACE         0: windows are fed as fast as the prefills take them
//	                   (default); F > 0: at F times real time (1 = real pace)
//	BENCH_MODEL_ONLY   yes (default): after the draft, the same number of tokens is
//	                   generated again from the same cached prompt without the
//	                   grammar (draft-model-only line); no: skipped
//	BENCH_ANSWER       model (default): the note is the random model's own answer,
//	                   whose length is the sampler's draw; note: the server generates
//	                   as many tokens as the extractive drafter's note of the same
//	                   visit takes when written as the model's answer, cut to the
//	                   length of a reference note for a dialogue that long, and that
//	                   note is the answer (see noteAnswer)
//	BENCH_EARLY_TOKENS incremental runs draft the note before Stop every this many
//	                   transcript tokens and patch it at Stop
//	                   (Drafter.EarlyDraftTokens; default 0: drafted at Stop only)
//	GREFFIER_EVAL      the public data sets (default ../shared/eval)
//
// At pace 0 the visit's idle time is skipped, not its work: each window waits for
// the previous prefill, the last is added at Stop without waiting, and the lag a
// real-time visit would have seen is computed from each prefill's measured time.
// Whisper is not running here: its share of the CPU is not in these figures.
func BenchmarkDraftLatency(b *testing.B) {
	evalDir := cmp.Or(os.Getenv("GREFFIER_EVAL"), filepath.Join("..", "..", "..", "shared", "eval"))
	if _, err := os.Stat(filepath.Join(evalDir, "primock57")); err != nil {
		b.Skipf("no public data sets at %s (set GREFFIER_EVAL): %v", evalDir, err)
	}
	if _, err := exec.LookPath("llama-quantize"); err != nil {
		b.Skip("llama-quantize is not on PATH (Debian llama.cpp-tools; make bench runs in the build root)")
	}
	if _, err := exec.LookPath("llama-server"); err != nil {
		b.Skip("llama-server is not on PATH (Debian llama.cpp-tools; make bench runs in the build root)")
	}
	threads := envInts(b, "BENCH_THREADS", "2")[0]
	pace, err := strconv.ParseFloat(cmp.Or(os.Getenv("BENCH_PACE"), "0"), 64)
	if err != nil {
		b.Fatalf("BENCH_PACE: %v", err)
	}
	ctx := context.Background()
	tok, trainChars := benchTokenizer(b, evalDir)
	ratio := noteRatio(b, evalDir)
	cache, err := benchmodel.CacheDir()
	if err != nil {
		b.Fatal(err)
	}
	shapes := map[string]models.Shape{}
	for _, s := range models.Shapes() {
		shapes[s.Key] = s
	}
	for _, key := range envList("BENCH_SHAPES", "1b,3b,8b") {
		shape, ok := shapes[key]
		if !ok {
			b.Fatalf("BENCH_SHAPES: unknown shape %q", key)
		}
		start := time.Now()
		made, err := benchmodel.Make(ctx, cache, shape, tok, threads, func(s string) { fmt.Println("bench-model", s) })
		if err != nil {
			b.Fatal(err)
		}
		st, _ := os.Stat(made.Path)
		fmt.Printf("bench-model shape=%s file_gib=%.2f cached=%v made_s=%.0f merges=%d train_chars=%d path=%s\n",
			key, float64(st.Size())/(1<<30), made.Cached, time.Since(start).Seconds(), len(tok.Merges), trainChars, made.Path)
		for _, minutes := range envInts(b, "BENCH_CONSULT_MIN", "5,15,30") {
			visit, err := primockVisit(filepath.Join(evalDir, "primock57"), minutes)
			if err != nil {
				b.Fatal(err)
			}
			for _, mode := range envList("BENCH_INCREMENTAL", "no,yes") {
				r := latencyRun{shape: key, model: made.Path, minutes: minutes, incremental: mode == "yes",
					threads: threads, pace: pace, visit: visit, noteRatio: ratio}
				if err := r.run(ctx, b); err != nil {
					b.Fatalf("%s %d min incremental=%s: %v", key, minutes, mode, err)
				}
			}
		}
	}
}

// noteRatio is the median, over ACI-Bench's visits (train and valid), of the
// reference note's length over the dialogue's, in characters: how long a note a
// real scribe writes for a transcript of a given length.
func noteRatio(b *testing.B, dir string) float64 {
	aci, err := eval.LoadACIBench(filepath.Join(dir, "aci-bench"))
	if err != nil {
		b.Fatal(err)
	}
	var rs []float64
	for _, e := range aci {
		rs = append(rs, float64(len(e.Reference))/float64(len(e.Dialogue)))
	}
	slices.Sort(rs)
	r := rs[len(rs)/2]
	fmt.Printf("bench-note aci_bench_visits=%d note_chars_per_dialogue_char=%.3f\n", len(rs), r)
	return r
}

// benchTokenizer learns the models' tokenizer on the training dialogues of ACI-Bench
// and MTS-Dialog (PriMock57, which the visits are made of, is not among them).
func benchTokenizer(b *testing.B, dir string) (tok *gguf.Tokenizer, chars int) {
	aci, err := eval.LoadACIBench(filepath.Join(dir, "aci-bench"))
	if err != nil {
		b.Fatal(err)
	}
	mts, err := eval.LoadMTSDialog(filepath.Join(dir, "mts-dialog"))
	if err != nil {
		b.Fatal(err)
	}
	var texts []string
	for _, e := range append(aci, mts...) {
		// ACI-Bench spaces its punctuation ("hi , martha ."); speech-to-text does not.
		t := strings.NewReplacer(" ,", ",", " .", ".", " ?", "?", " !", "!", " '", "'").Replace(e.Dialogue)
		texts = append(texts, t)
		chars += len(t)
	}
	return benchmodel.TrainTokenizer(texts, 16000), chars
}

type latencyRun struct {
	shape, model string
	minutes      int
	incremental  bool
	threads      int
	pace         float64
	visit        []domain.Segment
	noteRatio    float64 // reference note characters per dialogue character (ACI-Bench median)
}

func (r latencyRun) run(ctx context.Context, b *testing.B) error {
	transcript := 0
	for _, s := range r.visit {
		transcript += len(s.Text) + 16
	}
	answerMode := cmp.Or(os.Getenv("BENCH_ANSWER"), "model")
	maxTokens := 1536
	var na *noteAnswer
	switch answerMode {
	case "model":
	case "note":
		na = &noteAnswer{tmpl: soap(b), visit: r.visit, ratio: r.noteRatio}
		whole, err := na.note(ctx, len(r.visit)-1)
		if err != nil {
			return err
		}
		// Room for the whole note at a cautious 2 characters a token.
		maxTokens = max(maxTokens, len(whole)/2)
	default:
		return fmt.Errorf("BENCH_ANSWER: %q is neither model nor note", answerMode)
	}
	// Sized as the app would: the transcript at a cautious 3 characters a token, and
	// with drafts before Stop room for them (Drafter.ContextFor).
	promptEst := transcript/3 + 1000
	if envInt0(b, "BENCH_EARLY_TOKENS") > 0 {
		promptEst += 2 * maxTokens
	}
	srv, err := llamaserver.Start(ctx, llamaserver.Config{Model: r.model, Threads: r.threads,
		Args: strings.Fields(os.Getenv("BENCH_SERVER_ARGS")), ContextSize: models.ContextFor(promptEst, maxTokens), StartTimeout: 10 * time.Minute})
	if err != nil {
		return err
	}
	defer srv.Stop()
	client := &llm.Client{BaseURL: srv.URL(), APIKey: srv.APIKey(), Guard: srv.CheckOwner, Timeout: time.Hour}
	var inner llmdraft.Completer = client
	var answerTokens int
	if na != nil {
		if err := na.start(ctx, srv, client); err != nil {
			return err
		}
		if na.tokens > maxTokens {
			return fmt.Errorf("the note takes %d tokens, over max_tokens %d", na.tokens, maxTokens)
		}
		inner, answerTokens = na, na.tokens // the whole visit's note; draft-detail has what was generated
	}
	last := &lastRequest{Completer: inner}
	rec := &recorder{Completer: last}
	d := llmdraft.Drafter{LLM: rec, Model: "random-" + r.shape, ContextTokens: srv.Plan().Context, MaxTokens: maxTokens,
		Limits: llmdraft.Limits{String: 160, Items: 5, Evidence: 4}, Seed: seed(7),
		CompactJSON: os.Getenv("BENCH_COMPACT") == "yes", EarlyDraftTokens: envInt0(b, "BENCH_EARLY_TOKENS")}
	tmpl := soap(b)
	var lines strings.Builder
	for _, s := range r.visit {
		lines.WriteString(s.Text + "\n")
	}
	ntok, err := client.Tokenize(ctx, lines.String())
	if err != nil {
		return err
	}
	var stop time.Time
	var lag time.Duration
	var stats llmdraft.IncrementalStats
	if r.incremental {
		inc := llmdraft.NewIncremental(d, client, tmpl, "en", srv.WaitHealthy)
		defer inc.Close()
		ws := windows(r.visit)
		began := time.Now()
		var free time.Duration // when a real-time schedule's prefills would be done
		for i, w := range ws {
			end := time.Duration(i+1) * 30 * time.Second
			if r.pace > 0 {
				time.Sleep(time.Until(began.Add(time.Duration(float64(end) / r.pace))))
			}
			t0 := time.Now()
			inc.Add(w...)
			if i == len(ws)-1 {
				break // Stop: the last window is not waited for
			}
			if r.pace == 0 {
				if err := inc.Idle(ctx); err != nil {
					return err
				}
				free = max(free, end) + time.Since(t0)
				lag = max(lag, free-end)
			}
		}
		stop = time.Now()
		if _, err := inc.Finish(ctx, nil); err != nil {
			return err
		}
		stats = inc.Stats()
	} else {
		stop = time.Now()
		if _, err := d.Draft(ctx, draftRequest(b, r.visit)); err != nil {
			return err
		}
	}
	took := time.Since(stop)
	srvPeak := peakRSS(srv.PID()) // before the model-only generation below, which is not part of the draft
	var prompt, cached, completion int
	var promptTime, genTime time.Duration
	var answerChars, spaceChars, drafted, accepted int
	var repairs, firstTryTokens int
	var firstTryTime time.Duration // the invalid first answers' prompt and generation
	for i, resp := range rec.resps {
		if f := resp.FirstTry; f != nil {
			repairs++
			firstTryTokens += f.CompletionTokens
			firstTryTime += f.PromptTime + f.GenerationTime
		}
		drafted += resp.DraftTokens
		accepted += resp.DraftAccepted
		answerChars += len(resp.Content)
		for _, c := range resp.Content {
			if c == ' ' || c == '\n' || c == '\t' {
				spaceChars++
			}
		}
		prompt += resp.PromptTokens
		completion += resp.CompletionTokens
		promptTime += resp.PromptTime
		genTime += resp.GenerationTime
		if i == 0 {
			cached = resp.CachedTokens
		}
	}
	inc := map[bool]string{true: "yes", false: "no"}[r.incremental]
	fmt.Printf("draft-latency shape=%s consult_min=%d incremental=%s stop_to_note_s=%.1f peak_rss_mib=%d\n",
		r.shape, r.minutes, inc, took.Seconds(), srvPeak)
	fmt.Printf("draft-detail shape=%s consult_min=%d incremental=%s segments=%d transcript_tokens=%d chars_per_token=%.2f prompt_tokens=%d cached_at_stop=%d completion_tokens=%d requests=%d ctx=%d kv_cache=%s threads=%d greffier_peak_rss_mib=%d\n",
		r.shape, r.minutes, inc, len(r.visit), ntok, float64(len(lines.String()))/float64(ntok), prompt, cached, completion,
		len(rec.resps), srv.Plan().Context, srv.Plan().CacheType, r.threads, peakRSS(os.Getpid()))
	fmt.Printf("draft-timing shape=%s consult_min=%d incremental=%s stop_prompt_s=%.1f generation_s=%.1f generation_tok_s=%.1f answer_chars=%d answer_space_chars=%d spec_drafted=%d spec_accepted=%d compact=%v server_args=%q repairs=%d first_try_s=%.1f first_try_tokens=%d answer=%s answer_tokens=%d\n",
		r.shape, r.minutes, inc, promptTime.Seconds(), genTime.Seconds(), float64(completion)/max(genTime.Seconds(), 1e-9),
		answerChars, spaceChars, drafted, accepted, d.CompactJSON, os.Getenv("BENCH_SERVER_ARGS"), repairs, firstTryTime.Seconds(), firstTryTokens,
		answerMode, answerTokens)
	if os.Getenv("BENCH_MODEL_ONLY") != "no" && answerMode == "model" {
		req, ok := last.get()
		if !ok {
			return fmt.Errorf("model-only generation: no request was recorded")
		}
		free, err := generateFree(ctx, srv, client, req, completion)
		if err != nil {
			return err
		}
		// What Stop would cost if every sampled token passed the grammar at once, as a
		// trained model's mostly do: the draft's time with its constrained generation
		// replaced by the model's own generation of as many tokens.
		modelOnly := took - genTime + free.generation
		fmt.Printf("draft-model-only shape=%s consult_min=%d incremental=%s unconstrained_generation_s=%.1f unconstrained_tok_s=%.1f tokens=%d prompt_tokens=%d cached=%d constrained_generation_s=%.1f constrained_tok_s=%.1f stop_to_note_model_only_s=%.1f\n",
			r.shape, r.minutes, inc, free.generation.Seconds(), float64(free.tokens)/max(free.generation.Seconds(), 1e-9), free.tokens,
			free.cached+free.evaluated, free.cached, genTime.Seconds(), float64(completion)/max(genTime.Seconds(), 1e-9), modelOnly.Seconds())
	}
	if r.incremental {
		pace := "fast (idle time skipped; lag computed from measured prefill times)"
		if r.pace > 0 {
			pace = fmt.Sprintf("%gx real time (lag not computed)", r.pace)
		}
		fmt.Printf("draft-prefill shape=%s consult_min=%d prefills=%d failures=%d prefill_busy_s=%.1f visit_s=%d prefill_lag_max_s=%.1f pace=%s\n",
			r.shape, r.minutes, stats.Prefills, stats.Failures, stats.Busy.Seconds(), r.minutes*60, lag.Seconds(), pace)
		fmt.Printf("draft-early shape=%s consult_min=%d early_draft_tokens=%d early_drafts=%d early_failures=%d early_busy_s=%.1f early_segments=%d of=%d revised=%v\n",
			r.shape, r.minutes, d.EarlyDraftTokens, stats.EarlyDrafts, stats.EarlyFailures, stats.EarlyBusy.Seconds(), stats.EarlySegments, len(r.visit), stats.Revised)
	}
	return nil
}

// lastRequest remembers the last completion request, so that the bench can ask
// for the same prompt again without the grammar.
type lastRequest struct {
	llmdraft.Completer
	mu   sync.Mutex
	req  llm.Request
	seen bool
}

func (l *lastRequest) CompleteJSON(ctx context.Context, req llm.Request, check func([]byte) error) (llm.Response, error) {
	l.mu.Lock()
	l.req, l.seen = req, true
	l.mu.Unlock()
	return l.Completer.CompleteJSON(ctx, req, check)
}

func (l *lastRequest) get() (llm.Request, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.req, l.seen
}

// freeRun is what an unconstrained generation did, in llama-server's own timings.
type freeRun struct {
	evaluated, cached, tokens int
	prompt, generation        time.Duration
}

// generateFree has the server generate n tokens for req's prompt with no grammar and
// no stop at end-of-sequence (llama-server's /completion with ignore_eos), from the
// cache the draft left in the slot, with the draft's seed and temperature: the
// model's own cost for an answer of the draft's length. llm.Client has no such call
// (the app never generates without a schema), so the request is made here.
func generateFree(ctx context.Context, srv *llamaserver.Server, c *llm.Client, req llm.Request, n int) (freeRun, error) {
	prompt, err := c.ApplyTemplate(ctx, req.Messages)
	if err != nil {
		return freeRun{}, fmt.Errorf("model-only generation: %w", err)
	}
	in := map[string]any{"prompt": prompt, "n_predict": n, "ignore_eos": true, "cache_prompt": true, "stream": false}
	if req.Seed != nil {
		in["seed"] = *req.Seed
	}
	if req.Temperature != nil {
		in["temperature"] = *req.Temperature
	}
	body, err := json.Marshal(in)
	if err != nil {
		return freeRun{}, fmt.Errorf("model-only generation: %w", err)
	}
	if err := srv.CheckOwner(); err != nil {
		return freeRun{}, fmt.Errorf("model-only generation: %w", err)
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL()+"/completion", bytes.NewReader(body))
	if err != nil {
		return freeRun{}, fmt.Errorf("model-only generation: %w", err)
	}
	hreq.Header.Set("Content-Type", "application/json")
	hreq.Header.Set("Authorization", "Bearer "+srv.APIKey())
	hc := &http.Client{Transport: &http.Transport{Proxy: nil}} // loopback: never through a proxy
	hresp, err := hc.Do(hreq)
	if err != nil {
		return freeRun{}, fmt.Errorf("model-only generation: %w", err)
	}
	defer hresp.Body.Close()
	data, err := io.ReadAll(hresp.Body)
	if err != nil {
		return freeRun{}, fmt.Errorf("model-only generation: %w", err)
	}
	if hresp.StatusCode != http.StatusOK {
		return freeRun{}, fmt.Errorf("model-only generation: HTTP %d: %.200s", hresp.StatusCode, data)
	}
	var out struct {
		Timings struct {
			CacheN      int     `json:"cache_n"`
			PromptN     int     `json:"prompt_n"`
			PromptMS    float64 `json:"prompt_ms"`
			PredictedN  int     `json:"predicted_n"`
			PredictedMS float64 `json:"predicted_ms"`
		} `json:"timings"`
	}
	if err := json.Unmarshal(data, &out); err != nil {
		return freeRun{}, fmt.Errorf("model-only generation: %w", err)
	}
	t := out.Timings
	if t.PredictedN != n {
		return freeRun{}, fmt.Errorf("model-only generation: %d tokens generated, asked for %d", t.PredictedN, n)
	}
	return freeRun{evaluated: t.PromptN, cached: t.CacheN, tokens: t.PredictedN,
		prompt:     time.Duration(t.PromptMS * float64(time.Millisecond)),
		generation: time.Duration(t.PredictedMS * float64(time.Millisecond))}, nil
}

// noteAnswer answers a draft request with a note of realistic content and length:
// the server processes the request's prompt and generates exactly as many tokens
// as the extractive drafter's note of the same visit takes, written as the model's
// answer and counted by the model's tokenizer (no grammar: a trained model's tokens
// mostly pass it at once), and that note, not the random tokens, is the answer.
// The compute after Stop is the server's real work for a note of that length at
// that depth of context; only the words are a stand-in, because a random-weight
// model's answer is noise whose length is the sampler's draw (355 tokens for the
// 1B, 843 for the 3B on the same visit).
//
// In a conversation (early drafts, Drafter.EarlyDraftTokens) the answer is the
// extractive note of the segments the request has seen so far; after the first, it
// is written as a patch to the previous answer: the sections and lists that differ.
type noteAnswer struct {
	tmpl   templates.Template
	srv    *llamaserver.Server
	client *llm.Client
	visit  []domain.Segment
	ratio  float64                    // a note's characters per transcript character
	tokens int                        // the whole visit's note, for the max_tokens check
	given  map[string]json.RawMessage // the last answer, patches applied
}

// start counts the whole visit's note in the server's tokens.
func (a *noteAnswer) start(ctx context.Context, srv *llamaserver.Server, c *llm.Client) error {
	a.srv, a.client = srv, c
	content, err := a.note(ctx, len(a.visit)-1)
	if err != nil {
		return err
	}
	a.tokens, err = c.Tokenize(ctx, string(content))
	return err
}

// note is the extractive note of the visit's segments up to id maxID, as an answer,
// cut to a reference note's length for that much transcript: the extractive
// drafter quotes, and on these joined PriMock57 visits its note runs 1.0-1.4 times
// longer than ACI-Bench's ratio. The last sentence of the longest section goes
// first, so that every section keeps its start.
func (a *noteAnswer) note(ctx context.Context, maxID int) ([]byte, error) {
	segs := a.visit[:maxID+1]
	note, err := draft.Extractive{}.Draft(ctx, draft.Request{Template: a.tmpl, Language: "en", Segments: segs})
	if err != nil {
		return nil, fmt.Errorf("extractive note: %w", err)
	}
	chars := 0
	for _, s := range segs {
		chars += len(s.Text)
	}
	target := int(a.ratio * float64(chars))
	for {
		data, err := llmdraft.AnswerJSON(note)
		if err != nil || len(data) <= target {
			return data, err
		}
		longest, most := -1, 0
		for i, s := range note.Sections {
			n := 0
			for _, x := range s.Sentences {
				n += len(x.Text)
			}
			if len(s.Sentences) > 1 && n > most {
				longest, most = i, n
			}
		}
		if longest < 0 {
			return data, nil
		}
		note.Sections[longest].Sentences = note.Sections[longest].Sentences[:len(note.Sections[longest].Sentences)-1]
	}
}

var segmentID = regexp.MustCompile(`(?m)^\[(\d+)\] `)

func (a *noteAnswer) CompleteJSON(ctx context.Context, req llm.Request, check func([]byte) error) (llm.Response, error) {
	maxID, turns := 0, 0
	for _, m := range req.Messages {
		if m.Role == "assistant" {
			turns++
		}
		for _, g := range segmentID.FindAllStringSubmatch(m.Content, -1) {
			id, _ := strconv.Atoi(g[1])
			maxID = max(maxID, id)
		}
	}
	content, err := a.note(ctx, maxID)
	if err != nil {
		return llm.Response{}, err
	}
	var whole map[string]json.RawMessage
	if err := json.Unmarshal(content, &whole); err != nil {
		return llm.Response{}, err
	}
	if turns > 0 {
		if content, err = patchOf(a.given, whole); err != nil {
			return llm.Response{}, err
		}
	}
	n, err := a.client.Tokenize(ctx, string(content))
	if err != nil {
		return llm.Response{}, err
	}
	run, err := generateFree(ctx, a.srv, a.client, req, max(n, 1))
	if err != nil {
		return llm.Response{}, err
	}
	if err := check(content); err != nil {
		return llm.Response{}, fmt.Errorf("the extractive note is not a valid answer: %w\n%s", err, content)
	}
	a.given = whole
	return llm.Response{Content: string(content), FinishReason: "stop", PromptTokens: run.evaluated + run.cached,
		CachedTokens: run.cached, CompletionTokens: run.tokens, PromptTime: run.prompt, GenerationTime: run.generation}, nil
}

// patchOf is what changed from one answer to the next, as a patch: each section
// whose sentences differ (a section gone is given empty), each list that differs.
func patchOf(was, now map[string]json.RawMessage) ([]byte, error) {
	type section struct {
		Key       string          `json:"key"`
		Sentences json.RawMessage `json:"sentences"`
	}
	var before, after []section
	if err := json.Unmarshal(was["sections"], &before); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(now["sections"], &after); err != nil {
		return nil, err
	}
	old := map[string]string{}
	for _, s := range before {
		old[s.Key] = string(s.Sentences)
	}
	changed := []section{}
	for _, s := range after {
		if o, ok := old[s.Key]; !ok || o != string(s.Sentences) {
			changed = append(changed, s)
		}
		delete(old, s.Key)
	}
	for k := range old {
		changed = append(changed, section{Key: k, Sentences: json.RawMessage("[]")})
	}
	patch := map[string]any{}
	if len(changed) > 0 {
		patch["sections"] = changed
	}
	for k, v := range now {
		if k != "sections" && string(was[k]) != string(v) {
			patch[k] = v
		}
	}
	return json.Marshal(patch)
}

// peakRSS is a process's peak resident memory in MiB (Linux VmHWM), 0 if unknown.
func peakRSS(pid int) int {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.Atoi(f[1])
			return kb / 1024
		}
	}
	return 0
}

func envList(name, def string) []string {
	var out []string
	for _, s := range strings.Split(cmp.Or(os.Getenv(name), def), ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// envInt0 reads a count that may be 0 (default 0).
func envInt0(b *testing.B, name string) int {
	n, err := strconv.Atoi(cmp.Or(os.Getenv(name), "0"))
	if err != nil || n < 0 {
		b.Fatalf("%s: %q is not a count", name, os.Getenv(name))
	}
	return n
}

func envInts(b *testing.B, name, def string) []int {
	var out []int
	for _, s := range envList(name, def) {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			b.Fatalf("%s: %q is not a positive number", name, s)
		}
		out = append(out, n)
	}
	return out
}
