package server

import (
	"encoding/json"
	"errors"
	"io/fs"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"greffier/app"
	"greffier/domain"
	"greffier/store"
)

// cookieName has the __Host- prefix: browsers keep it only if Secure, with Path=/ and
// no Domain, so another host of the clinic cannot set or read it.
const cookieName = "__Host-greffier"

// csp allows only this origin's scripts and styles (no inline script) and no framing.
const csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// Handler is the server's HTTP handler: the API under /api/ and the frontend.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/login", s.login)
	mux.HandleFunc("POST /api/logout", s.authed(true, s.logout))
	mux.HandleFunc("GET /api/me", s.authed(false, s.me))
	mux.HandleFunc("GET /api/encounters", s.authed(false, s.queue))
	mux.HandleFunc("GET /api/physicians", s.authed(false, s.physicians))
	mux.HandleFunc("GET /api/encounters/{id}", s.authed(false, byID(encounter)))
	mux.HandleFunc("GET /api/encounters/{id}/draft", s.authed(false, byID(draft)))
	mux.HandleFunc("GET /api/encounters/{id}/versions", s.authed(false, byID(versions)))
	mux.HandleFunc("GET /api/encounters/{id}/diff", s.authed(false, byID(diff)))
	mux.HandleFunc("PUT /api/encounters/{id}/sections/{key}", s.authed(true, byID(saveSection)))
	mux.HandleFunc("POST /api/encounters/{id}/ready", s.authed(true, byID(ready)))
	mux.HandleFunc("POST /api/encounters/{id}/approve", s.authed(true, byID(approve)))
	mux.HandleFunc("POST /api/encounters/{id}/export", s.authed(true, byID(exportNote)))
	mux.HandleFunc("GET /api/export/formats", s.authed(false, exportFormats))
	s.handoffRoutes(mux)
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeErr(w, domain.Errorf(domain.ENotFound, "no API %s %s", r.Method, r.URL.Path), lang(r, nil))
	})
	if s.cfg.Assets != nil {
		mux.Handle("/", spa(s.cfg.Assets))
	}
	return s.headers(mux)
}

// headers sets the security headers and caps request bodies.
func (s *Server) headers(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		if r.TLS != nil {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		if strings.HasPrefix(r.URL.Path, "/api/") {
			h.Set("Cache-Control", "no-store")
		}
		r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBody)
		next.ServeHTTP(w, r)
	})
}

// spa serves the built frontend; unknown paths get index.html (the app routes itself).
func spa(assets fs.FS) http.Handler {
	files := http.FileServerFS(assets)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := strings.TrimPrefix(r.URL.Path, "/")
		if _, err := fs.Stat(assets, p); p != "" && err != nil {
			r2 := r.Clone(r.Context())
			r2.URL.Path = "/"
			files.ServeHTTP(w, r2)
			return
		}
		files.ServeHTTP(w, r)
	})
}

// lang is the session's language, else the browser's first choice if French.
func lang(r *http.Request, s *session) string {
	if s != nil && s.lang != "" {
		return s.lang
	}
	if strings.HasPrefix(strings.ToLower(r.Header.Get("Accept-Language")), "fr") {
		return "fr"
	}
	return "en"
}

type handler func(w http.ResponseWriter, r *http.Request, s *session, v *app.Served)

// authed runs h for a live session; write requests must also carry its CSRF token.
func (s *Server) authed(write bool, h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok := ""
		if c, err := r.Cookie(cookieName); err == nil {
			tok = c.Value
		}
		sess, served, err := s.core.get(tok)
		if err != nil {
			writeErr(w, err, lang(r, nil))
			return
		}
		if write {
			if err := sess.checkCSRF(r.Header.Get("X-CSRF-Token")); err != nil {
				writeErr(w, err, lang(r, sess))
				return
			}
		}
		h(w, r, sess, served)
	}
}

// decode reads a JSON body into v: 415 if it is not JSON (a cross-site form cannot
// send JSON without a preflight), 413 over the size limit.
func decode(r *http.Request, v any) error {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		return errNotJSON
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return errTooLarge
		}
		return domain.Wrap(domain.EInvalid, err, "the request body is not the expected JSON")
	}
	return nil
}

type loginRequest struct {
	User     string `json:"user"`
	Password string `json:"password"`
	Lang     string `json:"lang,omitempty"`
}

// Me is the logged-in user and the session's CSRF token (login's answer, and GET /api/me).
type Me struct {
	User store.User `json:"user"`
	CSRF string     `json:"csrf"`
	Lang string     `json:"lang"`
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	var req loginRequest
	if err := decode(r, &req); err != nil {
		writeErr(w, err, lang(r, nil))
		return
	}
	l := req.Lang
	if l != "fr" && l != "en" {
		l = lang(r, nil)
	}
	tok, sess, err := s.core.login(r.Context(), req.User, req.Password, l)
	if err != nil {
		ue := loginFailed(err, l)
		writeJSON(w, statusOf[ue.Code], apiError{*ue})
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: cookieName, Value: tok, Path: "/",
		HttpOnly: true, Secure: true, SameSite: http.SameSiteStrictMode,
	})
	writeJSON(w, http.StatusOK, Me{User: sess.store.User(), CSRF: sess.csrf, Lang: l})
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request, _ *session, _ *app.Served) {
	c, _ := r.Cookie(cookieName)
	s.core.logout(c.Value)
	http.SetCookie(w, &http.Cookie{Name: cookieName, Path: "/", MaxAge: -1, HttpOnly: true, Secure: true, SameSite: http.SameSiteStrictMode})
	writeJSON(w, http.StatusOK, struct{}{})
}

func (s *Server) me(w http.ResponseWriter, r *http.Request, sess *session, _ *app.Served) {
	writeJSON(w, http.StatusOK, Me{User: sess.store.User(), CSRF: sess.csrf, Lang: sess.lang})
}

// listStates are the states the review queue may ask for.
var listStates = map[string]domain.EncounterState{
	"": "", "drafted": domain.StateDrafted, "in_review": domain.StateInReview,
	"approved": domain.StateApproved, "exported": domain.StateExported,
}

// one is a request about one encounter: the id from the path, the session's user.
type one func(r *http.Request, sess *session, v *app.Served, id int64) (any, error)

// byID answers one's result, or its error (or the bad id's).
func byID(f one) handler {
	return func(w http.ResponseWriter, r *http.Request, sess *session, v *app.Served) {
		id, err := pathID(r)
		var out any
		if err == nil {
			out, err = f(r, sess, v, id)
		}
		reply(w, sess, out, err)
	}
}

func encounter(r *http.Request, sess *session, v *app.Served, id int64) (any, error) {
	return v.Encounter(r.Context(), id, sess.store.User().ID)
}

func draft(r *http.Request, _ *session, v *app.Served, id int64) (any, error) {
	version, _ := strconv.Atoi(r.URL.Query().Get("version"))
	return v.Draft(r.Context(), id, version)
}

func versions(r *http.Request, _ *session, v *app.Served, id int64) (any, error) {
	return v.Versions(r.Context(), id)
}

func diff(r *http.Request, _ *session, v *app.Served, id int64) (any, error) {
	from, _ := strconv.Atoi(r.URL.Query().Get("from"))
	to, _ := strconv.Atoi(r.URL.Query().Get("to"))
	return v.Diff(r.Context(), id, from, to)
}

// SectionEdit is PUT /api/encounters/{id}/sections/{key}'s body: the section's new
// text and the version it was edited from (409 if a newer one was saved since).
type SectionEdit struct {
	Text        string `json:"text"`
	BaseVersion int    `json:"base_version"`
}

func saveSection(r *http.Request, sess *session, v *app.Served, id int64) (any, error) {
	var req SectionEdit
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	if req.BaseVersion <= 0 {
		return nil, domain.Errorf(domain.EInvalid, "base_version is required: the version the edit starts from")
	}
	return v.SaveSection(r.Context(), id, r.PathValue("key"), req.Text, sess.store.User().ID, req.BaseVersion)
}

func ready(r *http.Request, sess *session, v *app.Served, id int64) (any, error) {
	return v.MarkReady(r.Context(), id, sess.store.User().ID)
}

// Approval is POST /api/encounters/{id}/approve's body: the version read and the
// signer's password, checked again at this moment (an electronic signature).
type Approval struct {
	Version  int    `json:"version"`
	Password string `json:"password"`
}

// Signed is the approval's answer.
type Signed struct {
	Draft     app.DraftView   `json:"draft"`
	Signature store.Signature `json:"signature"`
}

func approve(r *http.Request, sess *session, v *app.Served, id int64) (any, error) {
	var req Approval
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	d, sig, err := v.Sign(r.Context(), sess.store, id, req.Version, req.Password)
	return Signed{Draft: d, Signature: sig}, err
}

// ExportRequest is POST /api/encounters/{id}/export's body. A POST, not a GET: the
// export is recorded and the encounter becomes exported.
type ExportRequest struct {
	Format string `json:"format"`
}

func exportNote(r *http.Request, sess *session, v *app.Served, id int64) (any, error) {
	var req ExportRequest
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	return v.Export(r.Context(), id, sess.store.User().ID, req.Format)
}

func exportFormats(w http.ResponseWriter, r *http.Request, sess *session, v *app.Served) {
	f, err := v.ExportFormats(r.Context())
	reply(w, sess, f, err)
}

func reply(w http.ResponseWriter, sess *session, v any, err error) {
	if err != nil {
		writeErr(w, err, sess.lang)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, domain.Errorf(domain.EInvalid, "encounter id %q is not a number", r.PathValue("id"))
	}
	return id, nil
}
