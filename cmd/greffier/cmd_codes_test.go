package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"greffier/icd10"
)

func TestCodesCLI(t *testing.T) {
	db := filepath.Join(t.TempDir(), "sub", "icd10cm.db")

	code, out, errOut := runCLI(t, "codes", "search", "HTN", "--db", db)
	if code != 0 || !strings.HasPrefix(out, "I10 ") || !strings.Contains(out, "Essential (primary) hypertension") {
		t.Errorf("search HTN: exit %d, out %q, err %q", code, out, errOut)
	}

	code, out, errOut = runCLI(t, "codes", "search", "infection", "urinaire", "--json", "--limit", "2", "--db", db)
	var got []icd10.Code
	if err := json.Unmarshal([]byte(out), &got); code != 0 || err != nil || len(got) != 2 || got[0].Code != "N39.0" || !got[0].Billable {
		t.Errorf("search --json: exit %d, %+v (%v), err %q", code, got, err, errOut)
	}

	code, out, _ = runCLI(t, "codes", "show", "e119", "--db", db)
	if code != 0 || out != "E11.9     Type 2 diabetes mellitus without complications\n" {
		t.Errorf("show e119: exit %d, out %q", code, out)
	}
	// The starter set ships billable leaves only: the header E11 is not in it.
	if code, _, _ = runCLI(t, "codes", "show", "E11", "--db", db); code != exitNotFound {
		t.Errorf("show E11 before import: exit %d, want 3 (not found)", code)
	}

	fixture, err := filepath.Abs("../../icd10/testdata/order_small.txt")
	if err != nil {
		t.Fatal(err)
	}
	code, out, errOut = runCLI(t, "codes", "import", fixture, "--db", db)
	if code != 0 || !strings.HasPrefix(out, "imported 15 codes from ") {
		t.Errorf("import: exit %d, out %q, err %q", code, out, errOut)
	}
	// The CDC file brings the headers.
	code, out, _ = runCLI(t, "codes", "show", "E11", "--db", db)
	if code != 0 || !strings.Contains(out, "not billable") {
		t.Errorf("show E11 after import: exit %d, out %q", code, out)
	}
	code, out, _ = runCLI(t, "codes", "show", "A00.9", "--json", "--db", db)
	var c icd10.Code
	if err := json.Unmarshal([]byte(out), &c); code != 0 || err != nil || c != (icd10.Code{Code: "A00.9", Title: "Cholera, unspecified", Billable: true}) {
		t.Errorf("show A00.9 after import: exit %d, %+v, %v", code, c, err)
	}
}

func TestCodesCLIErrors(t *testing.T) {
	db := filepath.Join(t.TempDir(), "icd10cm.db")
	bad, err := filepath.Abs("../../icd10/testdata/malformed/bad_flag.txt")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want string // in stderr
		exit int
	}{
		{"no subcommand", []string{"codes"}, "usage", exitUsage},
		{"unknown subcommand", []string{"codes", "frobnicate"}, "unknown codes subcommand", exitUsage},
		{"search without query", []string{"codes", "search", "--db", db}, "usage", exitUsage},
		{"bad limit", []string{"codes", "search", "x", "--limit", "0", "--db", db}, "--limit", exitUsage},
		{"unknown code", []string{"codes", "show", "Z99.99", "--db", db}, "not in the code table", exitNotFound},
		{"not a code", []string{"codes", "show", "hello", "--db", db}, "not an ICD-10-CM code", exitUsage},
		{"missing file", []string{"codes", "import", "/nonexistent/icd10cm_order_2026.txt", "--db", db}, "open /nonexistent", exitUsage},
		{"malformed file", []string{"codes", "import", bad, "--db", db}, "line 4: header flag", exitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := runCLI(t, tt.args...)
			if code != tt.exit || !strings.Contains(errOut, tt.want) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, errOut, tt.exit, tt.want)
			}
		})
	}
}
