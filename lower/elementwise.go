// Element-wise ops that are not plain 1:1 table entries: Pow (mixed
// types), Mean, Mod, Where, IsInf, Identity/Dropout, Cast, Constant.

package lower

import (
	"fmt"

	"github.com/webnn-graph/webnn-graph/onnxpb"
	"github.com/webnn-graph/webnn-graph/shapeinfer"

	"github.com/webnn-graph/webnn-graph/tensor"
)

// lowerPow: ONNX allows an exponent of another type; WebNN needs one type.
func lowerPow(c *ctx, n *srcNode) error {
	xs, err := c.ins(n, 0, 1)
	if err != nil {
		return err
	}
	bt, et := c.dtypeOf(n, 0), c.dtypeOf(n, 1)
	if bt != et {
		if ints, ok := c.constFloats(n, 1); ok && len(ints) == 1 {
			s, err := c.scalar(bt, ints[0])
			if err != nil {
				return err
			}
			xs[1] = s
		} else {
			dt, err := webnnDType(bt)
			if err != nil {
				return err
			}
			xs[1] = c.op(n, "cast", []string{xs[1]}, map[string]any{"to": dt.String()})
		}
	}
	c.bind(n, 0, c.op(n, "pow", xs, nil))
	return nil
}

// lowerPRelu: before opset 7 a 1-D slope is per channel (axis 1); from 7
// it broadcasts numpy-style.
func lowerPRelu(c *ctx, n *srcNode) error {
	xs, err := c.ins(n, 0, 1)
	if err != nil {
		return err
	}
	if n.opset < 7 {
		xsh, err := c.inShape(n, 0)
		if err != nil {
			return err
		}
		ssh, err := c.inShape(n, 1)
		if err != nil {
			return err
		}
		if len(ssh) == 1 && len(xsh) > 2 && !ssh[0].Equal(shapeinfer.Const(1)) {
			if xs[1], err = c.channelOperand(n, 1, len(xsh)); err != nil {
				return err
			}
		}
	}
	c.bind(n, 0, c.op(n, "prelu", xs, nil))
	return nil
}

func lowerMean(c *ctx, n *srcNode) error {
	acc, err := c.in(n, 0)
	if err != nil {
		return err
	}
	for i := 1; i < len(n.Input); i++ {
		x, err := c.in(n, i)
		if err != nil {
			return err
		}
		acc = c.op(n, "add", []string{acc, x}, nil)
	}
	k, err := c.scalar(c.dtypeOf(n, 0), float64(len(n.Input)))
	if err != nil {
		return err
	}
	c.bind(n, 0, c.op(n, "div", []string{acc, k}, nil))
	return nil
}

// lowerMod: ONNX Mod with fmod=0 takes the divisor's sign (Python %),
// with fmod=1 the dividend's (C fmod). WebNN integer div truncates toward
// zero, so r = a - (a/b)·b is fmod for integers; floats truncate with
// floor/ceil by sign. The floor variant adds b where r and b differ in sign.
func lowerMod(c *ctx, n *srcNode) error {
	xs, err := c.ins(n, 0, 1)
	if err != nil {
		return err
	}
	a, b := xs[0], xs[1]
	dt := c.dtypeOf(n, 0)
	zero, err := c.scalar(dt, 0)
	if err != nil {
		return err
	}
	q := c.op(n, "div", []string{a, b}, nil)
	if dt.IsFloat() {
		// trunc(q) = q<0 ? ceil(q) : floor(q)
		q = c.op(n, "where", []string{c.op(n, "lesser", []string{q, zero}, nil), c.op(n, "ceil", []string{q}, nil), c.op(n, "floor", []string{q}, nil)}, nil)
	}
	prod := c.op(n, "mul", []string{q, b}, nil)
	if dt.IsFloat() {
		// trunc(a/b)·b with a zero quotient is 0 even for an infinite b
		// (0·inf would be NaN): fmod(a, ±inf) = a for finite a.
		prod = c.op(n, "where", []string{c.op(n, "equal", []string{q, zero}, nil), zero, prod}, nil)
	}
	r := c.op(n, "sub", []string{a, prod}, nil)
	if attrInt(n, "fmod", 0) == 0 {
		signDiffers := c.op(n, "logicalXor", []string{c.op(n, "lesser", []string{r, zero}, nil), c.op(n, "lesser", []string{b, zero}, nil)}, nil)
		fix := c.op(n, "logicalAnd", []string{c.op(n, "notEqual", []string{r, zero}, nil), signDiffers}, nil)
		r = c.op(n, "where", []string{fix, c.op(n, "add", []string{r, b}, nil), r}, nil)
	}
	c.bind(n, 0, r)
	return nil
}

func lowerWhere(c *ctx, n *srcNode) error {
	xs, err := c.ins(n, 0, 1, 2)
	if err != nil {
		return err
	}
	c.bind(n, 0, c.op(n, "where", xs, nil))
	return nil
}

func lowerIsInf(c *ctx, n *srcNode) error {
	x, err := c.in(n, 0)
	if err != nil {
		return err
	}
	pos, neg := attrInt(n, "detect_positive", 1), attrInt(n, "detect_negative", 1)
	out := c.op(n, "isInfinite", []string{x}, nil)
	if pos == 0 || neg == 0 {
		zero, err := c.scalar(c.dtypeOf(n, 0), 0)
		if err != nil {
			return err
		}
		sign := "greater"
		if pos == 0 {
			sign = "lesser"
		}
		if pos == 0 && neg == 0 {
			z, err := c.scalar(tensor.Uint8, 0)
			if err != nil {
				return err
			}
			out = c.op(n, "logicalAnd", []string{out, z}, nil)
		} else {
			out = c.op(n, "logicalAnd", []string{out, c.op(n, sign, []string{x, zero}, nil)}, nil)
		}
	}
	c.bind(n, 0, out)
	return nil
}

func checkDropout(c *ctx, n *srcNode) error {
	if n.hasInput(2) {
		if tm, ok := c.constInts(n, 2); !ok || len(tm) != 1 || tm[0] != 0 {
			return fmt.Errorf("%w: training_mode is not constant false", ErrUnsupported)
		}
	}
	if attrInt(n, "is_test", 1) == 0 && n.opset < 7 {
		return unsupportedAttr("is_test", 0)
	}
	return nil
}

// lowerIdentity aliases output 0 to input 0 (Identity, inference Dropout).
func lowerIdentity(c *ctx, n *srcNode) error {
	x, err := c.in(n, 0)
	if err != nil {
		return err
	}
	c.bind(n, 0, x)
	return nil
}

// lowerDropout: inference Dropout is the identity; its mask output is all
// true (uint8 ones of the input's shape).
func lowerDropout(c *ctx, n *srcNode) error {
	if err := lowerIdentity(c, n); err != nil {
		return err
	}
	if !n.hasOutput(1) || c.users[n.Output[1]] == 0 {
		return nil
	}
	s, err := c.inShape(n, 0)
	if err != nil {
		return err
	}
	one, err := c.scalar(tensor.Uint8, 1)
	if err != nil {
		return err
	}
	dims, err := c.dimsOption(s)
	if err != nil {
		return err
	}
	c.bind(n, 1, c.op(n, "expand", []string{one}, map[string]any{"newShape": dims}))
	return nil
}

func checkCast(c *ctx, n *srcNode) error {
	to := tensor.DType(attrInt(n, "to", 0))
	if to == tensor.Bool {
		return nil
	}
	if _, err := webnnDType(to); err != nil {
		return err
	}
	return nil
}

// lowerCast: to bool is x != 0 (uint8 0/1); from bool the uint8 casts.
func lowerCast(c *ctx, n *srcNode) error {
	x, err := c.in(n, 0)
	if err != nil {
		return err
	}
	from := c.dtypeOf(n, 0)
	var to tensor.DType
	if n.GetOpType() == "CastLike" {
		to = c.dtypeOf(n, 1)
	} else {
		to = tensor.DType(attrInt(n, "to", 0))
	}
	fromW, err := webnnDType(from)
	if err != nil {
		return err
	}
	switch {
	case to == tensor.Bool && from == tensor.Bool:
		c.bind(n, 0, x)
	case to == tensor.Bool:
		zero, err := c.scalar(from, 0)
		if err != nil {
			return err
		}
		c.bind(n, 0, c.op(n, "notEqual", []string{x, zero}, nil))
	default:
		toW, err := webnnDType(to)
		if err != nil {
			return err
		}
		if toW == fromW {
			c.bind(n, 0, x)
			return nil
		}
		c.bind(n, 0, c.op(n, "cast", []string{x}, map[string]any{"to": toW.String()}))
	}
	return nil
}

// lowerConstantNode: small Constant values are folded by shape inference
// (value() finds their Info.Const); large ones (rotary caches) become
// weights served lazily from the model.
func lowerConstantNode(c *ctx, n *srcNode) error {
	tp, err := onnxpb.ConstantValue(n.NodeProto)
	if err != nil {
		return err
	}
	op, err := c.tensorProtoConst(tp, n.Output[0])
	if err != nil {
		return err
	}
	c.bind(n, 0, op)
	return nil
}

// lowerFromValue: Shape/Size outputs are known element-wise and rebuilt by
// value(); reaching here means they were not.
func lowerFromValue(c *ctx, n *srcNode) error {
	return fmt.Errorf("%w: output value is not known from shape inference", ErrUnsupported)
}

// lowerBiasAdd (com.microsoft): X + bias + skip.
func lowerBiasAdd(c *ctx, n *srcNode) error {
	xs, err := c.ins(n, 0, 1, 2)
	if err != nil {
		return err
	}
	c.bind(n, 0, c.op(n, "add", []string{c.op(n, "add", xs[:2], nil), xs[2]}, nil))
	return nil
}
