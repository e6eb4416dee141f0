package lower

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/webnn-graph/webnn-graph/emit"
	"github.com/webnn-graph/webnn-graph/onnxpb"
	"github.com/webnn-graph/webnn-graph/tensor"
)

var update = flag.Bool("update", false, "rewrite lower/testdata/golden/*.webnn")

// goldenModels are small fixture models whose emitted text is pinned.
var goldenModels = []struct {
	name  string
	build func(t *testing.T) *onnxpb.Model
}{
	{"add_relu", func(t *testing.T) *onnxpb.Model {
		// Dynamic batch passes through element-wise ops unchanged.
		return newModel(17).
			input("x", tensor.Float32, "batch_size", 4).
			init("bias", f32([]int{4}, 1, 2, 3, 4)).
			node("Add", "/block/Add", strs("x", "bias"), strs("sum")).
			node("Relu", "/block/Relu", strs("sum"), strs("y")).
			output("y", tensor.Float32, "batch_size", 4).
			build(t)
	}},
	{"conv_pool_gemm", func(t *testing.T) *onnxpb.Model {
		return newModel(17).
			input("image", tensor.Float32, "batch_size", 4, 8, 8).
			init("w", f32([]int{8, 2, 3, 3})).
			init("b", f32([]int{8})).
			init("fc_w", f32([]int{3, 8})).
			init("fc_b", f32([]int{3})).
			node("Conv", "conv", strs("image", "w", "b"), strs("c"), aInt("group", 2), aInts("pads", 1, 1, 1, 1), aInts("strides", 2, 2)).
			node("Clip", "relu6", strs("c", "lo", "hi"), strs("r")).
			node("Constant", "lo_c", nil, strs("lo"), aTensor("value", &tensor.Tensor{DType: tensor.Float32, Shape: []int{}, Data: []float32{0}})).
			node("Constant", "hi_c", nil, strs("hi"), aTensor("value", &tensor.Tensor{DType: tensor.Float32, Shape: []int{}, Data: []float32{6}})).
			node("MaxPool", "pool", strs("r"), strs("p"), aInts("kernel_shape", 2, 2), aString("auto_pad", "SAME_UPPER")).
			node("GlobalAveragePool", "gap", strs("p"), strs("g")).
			node("Flatten", "flatten", strs("g"), strs("f")).
			node("Gemm", "fc", strs("f", "fc_w", "fc_b"), strs("logits"), aInt("transB", 1)).
			output("logits", tensor.Float32, "batch_size", 3).
			build(t)
	}},
	{"layernorm_softmax", func(t *testing.T) *onnxpb.Model {
		return newModel(17).
			input("h", tensor.Float32, "batch_size", "sequence_length", 8).
			init("gamma", f32([]int{8})).
			init("beta", f32([]int{8})).
			node("LayerNormalization", "ln", strs("h", "gamma", "beta"), strs("n"), aInt("axis", -1), aFloat("epsilon", 1e-12)).
			node("Softmax", "sm", strs("n"), strs("probs"), aInt("axis", -1)).
			output("probs", tensor.Float32, "batch_size", "sequence_length", 8).
			build(t)
	}},
	{"dynamic_reshape_mask", func(t *testing.T) *onnxpb.Model {
		// A reshape whose target comes from Shape/Gather/Concat, and a
		// causal mask built from Range/Less/Where over sequence_length.
		return newModel(17).
			input("x", tensor.Float32, "batch_size", "sequence_length", 8).
			node("Shape", "/Shape", strs("x"), strs("shape")).
			node("Gather", "/Gather", strs("shape", "one"), strs("seq"), aInt("axis", 0)).
			node("Constant", "/one", nil, strs("one"), aTensor("value", i64Scalar(1))).
			node("Constant", "/zero", nil, strs("zero"), aTensor("value", i64Scalar(0))).
			node("Constant", "/step", nil, strs("step"), aTensor("value", i64Scalar(1))).
			node("Gather", "/Gather_b", strs("shape", "zero"), strs("batch"), aInt("axis", 0)).
			node("Unsqueeze", "/Unsqueeze_b", strs("batch", "axes0"), strs("b1")).
			node("Unsqueeze", "/Unsqueeze_s", strs("seq", "axes0"), strs("s1")).
			node("Constant", "/axes0", nil, strs("axes0"), aTensor("value", i64(0))).
			node("Constant", "/heads", nil, strs("heads"), aTensor("value", i64(2, 4))).
			node("Concat", "/Concat", strs("b1", "s1", "heads"), strs("target"), aInt("axis", 0)).
			node("Reshape", "/Reshape", strs("x", "target"), strs("split_heads")).
			node("Range", "/Range", strs("zero", "seq", "step"), strs("pos")).
			node("Unsqueeze", "/Unsqueeze_pos", strs("pos", "axes1"), strs("col")).
			node("Constant", "/axes1", nil, strs("axes1"), aTensor("value", i64(1))).
			node("Greater", "/Greater", strs("pos", "col"), strs("future")).
			node("Constant", "/neg", nil, strs("neg"), aTensor("value", &tensor.Tensor{DType: tensor.Float32, Shape: []int{}, Data: []float32{-1e9}})).
			node("Constant", "/zf", nil, strs("zf"), aTensor("value", &tensor.Tensor{DType: tensor.Float32, Shape: []int{}, Data: []float32{0}})).
			node("Where", "/Where", strs("future", "neg", "zf"), strs("mask")).
			output("split_heads", tensor.Float32, "batch_size", "sequence_length", 2, 4).
			output("mask", tensor.Float32, "sequence_length", "sequence_length").
			build(t)
	}},
	{"slice_past", func(t *testing.T) *onnxpb.Model {
		// GPT-2's causal bias slice: rows [past, past+seq) of a static
		// buffer, a dynamic start expressed with reverse + slice.
		return newModel(17).
			input("q", tensor.Float32, "batch_size", "sequence_length", 4).
			input("past", tensor.Float32, "batch_size", "past_sequence_length", 4).
			init("bias", f32([]int{16, 16})).
			node("Shape", "/Shape_q", strs("q"), strs("sq")).
			node("Shape", "/Shape_p", strs("past"), strs("sp")).
			node("Slice", "/Slice_q", strs("sq", "i1", "i2"), strs("seq")).
			node("Slice", "/Slice_p", strs("sp", "i1", "i2"), strs("plen")).
			node("Constant", "/i1", nil, strs("i1"), aTensor("value", i64(1))).
			node("Constant", "/i2", nil, strs("i2"), aTensor("value", i64(2))).
			node("Add", "/Add", strs("seq", "plen"), strs("total")).
			node("Slice", "/Slice_bias", strs("bias", "plen", "total", "i0"), strs("rows")).
			node("Constant", "/i0", nil, strs("i0"), aTensor("value", i64(0))).
			output("rows", tensor.Float32, "sequence_length", 16).
			build(t)
	}},
}

// TestGolden compares the emitted text of the fixture models with
// testdata/golden/<name>.webnn (go test ./lower -run TestGolden -update
// rewrites them).
func TestGolden(t *testing.T) {
	for _, tc := range goldenModels {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Convert(tc.build(t), Options{Name: tc.name, Target: anySizes})
			if err != nil {
				t.Fatalf("convert: %v", err)
			}
			got, err := emit.PrintText(res.Graph)
			if err != nil {
				t.Fatalf("print: %v", err)
			}
			if _, err := emit.ParseText(got); err != nil {
				t.Fatalf("emitted text does not parse back: %v\n%s", err, got)
			}
			path := filepath.Join("testdata", "golden", tc.name+".webnn")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the emitted text (run with -update after checking):\n--- got ---\n%s", path, got)
			}
		})
	}
}
