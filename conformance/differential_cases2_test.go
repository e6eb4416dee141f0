package conformance

import (
	"fmt"
	"math/rand/v2"

	"github.com/webnn-graph/webnn-graph/onnxpb"
	"github.com/webnn-graph/webnn-graph/tensor"
)

func attrFs(name string, v ...float32) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: name, Type: onnxpb.AttributeProto_FLOATS, Floats: v}
}

func attrSs(name string, v ...string) *onnxpb.AttributeProto {
	a := &onnxpb.AttributeProto{Name: name, Type: onnxpb.AttributeProto_STRINGS}
	for _, s := range v {
		a.Strings = append(a.Strings, []byte(s))
	}
	return a
}

func scalarOf(dt tensor.DType, v float64) *tensor.Tensor {
	t := tensor.New(dt, []int{})
	switch d := t.Data.(type) {
	case []float32:
		d[0] = float32(v)
	case []int8:
		d[0] = int8(v)
	case []uint8:
		d[0] = uint8(v)
	case []int32:
		d[0] = int32(v)
	case []int64:
		d[0] = int64(v)
	}
	return t
}

// diffCases2: recurrent nets, quantization rounding, broadcasting matmul,
// scatter/gather index forms and parameterised activations.
func diffCases2() []*diffCase {
	r := rand.New(rand.NewPCG(3, 4))
	var cs []*diffCase
	add := func(c *diffCase) { cs = append(cs, c) }
	out := f32(tensor.Float32)

	// LSTM / GRU: directions, biases, GRU linear_before_reset, layout.
	const seq, batch, in, hid = 3, 2, 4, 5
	for _, dir := range []string{"forward", "reverse", "bidirectional"} {
		nd := 1
		if dir == "bidirectional" {
			nd = 2
		}
		for _, withB := range []bool{false, true} {
			ins := []diffInput{{name: "x", value: randF32(r, seq, batch, in)}, {name: "w", value: scaled(randF32(r, nd, 4*hid, in), 0.3), init: true},
				{name: "r", value: scaled(randF32(r, nd, 4*hid, hid), 0.3), init: true}}
			if withB {
				ins = append(ins, diffInput{name: "b", value: scaled(randF32(r, nd, 8*hid), 0.3), init: true})
			}
			add(&diffCase{name: fmt.Sprintf("lstm_%s_b%v", dir, withB), op: "LSTM", opset: 14,
				attrs: []*onnxpb.AttributeProto{attrS("direction", dir), attrI("hidden_size", hid)}, inputs: ins,
				outputs: []tensor.DType{tensor.Float32, tensor.Float32, tensor.Float32}})
			for _, lbr := range []int64{0, 1} {
				gins := []diffInput{{name: "x", value: randF32(r, seq, batch, in)}, {name: "w", value: scaled(randF32(r, nd, 3*hid, in), 0.3), init: true},
					{name: "r", value: scaled(randF32(r, nd, 3*hid, hid), 0.3), init: true}}
				if withB {
					gins = append(gins, diffInput{name: "b", value: scaled(randF32(r, nd, 6*hid), 0.3), init: true})
				}
				add(&diffCase{name: fmt.Sprintf("gru_%s_b%v_lbr%d", dir, withB, lbr), op: "GRU", opset: 14,
					attrs:  []*onnxpb.AttributeProto{attrS("direction", dir), attrI("hidden_size", hid), attrI("linear_before_reset", lbr)},
					inputs: gins, outputs: []tensor.DType{tensor.Float32, tensor.Float32}})
			}
		}
	}
	add(&diffCase{name: "lstm_layout1", op: "LSTM", opset: 14,
		attrs: []*onnxpb.AttributeProto{attrI("hidden_size", hid), attrI("layout", 1)},
		inputs: []diffInput{{name: "x", value: randF32(r, batch, seq, in)}, {name: "w", value: scaled(randF32(r, 1, 4*hid, in), 0.3), init: true},
			{name: "r", value: scaled(randF32(r, 1, 4*hid, hid), 0.3), init: true}},
		outputs: []tensor.DType{tensor.Float32, tensor.Float32, tensor.Float32}})
	add(&diffCase{name: "lstm_activations_sigmoid_tanh_relu", op: "LSTM", opset: 14,
		attrs: []*onnxpb.AttributeProto{attrI("hidden_size", hid), attrSs("activations", "Sigmoid", "Tanh", "Relu")},
		inputs: []diffInput{{name: "x", value: randF32(r, seq, batch, in)}, {name: "w", value: scaled(randF32(r, 1, 4*hid, in), 0.3), init: true},
			{name: "r", value: scaled(randF32(r, 1, 4*hid, hid), 0.3), init: true}},
		outputs: []tensor.DType{tensor.Float32}})

	// QuantizeLinear / DequantizeLinear: ties (x/scale = k + 0.5 rounds to
	// even), saturation, per-axis, blocked.
	ties := f32s(0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 254.5, 300, -300, 127.5, 0.25, 3.75)
	for _, zdt := range []tensor.DType{tensor.Uint8, tensor.Int8} {
		zp := 0.0
		if zdt == tensor.Uint8 {
			zp = 3
		}
		add(&diffCase{name: "quantizelinear_ties_" + zdt.String(), op: "QuantizeLinear", opset: 13,
			inputs: []diffInput{{name: "x", value: ties}, {name: "s", value: scalarOf(tensor.Float32, 1), init: true},
				{name: "z", value: scalarOf(zdt, zp), init: true}}, outputs: f32(zdt)})
		add(&diffCase{name: "quantizelinear_scale_" + zdt.String(), op: "QuantizeLinear", opset: 13,
			inputs: []diffInput{{name: "x", value: randF32(r, 12)}, {name: "s", value: scalarOf(tensor.Float32, 0.02), init: true},
				{name: "z", value: scalarOf(zdt, zp), init: true}}, outputs: f32(zdt)})
	}
	add(&diffCase{name: "quantizelinear_per_axis", op: "QuantizeLinear", opset: 13, attrs: []*onnxpb.AttributeProto{attrI("axis", 1)},
		inputs: []diffInput{{name: "x", value: randF32(r, 2, 3, 2)}, {name: "s", value: f32s(0.01, 0.02, 0.05), init: true},
			{name: "z", value: &tensor.Tensor{DType: tensor.Uint8, Shape: []int{3}, Data: []uint8{0, 128, 255}}, init: true}}, outputs: f32(tensor.Uint8)})
	add(&diffCase{name: "dequantizelinear_per_axis", op: "DequantizeLinear", opset: 13, attrs: []*onnxpb.AttributeProto{attrI("axis", 0)},
		inputs: []diffInput{{name: "x", value: &tensor.Tensor{DType: tensor.Int8, Shape: []int{2, 3}, Data: []int8{-128, 0, 127, 5, -5, 1}}},
			{name: "s", value: f32s(0.5, 0.25), init: true}, {name: "z", value: &tensor.Tensor{DType: tensor.Int8, Shape: []int{2}, Data: []int8{1, -2}}, init: true}},
		outputs: out})
	add(&diffCase{name: "dequantizelinear_blocked", op: "DequantizeLinear", opset: 21, attrs: []*onnxpb.AttributeProto{attrI("axis", 1), attrI("block_size", 2)},
		inputs: []diffInput{{name: "x", value: &tensor.Tensor{DType: tensor.Int8, Shape: []int{2, 4}, Data: []int8{-128, 0, 127, 5, -5, 1, 2, 3}}},
			{name: "s", value: &tensor.Tensor{DType: tensor.Float32, Shape: []int{2, 2}, Data: []float32{0.5, 0.25, 2, 4}}, init: true}},
		outputs: out})

	// MatMul broadcasting and 1-D operands.
	for i, sh := range [][2][]int{{{2, 1, 3, 4}, {3, 4, 5}}, {{4}, {2, 4, 3}}, {{2, 3, 4}, {4}}, {{4}, {4}}, {{1, 3, 4}, {2, 4, 2}}} {
		add(&diffCase{name: fmt.Sprintf("matmul_bcast_%d", i), op: "MatMul", opset: 13,
			inputs: []diffInput{{name: "a", value: randF32(r, sh[0]...)}, {name: "b", value: randF32(r, sh[1]...)}}, outputs: out})
	}
	// Gather with a scalar index, ScatterND / ScatterElements with negative indices.
	add(&diffCase{name: "gather_scalar_index", op: "Gather", opset: 13, attrs: []*onnxpb.AttributeProto{attrI("axis", 1)},
		inputs: []diffInput{{name: "x", value: randF32(r, 3, 4, 2)}, {name: "i", value: scalarOf(tensor.Int64, -1), init: true}}, outputs: out})
	add(&diffCase{name: "gathernd_neg", op: "GatherND", opset: 13,
		inputs: []diffInput{{name: "x", value: randF32(r, 3, 4)}, {name: "i", value: &tensor.Tensor{DType: tensor.Int64, Shape: []int{2, 2}, Data: []int64{-1, 0, 1, -1}}}}, outputs: out})
	add(&diffCase{name: "scatternd_neg", op: "ScatterND", opset: 13,
		inputs: []diffInput{{name: "x", value: randF32(r, 4, 3)}, {name: "i", value: &tensor.Tensor{DType: tensor.Int64, Shape: []int{2, 1}, Data: []int64{-1, 1}}, init: true},
			{name: "u", value: randF32(r, 2, 3)}}, outputs: out})
	for axis := int64(0); axis < 2; axis++ {
		add(&diffCase{name: fmt.Sprintf("scatterelements_neg_axis%d", axis), op: "ScatterElements", opset: 13, attrs: []*onnxpb.AttributeProto{attrI("axis", axis)},
			inputs: []diffInput{{name: "x", value: randF32(r, 3, 3)}, {name: "i", value: &tensor.Tensor{DType: tensor.Int64, Shape: []int{2, 2}, Data: []int64{-1, 0, 2, -2}}, init: true},
				{name: "u", value: randF32(r, 2, 2)}}, outputs: out})
	}
	// Reshape allowzero / zero dims / -1; Tile; Expand.
	add(&diffCase{name: "reshape_zero_copies", op: "Reshape", opset: 14,
		inputs: []diffInput{{name: "x", value: randF32(r, 2, 3, 4)}, {name: "s", value: i64s(0, -1, 2), init: true}}, outputs: out})
	add(&diffCase{name: "tile", op: "Tile", opset: 13,
		inputs: []diffInput{{name: "x", value: randF32(r, 2, 3)}, {name: "k", value: i64s(2, 3), init: true}}, outputs: out})
	add(&diffCase{name: "expand_rank_up", op: "Expand", opset: 13,
		inputs: []diffInput{{name: "x", value: randF32(r, 3, 1)}, {name: "s", value: i64s(2, 1, 4), init: true}}, outputs: out})

	// Parameterised activations and elementwise edge cases.
	x := randF32(r, 3, 5)
	for _, a := range []struct {
		op    string
		opset int64
		attrs []*onnxpb.AttributeProto
	}{
		{"Elu", 6, []*onnxpb.AttributeProto{attrF("alpha", 0.7)}},
		{"Selu", 6, []*onnxpb.AttributeProto{attrF("alpha", 1.5), attrF("gamma", 1.1)}},
		{"Celu", 12, []*onnxpb.AttributeProto{attrF("alpha", 0.8)}},
		{"HardSigmoid", 6, []*onnxpb.AttributeProto{attrF("alpha", 0.3), attrF("beta", 0.4)}},
		{"HardSwish", 14, nil},
		{"LeakyRelu", 16, []*onnxpb.AttributeProto{attrF("alpha", 0.2)}},
		{"ThresholdedRelu", 10, []*onnxpb.AttributeProto{attrF("alpha", 0.5)}},
		{"Shrink", 9, []*onnxpb.AttributeProto{attrF("lambd", 0.7), attrF("bias", 0.2)}},
		{"Softplus", 1, nil},
		{"Softsign", 1, nil},
		{"Mish", 18, nil},
		{"Gelu", 20, nil},
		{"Gelu", 20, []*onnxpb.AttributeProto{attrS("approximate", "tanh")}},
		{"Erf", 13, nil},
		{"Sign", 13, nil},
		{"Reciprocal", 13, nil},
		{"Tan", 7, nil},
		{"Sin", 7, nil},
		{"Cos", 7, nil},
		{"IsInf", 10, []*onnxpb.AttributeProto{attrI("detect_negative", 0)}},
	} {
		o := out
		if a.op == "IsInf" {
			o = f32(tensor.Bool)
		}
		add(&diffCase{name: fmt.Sprintf("act_%s_%d", a.op, len(cs)), op: a.op, opset: a.opset, attrs: a.attrs, inputs: []diffInput{{name: "x", value: x}}, outputs: o})
	}
	add(&diffCase{name: "prelu_channel_slope", op: "PRelu", opset: 16,
		inputs: []diffInput{{name: "x", value: randF32(r, 2, 3, 2, 2)}, {name: "s", value: &tensor.Tensor{DType: tensor.Float32, Shape: []int{3, 1, 1}, Data: []float32{0.1, -0.5, 2}}, init: true}}, outputs: out})
	add(&diffCase{name: "pow_neg_base_int_exp", op: "Pow", opset: 15,
		inputs: []diffInput{{name: "x", value: f32s(-2, -1.5, 0, 3)}, {name: "y", value: f32s(3, 2, 2, -1), init: true}}, outputs: out})
	add(&diffCase{name: "clip_int32", op: "Clip", opset: 13,
		inputs: []diffInput{{name: "x", value: &tensor.Tensor{DType: tensor.Int32, Shape: []int{5}, Data: []int32{-9, -1, 0, 4, 100}}},
			{name: "lo", value: scalarOf(tensor.Int32, -2), init: true}, {name: "hi", value: scalarOf(tensor.Int32, 5), init: true}}, outputs: f32(tensor.Int32)})
	add(&diffCase{name: "clip_min_gt_max", op: "Clip", opset: 13,
		inputs: []diffInput{{name: "x", value: f32s(-3, 0, 3)}, {name: "lo", value: scalarOf(tensor.Float32, 1), init: true}, {name: "hi", value: scalarOf(tensor.Float32, -1), init: true}}, outputs: out})
	for _, op := range []string{"Sum", "Mean", "Max", "Min"} {
		add(&diffCase{name: "variadic_" + op, op: op, opset: 13,
			inputs: []diffInput{{name: "a", value: randF32(r, 2, 1, 3)}, {name: "b", value: randF32(r, 4, 1)}, {name: "c", value: randF32(r, 3)}}, outputs: out})
	}
	add(&diffCase{name: "batchnorm", op: "BatchNormalization", opset: 15, attrs: []*onnxpb.AttributeProto{attrF("epsilon", 1e-2)},
		inputs: []diffInput{{name: "x", value: randF32(r, 2, 3, 2, 2)}, {name: "s", value: randF32(r, 3), init: true}, {name: "b", value: randF32(r, 3), init: true},
			{name: "m", value: randF32(r, 3), init: true}, {name: "v", value: f32s(0.5, 1, 2), init: true}}, outputs: out})
	add(&diffCase{name: "where_bcast", op: "Where", opset: 16,
		inputs: []diffInput{{name: "c", value: &tensor.Tensor{DType: tensor.Bool, Shape: []int{3, 1}, Data: []bool{true, false, true}}},
			{name: "a", value: randF32(r, 1, 4)}, {name: "b", value: randF32(r, 3, 4)}}, outputs: out})
	add(&diffCase{name: "onehot_neg", op: "OneHot", opset: 11, attrs: []*onnxpb.AttributeProto{attrI("axis", -1)},
		inputs: []diffInput{{name: "i", value: &tensor.Tensor{DType: tensor.Int64, Shape: []int{4}, Data: []int64{0, -1, 2, -3}}},
			{name: "d", value: scalarOf(tensor.Int64, 4), init: true}, {name: "v", value: f32s(-1, 5), init: true}}, outputs: out})
	add(&diffCase{name: "flatten_axis2", op: "Flatten", opset: 13, attrs: []*onnxpb.AttributeProto{attrI("axis", 2)},
		inputs: []diffInput{{name: "x", value: randF32(r, 2, 3, 4, 5)}}, outputs: out})
	add(&diffCase{name: "meanvariancenorm", op: "MeanVarianceNormalization", opset: 13,
		inputs: []diffInput{{name: "x", value: randF32(r, 2, 3, 2, 2)}}, outputs: out})
	add(&diffCase{name: "conv1d", op: "Conv", opset: 11, attrs: []*onnxpb.AttributeProto{attrInts("pads", 1, 2), attrInts("strides", 2)},
		inputs: []diffInput{{name: "x", value: randF32(r, 1, 3, 9)}, {name: "w", value: randF32(r, 2, 3, 3), init: true}}, outputs: out})
	add(&diffCase{name: "lppool", op: "LpPool", opset: 18, attrs: []*onnxpb.AttributeProto{attrInts("kernel_shape", 2, 2), attrI("p", 3)},
		inputs: []diffInput{{name: "x", value: randF32(r, 1, 2, 4, 4)}}, outputs: out})
	add(&diffCase{name: "globalavgpool", op: "GlobalAveragePool", opset: 1, inputs: []diffInput{{name: "x", value: randF32(r, 1, 2, 3, 5)}}, outputs: out})
	add(&diffCase{name: "globalmaxpool", op: "GlobalMaxPool", opset: 1, inputs: []diffInput{{name: "x", value: randF32(r, 1, 2, 3, 5)}}, outputs: out})
	return cs
}

func scaled(t *tensor.Tensor, k float32) *tensor.Tensor {
	for i := range t.Data.([]float32) {
		t.Data.([]float32)[i] *= k
	}
	return t
}
