// Command webnn-graph converts ONNX models into W3C WebNN graphs
// (model.webnn + model.weights + manifest.json) and proves, by running the
// source model and the converted graph in the included CPU runtime, that
// nothing changed.
//
// Exit status: 0 success, 1 error (bad input, failed conversion, failed
// verification), 2 usage error.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"

	"github.com/charmbracelet/log"
	"github.com/spf13/cobra"

	"github.com/webnn-graph/webnn-graph/internal/membudget"
	"github.com/webnn-graph/webnn-graph/internal/textsafe"
	"github.com/webnn-graph/webnn-graph/shapeinfer"
)

func main() {
	os.Exit(execute(os.Args[1:], os.Stdout, os.Stderr))
}

// usageError marks a mistake in the command line (exit status 2).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// app carries what every subcommand shares: output streams and the logger.
type app struct {
	stdout  io.Writer
	stderr  io.Writer
	log     *log.Logger
	verbose bool
	quiet   bool
	// allowExternal lists directories outside a model's own that its
	// external data, weights or manifest may lie in (--allow-external-path).
	allowExternal []string
	// allowNewerOpset lets models import opsets newer than the registries
	// know (--allow-newer-opset).
	allowNewerOpset bool
}

// execute runs the CLI with args and returns the exit status. It never
// lets a panic escape: an internal error is reported as such, exit 1.
func execute(args []string, stdout, stderr io.Writer) (status int) {
	stdout = termSafe(stdout)
	a := &app{stdout: stdout, stderr: stderr}
	a.log = log.NewWithOptions(stderr, log.Options{ReportTimestamp: false})
	defer func() {
		if r := recover(); r != nil {
			if be := membudget.FromPanic(r); be != nil {
				fmt.Fprintf(stderr, "webnn-graph: %s\n", textsafe.Text(be.Error()))
				status = 1
				return
			}
			if oe, ok := r.(*shapeinfer.OverflowError); ok {
				// shape arithmetic out of int64 (or past the normal
				// form's limits) outside a recovering stage: the model's
				// fault, not ours
				fmt.Fprintf(stderr, "webnn-graph: %s\n", textsafe.Text(oe.Error()))
				status = 1
				return
			}
			fmt.Fprintf(stderr, "webnn-graph: internal error: %s\n", textsafe.Text(fmt.Sprint(r)))
			if a.verbose {
				fmt.Fprintf(stderr, "%s", debug.Stack())
			}
			status = 1
		}
	}()
	root := a.rootCommand()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.Execute()
	if err == nil {
		return 0
	}
	// Exit 2 is decided where the command line is parsed: flag errors
	// (SetFlagErrorFunc), argument counts (exactArgs), unknown commands
	// (the root's RunE) and flag values (usagef, flag types), each a
	// usageError. Nothing else, whatever its text says, is a usage error.
	// Errors quote the model's names and op types, which may carry
	// terminal escapes; stdout is filtered (termSafe), and so is every
	// error line here (stderr itself keeps the progress line's escapes).
	var ue usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(stderr, "webnn-graph: %s (see 'webnn-graph --help')\n", textsafe.Text(err.Error()))
		return 2
	}
	var ve verifyFailed
	if errors.As(err, &ve) {
		// verify has already printed its table; the summary line names the worst output.
		fmt.Fprintf(stderr, "webnn-graph: %s\n", textsafe.Text(err.Error()))
		return 1
	}
	// A multi-line error (every node a conversion refuses, every problem
	// validation finds) is printed whole, then summarised on its last line.
	msg := textsafe.Text(strings.TrimSpace(err.Error()))
	if lines := strings.Split(msg, "\n"); len(lines) > 1 {
		for _, l := range lines {
			fmt.Fprintf(stderr, "  %s\n", l)
		}
		// Indented lines are knock-on effects of the problem above them.
		problems, knock := 0, 0
		for _, l := range lines {
			if strings.HasPrefix(l, " ") {
				knock++
			} else {
				problems++
			}
		}
		switch {
		case knock == 0:
			fmt.Fprintf(stderr, "webnn-graph: %d problems; first: %s\n", len(lines), lines[0])
		case problems == 1:
			fmt.Fprintf(stderr, "webnn-graph: %s (and %d knock-on effect(s) listed above)\n", lines[0], knock)
		default:
			fmt.Fprintf(stderr, "webnn-graph: %d problems (and %d knock-on effects); first: %s\n", problems, knock, lines[0])
		}
		return 1
	}
	fmt.Fprintf(stderr, "webnn-graph: %s\n", msg)
	return 1
}

func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "webnn-graph",
		Short: "Convert ONNX models to WebNN graphs and verify them",
		Long: `webnn-graph converts ONNX models into W3C WebNN graphs (model.webnn, model.weights,
manifest.json) that load in rustnn/pywebnn, keeping dynamic inputs such as batch_size and
sequence_length as bounded dynamic dimensions, and verifies each conversion by running the
source model and the converted graph in its own CPU runtime.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		// The root runs only when no subcommand matched: help, or an
		// unknown command (a usage error).
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usagef("unknown command %q", args[0])
			}
			return cmd.Help()
		},
		PersistentPreRun: func(cmd *cobra.Command, args []string) {
			// -q: nothing but errors. Output asked for by name (--json)
			// is still printed.
			if a.quiet {
				if j := cmd.Flags().Lookup("json"); j == nil || !j.Changed {
					a.stdout = io.Discard
				}
			}
			switch {
			case a.verbose:
				a.log.SetLevel(log.DebugLevel)
			case a.quiet:
				a.log.SetLevel(log.ErrorLevel)
			default:
				a.log.SetLevel(log.InfoLevel)
			}
		},
	}
	root.PersistentFlags().BoolVarP(&a.verbose, "verbose", "v", false, "log more detail (timings per stage)")
	root.PersistentFlags().BoolVarP(&a.quiet, "quiet", "q", false, "log errors only")
	root.PersistentFlags().StringArrayVar(&a.allowExternal, "allow-external-path", nil,
		"also let external data, weights and manifests lie in (or link into) DIR (repeatable)")
	root.PersistentFlags().BoolVar(&a.allowNewerOpset, "allow-newer-opset", false,
		"accept models importing opsets newer than webnn-graph knows (operators read with the newest known semantics)")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(
		a.convertCommand(),
		a.validateCommand(),
		a.inspectCommand(),
		a.runCommand(),
		a.verifyCommand(),
		a.generateCommand(),
		a.emitJSCommand(),
		a.emitHTMLCommand(),
		a.diffCommand(),
		a.opsCommand(),
		a.versionCommand(),
	)
	addMaxMemoryFlag(root, "convert", "run", "verify", "generate")
	return root
}

// exactArgs is cobra.ExactArgs with a usage error.
func exactArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return usagef("%s expects %s, got %d argument(s)", cmd.Name(), what, len(args))
		}
		return nil
	}
}

func (a *app) versionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			v := "devel"
			if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
				v = bi.Main.Version
			}
			fmt.Fprintf(a.stdout, "webnn-graph %s\n", v)
			return nil
		},
	}
}
