package hostile

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/webnn-graph/webnn-graph/manifest"
	"github.com/webnn-graph/webnn-graph/onnxpb"
	"github.com/webnn-graph/webnn-graph/tensor"
	"github.com/webnn-graph/webnn-graph/weights"
)

// Rows of issue 10 item 8: ONNX bool inputs are uint8 in WebNN, yet numpy
// bool arrays feed them everywhere, bool outputs come back as bool, and
// verify's own inputs work for bool inputs and respect index ranges.

const classBools = "10.8 bool tensors and generated inputs"

// notModel: y = Not(x), x bool[2, 3]; in.npz holds x as a numpy bool array.
func notModel(dir string) error {
	g := &onnxpb.GraphProto{
		Node:   []*onnxpb.NodeProto{Node("Not", []string{"x"}, []string{"y"})},
		Input:  []*onnxpb.ValueInfoProto{VI("x", tensor.Bool, 2, 3)},
		Output: []*onnxpb.ValueInfoProto{VI("y", tensor.Bool, 2, 3)},
	}
	if err := WriteModel(filepath.Join(dir, "model.onnx"), g); err != nil {
		return err
	}
	return boolInputs(dir)
}

func boolInputs(dir string) error {
	x := tensor.New(tensor.Bool, []int{2, 3})
	copy(x.Data.([]bool), []bool{true, false, true, false, false, true})
	return tensor.WriteNPZ(filepath.Join(dir, "in.npz"), []string{"x"}, map[string]*tensor.Tensor{"x": x})
}

// notGraph is notModel converted: x and y uint8, recorded as ONNX bools.
func notGraph(dir string) error {
	text := "webnn_graph \"not\" v1 {\n  inputs {\n    x: u8[2, 3];\n  }\n\n  nodes {\n    y = logicalNot(x);\n  }\n\n  outputs { y; }\n}\n"
	if err := os.WriteFile(filepath.Join(dir, "model.webnn"), []byte(text), 0o644); err != nil {
		return err
	}
	w, err := weights.NewWriter(filepath.Join(dir, "model.weights"))
	if err != nil {
		return err
	}
	m, err := w.Finish()
	if err != nil {
		return err
	}
	m.ONNXNames = &manifest.NameMap{Inputs: map[string]string{"x": "x"}, Outputs: map[string]string{"y": "y"}}
	m.ONNXTypes = map[string]string{"x": "bool", "y": "bool"}
	if err := m.WriteFile(filepath.Join(dir, "manifest.json")); err != nil {
		return err
	}
	return boolInputs(dir)
}

// notOutput checks the npz at out holds y = Not(x) as a bool array.
func notOutput(dir, out string) error {
	ts, _, err := tensor.ReadNPZ(out)
	if err != nil {
		return err
	}
	y := ts["y"]
	if y == nil || y.DType != tensor.Bool {
		return fmt.Errorf("run -o wrote y as %v, want bool", y)
	}
	want := []bool{false, true, false, true, true, false}
	for i, v := range y.Data.([]bool) {
		if v != want[i] {
			return fmt.Errorf("y[%d] = %v, want %v", i, v, want[i])
		}
	}
	return nil
}

func init() {
	// Index inputs: GatherElements indices and NLL loss targets, which
	// verify's generated inputs must keep inside the indexed axis.
	gatherElements := func(dir string) error {
		g := &onnxpb.GraphProto{
			Node:   []*onnxpb.NodeProto{Node("GatherElements", []string{"data", "idx"}, []string{"y"}, AttrInt("axis", 1))},
			Input:  []*onnxpb.ValueInfoProto{VI("data", tensor.Float32, 3, 5), VI("idx", tensor.Int64, 3, 4)},
			Output: []*onnxpb.ValueInfoProto{VI("y", tensor.Float32, 3, 4)},
		}
		return WriteModel(filepath.Join(dir, "model.onnx"), g)
	}
	nllLoss := func(dir string) error {
		g := &onnxpb.GraphProto{
			Node:   []*onnxpb.NodeProto{Node("NegativeLogLikelihoodLoss", []string{"scores", "target"}, []string{"loss"})},
			Input:  []*onnxpb.ValueInfoProto{VI("scores", tensor.Float32, "batch_size", 3), VI("target", tensor.Int64, "batch_size")},
			Output: []*onnxpb.ValueInfoProto{VI("loss", tensor.Float32)},
		}
		return WriteModel(filepath.Join(dir, "model.onnx"), g)
	}
	register(
		Case{Name: "bool-input-run-onnx", Class: classBools, Setup: notModel,
			Args: []string{"run", "{dir}/model.onnx", "--inputs", "{dir}/in.npz", "-o", "{out}"}, Exit: 0, Check: notOutput},
		Case{Name: "bool-input-run-graph", Class: classBools, Setup: notGraph,
			Args: []string{"run", "{dir}/model.webnn", "--inputs", "{dir}/in.npz", "-o", "{out}"}, Exit: 0, Check: notOutput},
		Case{Name: "bool-input-verify-given", Class: classBools, Setup: notModel,
			Args: []string{"verify", "{dir}/model.onnx", "--inputs", "{dir}/in.npz"}, Exit: 0},
		Case{Name: "bool-input-verify-generated", Class: classBools, Setup: notModel,
			Args: []string{"verify", "{dir}/model.onnx"}, Exit: 0},
		Case{Name: "index-range-gather-elements-verify", Class: classBools, Setup: gatherElements,
			Args: []string{"verify", "{dir}/model.onnx"}, Exit: 0},
		Case{Name: "index-range-nllloss-target-verify", Class: classBools, Setup: nllLoss,
			Args: []string{"verify", "{dir}/model.onnx", "--dim", "batch_size=5"}, Exit: 0},
	)
}
