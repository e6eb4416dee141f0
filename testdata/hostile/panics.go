package hostile

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/webnn-graph/webnn-graph/onnxpb"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// Rows of issue 10 item 4 (no panic reaches the user: what the ONNX
// interpreter and the converter used to answer with a Go panic, an
// "internal error" or "emitted graph is invalid" is an error naming the
// node and the attribute) and of item 7's index half (constant
// out-of-range Gather/Scatter indices refused at conversion, errors in
// both runtimes).

const (
	classPanics  = "10.4 no panic reaches the user"
	classIndices = "10.7 strictness: out-of-range indices"
)

// ConvModel writes dir/model.onnx: y = Conv(x, w), x float32[batch_size, 1, 4, 4].
func ConvModel(dir string) error {
	g := &onnxpb.GraphProto{
		Node:        []*onnxpb.NodeProto{Node("Conv", []string{"x", "w"}, []string{"y"})},
		Input:       []*onnxpb.ValueInfoProto{VI("x", tensor.Float32, "batch_size", 1, 4, 4)},
		Output:      []*onnxpb.ValueInfoProto{VI("y", tensor.Float32, "batch_size", 1, 2, 2)},
		Initializer: []*onnxpb.TensorProto{Floats("w", []int64{1, 1, 3, 3}, make([]float32, 9))},
	}
	return WriteModel(filepath.Join(dir, "model.onnx"), g)
}

// nestedText is a .webnn graph whose one option nests depth '[' deep.
func nestedText(depth int) string {
	return "webnn_graph \"n\" v1 {\n  inputs { x: f32[1]; }\n  nodes {\n    y = reshape(x, newShape=" +
		strings.Repeat("[", depth) + strings.Repeat("]", depth) + ");\n  }\n  outputs { y; }\n}\n"
}

func init() {
	runONNX := []string{"run", "{dir}/model.onnx", "--inputs", "{dir}/in.npz"}
	convert := []string{"convert", "{dir}/model.onnx", "-o", "{out}"}
	runWebNN := []string{"run", "{dir}/model.webnn", "--inputs", "{dir}/in.npz"}
	// two is [1, 1] expanded from x: a [2] operand for the rows that need one
	two := Node("Expand", []string{"x", "shape2"}, []string{"x2"})
	shape2 := Int64s("shape2", []int64{1}, []int64{2})
	model := func(nodes []*onnxpb.NodeProto, inits ...*onnxpb.TensorProto) func(string) error {
		return func(dir string) error { return ExplodingModel(dir, nodes, inits...) }
	}
	einsum := func(dir string) error {
		var ins []string
		var terms []string
		letters := "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN"
		for _, l := range letters {
			ins = append(ins, "x2")
			terms = append(terms, string(l))
		}
		e := Node("Einsum", ins, []string{"e"}, &onnxpb.AttributeProto{Name: "equation", Type: onnxpb.AttributeProto_STRING,
			S: []byte(strings.Join(terms, ",") + "->")})
		return ExplodingModel(dir, []*onnxpb.NodeProto{two, e, Node("Reshape", []string{"e", "one"}, []string{"big"})},
			shape2, Int64s("one", []int64{1}, []int64{1}))
	}
	resize := func(scale float32) func(string) error {
		return model([]*onnxpb.NodeProto{
			Node("Reshape", []string{"x", "s4"}, []string{"x4"}),
			Node("Resize", []string{"x4", "", "sc"}, []string{"big"}),
		}, Int64s("s4", []int64{4}, []int64{1, 1, 1, 1}), Floats("sc", []int64{4}, []float32{1, 1, scale, 2}))
	}
	splitMany := func(dir string) error {
		outs := []string{"big"}
		for i := 1; i < 10; i++ {
			outs = append(outs, "s"+string(rune('0'+i)))
		}
		g := &onnxpb.GraphProto{
			Node: []*onnxpb.NodeProto{two, Node("Concat", []string{"x2", "x"}, []string{"x3"}, AttrInt("axis", 0)),
				Node("Split", []string{"x3"}, outs, AttrInt("axis", 0), AttrInt("num_outputs", 10)),
				Node("Add", []string{"big", "x"}, []string{"y"})},
			Input:       []*onnxpb.ValueInfoProto{VI("x", tensor.Float32, 1)},
			Output:      []*onnxpb.ValueInfoProto{AnyVI("y", tensor.Float32)},
			Initializer: []*onnxpb.TensorProto{shape2},
		}
		if err := WriteModel(filepath.Join(dir, "model.onnx"), g, &onnxpb.OperatorSetIdProto{Domain: "", Version: 18}); err != nil {
			return err
		}
		return InputsNPZ(dir, "in.npz", map[string][]int{"x": {1}})
	}
	sliceStep := func(step int64) func(string) error {
		return model([]*onnxpb.NodeProto{two, Node("Slice", []string{"x2", "st", "en", "ax", "sp"}, []string{"big"})},
			shape2, Int64s("st", []int64{1}, []int64{1}), Int64s("en", []int64{1}, []int64{-3}), Int64s("ax", []int64{1}, []int64{0}),
			Int64s("sp", []int64{1}, []int64{step}))
	}
	gatherOut := model([]*onnxpb.NodeProto{two, Node("Gather", []string{"x2", "ind"}, []string{"big"})},
		shape2, Int64s("ind", []int64{1}, []int64{5}))
	gatherElementsOut := model([]*onnxpb.NodeProto{two, Node("GatherElements", []string{"x2", "ind"}, []string{"big"})},
		shape2, Int64s("ind", []int64{2}, []int64{0, 2}))
	scatterNDOut := model([]*onnxpb.NodeProto{two, Node("ScatterND", []string{"x2", "ind", "upd"}, []string{"big"})},
		shape2, Int64s("ind", []int64{1, 1}, []int64{-3}), Floats("upd", []int64{1}, []float32{7}))
	register(
		// The worker-goroutine panic of runtime/onnx/conv.go: now refused
		// before anything runs (and a worker's panic would come back to the
		// caller as an error).
		Case{Name: "panic-verify-conv-batch-2p62", Class: classPanics, Setup: ConvModel,
			Args: []string{"verify", "{dir}/model.onnx", "--dim", "batch_size=4611686018427387904"}, Exit: 1, Msg: "overflows int64"},
		// 2e6 nested '[' (4 MB) was a fatal stack overflow.
		Case{Name: "panic-webnn-nested-brackets-validate", Class: classPanics,
			Setup: func(dir string) error { return WebNNText(dir, nestedText(2_000_000)) },
			Args:  []string{"validate", "{dir}/model.webnn"}, Exit: 1, Msg: "nested deeper than 512"},
		Case{Name: "panic-webnn-nested-brackets-run", Class: classPanics,
			Setup: func(dir string) error { return WebNNText(dir, nestedText(2_000_000)) },
			Args:  runWebNN, Exit: 1, Msg: "nested deeper than 512"},
		Case{Name: "panic-json-nested-validate", Class: classPanics,
			Setup: func(dir string) error {
				s := `{"format": "webnn-graph-json", "x": ` + strings.Repeat("[", 2_000_000) + strings.Repeat("]", 2_000_000) + "}"
				return os.WriteFile(filepath.Join(dir, "model.json"), []byte(s), 0o644)
			},
			Args: []string{"validate", "{dir}/model.json"}, Exit: 1, Msg: "nesting deeper than 512"},
		Case{Name: "panic-webnn-size-expression-4mb-run", Class: classPanics,
			Setup: func(dir string) error {
				expr := strings.Repeat("(", 2_000_000) + "a" + strings.Repeat(")", 2_000_000)
				return WebNNText(dir, "webnn_graph \"n\" v2 {\n  inputs { x: f32[1]; }\n  nodes {\n    y = reshape(x, newShape=[{name: \""+
					expr+"\", maxSize: 5}]);\n  }\n  outputs { y; }\n}\n")
			},
			Args: runWebNN, Exit: 1, Msg: "longer than 1024"},

		// The ONNX interpreter's "internal error" recoveries.
		Case{Name: "panic-onnx-concat-no-inputs", Class: classPanics,
			Setup: model([]*onnxpb.NodeProto{Node("Concat", nil, []string{"big"}, AttrInt("axis", 0))}),
			Args:  runONNX, Exit: 1, Msg: "has 0 inputs"},
		Case{Name: "panic-onnx-einsum-many-operands", Class: classPanics, Setup: einsum, Args: runONNX, Exit: 1, Msg: "multiplications"},
		Case{Name: "panic-onnx-expand-negative", Class: classPanics,
			Setup: model([]*onnxpb.NodeProto{Node("Expand", []string{"x", "s"}, []string{"big"})}, Int64s("s", []int64{1}, []int64{-1})),
			Args:  runONNX, Exit: 1, Msg: "shape[0] = -1 is negative"},
		Case{Name: "panic-onnx-tile-negative", Class: classPanics,
			Setup: model([]*onnxpb.NodeProto{Node("Tile", []string{"x", "r"}, []string{"big"})}, Int64s("r", []int64{1}, []int64{-2})),
			Args:  runONNX, Exit: 1, Msg: "repeats[0] = -2 is negative"},
		Case{Name: "panic-onnx-split-negative", Class: classPanics,
			Setup: model([]*onnxpb.NodeProto{two, Node("Split", []string{"x2", "sp"}, []string{"big", "rest"}, AttrInt("axis", 0))},
				shape2, Int64s("sp", []int64{2}, []int64{-1, 3})),
			Args: runONNX, Exit: 1, Msg: "split[0] = -1 is negative"},
		Case{Name: "panic-onnx-range-huge", Class: classPanics,
			Setup: model([]*onnxpb.NodeProto{Node("Range", []string{"a", "b", "c"}, []string{"big"})},
				Floats("a", nil, []float32{0}), Floats("b", nil, []float32{1e30}), Floats("c", nil, []float32{1})),
			Args: runONNX, Exit: 1, Msg: "elements"},
		Case{Name: "panic-onnx-range-negative-delta", Class: classPanics,
			Setup: model([]*onnxpb.NodeProto{Node("Range", []string{"a", "b", "c"}, []string{"big"})},
				Floats("a", nil, []float32{0}), Floats("b", nil, []float32{10}), Floats("c", nil, []float32{-1})),
			Args: runONNX, Exit: 0}, // ONNX: max(ceil((10-0)/-1), 0) = 0 elements, not an error
		Case{Name: "panic-onnx-resize-nan-scale", Class: classPanics, Setup: resize(float32(nan())), Args: runONNX, Exit: 1, Msg: "must be a positive finite number"},
		Case{Name: "panic-onnx-resize-negative-scale", Class: classPanics, Setup: resize(-2), Args: runONNX, Exit: 1, Msg: "must be a positive finite number"},
		Case{Name: "panic-onnx-sequence-empty", Class: classPanics,
			Setup: model([]*onnxpb.NodeProto{Node("SequenceEmpty", nil, []string{"seq"}), Node("ConcatFromSequence", []string{"seq"}, []string{"big"}, AttrInt("axis", 0))}),
			Args:  runONNX, Exit: 1, Msg: "empty sequence"},
		Case{Name: "panic-onnx-maxpool-kernel-0", Class: classPanics,
			Setup: model([]*onnxpb.NodeProto{Node("Reshape", []string{"x", "s4"}, []string{"x4"}), Node("MaxPool", []string{"x4"}, []string{"big"}, AttrInts("kernel_shape", 0, 0))},
				Int64s("s4", []int64{4}, []int64{1, 1, 1, 1})),
			Args: runONNX, Exit: 1, Msg: "kernel_shape[0] = 0"},
		Case{Name: "panic-onnx-lrn-size-0", Class: classPanics,
			Setup: model([]*onnxpb.NodeProto{Node("Reshape", []string{"x", "s4"}, []string{"x4"}), Node("LRN", []string{"x4"}, []string{"big"}, AttrInt("size", 0))},
				Int64s("s4", []int64{4}, []int64{1, 1, 1, 1})),
			Args: runONNX, Exit: 1, Msg: "size = 0 must be at least 1"},
		Case{Name: "panic-onnx-slice-duplicate-axes", Class: classPanics,
			Setup: model([]*onnxpb.NodeProto{two, Node("Slice", []string{"x2", "st", "en", "ax"}, []string{"big"})},
				shape2, Int64s("st", []int64{2}, []int64{0, 1}), Int64s("en", []int64{2}, []int64{2, 2}), Int64s("ax", []int64{2}, []int64{0, 0})),
			Args: runONNX, Exit: 1, Msg: "name axis 0 twice"},

		// The converter's "emitted graph is invalid": now the node and
		// attribute, or a valid graph.
		Case{Name: "panic-convert-split-negative", Class: classPanics,
			Setup: model([]*onnxpb.NodeProto{two, Node("Split", []string{"x2", "sp"}, []string{"big", "rest"}, AttrInt("axis", 0))},
				shape2, Int64s("sp", []int64{2}, []int64{-1, 3})),
			Args: convert, Exit: 1, Msg: "split[0] = -1 is negative"},
		Case{Name: "panic-convert-tile-negative", Class: classPanics,
			Setup: model([]*onnxpb.NodeProto{Node("Tile", []string{"x", "r"}, []string{"big"})}, Int64s("r", []int64{1}, []int64{-2})),
			Args:  convert, Exit: 1, Msg: "repeats[0] = -2 is negative"},
		Case{Name: "panic-convert-split-many-outputs", Class: classPanics, Setup: splitMany, Args: convert, Exit: 1, Msg: "cannot be split into 10 outputs"},
		Case{Name: "panic-convert-concat-no-inputs", Class: classPanics,
			Setup: model([]*onnxpb.NodeProto{Node("Concat", nil, []string{"big"}, AttrInt("axis", 0))}),
			Args:  convert, Exit: 1, Msg: "has 0 inputs"},
		// Slice step INT64_MIN is a valid (one-element) slice: it converts
		// and verifies.
		Case{Name: "panic-verify-slice-step-int64-min", Class: classPanics, Setup: sliceStep(-1 << 63),
			Args: []string{"verify", "{dir}/model.onnx"}, Exit: 0},

		// Item 7's index half.
		Case{Name: "indices-gather-out-of-range-convert", Class: classIndices, Setup: gatherOut, Args: convert, Exit: 1, Msg: "index 5 is out of range"},
		Case{Name: "indices-gather-out-of-range-run-onnx", Class: classIndices, Setup: gatherOut, Args: runONNX, Exit: 1, Msg: "out of range"},
		Case{Name: "indices-gatherelements-out-of-range-convert", Class: classIndices, Setup: gatherElementsOut, Args: convert, Exit: 1, Msg: "index 2 at [1]"},
		Case{Name: "indices-gatherelements-out-of-range-run-onnx", Class: classIndices, Setup: gatherElementsOut, Args: runONNX, Exit: 1, Msg: "out of range"},
		Case{Name: "indices-scatternd-out-of-range-convert", Class: classIndices, Setup: scatterNDOut, Args: convert, Exit: 1, Msg: "index -3 at [0 0]"},
		Case{Name: "indices-scatternd-out-of-range-run-onnx", Class: classIndices, Setup: scatterNDOut, Args: runONNX, Exit: 1, Msg: "out of range"},
		Case{Name: "indices-gather-out-of-range-run-webnn", Class: classIndices,
			Setup: func(dir string) error {
				return WebNNText(dir, `webnn_graph "g" v1 {
  inputs { x: f32[1]; }
  consts { ind: i64[1] @bytes([5, 0, 0, 0, 0, 0, 0, 0]); }
  nodes {
    y = gather(x, ind, axis=0);
  }
  outputs { y; }
}
`)
			},
			Args: runWebNN, Exit: 1, Msg: "out of range"},
	)
}

func nan() float64 {
	var z float64
	return z / z
}
