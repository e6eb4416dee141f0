package conformance

import (
	"fmt"
	"math/rand/v2"

	"github.com/webnn-graph/webnn-graph/onnxpb"
	"github.com/webnn-graph/webnn-graph/tensor"
)

func nd(op string, ins, outs []string, attrs ...*onnxpb.AttributeProto) *onnxpb.NodeProto {
	return &onnxpb.NodeProto{Name: op + "_" + outs[0], OpType: op, Input: ins, Output: outs, Attribute: attrs}
}

func ss(v ...string) []string { return v }

// diffCases3: random slices (the dynamic-dim slice lowering rebuilds
// starts and sizes from expressions) and the shape-arithmetic subgraphs
// that exporters emit around Reshape/Expand/Slice.
func diffCases3() []*diffCase {
	r := rand.New(rand.NewPCG(5, 6))
	var cs []*diffCase
	add := func(c *diffCase) { cs = append(cs, c) }
	out := f32(tensor.Float32)
	pick := func(v ...int64) int64 { return v[r.IntN(len(v))] }
	for i := 0; i < 60; i++ {
		shape := []int{6, 7, 5}
		naxes := 1 + r.IntN(3)
		perm := r.Perm(3)[:naxes]
		var starts, ends, axes, steps []int64
		for _, a := range perm {
			axes = append(axes, int64(a))
			starts = append(starts, pick(-100, -8, -5, -3, -1, 0, 1, 2, 4, 6, 100))
			ends = append(ends, pick(-100, -8, -4, -2, -1, 0, 1, 3, 5, 7, 100))
			steps = append(steps, pick(-3, -2, -1, 1, 1, 2, 3))
		}
		add(&diffCase{name: fmt.Sprintf("slice_random_%02d", i), op: "Slice", opset: 13,
			inputs: []diffInput{{name: "x", value: randF32(r, shape...)}, {name: "starts", value: i64s(starts...), init: true},
				{name: "ends", value: i64s(ends...), init: true}, {name: "axes", value: i64s(axes...), init: true},
				{name: "steps", value: i64s(steps...), init: true}}, outputs: out})
	}
	scalarI := func(v int64) *tensor.Tensor {
		return &tensor.Tensor{DType: tensor.Int64, Shape: []int{}, Data: []int64{v}}
	}
	// Reshape [b, s, 8] → [b, s, 2, 4] from Shape + Gather + Concat, then
	// transpose and merge back: the attention head split exporters emit.
	add(&diffCase{name: "pattern_head_split", opset: 13,
		inputs: []diffInput{{name: "x", value: randF32(r, 2, 3, 8)}, {name: "i0", value: scalarI(0), init: true}, {name: "i1", value: scalarI(1), init: true},
			{name: "heads", value: i64s(2, 4), init: true}, {name: "ax0", value: i64s(0), init: true}, {name: "merge", value: i64s(0, 0, -1), init: true}},
		nodes: []*onnxpb.NodeProto{
			nd("Shape", ss("x"), ss("sh")),
			nd("Gather", ss("sh", "i0"), ss("b"), attrI("axis", 0)),
			nd("Gather", ss("sh", "i1"), ss("s"), attrI("axis", 0)),
			nd("Unsqueeze", ss("b", "ax0"), ss("bu")),
			nd("Unsqueeze", ss("s", "ax0"), ss("su")),
			nd("Concat", ss("bu", "su", "heads"), ss("newshape"), attrI("axis", 0)),
			nd("Reshape", ss("x", "newshape"), ss("r4")),
			nd("Transpose", ss("r4"), ss("t"), attrInts("perm", 0, 2, 1, 3)),
			nd("Softmax", ss("t"), ss("sm"), attrI("axis", -1)),
			nd("Transpose", ss("sm"), ss("t2"), attrInts("perm", 0, 2, 1, 3)),
			nd("Reshape", ss("t2", "merge"), ss("y0")),
		}, outputs: out})
	// Range over a dynamic length used as positions; Expand to another
	// input's shape; Slice with ends from a Shape.
	add(&diffCase{name: "pattern_range_positions", opset: 13,
		inputs: []diffInput{{name: "x", value: randF32(r, 2, 5)}, {name: "i1", value: scalarI(1), init: true}, {name: "zero", value: scalarI(0), init: true},
			{name: "one", value: scalarI(1), init: true}},
		nodes: []*onnxpb.NodeProto{
			nd("Shape", ss("x"), ss("sh")),
			nd("Gather", ss("sh", "i1"), ss("n"), attrI("axis", 0)),
			nd("Range", ss("zero", "n", "one"), ss("pos")),
			nd("Cast", ss("pos"), ss("posf"), attrI("to", int64(tensor.Float32))),
			nd("Add", ss("x", "posf"), ss("y0")),
		}, outputs: out})
	add(&diffCase{name: "pattern_expand_like", opset: 13,
		inputs: []diffInput{{name: "x", value: randF32(r, 3, 1)}, {name: "y", value: randF32(r, 3, 4)}},
		nodes: []*onnxpb.NodeProto{
			nd("Shape", ss("y"), ss("sh")),
			nd("Expand", ss("x", "sh"), ss("e")),
			nd("Mul", ss("e", "y"), ss("y0")),
		}, outputs: out})
	add(&diffCase{name: "pattern_slice_to_other_length", opset: 13,
		inputs: []diffInput{{name: "x", value: randF32(r, 2, 9)}, {name: "y", value: randF32(r, 2, 4)}, {name: "ax", value: i64s(1), init: true},
			{name: "st", value: i64s(0), init: true}, {name: "sl", value: i64s(1), init: true}, {name: "se", value: i64s(2), init: true}},
		nodes: []*onnxpb.NodeProto{
			nd("Shape", ss("y"), ss("sh")),
			nd("Slice", ss("sh", "sl", "se"), ss("len")),
			nd("Slice", ss("x", "st", "len", "ax"), ss("xs")),
			nd("Add", ss("xs", "y"), ss("y0")),
		}, outputs: out})
	// Causal mask: Trilu of ones of a dynamic [s, s] shape, Where.
	add(&diffCase{name: "pattern_causal_mask", opset: 14,
		inputs: []diffInput{{name: "x", value: randF32(r, 2, 4, 4)}, {name: "i1", value: i64s(1), init: true}, {name: "e", value: i64s(3), init: true},
			{name: "neg", value: f32s(-1e4), init: true}},
		nodes: []*onnxpb.NodeProto{
			nd("Shape", ss("x"), ss("sh")),
			nd("Slice", ss("sh", "i1", "e"), ss("ss")),
			nd("ConstantOfShape", ss("ss"), ss("ones"), &onnxpb.AttributeProto{Name: "value", Type: onnxpb.AttributeProto_TENSOR, T: tensorProto("v", &tensor.Tensor{DType: tensor.Float32, Shape: []int{1}, Data: []float32{1}})}),
			nd("Trilu", ss("ones"), ss("tri"), attrI("upper", 0)),
			nd("Cast", ss("tri"), ss("mask"), attrI("to", int64(tensor.Bool))),
			nd("Where", ss("mask", "x", "neg"), ss("masked")),
			nd("Softmax", ss("masked"), ss("y0"), attrI("axis", -1)),
		}, outputs: out})
	// Flatten a dynamic leading block; Split by a size list; Squeeze.
	add(&diffCase{name: "pattern_split_sizes_squeeze", opset: 13,
		inputs: []diffInput{{name: "x", value: randF32(r, 2, 6, 1)}, {name: "sizes", value: i64s(1, 2, 3), init: true}, {name: "ax", value: i64s(2), init: true}},
		nodes: []*onnxpb.NodeProto{
			nd("Split", ss("x", "sizes"), ss("a", "b", "c"), attrI("axis", 1)),
			nd("Squeeze", ss("c", "ax"), ss("y0")),
			nd("Flatten", ss("b"), ss("y1"), attrI("axis", 2)),
		}, outputs: []tensor.DType{tensor.Float32, tensor.Float32}})
	for i := range cs {
		if cs[i].op == "" {
			cs[i].op = "(graph)"
		}
	}
	return cs
}
