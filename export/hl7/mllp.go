package hl7

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"time"

	"greffier/domain"
)

// MLLP framing: a start block, the message, an end block and a carriage return.
const (
	StartBlock byte = 0x0B
	EndBlock   byte = 0x1C
	CR         byte = 0x0D
)

// maxFrame bounds what Greffier reads back from a receiver (an ACK is small).
const maxFrame = 1 << 20

// Frame wraps msg in MLLP framing.
func Frame(msg []byte) []byte {
	out := make([]byte, 0, len(msg)+3)
	out = append(out, StartBlock)
	out = append(out, msg...)
	return append(out, EndBlock, CR)
}

// ReadFrame reads one MLLP frame from r and returns the message inside it. Bytes
// before the start block are skipped (some senders send a stray newline). Neither the
// skipped bytes nor the message may pass maxFrame: the size is checked before the
// buffer grows, so a receiver that streams without end costs no more than that.
func ReadFrame(r *bufio.Reader) ([]byte, error) {
	for skipped := 0; ; {
		junk, err := r.ReadSlice(StartBlock)
		if err == nil {
			break
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			return nil, fmt.Errorf("read MLLP start block: %w", err)
		}
		if skipped += len(junk); skipped > maxFrame {
			return nil, fmt.Errorf("no MLLP start block in %d bytes", maxFrame)
		}
	}
	var msg []byte
	for {
		// ReadSlice returns at most the reader's buffer, without copying: the
		// message grows only after its new size is checked.
		chunk, err := r.ReadSlice(EndBlock)
		if len(msg)+len(chunk) > maxFrame+1 { // +1: the end block
			return nil, fmt.Errorf("MLLP frame longer than %d bytes", maxFrame)
		}
		if cap(msg)-len(msg) < len(chunk) {
			// Double (append grows large slices by 1.25, allocating five times the
			// final size in all), never past the bound.
			grown := make([]byte, len(msg), min(max(2*cap(msg), len(msg)+len(chunk)), maxFrame+2))
			copy(grown, msg)
			msg = grown
		}
		msg = append(msg, chunk...)
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read MLLP frame: %w", err)
		}
		next, err := r.ReadByte()
		if err != nil {
			return nil, fmt.Errorf("read MLLP frame end: %w", err)
		}
		if next == CR {
			return msg[:len(msg)-1], nil
		}
		// A lone 0x1C inside the content: keep it and read on.
		msg = append(msg, next)
	}
}

// Ack is a receiver's acknowledgement (MSA).
type Ack struct {
	Code      string // MSA-1: AA/CA accepted, AE/CE error, AR/CR rejected
	ControlID string // MSA-2: the control id of the acknowledged message
	Text      string // MSA-3, or the ERR segment's messages
}

// Accepted reports whether the receiver accepted the message.
func (a Ack) Accepted() bool { return a.Code == "AA" || a.Code == "CA" }

// ParseAck reads MSA (and ERR, for the reason of a refusal) from an ACK message.
func ParseAck(raw []byte) (Ack, error) {
	m, err := Parse(string(raw))
	if err != nil {
		return Ack{}, err
	}
	msa := m.Segment("MSA")
	if msa == nil {
		return Ack{}, domain.Errorf(domain.EInvalid, "HL7 acknowledgement has no MSA segment")
	}
	a := Ack{Code: m.Component(Field(msa, 1), 1), ControlID: m.Component(Field(msa, 2), 1),
		Text: m.Delims.Unescape(Field(msa, 3))}
	if a.Text == "" {
		for _, e := range m.All("ERR") {
			// ERR-8 user message, ERR-3 the HL7 error code's text (v2.5).
			for _, t := range []string{m.Delims.Unescape(Field(e, 8)), m.Component(Field(e, 3), 2)} {
				if t != "" {
					a.Text = t
					break
				}
			}
		}
	}
	return a, nil
}

// Sender sends messages to an MLLP receiver.
type Sender struct {
	Addr string // host:port
	// Timeout bounds connecting, sending and waiting for the ACK; default 30 s.
	Timeout time.Duration
	Dialer  net.Dialer
	// AllowRemote lets the message go to an address that is not this machine. MLLP
	// is unencrypted: without it, Send connects only to loopback addresses (checked
	// on the address dialled, after name resolution), and refuses others before
	// connecting.
	AllowRemote bool
}

// Remote reports whether addr (host:port) names a receiver that is not this
// machine, by its host as written: "localhost" and loopback IPs are local.
func Remote(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	if host == "localhost" {
		return false
	}
	ip := net.ParseIP(host)
	return ip == nil || !ip.IsLoopback()
}

// loopbackOnly is a Dialer.Control that refuses any address but a loopback one.
func loopbackOnly(_, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		return errNotLoopback
	}
	return nil
}

var errNotLoopback = errors.New("not a loopback address")

// Send sends msg (unframed) and waits for the ACK. It returns the ACK when the
// receiver accepted the message (AA or CA); a refusal (AE/AR/CE/CR) is a *domain.Error
// with code EInvalid carrying the receiver's text; no answer in time, a closed
// connection or an ACK for another message is EUnavailable. wantControlID is the
// message's MSH-10 (MDM returns it); empty skips that check.
func (s Sender) Send(ctx context.Context, msg []byte, wantControlID string) (Ack, error) {
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	d := s.Dialer
	if !s.AllowRemote {
		d.Control, d.ControlContext = loopbackOnly, nil
	}
	conn, err := d.DialContext(ctx, "tcp", s.Addr)
	if errors.Is(err, errNotLoopback) {
		return Ack{}, domain.Errorf(domain.EForbidden, "HL7 receiver %s is not on this machine: MLLP is unencrypted, and sending to another machine needs an admin to allow it (setting hl7.mllp_remote)", s.Addr)
	}
	if err != nil {
		return Ack{}, domain.Wrap(domain.EUnavailable, err, "connect to HL7 receiver %s", s.Addr)
	}
	defer conn.Close()
	deadline, _ := ctx.Deadline()
	if err := conn.SetDeadline(deadline); err != nil {
		return Ack{}, fmt.Errorf("set MLLP deadline: %w", err)
	}
	// Cancellation closes the connection, which unblocks the read.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()

	if _, err := conn.Write(Frame(msg)); err != nil {
		return Ack{}, s.netError(ctx, err, "send HL7 message")
	}
	raw, err := ReadFrame(bufio.NewReader(conn))
	if err != nil {
		return Ack{}, s.netError(ctx, err, "read HL7 acknowledgement")
	}
	ack, err := ParseAck(raw)
	if err != nil {
		return Ack{}, domain.Wrap(domain.EUnavailable, err, "HL7 receiver %s sent an unreadable acknowledgement", s.Addr)
	}
	if wantControlID != "" && ack.ControlID != wantControlID {
		return ack, domain.Errorf(domain.EUnavailable, "HL7 receiver %s acknowledged message %q, not %q", s.Addr, ack.ControlID, wantControlID)
	}
	if !ack.Accepted() {
		text := ack.Text
		if text == "" {
			text = "no reason given"
		}
		return ack, domain.Errorf(domain.EInvalid, "HL7 receiver %s refused the message (%s): %s", s.Addr, ack.Code, text)
	}
	return ack, nil
}

func (s Sender) netError(ctx context.Context, err error, what string) error {
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return domain.Wrap(domain.EUnavailable, err, "%s to %s: no answer in time", what, s.Addr)
	case ctx.Err() != nil:
		return domain.Wrap(domain.EUnavailable, ctx.Err(), "%s to %s", what, s.Addr)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return domain.Wrap(domain.EUnavailable, err, "%s to %s: the receiver closed the connection", what, s.Addr)
	}
	return domain.Wrap(domain.EUnavailable, err, "%s to %s", what, s.Addr)
}

// Reply builds the ACK a receiver sends for received: MSA-1 code (AA, AE, AR…) and
// MSA-3 text. Greffier only sends; tests use Reply to play the receiver.
func Reply(received []byte, code, text string, now time.Time) ([]byte, error) {
	m, err := Parse(string(received))
	if err != nil {
		return nil, err
	}
	msh := m.Segment("MSH")
	d := m.Delims
	w := writer{d: d}
	ctrl := Field(msh, 10)
	w.segment("MSH", string(d.Field), d.encodingCharacters(), Field(msh, 5), Field(msh, 6),
		Field(msh, 3), Field(msh, 4), ts(now), "", w.comp("ACK", m.Component(Field(msh, 9), 2), "ACK"),
		"ACK"+ctrl, Field(msh, 11), Field(msh, 12))
	w.segment("MSA", code, ctrl, w.esc(text))
	return []byte(w.b.String()), nil
}
