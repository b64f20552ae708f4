package schema

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"greffier/domain"
)

//go:embed note.schema.json
var noteSchema []byte

// ID is the $id of the note schema.
const ID = "urn:greffier:schema:note:1"

// JSONSchema returns the note's JSON Schema (draft 2020-12). The caller gets a copy.
func JSONSchema() []byte { return bytes.Clone(noteSchema) }

// compiled is built once; the compiled schema is immutable and safe for concurrent use.
var compiled = sync.OnceValues(func() (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(noteSchema))
	if err != nil {
		return nil, fmt.Errorf("parse note schema: %w", err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(ID, doc); err != nil {
		return nil, fmt.Errorf("load note schema: %w", err)
	}
	s, err := c.Compile(ID)
	if err != nil {
		return nil, fmt.Errorf("compile note schema: %w", err)
	}
	return s, nil
})

// Validate checks a note against the schema (through its JSON form). A note that
// fails is an EInvalid *domain.Error naming the first problems.
func Validate(n Note) error {
	data, err := json.Marshal(n)
	if err != nil {
		return fmt.Errorf("encode note: %w", err)
	}
	return ValidateJSON(data)
}

// ValidateJSON checks raw JSON (e.g. an LLM's answer or a stored draft) against the
// note schema. Malformed JSON and schema violations are EInvalid *domain.Error.
func ValidateJSON(data []byte) error {
	s, err := compiled()
	if err != nil {
		return err
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return domain.Wrap(domain.EInvalid, err, "note is not valid JSON")
	}
	if err := s.Validate(doc); err != nil {
		return domain.Wrap(domain.EInvalid, err, "note does not match schema version %s", Version)
	}
	return nil
}

// Parse decodes and validates a note from JSON.
func Parse(data []byte) (Note, error) {
	if err := ValidateJSON(data); err != nil {
		return Note{}, err
	}
	var n Note
	if err := json.Unmarshal(data, &n); err != nil {
		return Note{}, domain.Wrap(domain.EInvalid, err, "decode note")
	}
	return n, nil
}
