package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"greffier/app"
	"greffier/atomicfile"
	"greffier/domain"
	"greffier/handoff"
	"greffier/store"
)

// Hand-off from the laptops (package handoff has the protocol). A laptop pairs with
// an admin's one-time code and gets a device credential; it then authenticates with
// `Authorization: Bearer CREDENTIAL` (no cookie, so no CSRF token). Uploads wait in
// DIR/handoff/UUID/ (sealed chunks and the announced size and SHA-256) until the
// commit imports them; they survive a restart of the server.

// handoffDir is where uploads wait, inside the data folder.
const handoffDir = "handoff"

// RecordingsDir is where the server keeps the audio laptops hand off (each file
// encrypted under its own key, deleted by retention), inside the data folder.
const RecordingsDir = "recordings"

// uploads serialises the changes to DIR/handoff (zero value ready).
type uploads struct{ mu sync.Mutex }

// staleUpload is how long an unfinished upload is kept: a laptop that did not come
// back within it starts again (its queue still holds the bundle).
const staleUpload = 30 * 24 * time.Hour

// uploadMeta is DIR/handoff/UUID/meta.json.
type uploadMeta struct {
	handoff.UploadStart
	Device int64 `json:"device"`
}

func (s *Server) handoffRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST "+handoff.PathPair, s.pair)
	mux.HandleFunc("PUT "+handoff.PathUploads+"{uuid}", s.device(s.startUpload))
	mux.HandleFunc("GET "+handoff.PathUploads+"{uuid}", s.device(s.uploadStatus))
	mux.HandleFunc("PUT "+handoff.PathUploads+"{uuid}/chunks/{idx}", s.device(s.putChunk))
	mux.HandleFunc("POST "+handoff.PathUploads+"{uuid}/commit", s.device(s.commitUpload))
	mux.HandleFunc("GET "+handoff.PathEncounters+"{uuid}", s.device(s.remoteState))
}

// remoteState tells the device that sent an encounter where it stands on the server.
func (s *Server) remoteState(w http.ResponseWriter, r *http.Request, c deviceCall) {
	rec, err := c.db.ReceivedHandoff(r.Context(), c.uuid)
	if err == nil && rec.DeviceID != c.dev.ID {
		err = domain.Errorf(domain.ENotFound, "no hand-off %s from this device", c.uuid)
	}
	if err != nil {
		writeErr(w, err, "en")
		return
	}
	e, err := c.db.GetEncounter(r.Context(), rec.EncounterID)
	out := handoff.RemoteState{UUID: c.uuid, EncounterID: e.ID, State: string(e.State), LatestVersion: e.LatestVersion, ApprovedAt: e.ApprovedAt}
	reply(w, &session{lang: "en"}, out, err)
}

// unlockBy returns the unlocked database, unlocking it with unlock if nobody has
// logged in since the server started.
func (c *core) unlockBy(unlock func(*store.Locked) (*store.DB, error)) (*store.DB, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.db != nil {
		return c.db, nil
	}
	if c.locked == nil {
		return nil, domain.Errorf(domain.EUnavailable, "the server is closing")
	}
	db, err := unlock(c.locked)
	if err != nil {
		return nil, err
	}
	c.db, c.locked, c.served = db, nil, app.NewServed(db)
	return db, nil
}

func (s *Server) pair(w http.ResponseWriter, r *http.Request) {
	var req handoff.PairRequest
	if err := decode(r, &req); err != nil {
		writeErr(w, err, "en")
		return
	}
	db, err := s.core.unlockBy(func(l *store.Locked) (*store.DB, error) { return l.UnlockWithPairCode(r.Context(), req.Code) })
	if err != nil {
		writeErr(w, err, "en")
		return
	}
	d, cred, err := db.Pair(r.Context(), req.Code, req.Device)
	if err != nil {
		writeErr(w, err, "en")
		return
	}
	writeJSON(w, http.StatusOK, handoff.PairResponse{DeviceID: d.ID, Credential: cred})
}

// deviceCall is a request of a paired device about the upload of one encounter.
type deviceCall struct {
	db   *store.DB
	dev  store.Device
	cred string
	uuid string
	dir  string
	// audio is where the server keeps handed-off recordings (DIR/recordings).
	audio string
	now   time.Time
}

// device authenticates the device's bearer credential (unlocking a restarted
// server with it) and checks the UUID in the path.
func (s *Server) device(h func(w http.ResponseWriter, r *http.Request, c deviceCall)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		cred, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || cred == "" {
			writeErr(w, errNoSession, "en")
			return
		}
		db, err := s.core.unlockBy(func(l *store.Locked) (*store.DB, error) { return l.UnlockWithDevice(r.Context(), cred) })
		if err != nil {
			writeErr(w, err, "en")
			return
		}
		dev, err := db.DeviceByCredential(r.Context(), cred)
		if err != nil {
			writeErr(w, err, "en")
			return
		}
		uuid := r.PathValue("uuid")
		if !store.ValidUUID(uuid) {
			writeErr(w, domain.Errorf(domain.EInvalid, "%q is not an encounter UUID", uuid), "en")
			return
		}
		h(w, r, deviceCall{db: db, dev: dev, cred: cred, uuid: uuid, dir: filepath.Join(s.cfg.Dir, handoffDir, uuid),
			audio: filepath.Join(s.cfg.Dir, RecordingsDir), now: s.cfg.Now()})
	}
}

func (s *Server) startUpload(w http.ResponseWriter, r *http.Request, c deviceCall) {
	var req handoff.UploadStart
	if err := decode(r, &req); err != nil {
		writeErr(w, err, "en")
		return
	}
	if req.Size <= 0 || req.Size > handoff.MaxBundle || req.ChunkSize < handoff.MinChunkSize || req.ChunkSize > handoff.MaxChunkSize || len(req.SHA256) != 64 {
		writeErr(w, domain.Errorf(domain.EInvalid, "upload of %d bytes in chunks of %d: want 1 byte to %d MiB, chunks of %d to %d KiB, and a SHA-256",
			req.Size, req.ChunkSize, handoff.MaxBundle>>20, handoff.MinChunkSize>>10, handoff.MaxChunkSize>>10), "en")
		return
	}
	st, err := s.handoff.start(r.Context(), c, req)
	reply(w, &session{lang: "en"}, st, err)
}

func (s *Server) uploadStatus(w http.ResponseWriter, r *http.Request, c deviceCall) {
	s.handoff.mu.Lock()
	defer s.handoff.mu.Unlock()
	st, err := s.handoff.state(r.Context(), c)
	reply(w, &session{lang: "en"}, st, err)
}

// start records a new upload, or keeps the one in progress if it is the same
// bundle (a resume); a finished import answers Imported.
func (u *uploads) start(ctx context.Context, c deviceCall, req handoff.UploadStart) (handoff.UploadState, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if rec, err := c.db.ReceivedHandoff(ctx, c.uuid); err == nil {
		if rec.SHA256 != req.SHA256 {
			return handoff.UploadState{}, domain.Errorf(domain.EConflict, "encounter %s was handed off before with different content", c.uuid)
		}
		return handoff.UploadState{UUID: c.uuid, Size: req.Size, SHA256: req.SHA256, ChunkSize: req.ChunkSize, Imported: true, EncounterID: rec.EncounterID}, nil
	}
	if m, err := readMeta(c.dir); err == nil && m.UploadStart == req && m.Device == c.dev.ID {
		return u.state(ctx, c)
	}
	// A new upload, or another bundle replacing an unfinished one: start clean, and
	// drop the uploads abandoned long ago.
	sweepStale(filepath.Dir(c.dir), c.now)
	if err := os.RemoveAll(c.dir); err != nil {
		return handoff.UploadState{}, domain.Wrap(domain.EUnavailable, err, "cannot clear the upload folder")
	}
	if err := os.MkdirAll(c.dir, 0o700); err != nil {
		return handoff.UploadState{}, domain.Wrap(domain.EUnavailable, err, "cannot create the upload folder")
	}
	meta, _ := json.Marshal(uploadMeta{UploadStart: req, Device: c.dev.ID})
	if err := atomicfile.WriteFile(filepath.Join(c.dir, "meta.json"), meta, 0o600); err != nil {
		return handoff.UploadState{}, domain.Wrap(domain.EUnavailable, err, "cannot record the upload")
	}
	return u.state(ctx, c)
}

// sweepStale removes the uploads whose announcement is older than staleUpload.
// Best effort: a folder it cannot remove is tried again at the next upload.
func sweepStale(root string, now time.Time) {
	entries, _ := os.ReadDir(root)
	for _, e := range entries {
		if !e.IsDir() || !store.ValidUUID(e.Name()) {
			continue
		}
		st, err := os.Stat(filepath.Join(root, e.Name(), "meta.json"))
		if err == nil && now.Sub(st.ModTime()) > staleUpload {
			_ = os.RemoveAll(filepath.Join(root, e.Name()))
		}
	}
}

func readMeta(dir string) (uploadMeta, error) {
	var m uploadMeta
	b, err := os.ReadFile(filepath.Join(dir, "meta.json"))
	if err != nil {
		return m, err
	}
	return m, json.Unmarshal(b, &m)
}

func chunkPath(dir string, idx int) string { return filepath.Join(dir, strconv.Itoa(idx)+".chunk") }

// state lists the chunks still missing (u.mu held).
func (u *uploads) state(ctx context.Context, c deviceCall) (handoff.UploadState, error) {
	if rec, err := c.db.ReceivedHandoff(ctx, c.uuid); err == nil {
		return handoff.UploadState{UUID: c.uuid, SHA256: rec.SHA256, Imported: true, EncounterID: rec.EncounterID}, nil
	}
	m, err := readMeta(c.dir)
	if err != nil {
		return handoff.UploadState{}, domain.Errorf(domain.ENotFound, "no upload of encounter %s in progress: start it", c.uuid)
	}
	if m.Device != c.dev.ID {
		return handoff.UploadState{}, domain.Errorf(domain.EForbidden, "the upload of encounter %s belongs to another device", c.uuid)
	}
	st := handoff.UploadState{UUID: c.uuid, Size: m.Size, SHA256: m.SHA256, ChunkSize: m.ChunkSize, Chunks: handoff.Chunks(m.Size, m.ChunkSize), Missing: []int{}}
	for i := range st.Chunks {
		if _, err := os.Stat(chunkPath(c.dir, i)); err != nil {
			st.Missing = append(st.Missing, i)
		}
	}
	return st, nil
}

func (s *Server) putChunk(w http.ResponseWriter, r *http.Request, c deviceCall) {
	idx, err := strconv.Atoi(r.PathValue("idx"))
	if err != nil || idx < 0 {
		writeErr(w, domain.Errorf(domain.EInvalid, "chunk %q is not a number", r.PathValue("idx")), "en")
		return
	}
	data, err := io.ReadAll(r.Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeErr(w, errTooLarge, "en")
			return
		}
		writeErr(w, domain.Wrap(domain.EUnavailable, err, "the chunk was cut off"), "en")
		return
	}
	err = s.handoff.put(r.Context(), c, idx, data, r.Header.Get(handoff.HeaderChunkSHA256))
	reply(w, &session{lang: "en"}, struct{}{}, err)
}

// put checks a chunk against its place and its SHA-256 and keeps it (atomically: a
// chunk on disk is always whole).
func (u *uploads) put(ctx context.Context, c deviceCall, idx int, data []byte, sum string) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	st, err := u.state(ctx, c)
	if err != nil {
		return err
	}
	if st.Imported {
		return nil
	}
	if idx >= st.Chunks {
		return domain.Errorf(domain.EInvalid, "chunk %d of an upload of %d chunks", idx, st.Chunks)
	}
	want := st.ChunkSize
	if idx == st.Chunks-1 {
		want = int(st.Size - int64(idx)*int64(st.ChunkSize))
	}
	if len(data) != want {
		return domain.Errorf(domain.EInvalid, "chunk %d has %d bytes, want %d", idx, len(data), want)
	}
	if got := handoff.SHA256(data); !strings.EqualFold(got, sum) {
		return domain.Errorf(domain.EInvalid, "chunk %d does not match its SHA-256: send it again", idx)
	}
	if err := atomicfile.WriteFile(chunkPath(c.dir, idx), data, 0o600); err != nil {
		return domain.Wrap(domain.EUnavailable, err, "cannot keep chunk %d", idx)
	}
	return nil
}

func (s *Server) commitUpload(w http.ResponseWriter, r *http.Request, c deviceCall) {
	ack, err := s.handoff.commit(r.Context(), c)
	reply(w, &session{lang: "en"}, ack, err)
}

// commit checks the whole bundle's SHA-256, opens it with the device's key and
// imports it in one transaction; the upload's folder goes once the import is
// committed.
func (u *uploads) commit(ctx context.Context, c deviceCall) (handoff.Ack, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	st, err := u.state(ctx, c)
	if err != nil {
		return handoff.Ack{}, err
	}
	if st.Imported {
		return handoff.Ack{UUID: c.uuid, EncounterID: st.EncounterID, Duplicate: true}, nil
	}
	if len(st.Missing) > 0 {
		return handoff.Ack{}, domain.Errorf(domain.EConflict, "%d of %d chunks are missing: send them first", len(st.Missing), st.Chunks)
	}
	var all bytes.Buffer
	for i := range st.Chunks {
		b, err := os.ReadFile(chunkPath(c.dir, i))
		if err != nil {
			return handoff.Ack{}, domain.Wrap(domain.EUnavailable, err, "cannot read chunk %d", i)
		}
		all.Write(b)
	}
	if handoff.SHA256(all.Bytes()) != st.SHA256 {
		_ = os.RemoveAll(c.dir)
		return handoff.Ack{}, domain.Errorf(domain.EConflict, "the bundle received does not match its SHA-256: it was discarded; send it again")
	}
	plain, err := handoff.Open(c.cred, c.uuid, all.Bytes())
	if err != nil {
		return handoff.Ack{}, err
	}
	var b store.Bundle
	if err := json.Unmarshal(plain, &b); err != nil {
		return handoff.Ack{}, domain.Wrap(domain.EInvalid, err, "the bundle is not the expected JSON")
	}
	if b.UUID != c.uuid {
		return handoff.Ack{}, domain.Errorf(domain.EInvalid, "the bundle is about another encounter than %s", c.uuid)
	}
	rec, dup, err := c.db.ImportHandoff(ctx, c.dev, st.SHA256, b, c.audio)
	if err != nil {
		return handoff.Ack{}, err
	}
	if err := os.RemoveAll(c.dir); err != nil {
		return handoff.Ack{}, fmt.Errorf("remove the finished upload: %w", err)
	}
	return handoff.Ack{UUID: c.uuid, EncounterID: rec.EncounterID, Duplicate: dup}, nil
}
