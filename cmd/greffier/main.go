// Command greffier is Greffier's headless CLI: the same core as the desktop app,
// without a window. Each subcommand lives in its own file and is listed in commands().
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"

	"greffier/domain"
)

// command is one subcommand. run returns a *domain.Error (or a usageError) for
// failures the user can fix; anything else is reported as internal.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, cli *cli, args []string) error
}

// cli carries the process's streams, so tests can run commands in-process.
type cli struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

func commands() []command {
	return []command{
		doctorCommand(),
		devicesCommand(), recordCommand(), importCommand(),
		transcribeCommand(),
		modelsCommand(),
		draftCommand(),
		evalCommand(),
		codesCommand(),
		exportCommand(),
		processCommand(),
		usersCommand(), encountersCommand(), approveCommand(), searchCommand(), backupCommand(), retentionCommand(),
		serveCommand(),
	}
}

// usageError is a bad invocation: exit 2 with the message.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, &cli{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr}, os.Args[1:])
	stop()
	os.Exit(code)
}

// run executes one command line and returns the exit code: 0 success, 2 bad input or
// usage, 1 internal failure.
func run(ctx context.Context, c *cli, args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		printUsage(c.stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, cmd := range commands() {
		if cmd.name == args[0] {
			return exitCode(c, cmd.name, cmd.run(ctx, c, args[1:]))
		}
	}
	fmt.Fprintf(c.stderr, "greffier: unknown command %q\n\n", args[0])
	printUsage(c.stderr)
	return 2
}

func exitCode(c *cli, name string, err error) int {
	if err == nil {
		return 0
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	fmt.Fprintf(c.stderr, "greffier %s: %v\n", name, err)
	var ue usageError
	if errors.As(err, &ue) {
		return 2
	}
	switch domain.ErrorCode(err) {
	case domain.EInvalid, domain.ENotFound, domain.EForbidden, domain.EConflict:
		return 2
	}
	return 1
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: greffier COMMAND [FLAGS] [ARGS]\n\ncommands:")
	cmds := commands()
	sort.Slice(cmds, func(i, j int) bool { return cmds[i].name < cmds[j].name })
	for _, cmd := range cmds {
		fmt.Fprintf(w, "  %-12s %s\n", cmd.name, cmd.summary)
	}
	fmt.Fprintln(w, "\nRun 'greffier COMMAND -h' for a command's flags.")
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
