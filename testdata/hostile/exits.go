package hostile

import (
	"path/filepath"

	"github.com/webnn-graph/webnn-graph/onnxpb"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// Rows of issue 10 item 6: exit status 2 for command-line mistakes only,
// decided where flags are parsed, never by an error's wording.

const classExits = "10.6 exit codes and verdicts"

func init() {
	addModel := func(dir string) error { return AddModel(dir, "model.onnx", nil) }
	// A node whose name reads like cobra's usage errors.
	sneaky := func(dir string) error {
		g := &onnxpb.GraphProto{
			Node:   []*onnxpb.NodeProto{{OpType: "NoSuchOp", Name: "unknown flag: --x invalid argument", Input: []string{"x"}, Output: []string{"y"}}},
			Input:  []*onnxpb.ValueInfoProto{VI("x", tensor.Float32, 4)},
			Output: []*onnxpb.ValueInfoProto{VI("y", tensor.Float32, 4)},
		}
		return WriteModel(filepath.Join(dir, "model.onnx"), g)
	}
	register(
		Case{Name: "usage-verify-atol-nan", Class: classExits, Setup: addModel,
			Args: []string{"verify", "{dir}/model.onnx", "--atol", "NaN"}, Exit: 2, Msg: "--atol"},
		Case{Name: "usage-verify-rtol-inf", Class: classExits, Setup: addModel,
			Args: []string{"verify", "{dir}/model.onnx", "--rtol", "Inf"}, Exit: 2, Msg: "--rtol"},
		Case{Name: "usage-verify-atol-negative", Class: classExits, Setup: addModel,
			Args: []string{"verify", "{dir}/model.onnx", "--atol=-1"}, Exit: 2, Msg: "--atol"},
		Case{Name: "usage-unknown-command", Class: classExits, Setup: addModel,
			Args: []string{"convrt", "{dir}/model.onnx"}, Exit: 2, Msg: "unknown command"},
		Case{Name: "usage-bad-flag-value", Class: classExits, Setup: addModel,
			Args: []string{"run", "{dir}/model.onnx", "--repeat", "x"}, Exit: 2, Msg: "--repeat"},
		Case{Name: "exit-node-named-like-usage-error-convert", Class: classExits, Setup: sneaky,
			Args: []string{"convert", "{dir}/model.onnx", "-o", "{out}"}, Exit: 1, Msg: "unknown flag"},
		Case{Name: "exit-node-named-like-usage-error-verify", Class: classExits, Setup: sneaky,
			Args: []string{"verify", "{dir}/model.onnx"}, Exit: 1, Msg: "unknown flag"},
		Case{Name: "exit-nul-in-extdata-location", Class: classExits, Setup: func(dir string) error {
			return AddModel(dir, "model.onnx", External("w", tensor.Float32, []int64{WeightLen}, "w\x00.bin", 0, 4*WeightLen))
		}, Args: []string{"convert", "{dir}/model.onnx", "-o", "{out}"}, Exit: 1, Msg: "NUL"},
	)
}
