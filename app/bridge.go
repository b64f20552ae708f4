package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"

	"greffier/domain"
)

// Bridge serves the same services as the desktop window over HTTP on loopback, for
// end-to-end tests in a browser: POST /api/<Service>/<Method> with the arguments as
// a JSON array answers {"result": …} or {"error": {code, message}}; GET /api/events
// streams the batched events (server-sent events); POST /api/upload stores a file
// the user picked; everything else is the built frontend. It is also the Platform
// the services emit through.
type Bridge struct {
	s       *Services
	assets  fs.FS
	methods map[string]reflect.Value // "Service.Method"

	mu   sync.Mutex
	subs map[chan []byte]struct{}
}

// NewBridge serves s and the frontend files in assets (frontend/dist).
func NewBridge(s *Services, assets fs.FS) *Bridge {
	b := &Bridge{s: s, assets: assets, methods: map[string]reflect.Value{}, subs: map[chan []byte]struct{}{}}
	for _, svc := range s.Bind() {
		v := reflect.ValueOf(svc)
		name := v.Elem().Type().Name()
		for i := 0; i < v.NumMethod(); i++ {
			b.methods[name+"."+v.Type().Method(i).Name] = v.Method(i)
		}
	}
	return b
}

// Emit implements Platform: the event goes to every connected browser.
func (b *Bridge) Emit(name string, data any) {
	msg, err := json.Marshal(data)
	if err != nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for ch := range b.subs {
		select {
		case ch <- msg:
		default: // a slow browser misses a batch rather than stalling the app
		}
	}
}

// OpenFile implements Platform: a browser has no native dialog; the UI uploads.
func (b *Bridge) OpenFile(string, []string) (string, error) {
	return "", domain.Errorf(domain.EUnavailable, "no native file dialog in a browser")
}

// Serve answers on l until ctx ends.
func (b *Bridge) Serve(ctx context.Context, l net.Listener) error {
	srv := &http.Server{Handler: b}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	err := srv.Serve(l)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

func (b *Bridge) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Only pages served from loopback may call: a web page elsewhere that guessed the
	// port would otherwise read patient data (DNS rebinding).
	host, _, _ := net.SplitHostPort(r.Host)
	if host != "127.0.0.1" && host != "localhost" && host != "::1" {
		http.Error(w, "forbidden host", http.StatusForbidden)
		return
	}
	switch {
	case r.URL.Path == "/api/events":
		b.events(w, r)
	case r.URL.Path == "/api/upload":
		b.upload(w, r)
	case strings.HasPrefix(r.URL.Path, "/api/"):
		b.call(w, r)
	default:
		http.FileServerFS(b.assets).ServeHTTP(w, r)
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func (b *Bridge) writeErr(w http.ResponseWriter, err error) {
	writeJSON(w, map[string]any{"error": b.s.userError(err)})
}

func (b *Bridge) call(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	key := strings.Replace(strings.TrimPrefix(r.URL.Path, "/api/"), "/", ".", 1)
	m, ok := b.methods[key]
	if !ok {
		b.writeErr(w, domain.Errorf(domain.ENotFound, "no method %s", key))
		return
	}
	var raw []json.RawMessage
	if err := json.NewDecoder(io.LimitReader(r.Body, 16<<20)).Decode(&raw); err != nil {
		b.writeErr(w, domain.Wrap(domain.EInvalid, err, "arguments of %s are not a JSON array", key))
		return
	}
	t := m.Type()
	if len(raw) != t.NumIn() {
		b.writeErr(w, domain.Errorf(domain.EInvalid, "%s takes %d arguments, got %d", key, t.NumIn(), len(raw)))
		return
	}
	args := make([]reflect.Value, len(raw))
	for i := range raw {
		p := reflect.New(t.In(i))
		if err := json.Unmarshal(raw[i], p.Interface()); err != nil {
			b.writeErr(w, domain.Wrap(domain.EInvalid, err, "argument %d of %s", i+1, key))
			return
		}
		args[i] = p.Elem()
	}
	out := m.Call(args)
	if errv := out[len(out)-1]; !errv.IsNil() {
		b.writeErr(w, errv.Interface().(error))
		return
	}
	var result any
	if len(out) == 2 {
		result = out[0].Interface()
	}
	writeJSON(w, map[string]any{"result": result})
}

func (b *Bridge) events(w http.ResponseWriter, r *http.Request) {
	fl, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	ch := make(chan []byte, 64)
	b.mu.Lock()
	b.subs[ch] = struct{}{}
	b.mu.Unlock()
	defer func() {
		b.mu.Lock()
		delete(b.subs, ch)
		b.mu.Unlock()
	}()
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	fmt.Fprint(w, ": connected\n\n")
	fl.Flush()
	for {
		select {
		case <-r.Context().Done():
			return
		case msg := <-ch:
			fmt.Fprintf(w, "data: %s\n\n", msg)
			fl.Flush()
		}
	}
}

// upload stores a file picked in the browser under the data folder's uploads/ and
// answers its path, which ImportFile then takes.
func (b *Bridge) upload(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	if err := b.s.ready(); err != nil {
		b.writeErr(w, err)
		return
	}
	dir := filepath.Join(b.s.cfg.Dirs.Data, "uploads")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		b.writeErr(w, domain.Wrap(domain.EUnavailable, err, "cannot create %s", dir))
		return
	}
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	name := hex.EncodeToString(rnd[:]) + "-" + filepath.Base(filepath.Clean("/"+r.URL.Query().Get("name")))
	path := filepath.Join(dir, name)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		b.writeErr(w, domain.Wrap(domain.EUnavailable, err, "cannot store the upload"))
		return
	}
	_, err = io.Copy(f, io.LimitReader(r.Body, 1<<30))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		b.writeErr(w, domain.Wrap(domain.EUnavailable, err, "cannot store the upload"))
		return
	}
	writeJSON(w, map[string]any{"result": path})
}
