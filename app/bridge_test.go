package app_test

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"greffier/app"
	"greffier/appdirs"
	"greffier/domain"
	"greffier/store/crypt"
)

// bridge serves real services (fresh SQLite) on a loopback port.
func bridge(t *testing.T) (string, appdirs.Dirs) {
	t.Helper()
	dirs := appdirs.Dirs{Data: t.TempDir()}
	s := app.New(app.Config{Dirs: dirs, Language: "fr", KDF: crypt.TestKDF()})
	b := app.NewBridge(s, fstest.MapFS{"index.html": {Data: []byte("<title>Greffier</title>")}})
	ctx, cancel := context.WithCancel(context.Background())
	if err := s.Start(ctx, b); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- b.Serve(ctx, l) }()
	t.Cleanup(func() {
		cancel()
		<-done
		s.Close()
	})
	return "http://" + l.Addr().String(), dirs
}

type reply struct {
	Result json.RawMessage `json:"result"`
	Error  *app.UIError    `json:"error"`
}

func post(t *testing.T, url, body string) reply {
	t.Helper()
	res, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var r reply
	if err := json.NewDecoder(res.Body).Decode(&r); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestBridgeCallsServices(t *testing.T) {
	base, _ := bridge(t)
	for _, tc := range []struct {
		name, path, body string
		wantCode         string
		wantResult       string
	}{
		{"before login", "/api/Settings/Users", `[]`, app.EUnauthenticated, ""},
		{"first admin", "/api/Session/Setup", `["Admin","` + testPassword + `"]`, "", `"state":"active"`},
		{"create a user", "/api/Settings/CreateUser", `["Dr Bridge","physician","` + testPassword + `"]`, "", `"name":"Dr Bridge"`},
		{"list users", "/api/Settings/Users", `[]`, "", `"role":"physician"`},
		{"bad role", "/api/Settings/CreateUser", `["X","pilot","` + testPassword + `"]`, domain.EInvalid, ""},
		{"no consent", "/api/Encounters/Create", `[{"patient_label":"P","consent":false}]`, domain.EInvalid, ""},
		{"unknown method", "/api/Settings/Nope", `[]`, domain.ENotFound, ""},
		{"wrong arity", "/api/Settings/CreateUser", `["only one"]`, domain.EInvalid, ""},
		{"bad JSON", "/api/Settings/Users", `{`, domain.EInvalid, ""},
		{"missing encounter", "/api/Drafts/Get", `[99, 0]`, domain.ENotFound, ""},
		{"no acting user from the page", "/api/Encounters/Get", `[1, 2]`, domain.EInvalid, ""},
		{"switch user", "/api/Session/Login", `["Dr Bridge","` + testPassword + `"]`, "", `"role":"physician"`},
		{"a physician adds no user", "/api/Settings/CreateUser", `["Y","admin","` + testPassword + `"]`, domain.EForbidden, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := post(t, base+tc.path, tc.body)
			if tc.wantCode != "" {
				if r.Error == nil || r.Error.Code != tc.wantCode {
					t.Fatalf("error = %+v, want code %s", r.Error, tc.wantCode)
				}
				return
			}
			if r.Error != nil || !strings.Contains(string(r.Result), tc.wantResult) {
				t.Fatalf("result %s, error %+v", r.Result, r.Error)
			}
		})
	}
	// Messages are in the language the services were set to (French here).
	r := post(t, base+"/api/Encounters/Create", `[{"patient_label":"P","consent":false}]`)
	if r.Error == nil || !strings.HasPrefix(r.Error.Message, "Entrée invalide") {
		t.Errorf("French message: %+v", r.Error)
	}
}

func TestBridgeServesFrontendAndUploads(t *testing.T) {
	base, dirs := bridge(t)
	// Uploads need a logged-in user too.
	if r := post(t, base+"/api/upload?name=a.wav", "RIFF"); r.Error == nil || r.Error.Code != app.EUnauthenticated {
		t.Fatalf("upload before login: %+v", r)
	}
	if r := post(t, base+"/api/Session/Setup", `["Admin","`+testPassword+`"]`); r.Error != nil {
		t.Fatal(r.Error)
	}
	res, err := http.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET / = %d", res.StatusCode)
	}
	r := post(t, base+"/api/upload?name=../../evil.wav", "RIFF....")
	var path string
	if r.Error != nil || json.Unmarshal(r.Result, &path) != nil {
		t.Fatalf("upload: %+v", r)
	}
	if filepath.Dir(path) != filepath.Join(dirs.Data, "uploads") || !strings.HasSuffix(path, "-evil.wav") {
		t.Fatalf("upload stored at %s: must stay in the uploads folder", path)
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "RIFF...." {
		t.Fatalf("upload content %q, %v", b, err)
	}
	// A page from another host name (DNS rebinding) is refused.
	req, _ := http.NewRequest(http.MethodPost, base+"/api/Settings/Users", strings.NewReader("[]"))
	req.Host = "evil.example:80"
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("foreign host: %d", res.StatusCode)
	}
}
