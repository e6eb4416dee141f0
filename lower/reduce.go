// Reductions, ArgMax/ArgMin, CumSum.

package lower

import (
	"fmt"

	"github.com/webnn-graph/webnn-graph/tensor"
)

// axesFromInput is the opset where each reduction's axes moved from an
// attribute to an input.
var axesFromInput = map[string]int64{"ReduceSum": 13}

func reduce(op, webnn string) *lowering {
	return &lowering{op: op, since: 1, webnn: []string{webnn},
		notes: "axes explicit and non-negative; axes input must be constant",
		emit: func(c *ctx, n *srcNode) error {
			x, err := c.in(n, 0)
			if err != nil {
				return err
			}
			r, err := c.rankOf(n, 0)
			if err != nil {
				return err
			}
			since, ok := axesFromInput[op]
			if !ok {
				since = 18
			}
			var axes []int64
			if n.opset >= since {
				if n.hasInput(1) {
					a, ok := c.constInts(n, 1)
					if !ok {
						return fmt.Errorf("%w: axes input is not constant (the output shape would depend on tensor data)", ErrNotInWebNN)
					}
					axes = a
				}
			} else {
				axes = attrInts(n, "axes")
			}
			if len(axes) == 0 {
				if attrInt(n, "noop_with_empty_axes", 0) != 0 {
					c.bind(n, 0, x)
					return nil
				}
				for i := 0; i < r; i++ {
					axes = append(axes, int64(i))
				}
			}
			if axes, err = normAxes(axes, r); err != nil {
				return err
			}
			c.bind(n, 0, c.op(n, webnn, []string{x}, map[string]any{"axes": intsAny(axes), "keepDimensions": attrInt(n, "keepdims", 1) != 0}))
			return nil
		}}
}

func lowerArg(c *ctx, n *srcNode) error {
	x, err := c.in(n, 0)
	if err != nil {
		return err
	}
	r, err := c.rankOf(n, 0)
	if err != nil {
		return err
	}
	axis, err := normAxis(attrInt(n, "axis", 0), r)
	if err != nil {
		return err
	}
	op := "argMax"
	if n.GetOpType() == "ArgMin" {
		op = "argMin"
	}
	opts := map[string]any{"axis": axis, "keepDimensions": attrInt(n, "keepdims", 1) != 0, "outputDataType": tensor.Int64.String()}
	if attrInt(n, "select_last_index", 0) == 0 {
		c.bind(n, 0, c.op(n, op, []string{x}, opts))
		return nil
	}
	// Last index of the extremum: the first one in the reversed axis,
	// mapped back as d-1-i.
	s, _ := c.inShape(n, 0)
	d, ok := s[axis].Value()
	if !ok {
		return fmt.Errorf("%w: select_last_index on the dynamic axis %q; make it static with %s", ErrUnsupported, s[axis].String(), freezeHint(s[axis]))
	}
	rev := c.op(n, "reverse", []string{x}, map[string]any{"axes": []any{axis}})
	idx := c.op(n, op, []string{rev}, opts)
	last, err := c.scalar(tensor.Int64, float64(d-1))
	if err != nil {
		return err
	}
	c.bind(n, 0, c.op(n, "sub", []string{last, idx}, nil))
	return nil
}

func lowerCumSum(c *ctx, n *srcNode) error {
	x, err := c.in(n, 0)
	if err != nil {
		return err
	}
	r, err := c.rankOf(n, 0)
	if err != nil {
		return err
	}
	a, ok := c.constInts(n, 1)
	if !ok || len(a) != 1 {
		return fmt.Errorf("%w: axis input is not constant (WebNN takes the axis as a static option)", ErrNotInWebNN)
	}
	axis, err := normAxis(a[0], r)
	if err != nil {
		return err
	}
	opts := map[string]any{"axis": axis}
	if attrInt(n, "exclusive", 0) != 0 {
		opts["exclusive"] = true
	}
	if attrInt(n, "reverse", 0) != 0 {
		opts["reversed"] = true
	}
	c.bind(n, 0, c.op(n, "cumulativeSum", []string{x}, opts))
	return nil
}

// lowerLpNormalization: x / max(‖x‖_p, tiny) along axis (p = 1 or 2).
func lowerLpNormalization(c *ctx, n *srcNode) error {
	x, err := c.in(n, 0)
	if err != nil {
		return err
	}
	r, err := c.rankOf(n, 0)
	if err != nil {
		return err
	}
	axis, err := normAxis(attrInt(n, "axis", -1), r)
	if err != nil {
		return err
	}
	op := map[int64]string{1: "reduceL1", 2: "reduceL2"}[attrInt(n, "p", 2)]
	if op == "" {
		return unsupportedAttr("p", attrInt(n, "p", 2))
	}
	norm := c.op(n, op, []string{x}, map[string]any{"axes": []any{axis}, "keepDimensions": true})
	c.bind(n, 0, c.op(n, "div", []string{x, norm}, nil))
	return nil
}

// lowerCumProd: WebNN has no cumulative product, so the scan is the
// log-step (Hillis–Steele) form: after step k every element holds the
// product of the 2ᵏ elements ending at it, each step one shifted copy
// (pad with ones, slice) and a mul; ⌈log₂ L⌉ steps for the axis bound L.
// The products are grouped differently from a sequential loop, so float
// results can differ from ONNX Runtime's in the last bits (integers are
// exact). exclusive shifts once more; reverse runs on the reversed axis.
func lowerCumProd(c *ctx, n *srcNode) error {
	x, err := c.in(n, 0)
	if err != nil {
		return err
	}
	xs, err := c.inShape(n, 0)
	if err != nil {
		return err
	}
	a, ok := c.constInts(n, 1)
	if !ok || len(a) != 1 {
		return fmt.Errorf("%w: axis input is not constant (WebNN takes the axis as a static option)", ErrNotInWebNN)
	}
	axis, err := normAxis(a[0], len(xs))
	if err != nil {
		return err
	}
	L := xs[axis]
	mx := L.MaxValue(c.bounds)
	if mx > 1<<16 {
		return fmt.Errorf("%w: CumProd along %q, bounded by %d (the log-step scan is emitted for the bound)", ErrUnsupported, L.String(), mx)
	}
	reverse := attrInt(n, "reverse", 0) != 0
	rev := func(v string) string {
		return c.op(n, "reverse", []string{v}, map[string]any{"axes": []any{axis}})
	}
	if reverse {
		x = rev(x)
	}
	sizes, err := c.dimsOption(xs)
	if err != nil {
		return err
	}
	starts := make([]any, len(xs))
	for i := range starts {
		starts[i] = int64(0)
	}
	// shift moves v k places along the axis, filling with ones.
	shift := func(v string, k int64) string {
		begin := make([]any, len(xs))
		end := make([]any, len(xs))
		for i := range begin {
			begin[i], end[i] = int64(0), int64(0)
		}
		begin[axis] = k
		p := c.op(n, "pad", []string{v}, map[string]any{"beginningPadding": begin, "endingPadding": end, "value": float64(1)})
		return c.op(n, "slice", []string{p}, map[string]any{"starts": starts, "sizes": sizes})
	}
	for k := int64(1); k < mx; k *= 2 {
		x = c.op(n, "mul", []string{x, shift(x, k)}, nil)
	}
	if attrInt(n, "exclusive", 0) != 0 {
		x = shift(x, 1)
	}
	if reverse {
		x = rev(x)
	}
	c.bind(n, 0, x)
	return nil
}
