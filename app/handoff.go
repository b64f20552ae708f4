package app

import (
	"context"
	"os"
	"strings"
	"sync"
	"time"

	"greffier/domain"
	"greffier/handoff"
	"greffier/pipeline"
)

// Hand-off to the clinic server (issue 11), the app's side: Settings pairs the
// laptop (admins), "Send for review" queues an encounter and tries it at once, and
// one background goroutine sends what is queued whenever the server is reachable.
// The flows are pipeline's, the same as `greffier server pair` and `greffier send`.

// Defaults of the background sender (Config.HandoffEvery, Config.HandoffBackoff).
const (
	DefaultHandoffEvery   = 30 * time.Second
	DefaultHandoffBackoff = 5 * time.Second
	MaxHandoffBackoff     = 5 * time.Minute
	// SendNowTimeout bounds Send's own attempt: past it the encounter stays queued
	// and the background sender resumes the upload.
	SendNowTimeout = 30 * time.Second
	// remoteTimeout bounds asking the server for an encounter's state: the screen
	// shows the local copy without it.
	remoteTimeout = 5 * time.Second
)

// Where an encounter stands in the hand-off (HandoffState.Stage).
const (
	StageLocal  = "local"  // never sent: editable here
	StageQueued = "queued" // waiting for the server: read-only here
	StageSent   = "sent"   // the server owns it: read-only here
)

// What the server says of a sent encounter (HandoffState.Remote).
const (
	RemoteSent     = "sent"      // received, not edited there yet
	RemoteInReview = "in_review" // edited on the server
	RemoteReady    = "ready"     // marked ready for signature
	RemoteApproved = "approved"  // signed
)

// Handoff is the clinic server service: pairing, sending, and the queue.
type Handoff struct {
	s    *Services
	loop *handoffLoop
	// sending is held during an upload (Send's or the background sender's).
	sending sync.Mutex
}

// ClinicServer is the paired server, if any, and the queue's size.
type ClinicServer struct {
	Paired      bool       `json:"paired"`
	URL         string     `json:"url,omitempty"`
	Fingerprint string     `json:"fingerprint,omitempty"`
	DeviceID    int64      `json:"device_id,omitempty"`
	PairedAt    *time.Time `json:"paired_at,omitempty"`
	// Pending is how many encounters wait to be sent.
	Pending int `json:"pending"`
}

// HandoffState is an encounter's place in the hand-off.
type HandoffState struct {
	EncounterID int64  `json:"encounter_id"`
	Stage       string `json:"stage"`
	Attempts    int    `json:"attempts,omitempty"`
	// LastError is the code of the last failed attempt ("unavailable": offline).
	LastError         string     `json:"last_error,omitempty"`
	QueuedAt          *time.Time `json:"queued_at,omitempty"`
	SentAt            *time.Time `json:"sent_at,omitempty"`
	ServerEncounterID int64      `json:"server_encounter_id,omitempty"`
	// Remote is the state on the server (Remote* constants) when it answered;
	// Reachable is false when it could not be asked.
	Remote    string `json:"remote,omitempty"`
	Reachable bool   `json:"reachable"`
}

// HandoffEvent is the "handoff" event: the queue changed.
type HandoffEvent struct {
	Pending int    `json:"pending"`
	Sent    int    `json:"sent"`
	Failed  int    `json:"failed"`
	Error   string `json:"error,omitempty"`
}

// Server returns the paired clinic server (Paired false if none) and the queue size.
func (h *Handoff) Server() (ClinicServer, error) {
	s := h.s
	if err := s.ready(); err != nil {
		return ClinicServer{}, err
	}
	cs, err := h.server(s.ctx)
	if cs.Paired && cs.Pending > 0 {
		// A user just got in (the screens ask this first): try the queue now.
		h.kick()
	}
	return cs, s.fail(err)
}

func (h *Handoff) server(ctx context.Context) (ClinicServer, error) {
	db := h.s.db
	pending, err := db.PendingHandoffs(ctx)
	if err != nil {
		return ClinicServer{}, err
	}
	cs := ClinicServer{Pending: len(pending)}
	hs, err := db.PairedServer(ctx)
	if domain.ErrorCode(err) == domain.ENotFound {
		return cs, nil
	}
	if err != nil {
		return cs, err
	}
	at := hs.PairedAt
	cs.Paired, cs.URL, cs.Fingerprint, cs.DeviceID, cs.PairedAt = true, hs.URL, hs.Fingerprint, hs.DeviceID, &at
	return cs, nil
}

// Pair pairs this laptop with the clinic server at url (https://HOST:PORT) whose
// certificate has the SHA-256 fingerprint `greffier serve init` printed, with a
// one-time code from the server's admin. Admins only; a previous pairing is
// replaced.
func (h *Handoff) Pair(url, fingerprint, code string) (ClinicServer, error) {
	s := h.s
	sess, err := s.session()
	if err != nil {
		return ClinicServer{}, err
	}
	if err := s.requireAdmin(s.ctx, "pairing this laptop with the clinic server"); err != nil {
		return ClinicServer{}, s.fail(err)
	}
	device, _ := os.Hostname()
	if device == "" {
		device = "laptop"
	}
	if _, err := pipeline.PairHandoff(s.ctx, s.db, sess, strings.TrimSpace(url), fingerprint, strings.TrimSpace(code), device); err != nil {
		return ClinicServer{}, s.fail(err)
	}
	h.kick()
	cs, err := h.server(s.ctx)
	return cs, s.fail(err)
}

// Send sends an encounter for review on the clinic server: it is queued (read-only
// here from now on) and sent at once when the server answers within
// SendNowTimeout, else later by the background sender (which resumes the upload).
// Nothing is queued without a paired server.
func (h *Handoff) Send(encounterID int64) (HandoffState, error) {
	s := h.s
	sess, err := s.session()
	if err != nil {
		return HandoffState{}, err
	}
	ctx := s.ctx
	snd, err := pipeline.HandoffSender(ctx, s.db, sess, pipeline.SenderOptions{})
	if err != nil {
		return HandoffState{}, s.fail(err)
	}
	defer snd.Client.Close()
	q, err := s.db.QueueHandoff(ctx, sess, encounterID)
	if err != nil {
		return HandoffState{}, s.fail(err)
	}
	// One upload at a time: if the background sender is at work, it takes this one
	// next. A failed attempt stays queued for it too.
	if q.AckedAt == nil && h.sending.TryLock() {
		now, cancel := context.WithTimeout(ctx, SendNowTimeout)
		_, err = snd.Send(now, handoff.Item{EncounterID: encounterID, UUID: q.UUID})
		cancel()
		h.sending.Unlock()
	}
	if q.AckedAt == nil {
		h.kick()
		h.emitQueue(ctx, handoff.Result{}, err)
	}
	return h.state(ctx, encounterID)
}

// State tells where an encounter stands: local (editable), queued or sent, with
// its state on the server when the server answers.
func (h *Handoff) State(encounterID int64) (HandoffState, error) {
	s := h.s
	if err := s.ready(); err != nil {
		return HandoffState{}, err
	}
	return h.state(s.ctx, encounterID)
}

func (h *Handoff) state(ctx context.Context, encID int64) (HandoffState, error) {
	s := h.s
	if _, err := s.db.GetEncounter(ctx, encID); err != nil {
		return HandoffState{}, s.fail(err)
	}
	hs, err := s.db.HandoffStatus(ctx, encID)
	if domain.ErrorCode(err) == domain.ENotFound {
		return HandoffState{EncounterID: encID, Stage: StageLocal}, nil
	}
	if err != nil {
		return HandoffState{}, s.fail(err)
	}
	q := hs.QueuedAt
	st := HandoffState{EncounterID: encID, Stage: StageQueued, Attempts: hs.Attempts, LastError: hs.LastError,
		QueuedAt: &q, SentAt: hs.AckedAt, ServerEncounterID: hs.ServerEncounterID}
	if hs.AckedAt == nil {
		return st, nil
	}
	st.Stage = StageSent
	st.Remote, st.Reachable = h.remote(ctx, encID, hs.UUID)
	return st, nil
}

// remote asks the server for a sent encounter's state ("", false when it does not
// answer).
func (h *Handoff) remote(ctx context.Context, encID int64, uuid string) (string, bool) {
	db := h.s.db
	hs, err := db.PairedServer(ctx)
	if err != nil {
		return "", false
	}
	cl, err := handoff.NewClient(hs.URL, hs.Fingerprint, hs.Credential)
	if err != nil {
		return "", false
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(ctx, remoteTimeout)
	defer cancel()
	rs, err := cl.State(ctx, uuid)
	if err != nil {
		return "", false
	}
	sentVersion := 0
	if e, err := db.GetEncounter(ctx, encID); err == nil {
		sentVersion = e.LatestVersion
	}
	return RemoteStage(rs, sentVersion), true
}

// RemoteStage names the server's state for the laptop: received untouched, edited
// there, ready for signature, signed.
func RemoteStage(rs handoff.RemoteState, sentVersion int) string {
	switch domain.EncounterState(rs.State) {
	case domain.StateApproved, domain.StateExported:
		return RemoteApproved
	case domain.StateInReview:
		return RemoteReady
	}
	if rs.LatestVersion > sentVersion {
		return RemoteInReview
	}
	return RemoteSent
}

// Queue lists the encounters queued or sent (without asking the server), for the
// encounter list's marks.
func (h *Handoff) Queue() ([]HandoffState, error) {
	s := h.s
	if err := s.ready(); err != nil {
		return nil, err
	}
	pending, err := s.db.PendingHandoffs(s.ctx)
	if err != nil {
		return nil, s.fail(err)
	}
	sent, err := s.db.HandedOff(s.ctx, 500)
	if err != nil {
		return nil, s.fail(err)
	}
	out := make([]HandoffState, 0, len(pending)+len(sent))
	for _, hs := range append(pending, sent...) {
		q := hs.QueuedAt
		st := HandoffState{EncounterID: hs.EncounterID, Stage: StageQueued, Attempts: hs.Attempts, LastError: hs.LastError,
			QueuedAt: &q, SentAt: hs.AckedAt, ServerEncounterID: hs.ServerEncounterID}
		if hs.AckedAt != nil {
			st.Stage = StageSent
		}
		out = append(out, st)
	}
	return out, nil
}

// handoffLoop is the background sender: one goroutine owned by the services,
// woken by kick (a send, a pairing) or its timer; Close stops it and waits.
type handoffLoop struct {
	cancel context.CancelFunc
	done   chan struct{}
	wake   chan struct{}
}

func (h *Handoff) start(ctx context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	l := &handoffLoop{cancel: cancel, done: make(chan struct{}), wake: make(chan struct{}, 1)}
	h.loop = l
	cfg := h.s.cfg
	every, backoff := cfg.HandoffEvery, cfg.HandoffBackoff
	if every <= 0 {
		every = DefaultHandoffEvery
	}
	if backoff <= 0 {
		backoff = DefaultHandoffBackoff
	}
	go func() {
		defer close(l.done)
		wait := backoff
		for {
			next := every
			if h.sendQueued(ctx) == domain.EUnavailable {
				// The server is away: try again sooner than idle, backing off.
				next, wait = min(wait, every), min(wait*2, MaxHandoffBackoff)
			} else {
				wait = backoff
			}
			t := time.NewTimer(next)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-l.wake:
				t.Stop()
			case <-t.C:
			}
		}
	}()
}

// kick wakes the background sender.
func (h *Handoff) kick() {
	if l := h.loop; l != nil {
		select {
		case l.wake <- struct{}{}:
		default:
		}
	}
}

func (h *Handoff) stop() {
	if l := h.loop; l != nil {
		l.cancel()
		<-l.done
	}
}

// sendQueued sends the queue once, as the window's user (nothing while nobody is
// logged in: the acknowledgement is audited under a user). It returns the error
// code that stopped it ("" when all went or nothing was to send).
func (h *Handoff) sendQueued(ctx context.Context) string {
	s := h.s
	s.auth.mu.Lock()
	db, sess := s.db, s.auth.sess
	s.auth.mu.Unlock()
	if db == nil || sess == nil {
		return ""
	}
	items, err := pipeline.PendingItems(ctx, db)
	if err != nil || len(items) == 0 {
		return domain.ErrorCode(err)
	}
	snd, err := pipeline.HandoffSender(ctx, db, sess, pipeline.SenderOptions{})
	if err != nil {
		return domain.ErrorCode(err)
	}
	defer snd.Client.Close()
	h.sending.Lock()
	res, err := snd.SendAll(ctx, items)
	h.sending.Unlock()
	if ctx.Err() != nil {
		return ""
	}
	h.emitQueue(ctx, res, err)
	if err != nil {
		return domain.ErrorCode(err)
	}
	return ""
}

func (h *Handoff) emitQueue(ctx context.Context, res handoff.Result, err error) {
	if h.s.events == nil {
		return
	}
	pending, perr := h.s.db.PendingHandoffs(ctx)
	if perr != nil {
		return
	}
	ev := HandoffEvent{Pending: len(pending), Sent: res.Sent, Failed: res.Failed}
	if err != nil {
		ev.Error = domain.ErrorCode(err)
	}
	h.s.emit("handoff", ev)
}
