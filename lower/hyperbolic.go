// Hyperbolic functions WebNN lacks, from exp/log/sqrt (float only):
//
//	sinh x = (eˣ − e⁻ˣ)/2        cosh x = (eˣ + e⁻ˣ)/2
//	asinh x = sign(x)·log(|x| + √(x² + 1))   (odd, so no cancellation for x ≪ 0)
//	acosh x = log(x + √(x² − 1))             (NaN below 1, as in ONNX)
//	atanh x = ½·log((1 + x)/(1 − x))

package lower

import "fmt"

func lowerHyperbolic(c *ctx, n *srcNode) error {
	x, err := c.in(n, 0)
	if err != nil {
		return err
	}
	dt := c.dtypeOf(n, 0)
	if !dt.IsFloat() {
		return fmt.Errorf("%w: %s of %v", ErrUnsupported, n.GetOpType(), dt)
	}
	one, err := c.scalar(dt, 1)
	if err != nil {
		return err
	}
	half, err := c.scalar(dt, 0.5)
	if err != nil {
		return err
	}
	var out string
	switch n.GetOpType() {
	case "Sinh", "Cosh":
		ep := c.op(n, "exp", []string{x}, nil)
		en := c.op(n, "exp", []string{c.op(n, "neg", []string{x}, nil)}, nil)
		comb := "sub"
		if n.GetOpType() == "Cosh" {
			comb = "add"
		}
		out = c.op(n, "mul", []string{c.op(n, comb, []string{ep, en}, nil), half}, nil)
	case "Asinh":
		ax := c.op(n, "abs", []string{x}, nil)
		root := c.op(n, "sqrt", []string{c.op(n, "add", []string{c.op(n, "mul", []string{x, x}, nil), one}, nil)}, nil)
		mag := c.op(n, "log", []string{c.op(n, "add", []string{ax, root}, nil)}, nil)
		out = c.op(n, "mul", []string{c.op(n, "sign", []string{x}, nil), mag}, nil)
	case "Acosh":
		root := c.op(n, "sqrt", []string{c.op(n, "sub", []string{c.op(n, "mul", []string{x, x}, nil), one}, nil)}, nil)
		out = c.op(n, "log", []string{c.op(n, "add", []string{x, root}, nil)}, nil)
	case "Atanh":
		ratio := c.op(n, "div", []string{c.op(n, "add", []string{one, x}, nil), c.op(n, "sub", []string{one, x}, nil)}, nil)
		out = c.op(n, "mul", []string{c.op(n, "log", []string{ratio}, nil), half}, nil)
	default:
		return fmt.Errorf("internal: lowerHyperbolic called for %s", n.GetOpType())
	}
	c.bind(n, 0, out)
	return nil
}
