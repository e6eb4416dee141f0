package conformance

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/webnn-graph/webnn-graph/emit"
	"github.com/webnn-graph/webnn-graph/internal/testenv"
	"github.com/webnn-graph/webnn-graph/lower"
	onnxrt "github.com/webnn-graph/webnn-graph/runtime/onnx"
	"github.com/webnn-graph/webnn-graph/runtime/webnn"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// TestONNXNodeDebug explains one backend test for whoever fixes it:
//
//	CONFORMANCE_DEBUG=test_resize_downsample_scales_linear go test ./conformance -run TestONNXNodeDebug -v
//
// It prints the converted graph's text, then for test_data_set_0 the
// reference output, runtime/onnx's output (the same model run directly)
// and runtime/webnn's output, and fails when runtime/webnn disagrees with
// the reference. The name may be "suite/test" for the non-node suites.
func TestONNXNodeDebug(t *testing.T) {
	name := os.Getenv("CONFORMANCE_DEBUG")
	if name == "" {
		t.Skip("set CONFORMANCE_DEBUG=<test name> to explain one ONNX backend test")
	}
	root := filepath.Dir(testenv.ONNXNodeTests(t))
	dir := filepath.Join(root, "node", name)
	if strings.Contains(name, "/") {
		dir = filepath.Join(root, name)
	}
	ot, skip := loadTest(dir)
	if skip != nil {
		t.Fatalf("cannot load: %s", skip.reason)
	}
	dynamic := os.Getenv("CONFORMANCE_DYNAMIC") != ""
	ot.dynamic = dynamic
	r := runONNXTest(dir, dynamic)
	t.Logf("outcome: %v %s (inputs as constants: %v)", r.outcome, r.reason, r.asConst)
	m, err := ot.parseModel(r.asConst)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range m.Graph().GetNode() {
		t.Logf("ONNX node %s %s(%v) -> %v attrs %v", n.GetName(), n.GetOpType(), n.GetInput(), n.GetOutput(), n.GetAttribute())
	}
	res, err := lower.Convert(m, ot.convertOptions(m))
	if err != nil {
		t.Fatalf("convert: %v", err)
	}
	text, err := emit.PrintText(res.Graph)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("graph:\n%s", text)
	ds := ot.sets[0]
	for n, in := range ds.inputs {
		t.Logf("input %s: %s %v", n, in, clip(in))
	}
	ref, err := onnxrt.Compile(m)
	var refOut map[string]*tensor.Tensor
	if err == nil {
		feeds := map[string]*tensor.Tensor{}
		for n, in := range ds.inputs {
			if !containsStr(r.asConst, n) {
				feeds[n] = in
			}
		}
		refOut, err = ref.Run(feeds)
	}
	if err != nil {
		t.Logf("runtime/onnx: %v", err)
	}
	prog, err := webnn.Compile(res.Graph, newResultWeights(res.Weights))
	if err != nil {
		t.Fatalf("webnn compile: %v", err)
	}
	byONNX := map[string]string{}
	for id, n := range res.Names {
		byONNX[n] = id
	}
	feeds := map[string]*tensor.Tensor{}
	for n, in := range ds.inputs {
		if id, ok := byONNX[n]; ok && !containsStr(r.asConst, n) {
			feeds[id] = boolToUint8(in)
		}
	}
	outs, err := prog.Run(feeds)
	if err != nil {
		t.Fatalf("webnn run: %v", err)
	}
	for i, o := range m.Graph().GetOutput() {
		want := ds.outputs[i]
		got := outs[byONNX[o.GetName()]]
		t.Logf("output %s reference    %s %v", o.GetName(), want, clip(want))
		if refOut != nil && refOut[o.GetName()] != nil {
			t.Logf("output %s runtime/onnx %s %v", o.GetName(), refOut[o.GetName()], clip(refOut[o.GetName()]))
		}
		if got == nil {
			t.Errorf("output %s: missing from runtime/webnn", o.GetName())
			continue
		}
		t.Logf("output %s runtime/webnn %s %v", o.GetName(), got, clip(got))
		if d := compareTensors(got, want, onnxTolerance(want.DType)); d != "" {
			t.Errorf("output %s: %s", o.GetName(), d)
		}
	}
}

func clip(t *tensor.Tensor) string {
	v, err := asFloat64(t)
	if err != nil {
		return err.Error()
	}
	if len(v) > 24 {
		return fmt.Sprintf("%v … (%d elements)", short(v[:24]), len(v))
	}
	return short(v)
}

func containsStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
