package conformance

import (
	"fmt"
	"math"

	"github.com/webnn-graph/webnn-graph/onnxpb"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// diffCases4: special values (NaN, ±Inf, ±0, huge, tiny) through
// elementwise ops, and integer elementwise arithmetic with broadcasting.
func diffCases4() []*diffCase {
	var cs []*diffCase
	add := func(c *diffCase) { cs = append(cs, c) }
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	negZero := float32(math.Copysign(0, -1))
	special := f32s(nan, inf, -inf, 0, negZero, 1e-30, -1e-30, 3e38, -3e38, 0.5, -0.5, 1.5, -2.5, 100, -100, 1)
	out := f32(tensor.Float32)
	for _, op := range []string{"Relu", "Abs", "Neg", "Floor", "Ceil", "Round", "Sign", "Sqrt", "Log", "Exp", "Reciprocal",
		"Sigmoid", "Tanh", "Erf", "Softplus", "Softsign", "Sin", "Cos", "Tan", "HardSwish", "Elu", "Selu", "Gelu", "Mish"} {
		opset := int64(13)
		switch op {
		case "HardSwish":
			opset = 14
		case "Gelu":
			opset = 20
		case "Mish":
			opset = 18
		}
		add(&diffCase{name: "special_" + op, op: op, opset: opset, inputs: []diffInput{{name: "x", value: special}}, outputs: out})
	}
	add(&diffCase{name: "special_IsNaN", op: "IsNaN", opset: 13, inputs: []diffInput{{name: "x", value: special}}, outputs: f32(tensor.Bool)})
	add(&diffCase{name: "special_IsInf", op: "IsInf", opset: 10, inputs: []diffInput{{name: "x", value: special}}, outputs: f32(tensor.Bool)})
	other := f32s(1, nan, 0, negZero, inf, -inf, 2, -3, 0, 1e-30, 3e38, 0.5, 2.5, -100, 100, nan)
	for _, op := range []string{"Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Mod"} {
		c := &diffCase{name: "special_" + op, op: op, opset: 13, inputs: []diffInput{{name: "a", value: special}, {name: "b", value: other}}, outputs: out}
		if op == "Mod" {
			c.attrs = []*onnxpb.AttributeProto{attrI("fmod", 1)}
		}
		add(c)
	}
	for _, op := range []string{"Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual"} {
		opset := int64(13)
		if op == "LessOrEqual" || op == "GreaterOrEqual" {
			opset = 16
		}
		add(&diffCase{name: "special_" + op, op: op, opset: opset, inputs: []diffInput{{name: "a", value: special}, {name: "b", value: other}}, outputs: f32(tensor.Bool)})
	}
	add(&diffCase{name: "special_Clip", op: "Clip", opset: 13, inputs: []diffInput{{name: "x", value: special},
		{name: "lo", value: scalarOf(tensor.Float32, -1), init: true}, {name: "hi", value: scalarOf(tensor.Float32, 1), init: true}}, outputs: out})
	add(&diffCase{name: "special_Softmax_inf", op: "Softmax", opset: 13, attrs: []*onnxpb.AttributeProto{attrI("axis", -1)},
		inputs: []diffInput{{name: "x", value: &tensor.Tensor{DType: tensor.Float32, Shape: []int{3, 3}, Data: []float32{-inf, 0, 1, -inf, -inf, 2, 1e30, 1, 0}}}}, outputs: out})
	add(&diffCase{name: "special_ReduceMax_nan", op: "ReduceMax", opset: 18, attrs: []*onnxpb.AttributeProto{attrI("keepdims", 0)},
		inputs: []diffInput{{name: "x", value: &tensor.Tensor{DType: tensor.Float32, Shape: []int{2, 3}, Data: []float32{1, nan, 3, -inf, -inf, -inf}}}}, outputs: out})
	add(&diffCase{name: "special_ReduceLogSumExp_big", op: "ReduceLogSumExp", opset: 18, attrs: []*onnxpb.AttributeProto{attrI("keepdims", 0)},
		inputs: []diffInput{{name: "x", value: &tensor.Tensor{DType: tensor.Float32, Shape: []int{2, 3}, Data: []float32{100, 100, 99, -100, -200, -300}}}}, outputs: out})
	add(&diffCase{name: "special_LayerNorm_constant_row", op: "LayerNormalization", opset: 17, attrs: []*onnxpb.AttributeProto{attrI("axis", -1)},
		inputs: []diffInput{{name: "x", value: &tensor.Tensor{DType: tensor.Float32, Shape: []int{2, 4}, Data: []float32{3, 3, 3, 3, 1e4, 1e4 + 1, 1e4 + 2, 1e4 + 3}}},
			{name: "s", value: f32s(1, 1, 1, 1), init: true}}, outputs: out})
	// Integer elementwise with broadcasting and wrap-around.
	for _, dt := range []tensor.DType{tensor.Int8, tensor.Uint8, tensor.Int32, tensor.Int64} {
		a := tensor.New(dt, []int{2, 4})
		b := tensor.New(dt, []int{4})
		fill := func(t *tensor.Tensor, vs ...int64) {
			for i := range vs {
				switch d := t.Data.(type) {
				case []int8:
					d[i] = int8(vs[i])
				case []uint8:
					d[i] = uint8(vs[i])
				case []int32:
					d[i] = int32(vs[i])
				case []int64:
					d[i] = vs[i]
				}
			}
		}
		if dt == tensor.Uint8 {
			fill(a, 250, 3, 7, 0, 128, 9, 200, 1)
			fill(b, 10, 2, 3, 255)
		} else {
			fill(a, 120, -7, 7, 0, -128, 9, -9, 1)
			fill(b, 10, 2, -3, 3)
		}
		for _, op := range []string{"Add", "Sub", "Mul", "Div", "Max", "Min", "Equal", "Greater"} {
			o := f32(dt)
			if op == "Equal" || op == "Greater" {
				o = f32(tensor.Bool)
			}
			if op == "Div" && dt != tensor.Uint8 {
				// ONNX integer Div truncates toward zero (C semantics in ORT).
			}
			add(&diffCase{name: fmt.Sprintf("int_%s_%s", op, dt), op: op, opset: 13, inputs: []diffInput{{name: "a", value: a}, {name: "b", value: b}}, outputs: o})
		}
	}
	for i := range cs {
		cs[i].noGrow = true // the values are the point
	}
	return cs
}
