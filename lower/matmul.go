// MatMul and Gemm.

package lower

import (
	"fmt"

	"github.com/webnn-graph/webnn-graph/shapeinfer"
)

// lowerMatMul: WebNN matmul needs rank ≥ 2 on both sides and broadcasts
// batch dims like ONNX; 1-D operands are reshaped to [1,K] / [K,1] and the
// result reshaped to ONNX's output shape.
func lowerMatMul(c *ctx, n *srcNode) error {
	xs, err := c.ins(n, 0, 1)
	if err != nil {
		return err
	}
	sa, err := c.inShape(n, 0)
	if err != nil {
		return err
	}
	sb, err := c.inShape(n, 1)
	if err != nil {
		return err
	}
	if len(sa) == 0 || len(sb) == 0 {
		return fmt.Errorf("%w: MatMul of a scalar", ErrUnsupported)
	}
	reshaped := false
	if len(sa) == 1 {
		if xs[0], err = c.reshapeTo(n, xs[0], []shapeinfer.Expr{shapeinfer.Const(1), sa[0]}); err != nil {
			return err
		}
		reshaped = true
	}
	if len(sb) == 1 {
		if xs[1], err = c.reshapeTo(n, xs[1], []shapeinfer.Expr{sb[0], shapeinfer.Const(1)}); err != nil {
			return err
		}
		reshaped = true
	}
	out := c.op(n, "matmul", xs, nil)
	if reshaped {
		os, err := c.outShape(n, 0)
		if err != nil {
			return err
		}
		if out, err = c.reshapeTo(n, out, os); err != nil {
			return err
		}
	}
	c.bind(n, 0, out)
	return nil
}

// lowerGemm: gemm without the operand-valued c option, then add(β·C).
func lowerGemm(c *ctx, n *srcNode) error {
	xs, err := c.ins(n, 0, 1)
	if err != nil {
		return err
	}
	alpha := float64(attrFloat(n, "alpha", 1))
	beta := float64(attrFloat(n, "beta", 1))
	opts := map[string]any{}
	if alpha != 1 {
		opts["alpha"] = alpha
	}
	if attrInt(n, "transA", 0) != 0 {
		opts["aTranspose"] = true
	}
	if attrInt(n, "transB", 0) != 0 {
		opts["bTranspose"] = true
	}
	out := c.op(n, "gemm", xs, opts)
	if n.hasInput(2) && beta != 0 {
		cc, err := c.in(n, 2)
		if err != nil {
			return err
		}
		if beta != 1 {
			b, err := c.scalar(c.dtypeOf(n, 2), beta)
			if err != nil {
				return err
			}
			cc = c.op(n, "mul", []string{cc, b}, nil)
		}
		out = c.op(n, "add", []string{out, cc}, nil)
	}
	c.bind(n, 0, out)
	return nil
}
