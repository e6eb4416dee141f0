package hostile

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/webnn-graph/webnn-graph/onnxpb"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// Rows of issue 10 item 3: every shape product is checked for overflow and
// every allocation against the memory budget before it is made, in the
// converter and both runtimes; a refusal is one line naming the node, the
// shape and the bytes (exit 1), never "fatal error: out of memory" and
// never a wrapped product run as 0 elements.

const classBudget = "10.3 arithmetic and memory"

// Messages of internal/membudget's refusals.
const (
	msgOverflow = "overflows int64"
	msgBudget   = "memory budget"
)

// AnyVI is a graph output of type dt with no declared shape.
func AnyVI(name string, dt tensor.DType) *onnxpb.ValueInfoProto {
	return &onnxpb.ValueInfoProto{Name: name, Type: &onnxpb.TypeProto{Value: &onnxpb.TypeProto_TensorType{
		TensorType: &onnxpb.TypeProto_Tensor{ElemType: int32(dt)}}}}
}

// ExplodingModel writes dir/model.onnx: input x float32[1], the nodes
// given (the last defines "big"), then y = big + x, and dir/in.npz holding
// x = [1], so `run model.onnx --inputs in.npz` reaches the nodes.
func ExplodingModel(dir string, nodes []*onnxpb.NodeProto, inits ...*onnxpb.TensorProto) error {
	g := &onnxpb.GraphProto{
		Node:        append(nodes, Node("Add", []string{"big", "x"}, []string{"y"})),
		Input:       []*onnxpb.ValueInfoProto{VI("x", tensor.Float32, 1)},
		Output:      []*onnxpb.ValueInfoProto{AnyVI("y", tensor.Float32)},
		Initializer: inits,
	}
	if err := WriteModel(filepath.Join(dir, "model.onnx"), g); err != nil {
		return err
	}
	return InputsNPZ(dir, "in.npz", map[string][]int{"x": {1}})
}

// InputsNPZ writes dir/name: one float32 array of ones per entry.
func InputsNPZ(dir, name string, shapes map[string][]int) error {
	var names []string
	ts := map[string]*tensor.Tensor{}
	for n, shape := range shapes {
		t := tensor.New(tensor.Float32, shape)
		for i, d := 0, t.Data.([]float32); i < len(d); i++ {
			d[i] = 1
		}
		names = append(names, n)
		ts[n] = t
	}
	return tensor.WriteNPZ(filepath.Join(dir, name), names, ts)
}

// WebNNText writes dir/model.webnn with the given text, and dir/in.npz
// holding x = [1].
func WebNNText(dir, text string) error {
	if err := os.WriteFile(filepath.Join(dir, "model.webnn"), []byte(text), 0o644); err != nil {
		return err
	}
	return InputsNPZ(dir, "in.npz", map[string][]int{"x": {1}})
}

// DynamicModel writes dir/model.onnx: y = Relu(x), x float32[batch_size, 3, 32, 32].
func DynamicModel(dir string) error {
	g := &onnxpb.GraphProto{
		Node:   []*onnxpb.NodeProto{Node("Relu", []string{"x"}, []string{"y"})},
		Input:  []*onnxpb.ValueInfoProto{VI("x", tensor.Float32, "batch_size", 3, 32, 32)},
		Output: []*onnxpb.ValueInfoProto{VI("y", tensor.Float32, "batch_size", 3, 32, 32)},
	}
	return WriteModel(filepath.Join(dir, "model.onnx"), g)
}

// twoExpands is the 300-byte graph: two operands expanded to 1e9
// elements each (4 GB as float32), then added. The expansions differ in
// rank, so the runtime's plan cannot merge them into one (it drops a step
// that repeats another).
func twoExpands(dt string, n int64) string {
	return fmt.Sprintf(`webnn_graph "boom" v1 {
  inputs { x: f32[1]; }
  nodes {
    c = cast(x, dataType="%s");
    a = expand(c, newShape=[%d]);
    b = expand(c, newShape=[1, %d]);
    y = add(a, b);
  }
  outputs { y; }
}
`, dt, n, n)
}

func init() {
	const p31 = int64(1) << 31
	cosOverflow := func(dir string) error {
		return ExplodingModel(dir, []*onnxpb.NodeProto{Node("ConstantOfShape", []string{"s"}, []string{"big"})},
			Int64s("s", []int64{3}, []int64{p31, p31, p31}))
	}
	tileOverflow := func(dir string) error { // 2 × 2^62 elements
		return ExplodingModel(dir, []*onnxpb.NodeProto{
			Node("Expand", []string{"x", "two"}, []string{"x2"}),
			Node("Tile", []string{"x2", "r"}, []string{"big"}),
		}, Int64s("two", []int64{1}, []int64{2}), Int64s("r", []int64{1}, []int64{1 << 62}))
	}
	// Each of these asks for ~40-400 GB from a file of about 100 bytes.
	cosHuge := func(dir string) error {
		return ExplodingModel(dir, []*onnxpb.NodeProto{Node("ConstantOfShape", []string{"s"}, []string{"big"})},
			Int64s("s", []int64{3}, []int64{100000, 100000, 10}))
	}
	expandHuge := func(dir string) error {
		return ExplodingModel(dir, []*onnxpb.NodeProto{Node("Expand", []string{"x", "s"}, []string{"big"})},
			Int64s("s", []int64{2}, []int64{100000, 100000}))
	}
	padHuge := func(dir string) error {
		return ExplodingModel(dir, []*onnxpb.NodeProto{Node("Pad", []string{"x", "p"}, []string{"big"})},
			Int64s("p", []int64{2}, []int64{1000000000, 0}))
	}
	resizeHuge := func(dir string) error {
		return ExplodingModel(dir, []*onnxpb.NodeProto{
			Node("Reshape", []string{"x", "s4"}, []string{"x4"}),
			Node("Resize", []string{"x4", "", "sc"}, []string{"big"}),
		}, Int64s("s4", []int64{4}, []int64{1, 1, 1, 1}), Floats("sc", []int64{4}, []float32{1, 1, 200000, 200000}))
	}
	convTransposeHuge := func(dir string) error {
		return ExplodingModel(dir, []*onnxpb.NodeProto{
			Node("Reshape", []string{"x", "s4"}, []string{"x4"}),
			Node("ConvTranspose", []string{"x4", "w"}, []string{"big"}, AttrInts("strides", 200001, 200001), AttrInts("output_padding", 200000, 200000)),
		}, Int64s("s4", []int64{4}, []int64{1, 1, 1, 1}), Floats("w", []int64{1, 1, 1, 1}, []float32{1}))
	}
	oneHotDepth := func(dir string) error {
		return ExplodingModel(dir, []*onnxpb.NodeProto{Node("OneHot", []string{"i", "d", "v"}, []string{"big"})},
			Int64s("i", []int64{1}, []int64{0}), Int64s("d", nil, []int64{1 << 40}), Floats("v", []int64{2}, []float32{0, 1}))
	}
	staticInput := func(dir string) error {
		g := &onnxpb.GraphProto{
			Node:   []*onnxpb.NodeProto{Node("Relu", []string{"x"}, []string{"y"})},
			Input:  []*onnxpb.ValueInfoProto{VI("x", tensor.Float32, int64(1)<<40)},
			Output: []*onnxpb.ValueInfoProto{VI("y", tensor.Float32, int64(1)<<40)},
		}
		return WriteModel(filepath.Join(dir, "model.onnx"), g)
	}
	transposeOverflow := func(dir string) error {
		return WebNNText(dir, `webnn_graph "t" v1 {
  inputs { x: f32[1]; }
  nodes {
    a = expand(x, newShape=[2147483648, 2147483648, 2147483648]);
    y = transpose(a, permutation=[2, 1, 0]);
  }
  outputs { y; }
}
`)
	}
	concatOverflow := func(dir string) error {
		return WebNNText(dir, `webnn_graph "t" v1 {
  inputs { x: f32[1]; }
  consts { c: f32[2147483648, 2147483648, 2147483648] @scalar(1); }
  nodes {
    y = concat([c, c], axis=0);
  }
  outputs { y; }
}
`)
	}
	runONNX := []string{"run", "{dir}/model.onnx", "--inputs", "{dir}/in.npz"}
	runWebNN := []string{"run", "{dir}/model.webnn", "--inputs", "{dir}/in.npz"}
	convert := []string{"convert", "{dir}/model.onnx", "-o", "{out}"}
	verify := []string{"verify", "{dir}/model.onnx"}
	register(
		// Element counts that overflow int64 (they used to wrap to 0 and run).
		Case{Name: "budget-constantofshape-overflow-convert", Class: classBudget, Setup: cosOverflow, Args: convert, Exit: 1, Msg: msgOverflow},
		Case{Name: "budget-constantofshape-overflow-verify", Class: classBudget, Setup: cosOverflow, Args: verify, Exit: 1, Msg: msgOverflow},
		Case{Name: "budget-constantofshape-overflow-run-onnx", Class: classBudget, Setup: cosOverflow, Args: runONNX, Exit: 1, Msg: msgOverflow},
		Case{Name: "budget-tile-overflow-convert", Class: classBudget, Setup: tileOverflow, Args: convert, Exit: 1, Msg: msgOverflow},
		Case{Name: "budget-tile-overflow-run-onnx", Class: classBudget, Setup: tileOverflow, Args: runONNX, Exit: 1, Msg: "overflows"},
		Case{Name: "budget-webnn-transpose-overflow-run", Class: classBudget, Setup: transposeOverflow,
			Args: append(append([]string{}, runWebNN...), "-o", "{out}"), Exit: 1, Msg: msgOverflow},
		Case{Name: "budget-webnn-concat-overflow-run", Class: classBudget, Setup: concatOverflow,
			Args: append(append([]string{}, runWebNN...), "-o", "{out}"), Exit: 1, Msg: msgOverflow},
		Case{Name: "budget-webnn-concat-overflow-validate", Class: classBudget, Setup: concatOverflow,
			Args: []string{"validate", "{dir}/model.webnn"}, Exit: 1, Msg: msgOverflow},
		Case{Name: "budget-verify-dim-overflow", Class: classBudget, Setup: DynamicModel,
			Args: []string{"verify", "{dir}/model.onnx", "--dim", "batch_size=4611686018427387904"}, Exit: 1, Msg: msgOverflow},

		// Allocations over the budget, refused before they are made.
		Case{Name: "budget-onehot-depth-convert", Class: classBudget, Setup: oneHotDepth, Args: convert, Exit: 1, Msg: "1099511627776"},
		Case{Name: "budget-onehot-depth-run-onnx", Class: classBudget, Setup: oneHotDepth, Args: runONNX, Exit: 1, Msg: msgBudget},
		Case{Name: "budget-constantofshape-run-onnx", Class: classBudget, Setup: cosHuge, Args: runONNX, Exit: 1, Msg: msgBudget},
		Case{Name: "budget-constantofshape-verify", Class: classBudget, Setup: cosHuge, Args: verify, Exit: 1, Msg: msgBudget},
		Case{Name: "budget-expand-run-onnx", Class: classBudget, Setup: expandHuge, Args: runONNX, Exit: 1, Msg: msgBudget},
		Case{Name: "budget-expand-verify", Class: classBudget, Setup: expandHuge, Args: verify, Exit: 1, Msg: msgBudget},
		Case{Name: "budget-pad-run-onnx", Class: classBudget, Setup: padHuge, Args: runONNX, Exit: 1, Msg: msgBudget},
		Case{Name: "budget-pad-verify", Class: classBudget, Setup: padHuge, Args: verify, Exit: 1, Msg: msgBudget},
		Case{Name: "budget-resize-run-onnx", Class: classBudget, Setup: resizeHuge, Args: runONNX, Exit: 1, Msg: msgBudget},
		Case{Name: "budget-resize-verify", Class: classBudget, Setup: resizeHuge, Args: verify, Exit: 1, Msg: msgBudget},
		Case{Name: "budget-convtranspose-output-padding-run-onnx", Class: classBudget, Setup: convTransposeHuge, Args: runONNX, Exit: 1, Msg: msgBudget},
		Case{Name: "budget-convtranspose-output-padding-verify", Class: classBudget, Setup: convTransposeHuge, Args: verify, Exit: 1, Msg: msgBudget},
		Case{Name: "budget-verify-dim-huge", Class: classBudget, Setup: DynamicModel,
			Args: []string{"verify", "{dir}/model.onnx", "--dim", "batch_size=100000000"}, Exit: 1, Msg: msgBudget},
		Case{Name: "budget-static-input-2p40-verify", Class: classBudget, Setup: staticInput, Args: verify, Exit: 1, Msg: "1099511627776"},
		Case{Name: "budget-static-input-2p40-convert", Class: classBudget, Setup: staticInput, Args: convert, Exit: 1, Msg: "1099511627776"},
		Case{Name: "budget-webnn-two-expands-f32-run", Class: classBudget,
			Setup: func(dir string) error { return WebNNText(dir, twoExpands("float32", 1e9)) },
			Args:  append(append([]string{}, runWebNN...), "-o", "{out}"), Exit: 1, Msg: msgBudget},
		Case{Name: "budget-webnn-two-expands-f16-run", Class: classBudget,
			Setup: func(dir string) error { return WebNNText(dir, twoExpands("float16", 1e9)) },
			Args:  append(append([]string{}, runWebNN...), "-o", "{out}"), Exit: 1, Msg: msgBudget},
		// The total: each tensor fits (24 MB under 32 MiB), the third does
		// not (expands are views, elementwise chains fuse; cumulativeSum
		// makes tensors).
		Case{Name: "budget-webnn-total-live-bytes", Class: classBudget,
			Setup: func(dir string) error {
				return WebNNText(dir, `webnn_graph "total" v1 {
  inputs { x: f32[1]; }
  nodes {
    e = expand(x, newShape=[6000000]);
    a = cumulativeSum(e, axis=0);
    b = cumulativeSum(e, axis=0, reversed=true);
    y = add(a, b);
  }
  outputs { y; }
}
`)
			},
			Args: append(append([]string{}, runWebNN...), "--max-memory", "64MiB"), Exit: 1, Msg: "already live"},
		Case{Name: "budget-max-memory-too-small", Class: classBudget, Setup: DynamicModel,
			Args: []string{"verify", "{dir}/model.onnx", "--max-memory", "4KiB"}, Exit: 1, Msg: msgBudget},
		Case{Name: "budget-max-memory-not-a-size", Class: classBudget, Setup: DynamicModel,
			Args: []string{"verify", "{dir}/model.onnx", "--max-memory", "lots"}, Exit: 2, Msg: "--max-memory"},
	)
}
