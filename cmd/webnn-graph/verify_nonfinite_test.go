package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/webnn-graph/webnn-graph/onnxpb"
	"github.com/webnn-graph/webnn-graph/tensor"
	"github.com/webnn-graph/webnn-graph/testdata/hostile"
)

// TestVerifySaysWhenNothingNumericWasCompared: an output that is NaN in
// both runtimes agrees, but verify must say that no number was compared
// rather than print a clean max abs 0.
func TestVerifySaysWhenNothingNumericWasCompared(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "nan.onnx")
	// y = sqrt(-sqrt(x² + 1)): NaN for every x.
	g := &onnxpb.GraphProto{
		Input:  []*onnxpb.ValueInfoProto{hostile.VI("x", tensor.Float32, 8)},
		Output: []*onnxpb.ValueInfoProto{hostile.VI("y", tensor.Float32, 8)},
		Node: []*onnxpb.NodeProto{
			hostile.Node("Mul", []string{"x", "x"}, []string{"x2"}),
			hostile.Node("Add", []string{"x2", "one"}, []string{"s"}),
			hostile.Node("Sqrt", []string{"s"}, []string{"r"}),
			hostile.Node("Neg", []string{"r"}, []string{"n"}),
			hostile.Node("Sqrt", []string{"n"}, []string{"y"}),
		},
		Initializer: []*onnxpb.TensorProto{hostile.Floats("one", nil, []float32{1})},
	}
	if err := hostile.WriteModel(model, g); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := cli(t, "verify", model)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "all 8 elements NaN/Inf in both: no number compared") {
		t.Errorf("verify does not say the outputs are all NaN:\n%s", stdout)
	}
}
