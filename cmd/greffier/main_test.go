package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"greffier/domain"
	"greffier/transcribe/transcribetest"
)

func TestExitStatusPerErrorCode(t *testing.T) {
	cases := []struct {
		err  error
		want int
	}{
		{nil, 0},
		{flag.ErrHelp, 0},
		{usagef("bad"), 2},
		{domain.Errorf(domain.EInvalid, "x"), 2},
		{domain.Errorf(domain.ENotFound, "x"), 3},
		{domain.Errorf(domain.EForbidden, "x"), 2}, // issue 10: a refused user exits 2
		{fmt.Errorf("wrapped: %w", domain.Errorf(domain.EConflict, "x")), 5},
		{domain.Errorf(domain.EUnavailable, "x"), 6},
		{domain.Errorf(domain.EInternal, "x"), 1},
		{errors.New("plain"), 1},
	}
	seen := map[int]string{}
	for _, c := range cases {
		got := exitStatus(c.err)
		if got != c.want {
			t.Errorf("exitStatus(%v) = %d, want %d", c.err, got, c.want)
		}
		code := domain.ErrorCode(c.err)
		if prev, ok := seen[got]; ok && code != "" && prev != "" && prev != code && got != exitUsage && got != exitInternal {
			t.Errorf("codes %s and %s share exit status %d", prev, code, got)
		}
		seen[got] = code
	}
}

// --db before the command is the same as after it; an unknown global flag is a
// usage error; a command's own --db overrides the global one.
func TestGlobalFlagsBeforeTheCommand(t *testing.T) {
	data := t.TempDir()
	t.Setenv("GREFFIER_DATA", data)
	dbp := filepath.Join(t.TempDir(), "clinic.db")
	pw := secretFile(t, "ada's password 1")
	if code, _, errs := runCLI(t, "--db", dbp, "users", "add", "Dr Ada", "--role", "admin", "--password-file", pw); code != 0 {
		t.Fatalf("users add with --db first: exit %d: %s", code, errs)
	}
	as := []string{"--as", "Dr Ada", "--auth-file", pw}
	code, out, errs := runCLI(t, append([]string{"users", "list", "--db", dbp}, as...)...)
	if code != 0 || !strings.Contains(out, "Dr Ada") {
		t.Fatalf("users list --db after: exit %d, %q %s", code, out, errs)
	}
	if code, out, _ := runCLI(t, append([]string{"--db=" + dbp, "encounters", "list"}, as...)...); code != 0 || !strings.Contains(out, "STATE") {
		t.Errorf("--db=PATH encounters list: exit %d %q", code, out)
	}
	other := filepath.Join(t.TempDir(), "other.db")
	if code, _, errs := runCLI(t, "--db", dbp, "users", "add", "Zed", "--role", "admin", "--password-file", pw, "--db", other); code != 0 {
		t.Fatalf("users add in the command's --db: exit %d %s", code, errs)
	}
	if code, out, _ := runCLI(t, "--db", dbp, "users", "list", "--db", other, "--as", "Zed", "--auth-file", pw); code != 0 || strings.Contains(out, "Dr Ada") || !strings.Contains(out, "Zed") {
		t.Errorf("the command's --db did not win: exit %d %q", code, out)
	}
	if _, err := os.Stat(filepath.Join(data, "greffier.db")); err == nil {
		t.Error("the data folder's database was opened although --db was given")
	}
	if code, _, errs := runCLI(t, "--db", dbp, "codes", "search", "cough"); code != exitUsage || !strings.Contains(errs, "code table") {
		t.Errorf("--db before codes: exit %d %s; want a usage error (it is not the code table)", code, errs)
	}
	if code, _, errs := runCLI(t, "--bogus", "users", "list"); code != exitUsage || !strings.Contains(errs, "bogus") {
		t.Errorf("unknown global flag: exit %d %s", code, errs)
	}
	if code, _, errs := runCLI(t, "--help"); code != 0 || !strings.Contains(errs, "exit status") {
		t.Errorf("--help: exit %d %s", code, errs)
	}
}

// Every group dispatches the same way: no subcommand is a usage error that lists
// them, an unknown one names the group, -h lists them and succeeds.
func TestSubcommandDispatch(t *testing.T) {
	t.Setenv("GREFFIER_DATA", t.TempDir())
	for _, group := range []string{"users", "encounters", "models", "codes", "retention"} {
		code, _, errs := runCLI(t, group)
		if code != exitUsage || !strings.Contains(errs, "subcommands:") {
			t.Errorf("%s alone: exit %d, %q", group, code, errs)
		}
		code, _, errs = runCLI(t, group, "frobnicate")
		if code != exitUsage || !strings.Contains(errs, "unknown "+group+" subcommand") {
			t.Errorf("%s frobnicate: exit %d, %q", group, code, errs)
		}
		if code, _, errs = runCLI(t, group, "-h"); code != 0 || !strings.Contains(errs, "subcommands:") {
			t.Errorf("%s -h: exit %d, %q", group, code, errs)
		}
	}
}

func TestBadEnvironmentIsRefused(t *testing.T) {
	t.Setenv("GREFFIER_DATA", t.TempDir())
	t.Setenv("GREFFIER_LLAMA_THREADS", "lots")
	code, _, errs := runCLI(t, "users", "list")
	if code != exitUsage || !strings.Contains(errs, "GREFFIER_LLAMA_THREADS") {
		t.Errorf("exit %d, %q: want 2 naming the variable", code, errs)
	}
}

// A full run (process a recording for a named patient, draft a dialogue, approve,
// export, and a refused command) leaves a log in the data folder's logs/ that holds
// what ran and how it ended, and neither the patient's name, what was said, nor a
// password.
func TestLogsHoldNoPatientText(t *testing.T) {
	data := t.TempDir()
	t.Setenv("GREFFIER_DATA", data)
	model := transcribetest.EmptyModel(t, "tiny.en")
	root, ada := secretFile(t, "root password 1"), secretFile(t, "ada's password 2")
	if code, _, errs := runCLI(t, "users", "add", "Root", "--role", "admin", "--password-file", root); code != 0 {
		t.Fatalf("first admin: exit %d: %s", code, errs)
	}
	asRoot, asAda := []string{"--as", "Root", "--auth-file", root}, []string{"--as", "Dr Ada", "--auth-file", ada}
	code, out, errs := runCLI(t, append([]string{"process", "--model", model, "--threads", "2", "--patient", "Zéphyrine Quintal", "--mrn", "MRN-77801", transcribetest.JFKPath(t)}, asRoot...)...)
	if code != 0 {
		t.Fatalf("process: exit %d: %s", code, errs)
	}
	id := strings.TrimSpace(out)
	if _, err := strconv.Atoi(id); err != nil {
		t.Fatalf("process printed %q", out)
	}
	dialogue := filepath.Join("testdata", "draft", "dialogue_en.txt")
	steps := []struct {
		args []string
		want int
	}{
		{[]string{"draft", "--transcript", dialogue, "--format", "text"}, 0},
		{append([]string{"users", "add", "Dr Ada", "--role", "physician", "--password-file", ada}, asRoot...), 0},
		{append([]string{"export", id, "--format", "txt"}, asAda...), exitConflict}, // not approved
		{append([]string{"approve", id}, asAda...), 0},
		{append([]string{"export", id, "--format", "fhir", "--out", filepath.Join(t.TempDir(), "n.json")}, asAda...), 0},
		{append([]string{"encounters", "show", id}, asAda...), 0},
	}
	for _, s := range steps {
		if code, _, errs := runCLI(t, s.args...); code != s.want {
			t.Fatalf("%v: exit %d, want %d: %s", s.args, code, s.want, errs)
		}
	}
	logs, _ := filepath.Glob(filepath.Join(data, "logs", "*"))
	if len(logs) == 0 {
		t.Fatal("no log file in logs/")
	}
	var all strings.Builder
	for _, p := range logs {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		all.Write(b)
	}
	text := strings.ToLower(all.String())
	for _, want := range []string{`"command":"process"`, `"command":"approve"`, `"code":"conflict"`} {
		if !strings.Contains(text, want) {
			t.Errorf("the log lacks %s:\n%s", want, text)
		}
	}
	dialogueText, _ := os.ReadFile(dialogue)
	secrets := []string{"zéphyrine", "quintal", "mrn-77801", "mr. lee", "lisinopril", "short of breath", "cough and a fever",
		"root password", "ada's password"}
	for _, line := range strings.Split(string(dialogueText), "\n") {
		if _, said, ok := strings.Cut(line, "] "); ok && len(said) > 25 {
			secrets = append(secrets, strings.ToLower(said[:25]))
		}
	}
	for _, s := range secrets {
		if strings.Contains(text, s) {
			t.Errorf("the log holds patient text %q", s)
		}
	}
}
