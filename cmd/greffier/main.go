// Command greffier is Greffier's headless CLI: the same core as the desktop app,
// without a window. Each subcommand lives in its own file and is listed in commands();
// the flows themselves live in package pipeline, shared with the app.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sort"
	"strconv"
	"syscall"
	"time"

	"greffier/domain"
	"greffier/logfile"
	"greffier/pipeline"
)

// command is one subcommand: run, or, for a group (greffier users add …), subs.
// run returns a *domain.Error (or a usageError) for failures the user can fix;
// anything else is reported as internal.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, cli *cli, args []string) error
	subs    []command
}

// cli carries the process's streams and the configuration resolved once in run, so
// tests can run commands in-process.
type cli struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string

	// env is the environment's configuration (data folder, GREFFIER_*).
	env pipeline.Env
	// dbPath is --db, before the command or after it; "" is the data folder's.
	dbPath string
	log    *slog.Logger
}

func commands() []command {
	return []command{
		doctorCommand(),
		devicesCommand(), recordCommand(), importCommand(),
		transcribeCommand(),
		modelsCommand(),
		llmCommand(),
		draftCommand(), checkCommand(),
		evalCommand(),
		codesCommand(),
		exportCommand(), documentsCommand(),
		processCommand(),
		usersCommand(), encountersCommand(), approveCommand(), searchCommand(), backupCommand(), retentionCommand(), settingsCommand(), verifyCommand(),
		serveCommand(), serverCommand(), sendCommand(),
	}
}

// usageError is a bad invocation: exit 2 with the message.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// encounterArg is the one encounter ID the command named takes as its argument.
func encounterArg(command string, pos []string) (int64, error) {
	if len(pos) != 1 {
		return 0, usagef("%s takes one encounter ID", command)
	}
	id, err := strconv.ParseInt(pos[0], 10, 64)
	if err != nil {
		return 0, usagef("encounter ID %q is not a number", pos[0])
	}
	return id, nil
}

// Exit statuses, one per kind of failure (the README lists them).
const (
	exitOK       = 0
	exitInternal = 1 // a bug or an unexpected failure: see logs/cli.log
	exitUsage    = 2 // bad invocation, invalid input, or refused (see exitStatus)
	exitNotFound = 3
	// 4 was "forbidden" before users had passwords: refusals now exit 2 (exitStatus).
	exitConflict    = 5 // the encounter's state does not allow it
	exitUnavailable = 6 // a component is missing or down (model, server, device, disk)
)

// exitStatus maps an error to the process's exit status: the only place it is done.
func exitStatus(err error) int {
	var ue usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, &ue):
		return exitUsage
	}
	switch domain.ErrorCode(err) {
	// A refusal (EForbidden: wrong password, disabled user, a role without the right,
	// a token or consent refused) exits 2 like a usage error, as issue 10 states: the
	// caller fixes it by changing what they give (user, password, token), not by
	// waiting or changing the encounter. A missing --as is a usage error already.
	case domain.EInvalid, domain.EForbidden:
		return exitUsage
	case domain.ENotFound:
		return exitNotFound
	case domain.EConflict:
		return exitConflict
	case domain.EUnavailable:
		return exitUnavailable
	}
	return exitInternal
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, &cli{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}, os.Args[1:])
	stop()
	os.Exit(code)
}

// run executes one command line and returns its exit status (exitStatus). Global
// flags (--db) may come before the command; configuration is resolved here, once.
func run(ctx context.Context, c *cli, args []string) int {
	gfs := flag.NewFlagSet("greffier", flag.ContinueOnError)
	gfs.SetOutput(io.Discard)
	gfs.StringVar(&c.dbPath, "db", "", "")
	if err := gfs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printUsage(c.stderr, "", commands())
			return exitOK
		}
		fmt.Fprintf(c.stderr, "greffier: %v\n\n", err)
		printUsage(c.stderr, "", commands())
		return exitUsage
	}
	args = gfs.Args()
	if len(args) == 0 || args[0] == "help" {
		printUsage(c.stderr, "", commands())
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	if c.getenv == nil {
		c.getenv = os.Getenv
	}
	env, err := pipeline.ReadEnv(c.getenv)
	if err != nil {
		fmt.Fprintf(c.stderr, "greffier: %v\n", err)
		return exitStatus(err)
	}
	c.env = env
	logger, logs, err := logfile.New(env.Dirs.Logs(), "cli")
	if err != nil {
		// The command still runs: a read-only data folder is reported by what needs it.
		fmt.Fprintf(c.stderr, "greffier: notice: no log file: %v\n", err)
		logger = logfile.Discard()
	} else {
		defer logs.Close()
	}
	c.log = logger
	return dispatch(ctx, c, "", commands(), args)
}

// dispatch runs the command named by args[0] among cmds (a group's subcommands
// when group is not ""), and reports how it ended.
func dispatch(ctx context.Context, c *cli, group string, cmds []command, args []string) int {
	full := func(name string) string {
		if group == "" {
			return name
		}
		return group + " " + name
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		printUsage(c.stderr, group, cmds)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	for _, cmd := range cmds {
		if cmd.name != args[0] {
			continue
		}
		if cmd.subs != nil {
			return dispatch(ctx, c, full(cmd.name), cmd.subs, args[1:])
		}
		start := time.Now()
		err := cmd.run(ctx, c, args[1:])
		return c.report(full(cmd.name), err, time.Since(start))
	}
	if group == "" {
		fmt.Fprintf(c.stderr, "greffier: unknown command %q\n\n", args[0])
	} else {
		fmt.Fprintf(c.stderr, "greffier: unknown %s subcommand %q\n\n", group, args[0])
	}
	printUsage(c.stderr, group, cmds)
	return exitUsage
}

// report tells the user how a command ended and logs it: internal errors with their
// cause. Only the command's name is logged, never its arguments (they may name a
// patient); error messages are user-safe by contract (domain.Error).
func (c *cli) report(name string, err error, took time.Duration) int {
	status := exitStatus(err)
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintf(c.stderr, "greffier %s: %v\n", name, err)
	}
	switch {
	case status == exitInternal:
		c.log.Error("command failed", "command", name, "exit", status, "cause", err.Error())
	case status != exitOK:
		c.log.Info("command refused", "command", name, "exit", status, "code", domain.ErrorCode(err))
	default:
		c.log.Info("command done", "command", name, "ms", took.Milliseconds())
	}
	return status
}

func printUsage(w io.Writer, group string, cmds []command) {
	if group == "" {
		fmt.Fprintln(w, "usage: greffier [--db PATH] COMMAND [FLAGS] [ARGS]\n\ncommands:")
	} else {
		fmt.Fprintf(w, "usage: greffier %s SUBCOMMAND [FLAGS] [ARGS]\n\nsubcommands:\n", group)
	}
	cmds = append([]command(nil), cmds...)
	sort.Slice(cmds, func(i, j int) bool { return cmds[i].name < cmds[j].name })
	for _, cmd := range cmds {
		fmt.Fprintf(w, "  %-12s %s\n", cmd.name, cmd.summary)
	}
	if group == "" {
		fmt.Fprintln(w, "\nRun 'greffier COMMAND -h' for a command's flags. --db PATH (the encounter database) may")
		fmt.Fprintln(w, "come before the command or after it.\n\nexit status: 0 done, 1 internal error (see logs/cli.log in the data folder),")
		fmt.Fprintln(w, "2 usage, invalid input or refused (password, disabled user, role), 3 not found,")
		fmt.Fprintln(w, "5 conflict (wrong state), 6 unavailable")
	}
}

// newFlags returns a flag set that reports errors instead of exiting.
func newFlags(c *cli, name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	fs.Usage = func() {
		fmt.Fprintf(c.stderr, "usage: greffier %s\n", usage)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args, allowing flags after positional arguments
// (greffier transcribe FILE --json), and turns flag errors into usage errors.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usageError{err.Error()}
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// dbFlag adds --db to a command's flags: it overrides a --db given before the command.
func dbFlag(c *cli, fs *flag.FlagSet) {
	fs.StringVar(&c.dbPath, "db", c.dbPath, "encounter database (default: greffier.db in the data folder)")
}
