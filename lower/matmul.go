// MatMul and Gemm.

package lower

import (
	"fmt"
	"slices"

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

// flattenedGemm lowers Reshape([b, s, k] → [b·s, k]) → Gemm → Reshape(→
// [b, s, n]), the Conv1D of GPT-2 exports, as one matmul over the
// unflattened input plus the bias: the flattened size b·s is a product of
// dims, which rustnn ≤ 0.5.12 cannot evaluate in a reshape, and the
// matmul needs no reshape at all. n is the outer Reshape; ok is false when
// the pattern does not match (nothing is emitted then).
func (c *ctx) flattenedGemm(n *srcNode) (bool, error) {
	g := c.producerOp(n.Input[0], "Gemm")
	if g == nil || c.users[g.Output[0]] != 1 || attrInt(g, "transA", 0) != 0 || attrFloat(g, "alpha", 1) != 1 {
		return false, nil
	}
	flat := c.producerOp(g.Input[0], "Reshape")
	if flat == nil {
		flat = c.producerOp(g.Input[0], "Flatten")
	}
	if flat == nil || c.users[flat.Output[0]] != 1 || c.folded(flat.Output[0]) {
		return false, nil
	}
	xs := c.info(flat.Input[0])
	out := c.info(n.Output[0])
	if xs == nil || out == nil || len(xs.Shape) < 3 || len(out.Shape) != len(xs.Shape) {
		return false, nil
	}
	r := len(xs.Shape)
	if fs := c.info(flat.Output[0]); fs == nil || len(fs.Shape) != 2 || !fs.Shape[1].Equal(xs.Shape[r-1]) {
		return false, nil // not a flattening of the leading dims
	}
	for i := 0; i < r-1; i++ {
		if !xs.Shape[i].Equal(out.Shape[i]) {
			return false, nil
		}
	}
	if g.hasInput(2) {
		cs := c.info(g.Input[2])
		if cs == nil || cs.Shape == nil || len(cs.Shape) > 2 {
			return false, nil
		}
		if len(cs.Shape) == 2 {
			if v, ok := cs.Shape[0].Value(); !ok || v != 1 {
				return false, nil
			}
		}
	}
	x, err := c.value(flat.Input[0])
	if err != nil {
		return true, err
	}
	w, err := c.in(g, 1)
	if err != nil {
		return true, err
	}
	if attrInt(g, "transB", 0) != 0 {
		w = c.op(g, "transpose", []string{w}, map[string]any{"permutation": []any{int64(1), int64(0)}})
	}
	y := c.op(g, "matmul", []string{x, w}, nil)
	if beta := float64(attrFloat(g, "beta", 1)); g.hasInput(2) && beta != 0 {
		b, err := c.in(g, 2)
		if err != nil {
			return true, err
		}
		if beta != 1 {
			s, err := c.scalar(c.dtypeOf(g, 2), beta)
			if err != nil {
				return true, err
			}
			b = c.op(g, "mul", []string{b, s}, nil)
		}
		y = c.op(g, "add", []string{y, b}, nil)
	}
	c.bind(n, 0, y)
	return true, nil
}

// lowerFusedMatMul (com.microsoft): alpha · op(A) · op(B), where op moves
// the first dim behind the batch dims (transBatch) and then swaps the last
// two (trans), as ORT's MatMulComputeHelper reads its operands.
func lowerFusedMatMul(c *ctx, n *srcNode) error {
	xs, err := c.ins(n, 0, 1)
	if err != nil {
		return err
	}
	for k, pre := range []string{"A", "B"} {
		s, err := c.inShape(n, k)
		if err != nil {
			return err
		}
		r := len(s)
		batch, trans := attrInt(n, "transBatch"+pre, 0) != 0, attrInt(n, "trans"+pre, 0) != 0
		if r < 2 && (batch || trans) {
			return fmt.Errorf("%w: trans%s on a rank-%d operand", ErrUnsupported, pre, r)
		}
		if r < 2 {
			return fmt.Errorf("%w: rank-%d operand (1-D FusedMatMul)", ErrUnsupported, r)
		}
		perm := make([]int64, r)
		for i := range perm {
			perm[i] = int64(i)
		}
		if batch && r > 2 {
			for i := 0; i < r-2; i++ {
				perm[i] = int64(i + 1)
			}
			perm[r-2] = 0
		}
		if trans {
			perm[r-2], perm[r-1] = perm[r-1], perm[r-2]
		}
		if !slices.IsSorted(perm) {
			xs[k] = c.op(n, "transpose", []string{xs[k]}, map[string]any{"permutation": intsAny(perm)})
		}
	}
	out := c.op(n, "matmul", xs, nil)
	if a := float64(attrFloat(n, "alpha", 1)); a != 1 {
		s, err := c.scalar(c.dtypeOf(n, 0), a)
		if err != nil {
			return err
		}
		out = c.op(n, "mul", []string{out, s}, nil)
	}
	c.bind(n, 0, out)
	return nil
}
