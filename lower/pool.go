// Pooling: MaxPool, AveragePool, LpPool (p=2), global pools.

package lower

import (
	"fmt"

	"github.com/webnn-graph/webnn-graph/shapeinfer"
)

func checkPool(c *ctx, n *srcNode) error {
	r, err := c.rankOf(n, 0)
	if err != nil {
		return err
	}
	if r != 4 && r != 3 {
		return fmt.Errorf("%w: %d-D pooling (WebNN pools are 2-D)", ErrUnsupported, r-2)
	}
	switch n.GetOpType() {
	case "MaxPool":
		if n.hasOutput(1) && c.users[n.Output[1]] > 0 {
			return fmt.Errorf("%w: the Indices output is used", ErrUnsupported)
		}
		if so := attrInt(n, "storage_order", 0); so != 0 {
			return unsupportedAttr("storage_order", so)
		}
	case "AveragePool":
		if attrInt(n, "count_include_pad", 0) != 0 {
			for _, p := range attrInts(n, "pads") {
				if p != 0 {
					return unsupportedAttr("count_include_pad", 1)
				}
			}
			if ap := attrString(n, "auto_pad", "NOTSET"); ap == "SAME_UPPER" || ap == "SAME_LOWER" {
				return unsupportedAttr("count_include_pad", 1)
			}
		}
	case "LpPool":
		if p := attrInt(n, "p", 2); p != 2 {
			return unsupportedAttr("p", p)
		}
	}
	return nil
}

var poolOps = map[string]string{"MaxPool": "maxPool2d", "AveragePool": "averagePool2d", "LpPool": "l2Pool2d",
	"GlobalAveragePool": "averagePool2d", "GlobalMaxPool": "maxPool2d", "GlobalLpPool": "l2Pool2d"}

func lowerPool(c *ctx, n *srcNode) error {
	if err := checkPool(c, n); err != nil {
		return err
	}
	x, err := c.in(n, 0)
	if err != nil {
		return err
	}
	xShape, err := c.inShape(n, 0)
	if err != nil {
		return err
	}
	kernel := attrInts(n, "kernel_shape")
	sr := len(xShape) - 2
	g, err := c.geometry(n, sr, kernel, xShape[2:])
	if err != nil {
		return err
	}
	if sr == 1 {
		// 1-D pooling runs as 2-D with a height of 1.
		one := shapeinfer.Const(1)
		if x, err = c.reshapeTo(n, x, []shapeinfer.Expr{xShape[0], xShape[1], one, xShape[2]}); err != nil {
			return err
		}
	}
	opts := map[string]any{
		"windowDimensions": intsAny(g.kernel),
		"padding":          intsAny(g.padding),
		"strides":          intsAny(g.strides),
		"dilations":        intsAny(g.dilations),
	}
	if attrInt(n, "ceil_mode", 0) != 0 {
		opts["outputShapeRounding"] = "ceil"
	}
	out := c.op(n, poolOps[n.GetOpType()], []string{x}, opts)
	if sr == 1 {
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

func checkGlobalPool(c *ctx, n *srcNode) error {
	r, err := c.rankOf(n, 0)
	if err != nil {
		return err
	}
	if r != 4 {
		return fmt.Errorf("%w: %d-D global pooling (WebNN pools are 2-D)", ErrUnsupported, r-2)
	}
	if n.GetOpType() == "GlobalLpPool" {
		if p := attrInt(n, "p", 2); p != 2 {
			return unsupportedAttr("p", p)
		}
	}
	return nil
}

// lowerGlobalPool: a pool whose window is the whole spatial extent (the
// WebNN default when windowDimensions is absent; written when static).
func lowerGlobalPool(c *ctx, n *srcNode) error {
	if err := checkGlobalPool(c, n); err != nil {
		return err
	}
	x, err := c.in(n, 0)
	if err != nil {
		return err
	}
	xShape, _ := c.inShape(n, 0)
	opts := map[string]any{}
	if hw, ok := staticInts(xShape[2:]); ok {
		opts["windowDimensions"] = intsAny(hw)
	}
	c.bind(n, 0, c.op(n, poolOps[n.GetOpType()], []string{x}, opts))
	return nil
}
