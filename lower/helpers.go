// Small helpers the family files share: attributes, ranks and shapes from
// shape inference, constant inputs, axis normalisation.

package lower

import (
	"github.com/webnn-graph/webnn-graph/emit"
	"strconv"

	"fmt"
	"github.com/webnn-graph/webnn-graph/graph"

	"github.com/webnn-graph/webnn-graph/onnxpb"
	"github.com/webnn-graph/webnn-graph/shapeinfer"
	"github.com/webnn-graph/webnn-graph/tensor"
)

func attrInt(n *srcNode, name string, def int64) int64 { return onnxpb.AttrInt(n.NodeProto, name, def) }
func attrFloat(n *srcNode, name string, def float32) float32 {
	return onnxpb.AttrFloat(n.NodeProto, name, def)
}
func attrString(n *srcNode, name, def string) string {
	return onnxpb.AttrString(n.NodeProto, name, def)
}
func attrInts(n *srcNode, name string) []int64 { return onnxpb.AttrInts(n.NodeProto, name) }
func hasAttr(n *srcNode, name string) bool     { return onnxpb.HasAttr(n.NodeProto, name) }

// shapeOf returns the symbolic shape of ONNX value v, or an error naming it.
func (c *ctx) shapeOf(v string) ([]shapeinfer.Expr, error) {
	in := c.info(v)
	if in == nil || in.Shape == nil {
		return nil, fmt.Errorf("%w: shape of %q is unknown", ErrUnsupported, v)
	}
	return in.Shape, nil
}

// inShape returns the shape of input i of n.
func (c *ctx) inShape(n *srcNode, i int) ([]shapeinfer.Expr, error) {
	if !n.hasInput(i) {
		return nil, fmt.Errorf("input %d is missing", i)
	}
	return c.shapeOf(n.Input[i])
}

// outShape returns the shape of output i of n.
func (c *ctx) outShape(n *srcNode, i int) ([]shapeinfer.Expr, error) {
	if i >= len(n.Output) {
		return nil, fmt.Errorf("output %d is missing", i)
	}
	return c.shapeOf(n.Output[i])
}

// rankOf returns the rank of input i, or an error when unknown.
func (c *ctx) rankOf(n *srcNode, i int) (int, error) {
	s, err := c.inShape(n, i)
	if err != nil {
		return 0, err
	}
	return len(s), nil
}

// dtypeOf returns the ONNX element type of input i.
func (c *ctx) dtypeOf(n *srcNode, i int) tensor.DType {
	if !n.hasInput(i) {
		return tensor.Undefined
	}
	if in := c.info(n.Input[i]); in != nil {
		return in.DType
	}
	if t, ok := c.inits[n.Input[i]]; ok {
		return tensor.DType(t.GetDataType())
	}
	return tensor.Undefined
}

// constInts returns the statically known integer elements of input i.
func (c *ctx) constInts(n *srcNode, i int) ([]int64, bool) {
	if !n.hasInput(i) {
		return nil, false
	}
	in := c.info(n.Input[i])
	if in == nil {
		return nil, false
	}
	if in.Value != nil {
		out := make([]int64, len(in.Value))
		for k, e := range in.Value {
			v, ok := e.Value()
			if !ok {
				return nil, false
			}
			out[k] = v
		}
		return out, true
	}
	if in.Const != nil {
		return tensorInts(in.Const)
	}
	return nil, false
}

// constFloats returns the statically known elements of input i as float64.
func (c *ctx) constFloats(n *srcNode, i int) ([]float64, bool) {
	if !n.hasInput(i) {
		return nil, false
	}
	in := c.info(n.Input[i])
	if in == nil || in.Const == nil {
		if ints, ok := c.constInts(n, i); ok {
			out := make([]float64, len(ints))
			for k, v := range ints {
				out[k] = float64(v)
			}
			return out, true
		}
		return nil, false
	}
	return tensorFloats(in.Const)
}

// constTensorOf returns the constant value of input i, if known.
func (c *ctx) constTensorOf(n *srcNode, i int) *tensor.Tensor {
	if !n.hasInput(i) {
		return nil
	}
	if in := c.info(n.Input[i]); in != nil {
		return in.Const
	}
	return nil
}

func tensorInts(t *tensor.Tensor) ([]int64, bool) {
	switch d := t.Data.(type) {
	case []int64:
		return append([]int64(nil), d...), true
	case []int32:
		out := make([]int64, len(d))
		for i, v := range d {
			out[i] = int64(v)
		}
		return out, true
	case []int8:
		out := make([]int64, len(d))
		for i, v := range d {
			out[i] = int64(v)
		}
		return out, true
	case []uint8:
		out := make([]int64, len(d))
		for i, v := range d {
			out[i] = int64(v)
		}
		return out, true
	case []bool:
		out := make([]int64, len(d))
		for i, v := range d {
			if v {
				out[i] = 1
			}
		}
		return out, true
	case []uint32:
		out := make([]int64, len(d))
		for i, v := range d {
			out[i] = int64(v)
		}
		return out, true
	case []uint64:
		out := make([]int64, len(d))
		for i, v := range d {
			out[i] = int64(v)
		}
		return out, true
	}
	return nil, false
}

func tensorFloats(t *tensor.Tensor) ([]float64, bool) {
	switch d := t.Data.(type) {
	case []float32:
		out := make([]float64, len(d))
		for i, v := range d {
			out[i] = float64(v)
		}
		return out, true
	case []float64:
		return append([]float64(nil), d...), true
	case []uint16:
		if t.DType != tensor.Float16 {
			return nil, false
		}
		out := make([]float64, len(d))
		for i, v := range d {
			out[i] = float64(halfToFloat(v))
		}
		return out, true
	}
	if ints, ok := tensorInts(t); ok {
		out := make([]float64, len(ints))
		for i, v := range ints {
			out[i] = float64(v)
		}
		return out, true
	}
	return nil, false
}

// normAxis maps a possibly negative axis into [0, rank).
func normAxis(axis int64, rank int) (int64, error) {
	if axis < -int64(rank) || axis >= int64(rank) {
		return 0, fmt.Errorf("axis %d is out of range for rank %d", axis, rank)
	}
	if axis < 0 {
		axis += int64(rank)
	}
	return axis, nil
}

func normAxes(axes []int64, rank int) ([]int64, error) {
	out := make([]int64, len(axes))
	for i, a := range axes {
		v, err := normAxis(a, rank)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// reshapeTo emits a reshape of x to the symbolic shape s.
func (c *ctx) reshapeTo(n *srcNode, x string, s []shapeinfer.Expr) (string, error) {
	dims, err := c.dimsOption(s)
	if err != nil {
		return "", err
	}
	return c.op(n, "reshape", []string{x}, map[string]any{"newShape": dims}), nil
}

// reshapeConst returns a const with t's data under a new static shape when
// t is a small constant; ok false otherwise.
func (c *ctx) reshapedConst(n *srcNode, i int, shape []int) (string, bool, error) {
	t := c.constTensorOf(n, i)
	if t == nil || tensor.NumElements(shape) != t.Len() {
		return "", false, nil
	}
	rt := &tensor.Tensor{DType: t.DType, Shape: shape, Data: t.Data}
	op, err := c.constTensor(emit.Sanitize(n.Input[i])+"_r", rt, n.Input[i])
	return op, err == nil, err
}

// exprs converts ints to constant expressions.
func exprs(xs ...int64) []shapeinfer.Expr {
	out := make([]shapeinfer.Expr, len(xs))
	for i, x := range xs {
		out[i] = shapeinfer.Const(x)
	}
	return out
}

// staticInts returns the shape as ints when fully static.
func staticInts(s []shapeinfer.Expr) ([]int64, bool) {
	out := make([]int64, len(s))
	for i, e := range s {
		v, ok := e.Value()
		if !ok {
			return nil, false
		}
		out[i] = v
	}
	return out, true
}

// unsupportedAttr builds the refusal for an attribute value.
func unsupportedAttr(name string, value any) error {
	return fmt.Errorf("%w: attribute %s=%v is not supported", ErrUnsupported, name, value)
}

// attrNum returns a float attribute as the shortest decimal that reads back
// to the same float32 (1e-12 rather than 9.999999960041972e-13).
func attrNum(n *srcNode, name string, def float32) graph.Number {
	return graph.Number(strconv.FormatFloat(float64(attrFloat(n, name, def)), 'g', -1, 32))
}

func attrFloats(n *srcNode, name string) []float32 { return onnxpb.AttrFloats(n.NodeProto, name) }

func attrStrings(n *srcNode, name string) []string { return onnxpb.AttrStrings(n.NodeProto, name) }

// iota returns [0, 1, …, e−1] as int64: a constant of e's upper bound,
// sliced to e when e is a dynamic dim.
func (c *ctx) iota(n *srcNode, e shapeinfer.Expr) (string, error) {
	mx := e.MaxValue(c.bounds)
	if mx < 1 || mx > 1<<24 {
		return "", fmt.Errorf("%w: size %q bounded by %d (a constant that large is not emitted); bound it with --dim or make it static with %s", ErrUnsupported, e.String(), mx, freezeHint(e))
	}
	idx := make([]int64, mx)
	for i := range idx {
		idx[i] = int64(i)
	}
	full, err := c.constTensor("iota", &tensor.Tensor{DType: tensor.Int64, Shape: []int{int(mx)}, Data: idx}, "")
	if err != nil {
		return "", err
	}
	if v, ok := e.Value(); ok && v == mx {
		return full, nil
	}
	sz, err := c.dimOption(e)
	if err != nil {
		return "", err
	}
	return c.op(n, "slice", []string{full}, map[string]any{"starts": []any{int64(0)}, "sizes": []any{sz}}), nil
}

// alongAxis returns the shape of rank r that is 1 everywhere but d at axis
// (and, when batch is set, b at axis 0): the broadcastable form of a
// per-position (or per-batch-row, per-position) index.
func alongAxis(r int, axis int, d shapeinfer.Expr, batch bool, b shapeinfer.Expr) []shapeinfer.Expr {
	out := make([]shapeinfer.Expr, r)
	for i := range out {
		out[i] = shapeinfer.Const(1)
	}
	if batch {
		out[0] = b
	}
	out[axis] = d
	return out
}
