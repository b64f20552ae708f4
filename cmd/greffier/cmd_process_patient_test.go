package main

import (
	"strings"
	"testing"

	"greffier/transcribe/transcribetest"
)

// process files a recording under an existing patient only when --existing-patient
// repeats their local id: a bare --local-id that is already someone's is refused
// (nothing stored), and --mrn never finds a patient.
func TestProcessAttachesOnlyAnExplicitExistingPatient(t *testing.T) {
	t.Setenv("GREFFIER_DATA", t.TempDir())
	model := transcribetest.EmptyModel(t, "tiny.en")
	root := secretFile(t, "root password 1")
	if code, _, errs := runCLI(t, "users", "add", "Root", "--role", "admin", "--password-file", root); code != 0 {
		t.Fatalf("first user: %d %s", code, errs)
	}
	as := []string{"--as", "Root", "--auth-file", root}
	process := func(extra ...string) (int, string, string) {
		args := append(append([]string{"process", "--model", model, "--threads", "2"}, as...), extra...)
		return runCLI(t, append(args, transcribetest.JFKPath(t))...)
	}
	if code, _, errs := process("--local-id", "P-1", "--existing-patient", "P-2"); code != exitUsage {
		t.Errorf("--existing-patient differing from --local-id: exit %d (%s), want %d", code, errs, exitUsage)
	}
	if code, _, errs := process("--local-id", "P-1", "--mrn", "MRN-1"); code != 0 {
		t.Fatalf("first visit: exit %d: %s", code, errs)
	}
	if code, _, errs := process("--local-id", "P-1"); code != exitConflict || !strings.Contains(errs, "confirm") {
		t.Errorf("an existing local id without --existing-patient: exit %d (%s), want %d asking to confirm", code, errs, exitConflict)
	}
	if code, _, errs := process("--local-id", "P-1", "--existing-patient", "P-1"); code != 0 {
		t.Fatalf("confirmed second visit: exit %d: %s", code, errs)
	}
	_, list, _ := runCLI(t, append([]string{"encounters", "list", "--patient", "P-1"}, as...)...)
	if rows := strings.Count(strings.TrimSpace(list), "\n"); rows != 2 {
		t.Errorf("patient P-1 has %d encounters, want 2 (the refused one stored nothing):\n%s", rows, list)
	}
}
