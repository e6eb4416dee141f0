// Reductions (Reduce*, ArgMax/ArgMin, TopK) and normalizations
// (LayerNormalization, BatchNormalization, GroupNormalization and the
// com.microsoft fused variants), whose extra outputs have reduced shapes.

package shapeinfer

import (
	"fmt"

	"github.com/webnn-graph/webnn-graph/tensor"
)

// reduceAxesFromInputOpset is the opset at which an op's axes moved from
// attribute to input.
var reduceAxesFromInputOpset = map[string]int64{"ReduceSum": 13}

func reduce(c *nodeCtx) ([]*Info, error) {
	x, err := c.need(0)
	if err != nil {
		return nil, err
	}
	since := int64(18)
	if v, ok := reduceAxesFromInputOpset[c.n.GetOpType()]; ok {
		since = v
	}
	var axes []int64
	if c.opset < since || c.hasAttr("axes") {
		axes = c.attrInts("axes")
	} else if c.input(1) != nil {
		a, _, err := c.intsInput(1)
		if err != nil {
			return nil, err
		}
		axes = a
	}
	keep := c.attrInt("keepdims", 1) != 0
	if x.Shape == nil {
		return []*Info{{DType: x.DType}}, nil
	}
	r := len(x.Shape)
	red := make([]bool, r)
	if len(axes) == 0 {
		if c.attrInt("noop_with_empty_axes", 0) != 0 {
			out := same(x)
			out.Value, out.Const = x.Value, x.Const
			return []*Info{out}, nil
		}
		for i := range red {
			red[i] = true
		}
	}
	for _, a := range axes {
		i, err := normAxis(a, r)
		if err != nil {
			return nil, err
		}
		red[i] = true
	}
	shape := []Expr{}
	for i, d := range x.Shape {
		switch {
		case !red[i]:
			shape = append(shape, d)
		case keep:
			shape = append(shape, Const(1))
		}
	}
	out := &Info{DType: x.DType, Shape: shape}
	// Shape arithmetic: products and sums of a whole 1-D value.
	if x.Value != nil && len(x.Shape) == 1 && red[0] {
		switch c.n.GetOpType() {
		case "ReduceProd":
			out.Value = []Expr{numel(x.Value)}
		case "ReduceSum":
			s := Const(0)
			for _, v := range x.Value {
				s = s.Add(v)
			}
			out.Value = []Expr{s}
		case "ReduceMax", "ReduceMin":
			if len(x.Value) > 0 {
				m := x.Value[0]
				for _, v := range x.Value[1:] {
					if c.n.GetOpType() == "ReduceMax" {
						m = m.MaxB(v, c.s.bounds)
					} else {
						m = m.MinB(v, c.s.bounds)
					}
				}
				out.Value = []Expr{m}
			}
		}
	}
	return []*Info{out}, nil
}

func argReduce(c *nodeCtx) ([]*Info, error) {
	x, err := c.need(0)
	if err != nil {
		return nil, err
	}
	if x.Shape == nil {
		return []*Info{{DType: tensor.Int64}}, nil
	}
	axis, err := normAxis(c.attrInt("axis", 0), len(x.Shape))
	if err != nil {
		return nil, err
	}
	shape := append([]Expr{}, x.Shape...)
	if c.attrInt("keepdims", 1) != 0 {
		shape[axis] = Const(1)
	} else {
		shape = append(shape[:axis], shape[axis+1:]...)
	}
	return []*Info{{DType: tensor.Int64, Shape: shape}}, nil
}

func topK(c *nodeCtx) ([]*Info, error) {
	x, err := c.need(0)
	if err != nil {
		return nil, err
	}
	var k Expr
	if c.opset < 10 {
		k = Const(c.attrInt("k", 0))
	} else {
		kin, err := c.need(1)
		if err != nil {
			return nil, err
		}
		if kin.Value == nil || len(kin.Value) != 1 {
			return []*Info{{DType: x.DType, Shape: c.rankOnly(x)}, {DType: tensor.Int64, Shape: c.rankOnly(x)}}, nil
		}
		k = kin.Value[0]
	}
	if x.Shape == nil {
		return []*Info{{DType: x.DType}, {DType: tensor.Int64}}, nil
	}
	axis, err := normAxis(c.attrInt("axis", -1), len(x.Shape))
	if err != nil {
		return nil, err
	}
	if kv, ok := k.Value(); ok {
		if dv, ok := x.Shape[axis].Value(); ok && kv > dv {
			return nil, c.errorf("k = %d exceeds axis %d of size %d", kv, axis, dv)
		}
	}
	shape := append([]Expr{}, x.Shape...)
	shape[axis] = k
	return []*Info{{DType: x.DType, Shape: shape}, {DType: tensor.Int64, Shape: shape}}, nil
}

// layerNorm: Y like X; Mean and InvStdDev keep the dims before axis and
// have 1 from axis on (stash_type float32 by default).
func layerNorm(c *nodeCtx) ([]*Info, error) {
	x, err := c.need(0)
	if err != nil {
		return nil, err
	}
	if x.Shape == nil {
		return []*Info{same(x), {DType: tensor.Float32}, {DType: tensor.Float32}}, nil
	}
	axis, err := normAxis(c.attrInt("axis", -1), len(x.Shape))
	if err != nil {
		return nil, err
	}
	if s := c.input(1); s != nil && s.Shape != nil {
		if _, err := c.broadcast(x.Shape[axis:], s.Shape); err != nil {
			return nil, err
		}
	}
	stat := append([]Expr{}, x.Shape...)
	for i := axis; i < len(stat); i++ {
		stat[i] = Const(1)
	}
	st := tensor.DType(c.attrInt("stash_type", int64(tensor.Float32)))
	return []*Info{same(x), {DType: st, Shape: stat}, {DType: st, Shape: stat}}, nil
}

// skipLayerNorm (com.microsoft SkipLayerNormalization and
// SkipSimplifiedLayerNormalization): output, mean, inv_std_var,
// input_skip_bias_sum.
func skipLayerNorm(c *nodeCtx) ([]*Info, error) {
	x, err := c.need(0)
	if err != nil {
		return nil, err
	}
	skip, err := c.need(1)
	if err != nil {
		return nil, err
	}
	shape, err := c.broadcast(x.Shape, skip.Shape)
	if err != nil {
		return nil, err
	}
	var stat []Expr
	if shape != nil && len(shape) == 0 {
		return nil, c.errorf("input must have a hidden axis, got a scalar")
	}
	if shape != nil {
		stat = append([]Expr{}, shape...)
		stat[len(stat)-1] = Const(1)
	}
	return []*Info{{DType: x.DType, Shape: shape}, {DType: tensor.Float32, Shape: stat}, {DType: tensor.Float32, Shape: stat}, {DType: x.DType, Shape: shape}}, nil
}

// batchNorm: Y like X; training mode's running mean/var are [C].
func batchNorm(c *nodeCtx) ([]*Info, error) {
	x, err := c.need(0)
	if err != nil {
		return nil, err
	}
	outs := []*Info{same(x)}
	if x.Shape != nil && len(x.Shape) >= 2 {
		for i := 1; i < 5; i++ {
			if in := c.input(i); in != nil && in.Shape != nil && len(in.Shape) == 1 {
				if err := c.agree(in.Shape[0], x.Shape[1], fmt.Sprintf("input %d size and channels", i)); err != nil {
					return nil, err
				}
			}
		}
		outs = append(outs, &Info{DType: x.DType, Shape: []Expr{x.Shape[1]}}, &Info{DType: x.DType, Shape: []Expr{x.Shape[1]}})
	}
	return outs, nil
}

// biasAdd broadcasts all inputs (com.microsoft BiasGelu, BiasAdd, …).
func biasAdd(c *nodeCtx) ([]*Info, error) {
	var shapes [][]Expr
	for i := range c.in {
		if in := c.input(i); in != nil {
			shapes = append(shapes, in.Shape)
		}
	}
	x, err := c.need(0)
	if err != nil {
		return nil, err
	}
	shape, err := c.broadcast(shapes...)
	if err != nil {
		return nil, err
	}
	return []*Info{{DType: x.DType, Shape: shape}}, nil
}
