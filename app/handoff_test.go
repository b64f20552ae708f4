package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"greffier/app"
	"greffier/appdirs"
	"greffier/domain"
	"greffier/handoff"
	"greffier/notes/transcript"
	"greffier/server/servertest"
	"greffier/store"
	"greffier/store/crypt"
)

// clinic is the clinic server the laptop hands encounters to (servertest), with
// what these tests ask of its admin.
type clinic struct {
	*servertest.Clinic
	t *testing.T
}

func newClinic(t *testing.T) *clinic {
	t.Helper()
	return &clinic{Clinic: servertest.New(t), t: t}
}

// pairCode is a one-time pairing code from the server's admin.
func (c *clinic) pairCode() string {
	c.t.Helper()
	var code string
	c.WithAdmin(func(db *store.DB, sess *store.Session) {
		var err error
		if code, err = db.NewPairCode(context.Background(), sess, time.Hour); err != nil {
			c.t.Fatal(err)
		}
	})
	return code
}

// handoffServices are services with a fast background sender, the admin logged in.
func handoffServices(t *testing.T) (*app.Services, appdirs.Dirs) {
	t.Helper()
	dirs := appdirs.Dirs{Data: t.TempDir()}
	s := startServices(t, app.Config{Dirs: dirs, HandoffEvery: 100 * time.Millisecond, HandoffBackoff: 50 * time.Millisecond})
	setUp(t, s)
	return s, dirs
}

// draftAnother makes one more drafted encounter, as the secretary sec.
func draftAnother(t *testing.T, s *app.Services, dirs appdirs.Dirs, sec, label string) int64 {
	t.Helper()
	v, err := act(t, s, sec).Encounters.Create(app.NewEncounter{PatientLabel: label, PatientName: "Pat " + label, Language: "en", Consent: true})
	if err != nil {
		t.Fatal(err)
	}
	segs, _ := transcript.ParseDialogue(dialogue)
	if err := openDB(t, dirs).SaveSegments(context.Background(), v.ID, segs); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Drafts.Generate(v.ID, "", ""); err != nil {
		t.Fatal(err)
	}
	return v.ID
}

func TestHandoffPairRefusals(t *testing.T) {
	c := newClinic(t)
	s, dirs := handoffServices(t)
	enc, doc, _ := drafted(t, s, dirs)
	code := c.pairCode()

	t.Run("send before pairing is refused and queues nothing", func(t *testing.T) {
		_, err := act(t, s, doc).Handoff.Send(enc)
		if got := codeOf(t, err); got != domain.ENotFound {
			t.Fatalf("send unpaired: %v", err)
		}
		st, err := s.Handoff.State(enc)
		if err != nil || st.Stage != app.StageLocal {
			t.Fatalf("state after a refused send: %+v %v", st, err)
		}
	})
	t.Run("a physician may not pair", func(t *testing.T) {
		_, err := act(t, s, doc).Handoff.Pair(c.URL(), c.Fingerprint, code)
		if got := codeOf(t, err); got != domain.EForbidden {
			t.Fatalf("physician pairing: %v", err)
		}
		if cs, err := s.Handoff.Server(); err != nil || cs.Paired {
			t.Fatalf("paired after a refusal: %+v %v", cs, err)
		}
	})
	t.Run("a wrong fingerprint is refused", func(t *testing.T) {
		_, err := act(t, s, testAdmin).Handoff.Pair(c.URL(), strings.Repeat("ab", 32), code)
		if got := codeOf(t, err); got != domain.EForbidden {
			t.Fatalf("pairing with a wrong pin: %v", err)
		}
		_, err = s.Handoff.Pair(c.URL(), "not a fingerprint", code)
		if got := codeOf(t, err); got != domain.EInvalid {
			t.Fatalf("pairing with a malformed pin: %v", err)
		}
		if cs, _ := s.Handoff.Server(); cs.Paired {
			t.Fatal("paired with a wrong pin")
		}
	})
	t.Run("the admin pairs; the code is used once", func(t *testing.T) {
		cs, err := act(t, s, testAdmin).Handoff.Pair(c.URL(), c.Fingerprint, code)
		if err != nil {
			t.Fatal(err)
		}
		if !cs.Paired || cs.URL != c.URL() || cs.Fingerprint != handoff.NormalizeFingerprint(c.Fingerprint) || cs.DeviceID == 0 {
			t.Fatalf("paired server %+v", cs)
		}
		if _, err := s.Handoff.Pair(c.URL(), c.Fingerprint, code); err == nil {
			t.Fatal("a used code paired again")
		}
	})
}

func TestHandoffSendThenReadOnlyAndQueueWhileDown(t *testing.T) {
	c := newClinic(t)
	s, dirs := handoffServices(t)
	enc, doc, sec := drafted(t, s, dirs)
	enc2 := draftAnother(t, s, dirs, sec, "P-2")
	if _, err := act(t, s, testAdmin).Handoff.Pair(c.URL(), c.Fingerprint, c.pairCode()); err != nil {
		t.Fatal(err)
	}
	d, err := s.Drafts.Get(enc, 0)
	if err != nil {
		t.Fatal(err)
	}

	st, err := act(t, s, doc).Handoff.Send(enc)
	if err != nil {
		t.Fatal(err)
	}
	if st.Stage != app.StageSent || st.ServerEncounterID == 0 || st.SentAt == nil {
		t.Fatalf("after send: %+v", st)
	}
	if st.Remote != app.RemoteSent || !st.Reachable {
		t.Fatalf("state from the server: %+v", st)
	}
	// The server holds it.
	c.WithAdmin(func(db *store.DB, _ *store.Session) {
		e, err := db.GetEncounter(context.Background(), st.ServerEncounterID)
		if err != nil || e.LatestVersion != d.LatestVersion {
			t.Fatalf("server's copy %+v %v", e, err)
		}
	})

	t.Run("sent is read-only here", func(t *testing.T) {
		key := d.Note.Sections[0].Key
		_, err := act(t, s, doc).Drafts.SaveSection(enc, key, "Edited on the laptop.", d.LatestVersion)
		var ue *app.UIError
		if codeOf(t, err) != domain.EConflict || !asUI(err, &ue) || !strings.Contains(ue.Message, "clinic server") {
			t.Fatalf("save after hand-off: %v", err)
		}
	})
	t.Run("the server's state shows here", func(t *testing.T) {
		// The secretary marks it ready for signature on the server.
		c.WithAdmin(func(db *store.DB, root *store.Session) {
			ctx := context.Background()
			us, err := db.ListUsers(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var by int64
			for _, u := range us {
				if u.Name == sec {
					by = u.ID
				}
			}
			// Imported users have no password on the server until its admin gives one.
			if err := db.ResetPassword(ctx, root, by, testPassword); err != nil {
				t.Fatal(err)
			}
			if _, err := db.Authenticate(ctx, sec, testPassword); err != nil {
				t.Fatal(err)
			}
			if err := db.MarkReady(ctx, st.ServerEncounterID, by); err != nil {
				t.Fatal(err)
			}
		})
		got, err := s.Handoff.State(enc)
		if err != nil || got.Remote != app.RemoteReady || !got.Reachable {
			t.Fatalf("state after the server marked it ready: %+v %v", got, err)
		}
	})
	t.Run("a second send changes nothing", func(t *testing.T) {
		again, err := s.Handoff.Send(enc)
		if err != nil || again.ServerEncounterID != st.ServerEncounterID || again.Stage != app.StageSent {
			t.Fatalf("second send: %+v %v", again, err)
		}
	})

	t.Run("queued while the server is down, sent when it is back", func(t *testing.T) {
		c.Stop()
		q, err := act(t, s, doc).Handoff.Send(enc2)
		if err != nil {
			t.Fatalf("send offline must queue, not fail: %v", err)
		}
		if q.Stage != app.StageQueued || q.LastError != domain.EUnavailable {
			t.Fatalf("offline send: %+v", q)
		}
		if cs, err := s.Handoff.Server(); err != nil || cs.Pending != 1 {
			t.Fatalf("pending while down: %+v %v", cs, err)
		}
		if _, err := s.Drafts.SaveSection(enc2, d.Note.Sections[0].Key, "Edited while queued.", 1); codeOf(t, err) != domain.EConflict {
			t.Fatalf("save while queued: %v", err)
		}
		if old, err := s.Handoff.State(enc); err != nil || old.Reachable || old.Stage != app.StageSent {
			t.Fatalf("state of a sent encounter while down: %+v %v", old, err)
		}
		// Let the background sender fail a few times (backoff), then bring it back.
		time.Sleep(300 * time.Millisecond)
		c.Start()
		deadline := time.Now().Add(20 * time.Second)
		for {
			cs, err := s.Handoff.Server()
			if err != nil {
				t.Fatal(err)
			}
			if cs.Pending == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the queue was not sent once the server was back: %+v", cs)
			}
			time.Sleep(50 * time.Millisecond)
		}
		got, err := s.Handoff.State(enc2)
		if err != nil || got.Stage != app.StageSent || !got.Reachable || got.ServerEncounterID == st.ServerEncounterID {
			t.Fatalf("after the server came back: %+v %v", got, err)
		}
		list, err := s.Handoff.Queue()
		if err != nil || len(list) != 2 {
			t.Fatalf("queue list %+v %v", list, err)
		}
	})
}

func TestHandoffRemoteStage(t *testing.T) {
	for _, tc := range []struct {
		name  string
		state string
		ver   int
		want  string
	}{
		{"untouched", "drafted", 1, app.RemoteSent},
		{"edited there", "drafted", 3, app.RemoteInReview},
		{"ready for signature", "in_review", 3, app.RemoteReady},
		{"signed", "approved", 3, app.RemoteApproved},
		{"exported", "exported", 3, app.RemoteApproved},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := app.RemoteStage(handoff.RemoteState{State: tc.state, LatestVersion: tc.ver}, 1); got != tc.want {
				t.Fatalf("RemoteStage(%s, v%d) = %s, want %s", tc.state, tc.ver, got, tc.want)
			}
		})
	}
}

func codeOf(t *testing.T, err error) string {
	t.Helper()
	if err == nil {
		return ""
	}
	return code(t, err)
}

func asUI(err error, ue **app.UIError) bool {
	e, ok := err.(*app.UIError)
	*ue = e
	return ok
}

func TestHandoffSenderEndsWithTheApp(t *testing.T) {
	c := newClinic(t)
	dirs := appdirs.Dirs{Data: t.TempDir()}
	s := app.New(app.Config{Dirs: dirs, KDF: crypt.TestKDF(), HandoffEvery: 20 * time.Millisecond, HandoffBackoff: 10 * time.Millisecond})
	if err := s.Start(context.Background(), &recorder{}); err != nil {
		t.Fatal(err)
	}
	closed := false
	t.Cleanup(func() {
		if !closed {
			s.Close()
		}
	})
	setUp(t, s)
	enc, doc, _ := drafted(t, s, dirs)
	if _, err := act(t, s, testAdmin).Handoff.Pair(c.URL(), c.Fingerprint, c.pairCode()); err != nil {
		t.Fatal(err)
	}
	c.Stop()
	if st, err := act(t, s, doc).Handoff.Send(enc); err != nil || st.Stage != app.StageQueued {
		t.Fatalf("offline send: %+v %v", st, err)
	}
	time.Sleep(200 * time.Millisecond) // the sender retries meanwhile
	start := time.Now()
	done := make(chan error, 1)
	go func() { done <- s.Close() }()
	select {
	case <-done:
		closed = true
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return: the background sender does not end with the app")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("Close took %s", d)
	}
}
