// Package hostile is the hostile-input suite of issue 10: one or more rows
// per class of hostile or careless input (files outside the model
// directory, lost or mixed outputs, budgets, panics, names, exit codes,
// strictness, bool tensors), each saying what the CLI must do with it.
//
// The rows are data; cmd/webnn-graph/hostile_test.go runs them against the
// built CLI, and `go run ./testdata/hostile/gen DIR` writes every case's
// files under DIR/<name>/ for manual reproduction.
//
// Files group rows by class (files.go, outputs.go, budget.go, panics.go,
// names.go, ...), each adding them with `func init() { register(...) }`.
package hostile

import (
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Case is one hostile input and what the CLI must do with it.
type Case struct {
	Name  string // unique, kebab-case: "extdata-symlink-out-of-dir"
	Class string // the issue item it guards: "10.1 files outside the model directory"
	// Setup writes the hostile files into dir (the model directory, inside a scratch
	// area); it may also create files/links/FIFOs beside dir in scratch (e.g. a "secret"
	// file whose bytes must never appear in any output).
	Setup   func(dir string) error
	Args    []string      // CLI args; "{dir}" is the model directory, "{out}" a fresh output path
	Exit    int           // expected exit status
	Msg     string        // fragment expected in stderr (one line, no Go trace)
	Timeout time.Duration // 0 = 10 s

	// Check, when set, runs after the command with the model directory and
	// the output path and reports a violated postcondition the runner's
	// generic checks do not see (e.g. "no empty a/b left behind").
	Check func(dir, out string) error
}

// DefaultTimeout applies when a Case leaves Timeout 0.
const DefaultTimeout = 10 * time.Second

// MemoryLimit is the peak resident set size a case may reach.
const MemoryLimit = 1 << 30

// ErrUnsupported, returned (wrapped) by a Setup, skips the case: the
// platform cannot build its input (no FIFOs, no symlinks).
var ErrUnsupported = errors.New("hostile: not supported on this platform")

var cases = map[string]Case{}

// register adds rows; a duplicate or malformed row is a programming error.
func register(cs ...Case) {
	for _, c := range cs {
		if c.Name == "" || c.Class == "" || c.Setup == nil || len(c.Args) == 0 {
			panic(fmt.Sprintf("hostile: case %q lacks a name, class, setup or args", c.Name))
		}
		if _, dup := cases[c.Name]; dup {
			panic(fmt.Sprintf("hostile: case %q registered twice", c.Name))
		}
		cases[c.Name] = c
	}
}

// Cases returns every registered case, sorted by name.
func Cases() []Case {
	out := make([]Case, 0, len(cases))
	for _, c := range cases {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Expand substitutes {dir} and {out} in args.
func Expand(args []string, dir, out string) []string {
	r := make([]string, len(args))
	for i, a := range args {
		r[i] = strings.ReplaceAll(strings.ReplaceAll(a, "{dir}", dir), "{out}", out)
	}
	return r
}

// Layout of a case's scratch area (the runner and gen both use it):
//
//	SCRATCH/model/   the model directory ({dir}), filled by Setup
//	SCRATCH/out      the output path ({out}); absent unless Setup makes it
//	SCRATCH/secret   Secret's bytes, written before Setup
//	SCRATCH/tmp/     $TMPDIR of the command
//	SCRATCH/cwd/     the command's working directory
const (
	ModelDirName = "model"
	OutName      = "out"
	SecretName   = "secret"
	TmpName      = "tmp"
	CwdName      = "cwd"
)

// SecretPath is the secret file beside the model directory dir.
func SecretPath(dir string) string { return filepath.Join(filepath.Dir(dir), SecretName) }

// OutPath is the output path of the case whose model directory is dir.
func OutPath(dir string) string { return filepath.Join(filepath.Dir(dir), OutName) }

// SecretSize is the secret file's size: an odd number, so that a message
// disclosing it ("5077 bytes") is recognisable.
const SecretSize = 5077

// Secret is the content of SCRATCH/secret: no byte of it may appear in any
// output, and its size not in any message.
var Secret = func() []byte {
	b := make([]byte, SecretSize)
	copy(b, "HOSTILE-SECRET-7f3a9c0d: private bytes, never to be copied\n")
	x := uint64(0x9e3779b97f4a7c15)
	for i := 64; i < len(b); i++ {
		x = x*6364136223846793005 + 1442695040888963407
		b[i] = byte(x >> 56)
	}
	return b
}()
