// Pooling: MaxPool, AveragePool, LpPool (p=2), global pools.

package lower

import (
	"fmt"
	"slices"

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
		if attrInt(n, "count_include_pad", 0) != 0 && attrInt(n, "ceil_mode", 0) != 0 {
			// ONNX counts the padding but not the part of a ceil window past it.
			return fmt.Errorf("%w: count_include_pad=1 together with ceil_mode=1", ErrUnsupported)
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
	x = c.reversed(n, g, x)
	if n.GetOpType() == "AveragePool" && attrInt(n, "count_include_pad", 0) != 0 && slices.ContainsFunc(g.padding, func(p int64) bool { return p != 0 }) {
		// Padding counted in the average: pad with explicit zeros, then
		// pool without padding.
		pd := g.padding
		x = c.op(n, "pad", []string{x}, map[string]any{
			"beginningPadding": intsAny([]int64{0, 0, pd[0], pd[2]}),
			"endingPadding":    intsAny([]int64{0, 0, pd[1], pd[3]}),
		})
		g.padding = []int64{0, 0, 0, 0}
	}
	opts := map[string]any{
		"windowDimensions": intsAny(g.kernel),
		"padding":          intsAny(g.padding),
		"strides":          intsAny(g.strides),
		"dilations":        intsAny(g.dilations),
	}
	if attrInt(n, "ceil_mode", 0) != 0 {
		spatial := xShape[2:]
		if sr == 1 {
			spatial = []shapeinfer.Expr{shapeinfer.Const(1), xShape[2]}
		}
		if err := ceilPoolPadding(g, spatial); err != nil {
			return err
		}
		opts["padding"] = intsAny(g.padding)
	}
	out := c.reversed(n, g, c.op(n, poolOps[n.GetOpType()], []string{x}, opts))
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
	if r < 3 {
		return fmt.Errorf("%w: global pooling of a rank-%d input (needs batch, channel and spatial dims)", ErrUnsupported, r)
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
// Other spatial ranks than 2 pool the same elements once reshaped to 2-D:
// [N, C, L] as [N, C, 1, L], [N, C, D, H, W] as [N, C, D·H, W] (max, mean
// and the L2 norm depend only on the set of elements in the window).
func lowerGlobalPool(c *ctx, n *srcNode) error {
	if err := checkGlobalPool(c, n); err != nil {
		return err
	}
	x, err := c.in(n, 0)
	if err != nil {
		return err
	}
	xShape, _ := c.inShape(n, 0)
	if out, ok := c.globalPoolAsReduce(n, x, xShape[2:]); ok {
		c.bind(n, 0, out)
		return nil
	}
	spatial := xShape[2:]
	if len(spatial) != 2 {
		rows := shapeinfer.Const(1)
		for _, d := range spatial[:len(spatial)-1] {
			rows = rows.Mul(d)
		}
		spatial = []shapeinfer.Expr{rows, spatial[len(spatial)-1]}
		if x, err = c.reshapeTo(n, x, append([]shapeinfer.Expr{xShape[0], xShape[1]}, spatial...)); err != nil {
			return err
		}
	}
	opts := map[string]any{}
	if hw, ok := staticInts(spatial); ok {
		opts["windowDimensions"] = intsAny(hw)
	}
	out := c.op(n, poolOps[n.GetOpType()], []string{x}, opts)
	if len(xShape) != 4 {
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

// ceilPoolPadding makes floor rounding give the output size of an ONNX
// pool with ceil_mode=1. ONNX rounds up but then drops a last window that
// would start inside the end padding; WebNN's outputShapeRounding=ceil
// keeps it, and rustnn ≤ 0.5.12 cannot express a mix of rounded-up and
// rounded-down axes through outputSizes. Extending the end padding until
// floor rounding reaches the ONNX size is exact for every loader: the
// extra windows cover input elements, and padding is ignored by max
// pooling and excluded from the average (count_include_pad=0; the =1 case
// is refused with ceil_mode). A dynamic spatial dim qualifies when ONNX
// can never drop that last window: its start (out−1)·s is at most
// span+s−1 = in+p0+p1−eff+s−1, below in+p0 for every input size exactly
// when p1 ≤ eff−s (shapeinfer's windowOut uses the same test). Then the
// ONNX size is ceil(span/s)+1 = floor((span+s−1)/s)+1 for every size,
// which s−1 more end padding gives under floor rounding (stride 1 needs
// none). PyTorch's MaxPool2d(3, 2, 1, ceil_mode=True), ResNet's stem, is
// such a pool.
func ceilPoolPadding(g *convGeometry, spatial []shapeinfer.Expr) error {
	for i := 0; i < 2; i++ {
		k, s, d := g.kernel[i], g.strides[i], g.dilations[i]
		p0, p1 := g.padding[2*i], g.padding[2*i+1]
		eff := (k-1)*d + 1
		in, ok := spatial[i].Value()
		if !ok {
			if p1+s > eff {
				return fmt.Errorf("%w: ceil_mode=1 with stride %d, kernel extent %d and end padding %d over the dynamic dim %q (the ONNX output size drops a last window starting in the end padding for some sizes, so it is not one formula of the dim); make it static with %s", ErrUnsupported, s, eff, p1, spatial[i].String(), freezeHint(spatial[i]))
			}
			g.padding[2*i+1] += s - 1
			continue
		}
		span := in + p0 + p1 - eff
		if span < 0 {
			return fmt.Errorf("%w: pooling window larger than the padded input", ErrUnsupported)
		}
		out := (span+s-1)/s + 1
		if (out-1)*s >= in+p0 {
			out--
		}
		if extra := (out-1)*s + eff - (in + p0 + p1); extra > 0 {
			g.padding[2*i+1] += extra
		}
	}
	return nil
}
