package server

import (
	"net/http"
	"strconv"
	"time"

	"greffier/app"
	"greffier/domain"
	"greffier/store"
)

// The secretary's review queue: the encounters of every physician, filtered by state,
// physician and the day they took place.

// QueueItem is one encounter of the queue: EncounterSummary's fields (the type of
// frontend/src/api.gen.ts), when it took place and whose it is.
type QueueItem struct {
	app.EncounterSummary
	StartedAt int64  `json:"started_at"` // Unix ms
	Physician string `json:"physician,omitempty"`
}

// queueFilter reads GET /api/encounters' query: state, physician (a user's name),
// from and to (YYYY-MM-DD, the server's local days, both included), limit (≤ 500).
func queueFilter(r *http.Request, db *store.DB) (store.ListFilter, error) {
	q := r.URL.Query()
	var f store.ListFilter
	var ok bool
	if f.State, ok = listStates[q.Get("state")]; !ok {
		return f, domain.Errorf(domain.EInvalid, "unknown state %q: drafted, in_review, approved or exported", q.Get("state"))
	}
	if name := q.Get("physician"); name != "" {
		u, err := db.UserByName(r.Context(), name)
		if domain.ErrorCode(err) == domain.ENotFound {
			return f, domain.Errorf(domain.EInvalid, "no user named %q to filter by", name)
		}
		if err != nil {
			return f, err
		}
		f.PhysicianID = u.ID
	}
	for _, d := range []struct {
		key   string
		dst   *time.Time
		after int // days added: "to" includes its day
	}{{"from", &f.From, 0}, {"to", &f.To, 1}} {
		v := q.Get(d.key)
		if v == "" {
			continue
		}
		day, err := time.ParseInLocation(time.DateOnly, v, time.Local)
		if err != nil {
			return f, domain.Errorf(domain.EInvalid, "%s=%q: want a day as YYYY-MM-DD", d.key, v)
		}
		*d.dst = day.AddDate(0, 0, d.after)
	}
	limit, _ := strconv.Atoi(q.Get("limit"))
	f.Limit = min(max(limit, 0), 500)
	return f, nil
}

func (s *Server) queue(w http.ResponseWriter, r *http.Request, sess *session, _ *app.Served) {
	db := s.core.store()
	f, err := queueFilter(r, db)
	if err != nil {
		writeErr(w, err, sess.lang)
		return
	}
	es, err := db.Queue(r.Context(), f)
	if err != nil {
		writeErr(w, err, sess.lang)
		return
	}
	out := make([]QueueItem, len(es))
	for i, e := range es {
		out[i] = QueueItem{
			EncounterSummary: app.EncounterSummary{ID: e.ID, PatientLabel: e.PatientLabel, State: e.State,
				CreatedAt: e.CreatedAt.UnixMilli(), UpdatedAt: e.UpdatedAt.UnixMilli()},
			StartedAt: e.StartedAt.UnixMilli(),
			Physician: e.Physician,
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// Physician is a name the queue can be filtered by.
type Physician struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// physicians answers GET /api/physicians: the active physicians, by name.
func (s *Server) physicians(w http.ResponseWriter, r *http.Request, sess *session, _ *app.Served) {
	us, err := s.core.store().ListUsers(r.Context())
	out := []Physician{}
	for _, u := range us {
		if u.Role == domain.UserPhysician && u.Status == store.UserActive {
			out = append(out, Physician{ID: u.ID, Name: u.Name})
		}
	}
	reply(w, sess, out, err)
}
