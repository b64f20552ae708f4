package fhir_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"greffier/export/fhir/internal/r4schema"
)

// missingDep skips the test, or fails it when GREFFIER_REQUIRE_FHIR_DEPS=1 (CI sets it
// after running testdata/fetch-test-deps.sh, so that a broken fetch cannot pass as a skip).
func missingDep(t *testing.T, err error) {
	t.Helper()
	msg := fmt.Sprintf("%v (run export/fhir/testdata/fetch-test-deps.sh)", err)
	if os.Getenv("GREFFIER_REQUIRE_FHIR_DEPS") == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// schemaOnce compiles the strict R4 schema once per test binary (about 2 s).
var schemaOnce = sync.OnceValues(func() (*jsonschema.Schema, error) {
	path, err := r4schema.Locate()
	if err != nil {
		return nil, err
	}
	return r4schema.Load(path)
})

func strictSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	s, err := schemaOnce()
	if err != nil {
		missingDep(t, err)
	}
	return s
}

func validate(t *testing.T, s *jsonschema.Schema, raw []byte) error {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(strings.NewReader(string(raw)))
	if err != nil {
		t.Fatal(err)
	}
	return s.Validate(inst)
}

// startFHIRServer runs Medplum's FHIR engine (its router and in-memory repository,
// from the npm package @medplum/fhir-router) behind node:http on loopback: a real FHIR
// R4 implementation of transactions, conditional create and search, written by others.
// It returns the base URL; the server requires the bearer token.
func startFHIRServer(t *testing.T, token string) string {
	t.Helper()
	modules := filepath.Join(r4schema.CacheDir(), "server", "node_modules")
	if _, err := os.Stat(filepath.Join(modules, "@medplum", "fhir-router")); err != nil {
		missingDep(t, fmt.Errorf("Medplum FHIR server not installed: %w", err))
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missingDep(t, fmt.Errorf("node not found: %w", err))
	}
	// Node resolves packages from the script's folder: put a copy next to a link to
	// the cached node_modules.
	dir := t.TempDir()
	src, err := os.ReadFile(filepath.Join("testdata", "fhirserver", "server.mjs"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "server.mjs"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(modules, filepath.Join(dir, "node_modules")); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	cmd := exec.CommandContext(ctx, node, filepath.Join(dir, "server.mjs"))
	cmd.Env = append(os.Environ(), "FHIR_TOKEN="+token)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		cmd.Wait()
	})
	port := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if p, ok := strings.CutPrefix(sc.Text(), "listening "); ok {
				port <- p
			}
		}
	}()
	select {
	case p := <-port:
		return "http://127.0.0.1:" + p + "/fhir"
	case <-time.After(90 * time.Second):
		t.Fatal("FHIR test server did not start in 90 s")
	}
	return ""
}

// search returns the resources of a search on the server.
func search(t *testing.T, base, token, query string) []map[string]any {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+"/"+query, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b struct {
		ResourceType string `json:"resourceType"`
		Entry        []struct {
			Resource map[string]any `json:"resource"`
		} `json:"entry"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&b); err != nil || b.ResourceType != "Bundle" {
		t.Fatalf("search %s: %v (%s)", query, err, b.ResourceType)
	}
	var out []map[string]any
	for _, e := range b.Entry {
		out = append(out, e.Resource)
	}
	return out
}
