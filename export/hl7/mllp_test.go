package hl7_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"greffier/domain"
	"greffier/export/hl7"
	"greffier/export/internal/sample"
)

// receiver is a real MLLP listener on loopback, run by the test: Greffier's client
// goes through the real network path. respond decides what it answers to each message;
// nil means it reads and never answers.
type receiver struct {
	ln       net.Listener
	mu       sync.Mutex
	received [][]byte
	wg       sync.WaitGroup
}

func startReceiver(t *testing.T, respond func(msg []byte) []byte) *receiver {
	t.Helper()
	return startReceiverOn(t, "127.0.0.1:0", respond)
}

func startReceiverOn(t *testing.T, addr string, respond func(msg []byte) []byte) *receiver {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	r := &receiver{ln: ln}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			r.wg.Add(1)
			go func() {
				defer r.wg.Done()
				defer conn.Close()
				conn.SetDeadline(time.Now().Add(5 * time.Second))
				br := bufio.NewReader(conn)
				for {
					msg, err := hl7.ReadFrame(br)
					if err != nil {
						return
					}
					r.mu.Lock()
					r.received = append(r.received, msg)
					r.mu.Unlock()
					if respond == nil {
						continue
					}
					out := respond(msg)
					// Write the frame in two pieces: the client must reassemble it.
					f := hl7.Frame(out)
					conn.Write(f[:len(f)/2])
					time.Sleep(5 * time.Millisecond)
					conn.Write(f[len(f)/2:])
				}
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		r.wg.Wait()
	})
	return r
}

func (r *receiver) messages() [][]byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([][]byte(nil), r.received...)
}

func ackWith(code, text string) func([]byte) []byte {
	return func(msg []byte) []byte {
		out, err := hl7.Reply(msg, code, text, time.Date(2026, 11, 20, 11, 0, 1, 0, time.UTC))
		if err != nil {
			panic(err)
		}
		return out
	}
}

func TestMLLPRoundTripAccepted(t *testing.T) {
	r := startReceiver(t, ackWith("AA", ""))
	msg, ctrl, err := hl7.MDM(sample.French(), hl7.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ack, err := hl7.Sender{Addr: r.ln.Addr().String(), Timeout: 5 * time.Second}.Send(context.Background(), msg, ctrl)
	if err != nil {
		t.Fatalf("send: %v", err)
	}
	if ack.Code != "AA" || ack.ControlID != ctrl {
		t.Fatalf("ack = %+v, want AA for %s", ack, ctrl)
	}
	got := r.messages()
	if len(got) != 1 || string(got[0]) != string(msg) {
		t.Fatalf("receiver got %d messages; first equals sent: %v", len(got), len(got) > 0 && string(got[0]) == string(msg))
	}
	// What arrived parses, with the patient's accented name intact (UTF-8 end to end).
	m, err := hl7.Parse(string(got[0]))
	if err != nil {
		t.Fatal(err)
	}
	if name := m.Component(hl7.Field(m.Segment("PID"), 5), 1); name != "Lefèvre" {
		t.Errorf("received family name %q", name)
	}
}

func TestMLLPRefusals(t *testing.T) {
	cases := []struct {
		name, code, text string
		wantCode         string
		wantText         string
	}{
		{"application error", "AE", "PID-3: unknown MRN | check ^ registry", domain.EInvalid, "unknown MRN | check ^ registry"},
		{"application reject", "AR", "MDM not supported", domain.EInvalid, "(AR): MDM not supported"},
		{"commit reject", "CR", "", domain.EInvalid, "no reason given"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := startReceiver(t, ackWith(c.code, c.text))
			msg, ctrl, _ := hl7.MDM(sample.English(), hl7.Options{})
			ack, err := hl7.Sender{Addr: r.ln.Addr().String(), Timeout: 5 * time.Second}.Send(context.Background(), msg, ctrl)
			if err == nil {
				t.Fatalf("want an error, got ack %+v", ack)
			}
			if domain.ErrorCode(err) != c.wantCode || !strings.Contains(err.Error(), c.wantText) {
				t.Fatalf("err = %v (code %s), want %s containing %q", err, domain.ErrorCode(err), c.wantCode, c.wantText)
			}
			if ack.Code != c.code {
				t.Errorf("ack code %q, want %q", ack.Code, c.code)
			}
		})
	}
}

func TestMLLPErrors(t *testing.T) {
	msg, ctrl, _ := hl7.MDM(sample.English(), hl7.Options{})

	t.Run("no answer times out", func(t *testing.T) {
		r := startReceiver(t, nil)
		start := time.Now()
		_, err := hl7.Sender{Addr: r.ln.Addr().String(), Timeout: 300 * time.Millisecond}.Send(context.Background(), msg, ctrl)
		if domain.ErrorCode(err) != domain.EUnavailable || !strings.Contains(err.Error(), "no answer in time") {
			t.Fatalf("err = %v, want EUnavailable timeout", err)
		}
		if el := time.Since(start); el > 3*time.Second {
			t.Errorf("timeout took %v", el)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		r := startReceiver(t, nil)
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(100*time.Millisecond, cancel)
		_, err := hl7.Sender{Addr: r.ln.Addr().String(), Timeout: 10 * time.Second}.Send(ctx, msg, ctrl)
		if err == nil || !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
	})
	t.Run("ack for another message", func(t *testing.T) {
		r := startReceiver(t, func(m []byte) []byte {
			other := strings.Replace(string(m), ctrl, "SOMETHING-ELSE", 1)
			return ackWith("AA", "")([]byte(other))
		})
		_, err := hl7.Sender{Addr: r.ln.Addr().String(), Timeout: 5 * time.Second}.Send(context.Background(), msg, ctrl)
		if domain.ErrorCode(err) != domain.EUnavailable || !strings.Contains(err.Error(), "SOMETHING-ELSE") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("connection refused", func(t *testing.T) {
		ln, _ := net.Listen("tcp", "127.0.0.1:0")
		addr := ln.Addr().String()
		ln.Close()
		_, err := hl7.Sender{Addr: addr, Timeout: 2 * time.Second}.Send(context.Background(), msg, ctrl)
		if domain.ErrorCode(err) != domain.EUnavailable {
			t.Fatalf("err = %v, want EUnavailable", err)
		}
	})
	t.Run("closed without answer", func(t *testing.T) {
		ln, _ := net.Listen("tcp", "127.0.0.1:0")
		defer ln.Close()
		go func() {
			c, err := ln.Accept()
			if err == nil {
				hl7.ReadFrame(bufio.NewReader(c))
				c.Close()
			}
		}()
		_, err := hl7.Sender{Addr: ln.Addr().String(), Timeout: 2 * time.Second}.Send(context.Background(), msg, ctrl)
		if domain.ErrorCode(err) != domain.EUnavailable || !strings.Contains(err.Error(), "closed") {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestReadFrame(t *testing.T) {
	cases := []struct {
		name, in, want string
		err            bool
	}{
		{"simple", "\x0bMSH|x\x1c\x0d", "MSH|x", false},
		{"leading noise skipped", "\n\x0bMSH|x\x1c\x0d", "MSH|x", false},
		{"lone end block inside", "\x0bMSH|a\x1cb\x1c\x0d", "MSH|a\x1cb", false},
		{"truncated", "\x0bMSH|x", "", true},
		{"no start", "MSH|x\x1c\x0d", "", true},
		{"longest", "\x0b" + strings.Repeat("a", 1<<20) + "\x1c\x0d", strings.Repeat("a", 1<<20), false},
		{"one byte too long", "\x0b" + strings.Repeat("a", 1<<20+1) + "\x1c\x0d", "", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := hl7.ReadFrame(bufio.NewReader(strings.NewReader(c.in)))
			if (err != nil) != c.err || string(got) != c.want {
				t.Fatalf("ReadFrame = %q, %v; want %q, err %v", got, err, c.want, c.err)
			}
		})
	}
}

// endless is a receiver that streams the same byte for ever.
type endless byte

func (e endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(e)
	}
	return len(p), nil
}

// A receiver that never ends its frame, or never starts one, is cut off at the 1 MB
// bound, and reading it allocates about that much, not more: the size is checked
// before the message grows.
func TestReadFrameBounded(t *testing.T) {
	for _, tc := range []struct {
		name string
		r    io.Reader
	}{
		{"no end block", io.MultiReader(strings.NewReader("\x0b"), endless('a'))},
		{"no start block", endless('a')},
	} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := hl7.ReadFrame(bufio.NewReader(tc.r))
		runtime.ReadMemStats(&after)
		if err == nil {
			t.Fatalf("%s: no error", tc.name)
		}
		// append doubles the message as it grows: at most twice the bound in all.
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 3<<20 {
			t.Errorf("%s: %d bytes allocated", tc.name, alloc)
		}
	}
}

// hostAddress is an address of this machine that is not loopback, "" if it has none.
func hostAddress(t *testing.T) string {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && n.IP.To4() != nil {
			return n.IP.String()
		}
	}
	return ""
}

// MLLP is unencrypted: a receiver off this machine gets nothing unless the sender
// was told remote peers are allowed (an admin's setting, see pipeline).
func TestMLLPGoesOnlyToLoopbackUnlessAllowed(t *testing.T) {
	msg, ctrl, err := hl7.MDM(sample.French(), hl7.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, addr := range []string{"192.0.2.77:2575", "[fd00::77]:2575"} {
		_, err := hl7.Sender{Addr: addr, Timeout: 2 * time.Second}.Send(context.Background(), msg, ctrl)
		if domain.ErrorCode(err) != domain.EForbidden || !strings.Contains(err.Error(), "hl7.mllp_remote") {
			t.Errorf("%s: err = %v, want EForbidden naming the setting", addr, err)
		}
	}
	if hl7.Remote("localhost:2575") || hl7.Remote("127.0.0.1:2575") || hl7.Remote("[::1]:2575") || !hl7.Remote("ehr.example:2575") {
		t.Error("Remote misclassifies an address")
	}
	host := hostAddress(t)
	if host == "" {
		t.Skip("this machine has no non-loopback address to listen on: the allowed remote send is not exercised")
	}
	r := startReceiverOn(t, net.JoinHostPort(host, "0"), ackWith("AA", ""))
	// The refusal is on the address dialled: this machine's own network address is
	// not loopback, and nothing is sent to it.
	_, err = hl7.Sender{Addr: r.ln.Addr().String(), Timeout: 2 * time.Second}.Send(context.Background(), msg, ctrl)
	if domain.ErrorCode(err) != domain.EForbidden {
		t.Fatalf("non-loopback receiver without permission: %v", err)
	}
	if n := len(r.messages()); n != 0 {
		t.Fatalf("the receiver got %d messages", n)
	}
	ack, err := hl7.Sender{Addr: r.ln.Addr().String(), Timeout: 5 * time.Second, AllowRemote: true}.Send(context.Background(), msg, ctrl)
	if err != nil || !ack.Accepted() || len(r.messages()) != 1 {
		t.Fatalf("allowed remote send: ack %+v, err %v, %d messages", ack, err, len(r.messages()))
	}
}
