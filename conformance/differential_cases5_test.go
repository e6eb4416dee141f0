package conformance

import (
	"math/rand/v2"

	"github.com/webnn-graph/webnn-graph/onnxpb"
	"github.com/webnn-graph/webnn-graph/tensor"
)

func u8s(shape []int, v ...uint8) *tensor.Tensor {
	return &tensor.Tensor{DType: tensor.Uint8, Shape: shape, Data: v}
}

func i8s(shape []int, v ...int8) *tensor.Tensor {
	return &tensor.Tensor{DType: tensor.Int8, Shape: shape, Data: v}
}

func randU8(r *rand.Rand, shape ...int) *tensor.Tensor {
	t := tensor.New(tensor.Uint8, shape)
	for i := range t.Data.([]uint8) {
		t.Data.([]uint8)[i] = uint8(r.IntN(256))
	}
	return t
}

func randI8(r *rand.Rand, shape ...int) *tensor.Tensor {
	t := tensor.New(tensor.Int8, shape)
	for i := range t.Data.([]int8) {
		t.Data.([]int8)[i] = int8(r.IntN(256) - 128)
	}
	return t
}

// diffCases5: the quantized and com.microsoft ops transformer and
// quantized exports use (issue 7 items 1 and 2).
func diffCases5() []*diffCase {
	r := rand.New(rand.NewPCG(9, 10))
	var cs []*diffCase
	add := func(c *diffCase) { cs = append(cs, c) }
	out := f32(tensor.Float32)

	add(&diffCase{name: "dynamicquantizelinear_ties", op: "DynamicQuantizeLinear", opset: 11,
		inputs:  []diffInput{{name: "x", value: f32s(-1, 0, 1.5, 2.5, 0.25, 3.0/255*100.5, 1)}},
		outputs: []tensor.DType{tensor.Uint8, tensor.Float32, tensor.Uint8}, noGrow: true})
	add(&diffCase{name: "dynamicquantizelinear_random", op: "DynamicQuantizeLinear", opset: 11,
		inputs: []diffInput{{name: "x", value: randF32(r, 3, 5)}}, outputs: []tensor.DType{tensor.Uint8, tensor.Float32, tensor.Uint8}})
	add(&diffCase{name: "matmulinteger_u8", op: "MatMulInteger", opset: 10,
		inputs: []diffInput{{name: "a", value: randU8(r, 3, 4)}, {name: "b", value: randU8(r, 4, 2), init: true},
			{name: "az", value: u8s([]int{}, 12), init: true}, {name: "bz", value: u8s([]int{}, 130), init: true}},
		outputs: f32(tensor.Int32), noGrow: true})
	add(&diffCase{name: "matmulinteger_u8_i8_per_column", op: "MatMulInteger", opset: 10,
		inputs: []diffInput{{name: "a", value: randU8(r, 2, 3, 4)}, {name: "b", value: randI8(r, 4, 2), init: true},
			{name: "az", value: u8s([]int{}, 128), init: true}, {name: "bz", value: i8s([]int{2}, -3, 5), init: true}},
		outputs: f32(tensor.Int32), noGrow: true})
	add(&diffCase{name: "qlinearmatmul", op: "QLinearMatMul", opset: 10,
		inputs: []diffInput{{name: "a", value: randU8(r, 3, 4)}, {name: "as", value: scalarOf(tensor.Float32, 0.02), init: true}, {name: "az", value: u8s([]int{}, 100), init: true},
			{name: "b", value: randU8(r, 4, 5), init: true}, {name: "bs", value: scalarOf(tensor.Float32, 0.03), init: true}, {name: "bz", value: u8s([]int{}, 120), init: true},
			{name: "ys", value: scalarOf(tensor.Float32, 0.5), init: true}, {name: "yz", value: u8s([]int{}, 128), init: true}},
		outputs: f32(tensor.Uint8), noGrow: true})
	add(&diffCase{name: "convinteger", op: "ConvInteger", opset: 10, attrs: []*onnxpb.AttributeProto{attrInts("pads", 1, 1, 1, 1)},
		inputs: []diffInput{{name: "x", value: randU8(r, 1, 2, 4, 4)}, {name: "w", value: randU8(r, 3, 2, 3, 3), init: true},
			{name: "xz", value: u8s([]int{}, 7), init: true}, {name: "wz", value: u8s([]int{}, 128), init: true}},
		outputs: f32(tensor.Int32), noGrow: true})
	add(&diffCase{name: "qlinearconv", op: "QLinearConv", opset: 10, attrs: []*onnxpb.AttributeProto{attrInts("pads", 1, 1, 1, 1)},
		inputs: []diffInput{{name: "x", value: randU8(r, 1, 2, 4, 4)}, {name: "xs", value: scalarOf(tensor.Float32, 0.05), init: true}, {name: "xz", value: u8s([]int{}, 10), init: true},
			{name: "w", value: randI8(r, 3, 2, 3, 3), init: true}, {name: "ws", value: f32s(0.01, 0.02, 0.03), init: true}, {name: "wz", value: i8s([]int{3}, 0, 0, 0), init: true},
			{name: "ys", value: scalarOf(tensor.Float32, 0.4), init: true}, {name: "yz", value: u8s([]int{}, 128), init: true},
			{name: "b", value: &tensor.Tensor{DType: tensor.Int32, Shape: []int{3}, Data: []int32{100, -50, 7}}, init: true}},
		outputs: f32(tensor.Uint8), noGrow: true})
	// com.microsoft fused ops.
	ms := "com.microsoft"
	add(&diffCase{name: "ms_fastgelu_bias", op: "FastGelu", opset: 17, domain: ms,
		inputs: []diffInput{{name: "x", value: randF32(r, 2, 3, 8)}, {name: "b", value: randF32(r, 8), init: true}}, outputs: out})
	add(&diffCase{name: "ms_biasgelu", op: "BiasGelu", opset: 17, domain: ms,
		inputs: []diffInput{{name: "x", value: randF32(r, 2, 3, 8)}, {name: "b", value: randF32(r, 8), init: true}}, outputs: out})
	add(&diffCase{name: "ms_skiplayernorm", op: "SkipLayerNormalization", opset: 17, domain: ms, attrs: []*onnxpb.AttributeProto{attrF("epsilon", 1e-5)},
		inputs: []diffInput{{name: "x", value: randF32(r, 2, 3, 8)}, {name: "skip", value: randF32(r, 2, 3, 8)}, {name: "g", value: randF32(r, 8), init: true},
			{name: "beta", value: randF32(r, 8), init: true}, {name: "bias", value: randF32(r, 8), init: true}}, outputs: out})
	// MatMulNBits: 4-bit weights, K=32 in one block of 32 (N=3), zero points default 8.
	const n, k, block = 3, 32, 16
	packed := make([]uint8, n*(k/block)*(block/2))
	for i := range packed {
		packed[i] = uint8(r.IntN(256))
	}
	add(&diffCase{name: "ms_matmulnbits_4bit", op: "MatMulNBits", opset: 17, domain: ms,
		attrs: []*onnxpb.AttributeProto{attrI("K", k), attrI("N", n), attrI("bits", 4), attrI("block_size", block)},
		inputs: []diffInput{{name: "a", value: randF32(r, 2, k)}, {name: "b", value: u8s([]int{n, k / block, block / 2}, packed...), init: true},
			{name: "s", value: scaled(randF32(r, n*(k/block)), 0.1), init: true}}, outputs: out})
	return cs
}
