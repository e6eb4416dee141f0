package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/webnn-graph/webnn-graph/internal/testenv"
	"github.com/webnn-graph/webnn-graph/onnxpb"
	"github.com/webnn-graph/webnn-graph/tensor"
	"github.com/webnn-graph/webnn-graph/testdata/hostile"
)

// TestUsageErrors checks that exit status 2 comes from the command line
// alone (flags, argument counts, flag values, unknown commands), as one
// line, and that errors merely worded like usage errors exit 1.
func TestUsageErrors(t *testing.T) {
	model := exampleModel(t)
	dir := t.TempDir()
	// A node whose name reads like cobra's usage errors.
	sneaky := filepath.Join(dir, "sneaky.onnx")
	g := &onnxpb.GraphProto{
		Node:   []*onnxpb.NodeProto{{OpType: "NoSuchOp", Name: "unknown flag: --invalid argument", Input: []string{"x"}, Output: []string{"y"}}},
		Input:  []*onnxpb.ValueInfoProto{hostile.VI("x", tensor.Float32, 4)},
		Output: []*onnxpb.ValueInfoProto{hostile.VI("y", tensor.Float32, 4)},
	}
	if err := hostile.WriteModel(sneaky, g); err != nil {
		t.Fatal(err)
	}
	// An input whose data type is UNDEFINED: a malformed model, said so.
	untyped := filepath.Join(dir, "untyped.onnx")
	x := hostile.VI("x", tensor.Float32, 4)
	x.Type.GetTensorType().ElemType = 0
	if err := hostile.WriteModel(untyped, &onnxpb.GraphProto{
		Node:   []*onnxpb.NodeProto{{OpType: "Relu", Input: []string{"x"}, Output: []string{"y"}}},
		Input:  []*onnxpb.ValueInfoProto{x},
		Output: []*onnxpb.ValueInfoProto{hostile.VI("y", tensor.Float32, 4)},
	}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		args   []string
		status int
		has    string
	}{
		{[]string{"convert", untyped, "-o", filepath.Join(dir, "u")}, 1, "UNDEFINED (elem_type 0)"},
		// Bound flags are named as given: convert's --dim, verify's and generate's --bound.
		{[]string{"convert", model, "-o", filepath.Join(dir, "b"), "--dim", "n=0"}, 2, `--dim "n=0"`},
		{[]string{"verify", model, "--bound", "n=x"}, 2, `--bound "n=x"`},
		{[]string{"generate", model, "--prompt-ids", "1", "--bound", "n"}, 2, `--bound "n"`},
		{[]string{"verify", model, "--atol", "NaN"}, 2, "--atol"},
		{[]string{"verify", model, "--rtol", "NaN"}, 2, "--rtol"},
		{[]string{"verify", model, "--atol", "Inf"}, 2, "--atol"},
		{[]string{"verify", model, "--rtol", "-inf"}, 2, "--rtol"},
		{[]string{"verify", model, "--atol=-1e-3"}, 2, "--atol"},
		{[]string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{[]string{"convrt", model}, 2, `unknown command "convrt"`},
		{[]string{"run", model, "--repeat", "many"}, 2, "--repeat"},
		{[]string{"convert", model, "extra.onnx"}, 2, "got 2 argument(s)"},
		{[]string{"convert", sneaky, "-o", filepath.Join(dir, "o")}, 1, "unknown flag: --invalid argument"},
		{[]string{"verify", sneaky}, 1, "unknown flag: --invalid argument"},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args[:1], " ")+" "+c.has, func(t *testing.T) {
			status, _, stderr := cli(t, c.args...)
			if status != c.status {
				t.Fatalf("exit status %d, want %d; stderr:\n%s", status, c.status, stderr)
			}
			if !strings.Contains(stderr, c.has) {
				t.Errorf("stderr %q lacks %q", stderr, c.has)
			}
			if strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
				t.Errorf("stderr is not one line:\n%s", stderr)
			}
		})
	}
}

// TestQuiet checks that -q leaves stdout empty for every command unless
// --json asks for output by name.
func TestQuiet(t *testing.T) {
	model := exampleModel(t)
	out := filepath.Join(t.TempDir(), "g")
	inputs := filepath.Join(testenv.RepoRoot(), "testdata", "example", "input.npz")
	npz := filepath.Join(t.TempDir(), "o.npz")
	cases := [][]string{
		{"convert", model, "-o", out},
		{"validate", filepath.Join(out, "model.webnn")},
		{"inspect", model},
		{"run", filepath.Join(out, "model.webnn"), "--inputs", inputs},
		{"run", filepath.Join(out, "model.webnn"), "--inputs", inputs, "-o", npz},
		{"verify", model, "--graph", out},
		{"ops"},
		{"version"},
		// The commands added since: each quiet too.
		{"convert", model, "-o", filepath.Join(t.TempDir(), "w"), "--target", "webnn"},
		{"diff", out, out},
		{"emit-js", out, "-o", filepath.Join(t.TempDir(), "js")},
		{"emit-html", out, "-o", filepath.Join(t.TempDir(), "html")},
		{"verify", model, "--report", filepath.Join(t.TempDir(), "rep"), "--junit", filepath.Join(t.TempDir(), "j.xml"), "--localize"},
		{"validate", out, "--target", "webnn"},
		{"inspect", out},
	}
	for _, args := range cases {
		t.Run(strings.Join(args[:1], " "), func(t *testing.T) {
			status, stdout, stderr := cli(t, append([]string{"-q"}, args...)...)
			if status != 0 {
				t.Fatalf("exit %d: %s", status, stderr)
			}
			if stdout != "" || stderr != "" {
				t.Errorf("-q %s printed:\n%s%s", strings.Join(args, " "), stdout, stderr)
			}
		})
	}
	if status, stdout, _ := cli(t, "-q", "inspect", model, "--json"); status != 0 || !strings.Contains(stdout, "{") {
		t.Errorf("-q inspect --json printed no JSON (exit %d): %q", status, stdout)
	}
	if _, err := os.Stat(npz); err != nil {
		t.Errorf("run -q -o wrote nothing: %v", err)
	}
}
