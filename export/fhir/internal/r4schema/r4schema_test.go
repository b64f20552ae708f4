package r4schema_test

import (
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"greffier/export/fhir/internal/r4schema"
)

func TestStrictRejectsStringForReference(t *testing.T) {
	path, err := r4schema.Locate()
	if err != nil {
		t.Skip(err)
	}
	s, err := r4schema.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	good := `{"resourceType":"Condition","subject":{"reference":"Patient/1"},"code":{"text":"x"}}`
	bad := `{"resourceType":"Condition","subject":"Patient/1"}`
	for _, c := range []struct {
		name, doc string
		ok        bool
	}{
		{"reference object", good, true},
		{"string as Reference", bad, false},
		{"string as CodeableConcept", `{"resourceType":"Condition","subject":{"reference":"Patient/1"},"code":"J18.9"}`, false},
		{"unknown element", `{"resourceType":"Condition","subject":{"reference":"Patient/1"},"colour":"red"}`, false},
		{"bad code value", `{"resourceType":"Patient","gender":"f e m"}`, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			inst, err := jsonschema.UnmarshalJSON(strings.NewReader(c.doc))
			if err != nil {
				t.Fatal(err)
			}
			err = s.Validate(inst)
			if (err == nil) != c.ok {
				t.Fatalf("valid=%v, want %v (err %v)", err == nil, c.ok, err)
			}
		})
	}

	// The reason for the patch: the schema as published accepts the string.
	loose, err := r4schema.LoadAsPublished(path)
	if err != nil {
		t.Fatal(err)
	}
	inst, _ := jsonschema.UnmarshalJSON(strings.NewReader(bad))
	if err := loose.Validate(inst); err != nil {
		t.Fatalf("the published schema now rejects a string Reference (%v): the strict patch may be unneeded", err)
	}
}
