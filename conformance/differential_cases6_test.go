package conformance

import (
	"fmt"
	"math/rand/v2"

	"github.com/webnn-graph/webnn-graph/onnxpb"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// diffCases6: ops of issue 13 (ORT's transformer optimizer, opsets 23–26,
// pooling of other spatial ranks). Each is also checked against ONNX
// Runtime itself by the fixtures of testdata/ort (TestORTFixtures); these
// add attribute defaults and the dynamic-dim sweep.
func diffCases6() []*diffCase {
	r := rand.New(rand.NewPCG(13, 6))
	var cs []*diffCase
	add := func(c *diffCase) { cs = append(cs, c) }
	out := f32(tensor.Float32)
	const ms = "com.microsoft"

	add(&diffCase{name: "ms_biasadd", op: "BiasAdd", opset: 17, domain: ms,
		inputs: []diffInput{{name: "x", value: randF32(r, 2, 3, 4)}, {name: "b", value: randF32(r, 4), init: true}, {name: "s", value: randF32(r, 2, 3, 4)}}, outputs: out})
	add(&diffCase{name: "ms_quickgelu_default", op: "QuickGelu", opset: 17, domain: ms,
		inputs: []diffInput{{name: "x", value: randF32(r, 3, 5)}}, outputs: out})
	add(&diffCase{name: "ms_gelu", op: "Gelu", opset: 17, domain: ms,
		inputs: []diffInput{{name: "x", value: randF32(r, 3, 5)}}, outputs: out})
	add(&diffCase{name: "swish_default", op: "Swish", opset: 24,
		inputs: []diffInput{{name: "x", value: randF32(r, 3, 5)}}, outputs: out})
	add(&diffCase{name: "swish_alpha", op: "Swish", opset: 24, attrs: []*onnxpb.AttributeProto{attrF("alpha", 0.25)},
		inputs: []diffInput{{name: "x", value: randF32(r, 3, 5)}}, outputs: out})
	for _, ex := range []int64{0, 1} {
		for _, rev := range []int64{0, 1} {
			add(&diffCase{name: fmt.Sprintf("cumprod_axis0_ex%d_rev%d", ex, rev), op: "CumProd", opset: 26,
				attrs:  []*onnxpb.AttributeProto{attrI("exclusive", ex), attrI("reverse", rev)},
				inputs: []diffInput{{name: "x", value: randF32(r, 7, 2)}, {name: "axis", value: &tensor.Tensor{DType: tensor.Int64, Shape: []int{}, Data: []int64{0}}, init: true}}, outputs: out})
		}
	}
	add(&diffCase{name: "cumprod_int64", op: "CumProd", opset: 26,
		inputs:  []diffInput{{name: "x", value: &tensor.Tensor{DType: tensor.Int64, Shape: []int{2, 5}, Data: []int64{1, 2, 3, -4, 5, 2, 2, 2, 2, 2}}}, {name: "axis", value: &tensor.Tensor{DType: tensor.Int64, Shape: []int{}, Data: []int64{-1}}, init: true}},
		outputs: f32(tensor.Int64), noGrow: true})
	add(&diffCase{name: "rmsnormalization", op: "RMSNormalization", opset: 23,
		inputs: []diffInput{{name: "x", value: randF32(r, 2, 3, 6)}, {name: "s", value: randF32(r, 6), init: true}}, outputs: out})
	add(&diffCase{name: "reversesequence_default_axes", op: "ReverseSequence", opset: 10,
		inputs: []diffInput{{name: "x", value: randF32(r, 4, 3, 2)}, {name: "lens", value: i64s(2, 4, 0), init: true}}, outputs: out, noGrow: true})
	add(&diffCase{name: "ms_fusedmatmul_alpha", op: "FusedMatMul", opset: 17, domain: ms, attrs: []*onnxpb.AttributeProto{attrI("transB", 1), attrF("alpha", 0.125)},
		inputs: []diffInput{{name: "a", value: randF32(r, 2, 3, 4)}, {name: "b", value: randF32(r, 2, 5, 4)}}, outputs: out})
	for _, op := range []string{"GlobalMaxPool", "GlobalAveragePool"} {
		add(&diffCase{name: "pool1d_" + op, op: op, opset: 17, inputs: []diffInput{{name: "x", value: randF32(r, 2, 3, 5)}}, outputs: out})
	}
	add(&diffCase{name: "tensorscatter_axis2_noidx", op: "TensorScatter", opset: 24, attrs: []*onnxpb.AttributeProto{attrI("axis", 2)},
		inputs: []diffInput{{name: "past", value: randF32(r, 2, 2, 5, 3)}, {name: "upd", value: randF32(r, 2, 2, 2, 3)}}, outputs: out, noGrow: true})
	return cs
}
