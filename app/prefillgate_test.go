package app

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"greffier/llm"
	"greffier/llm/llamaserver"
	"greffier/llm/llmtest"
	"greffier/transcribe"
)

// TestIncrementalPrefillGate, with the real llama-server (tiny model): a prefill
// waits while whisper holds the engine and runs once it is free; a long prompt
// goes in steps that each stay cached, so the next, longer prompt only processes
// what was added.
func TestIncrementalPrefillGate(t *testing.T) {
	srv := llmtest.Start(t, llamaserver.Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var sched transcribe.Scheduler
	g := newGatedPrefiller(llmtest.Client(srv), &sched)

	t.Run("waits for whisper", func(t *testing.T) {
		held, release := make(chan struct{}), make(chan struct{})
		go sched.Run(ctx, transcribe.PriorityLive, func(context.Context) error {
			close(held)
			<-release
			return nil
		})
		<-held
		done := make(chan error, 1)
		go func() {
			_, err := g.Prefill(ctx, "<|im_start|>system\nYou write notes.")
			done <- err
		}()
		select {
		case err := <-done:
			t.Fatalf("the prefill ran while whisper held the engine (%v)", err)
		case <-time.After(500 * time.Millisecond):
		}
		close(release)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	})

	t.Run("steps stay cached", func(t *testing.T) {
		words := strings.Repeat("the patient reports a dry cough since monday. ", 100) // 4,700 bytes
		pf, err := g.Prefill(ctx, words)
		if err != nil {
			t.Fatal(err)
		}
		n, err := llmtest.Client(srv).Tokenize(ctx, words)
		if err != nil {
			t.Fatal(err)
		}
		// Each step repeats at most a token or two cut at its end.
		if pf.Evaluated < n || pf.Evaluated > n+2*(len(words)/prefillStep+1) {
			t.Errorf("the steps evaluated %d tokens for a prompt of %d", pf.Evaluated, n)
		}
		more, err := g.Prefill(ctx, words+"no fever.")
		if err != nil {
			t.Fatal(err)
		}
		if more.Evaluated > 10 || more.Cached < n-5 {
			t.Errorf("the longer prompt evaluated %d tokens, %d cached (prompt %d): want only the addition", more.Evaluated, more.Cached, n)
		}
	})
}

// TestIncrementalPrefillYieldsToWhisper: a prefill running when a live window comes
// is cancelled at once and sent again once the window is transcribed. The server
// here is an HTTP stand-in that takes 3 s to prefill unless the request is
// cancelled: the tiny real model prefills any prompt in milliseconds, too fast to
// be caught running.
func TestIncrementalPrefillYieldsToWhisper(t *testing.T) {
	var calls, cancelled atomic.Int32
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) // then the server notices the client hanging up
		calls.Add(1)
		select {
		case <-r.Context().Done():
			cancelled.Add(1)
			return
		case <-time.After(3 * time.Second):
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"content":"","timings":{"prompt_n":5,"cache_n":0}}`))
	}))
	defer fake.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var sched transcribe.Scheduler
	g := newGatedPrefiller(&llm.Client{BaseURL: fake.URL}, &sched)
	done := make(chan error, 1)
	go func() {
		_, err := g.Prefill(ctx, "a prompt")
		done <- err
	}()
	for calls.Load() == 0 {
		time.Sleep(10 * time.Millisecond)
	}
	t0 := time.Now()
	var waited time.Duration
	if err := sched.Run(ctx, transcribe.PriorityLive, func(context.Context) error {
		waited = time.Since(t0)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if waited > time.Second {
		t.Errorf("the live window waited %v for the prefill", waited)
	}
	if err := <-done; err != nil {
		t.Fatalf("the pre-empted prefill did not complete after the window: %v", err)
	}
	if calls.Load() != 2 || cancelled.Load() != 1 || g.preemptions() != 1 {
		t.Errorf("%d requests, %d cancelled, %d pre-emptions: want 2, 1, 1", calls.Load(), cancelled.Load(), g.preemptions())
	}
}
