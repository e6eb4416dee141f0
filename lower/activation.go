// Activations with attributes, Clip, Gelu, Softmax family and the
// com.microsoft GELU variants.

package lower

import (
	"fmt"
	"math"

	"github.com/webnn-graph/webnn-graph/shapeinfer"
	"github.com/webnn-graph/webnn-graph/tensor"
)

func lowerLeakyRelu(c *ctx, n *srcNode) error {
	x, err := c.in(n, 0)
	if err != nil {
		return err
	}
	c.bind(n, 0, c.op(n, "leakyRelu", []string{x}, map[string]any{"alpha": attrNum(n, "alpha", 0.01)}))
	return nil
}

func lowerElu(c *ctx, n *srcNode) error {
	x, err := c.in(n, 0)
	if err != nil {
		return err
	}
	c.bind(n, 0, c.op(n, "elu", []string{x}, map[string]any{"alpha": attrNum(n, "alpha", 1)}))
	return nil
}

func lowerHardSigmoid(c *ctx, n *srcNode) error {
	x, err := c.in(n, 0)
	if err != nil {
		return err
	}
	c.bind(n, 0, c.op(n, "hardSigmoid", []string{x}, map[string]any{
		"alpha": attrNum(n, "alpha", 0.2), "beta": attrNum(n, "beta", 0.5)}))
	return nil
}

// lowerSelu: gamma * elu(x, alpha).
func lowerSelu(c *ctx, n *srcNode) error {
	x, err := c.in(n, 0)
	if err != nil {
		return err
	}
	alpha := float64(attrFloat(n, "alpha", 1.67326319217681884765625))
	gamma := float64(attrFloat(n, "gamma", 1.05070102214813232421875))
	e := c.op(n, "elu", []string{x}, map[string]any{"alpha": alpha})
	g, err := c.scalar(c.dtypeOf(n, 0), gamma)
	if err != nil {
		return err
	}
	c.bind(n, 0, c.op(n, "mul", []string{e, g}, nil))
	return nil
}

// lowerClip: constant bounds become clamp options; operand bounds max/min.
func lowerClip(c *ctx, n *srcNode) error {
	x, err := c.in(n, 0)
	if err != nil {
		return err
	}
	opts := map[string]any{}
	var lo, hi string
	if n.opset < 11 {
		if hasAttr(n, "min") {
			opts["minValue"] = float64(attrFloat(n, "min", 0))
		}
		if hasAttr(n, "max") {
			opts["maxValue"] = float64(attrFloat(n, "max", 0))
		}
	} else {
		for i, key := range []string{"minValue", "maxValue"} {
			if !n.hasInput(i + 1) {
				continue
			}
			if v, ok := c.constFloats(n, i+1); ok && len(v) == 1 && !math.IsInf(v[0], 0) && !math.IsNaN(v[0]) {
				if c.dtypeOf(n, 0).IsFloat() {
					opts[key] = v[0]
				} else {
					opts[key] = int64(v[0])
				}
				continue
			}
			b, err := c.in(n, i+1)
			if err != nil {
				return err
			}
			if i == 0 {
				lo = b
			} else {
				hi = b
			}
		}
	}
	out := x
	if len(opts) > 0 || (lo == "" && hi == "") {
		out = c.op(n, "clamp", []string{x}, opts)
	}
	if lo != "" {
		out = c.op(n, "max", []string{out, lo}, nil)
	}
	if hi != "" {
		out = c.op(n, "min", []string{out, hi}, nil)
	}
	c.bind(n, 0, out)
	return nil
}

// lowerGelu: exact → gelu; tanh → 0.5·x·(1+tanh(√(2/π)·(x+0.044715·x³))).
func lowerGelu(c *ctx, n *srcNode) error {
	x, err := c.in(n, 0)
	if err != nil {
		return err
	}
	switch a := attrString(n, "approximate", "none"); a {
	case "none":
		c.bind(n, 0, c.op(n, "gelu", []string{x}, nil))
	case "tanh":
		out, err := c.tanhGelu(n, x, c.dtypeOf(n, 0))
		if err != nil {
			return err
		}
		c.bind(n, 0, out)
	default:
		return unsupportedAttr("approximate", a)
	}
	return nil
}

func (c *ctx) tanhGelu(n *srcNode, x string, dt tensor.DType) (string, error) {
	k, err := c.scalar(dt, math.Sqrt(2/math.Pi))
	if err != nil {
		return "", err
	}
	a, err := c.scalar(dt, 0.044715)
	if err != nil {
		return "", err
	}
	one, err := c.scalar(dt, 1)
	if err != nil {
		return "", err
	}
	half, err := c.scalar(dt, 0.5)
	if err != nil {
		return "", err
	}
	x3 := c.op(n, "mul", []string{c.op(n, "mul", []string{x, x}, nil), x}, nil)
	inner := c.op(n, "mul", []string{c.op(n, "add", []string{x, c.op(n, "mul", []string{x3, a}, nil)}, nil), k}, nil)
	t := c.op(n, "add", []string{c.op(n, "tanh", []string{inner}, nil), one}, nil)
	return c.op(n, "mul", []string{c.op(n, "mul", []string{x, half}, nil), t}, nil), nil
}

func lowerFastGelu(c *ctx, n *srcNode) error {
	x, err := c.in(n, 0)
	if err != nil {
		return err
	}
	if n.hasInput(1) {
		b, err := c.in(n, 1)
		if err != nil {
			return err
		}
		x = c.op(n, "add", []string{x, b}, nil)
	}
	out, err := c.tanhGelu(n, x, c.dtypeOf(n, 0))
	if err != nil {
		return err
	}
	c.bind(n, 0, out)
	return nil
}

func lowerBiasGelu(c *ctx, n *srcNode) error {
	xs, err := c.ins(n, 0, 1)
	if err != nil {
		return err
	}
	c.bind(n, 0, c.op(n, "gelu", []string{c.op(n, "add", xs, nil)}, nil))
	return nil
}

// lowerSoftmax: opset ≥ 13 normalises along one axis; before that the
// input is coerced to 2-D at axis, which equals the last-axis softmax only
// when axis is the last one, so the other cases are reshaped.
func lowerSoftmax(c *ctx, n *srcNode) error {
	x, err := c.in(n, 0)
	if err != nil {
		return err
	}
	shape, err := c.inShape(n, 0)
	if err != nil {
		return err
	}
	rank := len(shape)
	if n.opset >= 13 {
		axis, err := normAxis(attrInt(n, "axis", -1), rank)
		if err != nil {
			return err
		}
		c.bind(n, 0, c.op(n, "softmax", []string{x}, map[string]any{"axis": axis}))
		return nil
	}
	axis, err := normAxis(attrInt(n, "axis", 1), rank)
	if err != nil {
		return err
	}
	if int(axis) == rank-1 {
		c.bind(n, 0, c.op(n, "softmax", []string{x}, map[string]any{"axis": axis}))
		return nil
	}
	outer, inner := shapeinfer.Const(1), shapeinfer.Const(1)
	for i, d := range shape {
		if int64(i) < axis {
			outer = outer.Mul(d)
		} else {
			inner = inner.Mul(d)
		}
	}
	r, err := c.reshapeTo(n, x, []shapeinfer.Expr{outer, inner})
	if err != nil {
		return err
	}
	s := c.op(n, "softmax", []string{r}, map[string]any{"axis": int64(1)})
	out, err := c.reshapeTo(n, s, shape)
	if err != nil {
		return err
	}
	c.bind(n, 0, out)
	return nil
}

// lowerLogSoftmax: x - reduceLogSumExp(x, axis, keepDimensions).
func lowerLogSoftmax(c *ctx, n *srcNode) error {
	x, err := c.in(n, 0)
	if err != nil {
		return err
	}
	rank, err := c.rankOf(n, 0)
	if err != nil {
		return err
	}
	def := int64(-1)
	if n.opset < 13 {
		def = 1
	}
	axis, err := normAxis(attrInt(n, "axis", def), rank)
	if err != nil {
		return err
	}
	if n.opset < 13 && int(axis) != rank-1 {
		// Before opset 13 the input is coerced to 2-D at axis.
		return fmt.Errorf("%w: LogSoftmax opset %d with axis %d of rank %d (2-D coercion)", ErrUnsupported, n.opset, axis, rank)
	}
	// Subtract the max first so exp cannot overflow: x-m - log(sum(exp(x-m))).
	m := c.op(n, "reduceMax", []string{x}, map[string]any{"axes": []any{axis}, "keepDimensions": true})
	d := c.op(n, "sub", []string{x, m}, nil)
	l := c.op(n, "reduceLogSumExp", []string{d}, map[string]any{"axes": []any{axis}, "keepDimensions": true})
	c.bind(n, 0, c.op(n, "sub", []string{d, l}, nil))
	return nil
}

func lowerMish(c *ctx, n *srcNode) error {
	x, err := c.in(n, 0)
	if err != nil {
		return err
	}
	c.bind(n, 0, c.op(n, "mul", []string{x, c.op(n, "tanh", []string{c.op(n, "softplus", []string{x}, nil)}, nil)}, nil))
	return nil
}

func lowerThresholdedRelu(c *ctx, n *srcNode) error {
	x, err := c.in(n, 0)
	if err != nil {
		return err
	}
	dt := c.dtypeOf(n, 0)
	alpha, err := c.scalar(dt, float64(attrFloat(n, "alpha", 1)))
	if err != nil {
		return err
	}
	zero, err := c.scalar(dt, 0)
	if err != nil {
		return err
	}
	c.bind(n, 0, c.op(n, "where", []string{c.op(n, "greater", []string{x, alpha}, nil), x, zero}, nil))
	return nil
}

// lowerCelu: max(0,x) + min(0, α·(exp(x/α) − 1)) = elu(x/α)·α for x<0.
func lowerCelu(c *ctx, n *srcNode) error {
	x, err := c.in(n, 0)
	if err != nil {
		return err
	}
	alpha := float64(attrFloat(n, "alpha", 1))
	dt := c.dtypeOf(n, 0)
	a, err := c.scalar(dt, alpha)
	if err != nil {
		return err
	}
	e := c.op(n, "elu", []string{c.op(n, "div", []string{x, a}, nil)}, map[string]any{"alpha": float64(1)})
	c.bind(n, 0, c.op(n, "mul", []string{e, a}, nil))
	return nil
}

// lowerShrink: x−bias where x>lambd, x+bias where x<−lambd, else 0.
func lowerShrink(c *ctx, n *srcNode) error {
	x, err := c.in(n, 0)
	if err != nil {
		return err
	}
	dt := c.dtypeOf(n, 0)
	lambd, bias := float64(attrFloat(n, "lambd", 0.5)), float64(attrFloat(n, "bias", 0))
	l, err := c.scalar(dt, lambd)
	if err != nil {
		return err
	}
	nl, err := c.scalar(dt, -lambd)
	if err != nil {
		return err
	}
	b, err := c.scalar(dt, bias)
	if err != nil {
		return err
	}
	zero, err := c.scalar(dt, 0)
	if err != nil {
		return err
	}
	hi := c.op(n, "where", []string{c.op(n, "greater", []string{x, l}, nil), c.op(n, "sub", []string{x, b}, nil), zero}, nil)
	c.bind(n, 0, c.op(n, "where", []string{c.op(n, "lesser", []string{x, nl}, nil), c.op(n, "add", []string{x, b}, nil), hi}, nil))
	return nil
}

// lowerHardmax: one-hot of the first maximum along axis: argMax (first
// index on ties, as ONNX), compared with an iota along the axis.
func lowerHardmax(c *ctx, n *srcNode) error {
	x, err := c.in(n, 0)
	if err != nil {
		return err
	}
	s, err := c.inShape(n, 0)
	if err != nil {
		return err
	}
	if n.opset < 13 {
		return fmt.Errorf("%w: Hardmax before opset 13 (2-D coercion)", ErrUnsupported)
	}
	axis, err := normAxis(attrInt(n, "axis", -1), len(s))
	if err != nil {
		return err
	}
	d, ok := s[axis].Value()
	if !ok {
		return fmt.Errorf("%w: dynamic Hardmax axis", ErrUnsupported)
	}
	idx := c.op(n, "argMax", []string{x}, map[string]any{"axis": axis, "keepDimensions": true, "outputDataType": "int64"})
	shape := make([]int, len(s))
	for i := range shape {
		shape[i] = 1
	}
	shape[axis] = int(d)
	iota := tensor.New(tensor.Int64, shape)
	for i := range iota.Data.([]int64) {
		iota.Data.([]int64)[i] = int64(i)
	}
	it, err := c.constTensor(n.base+"_iota", iota, "")
	if err != nil {
		return err
	}
	dt, err := webnnDType(c.dtypeOf(n, 0))
	if err != nil {
		return err
	}
	c.bind(n, 0, c.op(n, "cast", []string{c.op(n, "equal", []string{idx, it}, nil)}, map[string]any{"to": dt.String()}))
	return nil
}

// lowerSwish: x·sigmoid(αx) (ai.onnx Swish, opset 24; com.microsoft
// QuickGelu with α = 1.702 by default).
func lowerSwish(c *ctx, n *srcNode) error {
	x, err := c.in(n, 0)
	if err != nil {
		return err
	}
	def := float32(1)
	if n.GetOpType() == "QuickGelu" {
		def = 1.702
	}
	arg := x
	if a := float64(attrFloat(n, "alpha", def)); a != 1 {
		s, err := c.scalar(c.dtypeOf(n, 0), a)
		if err != nil {
			return err
		}
		arg = c.op(n, "mul", []string{x, s}, nil)
	}
	c.bind(n, 0, c.op(n, "mul", []string{x, c.op(n, "sigmoid", []string{arg}, nil)}, nil))
	return nil
}

// lowerMSGelu: com.microsoft.Gelu is the exact (erf) GELU.
func lowerMSGelu(c *ctx, n *srcNode) error {
	x, err := c.in(n, 0)
	if err != nil {
		return err
	}
	c.bind(n, 0, c.op(n, "gelu", []string{x}, nil))
	return nil
}
