// Gather family and scatters.

package lower

import (
	"fmt"

	"github.com/webnn-graph/webnn-graph/shapeinfer"
	"github.com/webnn-graph/webnn-graph/tensor"
)

func lowerGather(c *ctx, n *srcNode) error {
	if ok, err := c.unflattenGather(n); ok || err != nil {
		return err
	}
	xs, err := c.ins(n, 0, 1)
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
	if err := c.checkConstIndices(n, "axis", int(axis)); err != nil {
		return err
	}
	c.bind(n, 0, c.op(n, "gather", xs, map[string]any{"axis": axis}))
	return nil
}

func lowerGatherElements(c *ctx, n *srcNode) error {
	xs, err := c.ins(n, 0, 1)
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
	if err := c.checkConstIndices(n, "axis", int(axis)); err != nil {
		return err
	}
	c.bind(n, 0, c.op(n, "gatherElements", xs, map[string]any{"axis": axis}))
	return nil
}

func lowerGatherND(c *ctx, n *srcNode) error {
	if b := attrInt(n, "batch_dims", 0); b != 0 {
		return unsupportedAttr("batch_dims", b)
	}
	xs, err := c.ins(n, 0, 1)
	if err != nil {
		return err
	}
	if err := c.checkConstIndices(n, "nd", -1); err != nil {
		return err
	}
	c.bind(n, 0, c.op(n, "gatherND", xs, nil))
	return nil
}

func checkNoReduction(n *srcNode) error {
	if r := attrString(n, "reduction", "none"); r != "none" {
		return unsupportedAttr("reduction", r)
	}
	return nil
}

func lowerScatterND(c *ctx, n *srcNode) error {
	if err := checkNoReduction(n); err != nil {
		return err
	}
	xs, err := c.ins(n, 0, 1, 2)
	if err != nil {
		return err
	}
	if err := c.checkConstIndices(n, "nd", -1); err != nil {
		return err
	}
	c.bind(n, 0, c.op(n, "scatterND", xs, nil))
	return nil
}

func lowerScatterElements(c *ctx, n *srcNode) error {
	if err := checkNoReduction(n); err != nil {
		return err
	}
	xs, err := c.ins(n, 0, 1, 2)
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
	if err := c.checkConstIndices(n, "axis", int(axis)); err != nil {
		return err
	}
	c.bind(n, 0, c.op(n, "scatterElements", xs, map[string]any{"axis": axis}))
	return nil
}

// checkConstIndices refuses constant indices (input 1) that are out of
// range for the data (input 0), naming the first such index, where it is
// and the bound: ONNX makes them an error, and WebNN would clamp them (or
// a browser may), so the converted graph would quietly compute something
// else. mode "axis" checks each index against data dim axis (Gather,
// GatherElements, ScatterElements); "nd" checks each component of the
// index tuples in the last dim against the data dim it addresses
// (GatherND, ScatterND). Indices known only at run time are the
// runtimes' to check.
func (c *ctx) checkConstIndices(n *srcNode, mode string, axis int) error {
	t := c.constTensorOf(n, 1)
	if t == nil {
		return nil
	}
	idx, ok := tensorInts(t)
	if !ok {
		return nil
	}
	ds, err := c.inShape(n, 0)
	if err != nil {
		return nil
	}
	bound := func(d int) (int64, bool) {
		if d < 0 || d >= len(ds) {
			return 0, false
		}
		return ds[d].Value()
	}
	check := func(i int, v int64, d int) error {
		b, ok := bound(d)
		if ok && (v < -b || v >= b) {
			return fmt.Errorf("index %d at %v of indices %s is out of range for dim %d of the data (size %d)", v, unravel(i, t.Shape), n.Input[1], d, b)
		}
		return nil
	}
	if mode == "axis" {
		for i, v := range idx {
			if err := check(i, v, axis); err != nil {
				return err
			}
		}
		return nil
	}
	if len(t.Shape) == 0 {
		return nil
	}
	k := t.Shape[len(t.Shape)-1]
	for i, v := range idx {
		if err := check(i, v, i%max(k, 1)); err != nil {
			return err
		}
	}
	return nil
}

// unravel is the coordinates of flat index i in shape.
func unravel(i int, shape []int) []int {
	co := make([]int, len(shape))
	for d := len(shape) - 1; d >= 0; d-- {
		if shape[d] > 0 {
			co[d] = i % shape[d]
			i /= shape[d]
		}
	}
	return co
}

// lowerReverseSequence: output[b, t] = x[b, lens[b]−1−t] for t < lens[b],
// else x[b, t] — a gatherElements along the time axis whose indices are
// where(t < len, len−1−t, t), built from an iota and the lengths.
func lowerReverseSequence(c *ctx, n *srcNode) error {
	x, err := c.in(n, 0)
	if err != nil {
		return err
	}
	xs, err := c.inShape(n, 0)
	if err != nil {
		return err
	}
	r := len(xs)
	ba, err := normAxis(attrInt(n, "batch_axis", 1), r)
	if err != nil {
		return err
	}
	ta, err := normAxis(attrInt(n, "time_axis", 0), r)
	if err != nil {
		return err
	}
	if ba == ta || r < 2 {
		return fmt.Errorf("batch_axis %d and time_axis %d of a rank-%d input", ba, ta, r)
	}
	lens, err := c.in(n, 1)
	if err != nil {
		return err
	}
	if c.dtypeOf(n, 1) != tensor.Int64 {
		lens = c.op(n, "cast", []string{lens}, map[string]any{"to": tensor.Int64.String()})
	}
	t, err := c.iota(n, xs[ta])
	if err != nil {
		return err
	}
	one := func(axis int64, d shapeinfer.Expr) []shapeinfer.Expr {
		s := make([]shapeinfer.Expr, r)
		for i := range s {
			s[i] = shapeinfer.Const(1)
		}
		s[axis] = d
		return s
	}
	if t, err = c.reshapeTo(n, t, one(ta, xs[ta])); err != nil {
		return err
	}
	if lens, err = c.reshapeTo(n, lens, one(ba, xs[ba])); err != nil {
		return err
	}
	k1, err := c.scalar(tensor.Int64, 1)
	if err != nil {
		return err
	}
	rev := c.op(n, "sub", []string{c.op(n, "sub", []string{lens, k1}, nil), t}, nil)
	idx := c.op(n, "where", []string{c.op(n, "lesser", []string{t, lens}, nil), rev, t}, nil)
	sz, err := c.dimsOption(xs)
	if err != nil {
		return err
	}
	idx = c.op(n, "expand", []string{idx}, map[string]any{"newShape": sz})
	c.bind(n, 0, c.op(n, "gatherElements", []string{x, idx}, map[string]any{"axis": ta}))
	return nil
}

// lowerTensorScatter (opset 24) writes update into past_cache along axis.
// Without write_indices the update lands at 0: concat(update, the rest of
// the cache). With them, every cache position t of batch row b takes
// update[(t − w_b) mod M] when that offset is below the update length
// (linear mode: t − w_b, no wrap), else keeps the cache: a gatherElements
// of the update with clamped offsets and a where.
func lowerTensorScatter(c *ctx, n *srcNode) error {
	mode := attrString(n, "mode", "linear")
	if mode != "linear" && mode != "circular" {
		return unsupportedAttr("mode", mode)
	}
	ps, err := c.inShape(n, 0)
	if err != nil {
		return err
	}
	us, err := c.inShape(n, 1)
	if err != nil {
		return err
	}
	r := len(ps)
	axis, err := normAxis(attrInt(n, "axis", -2), r)
	if err != nil {
		return err
	}
	if axis == 0 || len(us) != r {
		return fmt.Errorf("axis %d of past_cache %v with update %v", axis, ps, us)
	}
	xs, err := c.ins(n, 0, 1)
	if err != nil {
		return err
	}
	past, upd := xs[0], xs[1]
	M, S := ps[axis], us[axis]
	if _, static := S.Value(); !n.hasInput(2) && static {
		rest := S.Neg().Add(M)
		if rest.MinValue(c.bounds) < 0 {
			return fmt.Errorf("%w: update length %q may exceed the cache length %q", ErrUnsupported, S.String(), M.String())
		}
		starts := make([]shapeinfer.Expr, r)
		sizes := append([]shapeinfer.Expr(nil), ps...)
		steps := make([]int64, r)
		for i := range starts {
			starts[i], steps[i] = shapeinfer.Const(0), 1
		}
		starts[axis], sizes[axis] = S, rest
		if v, ok := rest.Value(); ok && v == 0 {
			c.bind(n, 0, upd)
			return nil
		}
		opts, err := c.sliceOptions(starts, sizes, steps, nil)
		if err != nil {
			return err
		}
		c.bind(n, 0, c.op(n, "concat", []string{upd, c.op(n, "slice", []string{past}, opts)}, map[string]any{"axis": axis}))
		return nil
	}
	zero, err := c.scalar(tensor.Int64, 0)
	if err != nil {
		return err
	}
	w := zero
	if n.hasInput(2) {
		if w, err = c.in(n, 2); err != nil {
			return err
		}
		if c.dtypeOf(n, 2) != tensor.Int64 {
			w = c.op(n, "cast", []string{w}, map[string]any{"to": tensor.Int64.String()})
		}
		if w, err = c.reshapeTo(n, w, alongAxis(r, 0, ps[0], false, shapeinfer.Expr{})); err != nil {
			return err
		}
	}
	t, err := c.iota(n, M)
	if err != nil {
		return err
	}
	if t, err = c.reshapeTo(n, t, alongAxis(r, int(axis), M, false, shapeinfer.Expr{})); err != nil {
		return err
	}
	rel := c.op(n, "sub", []string{t, w}, nil)
	if mode == "circular" {
		m, err := c.dimOperand(n, M)
		if err != nil {
			return err
		}
		// w mod M for w ≥ 0 (WebNN integer div truncates), then the
		// offset t − w folded into [0, M).
		wm := c.op(n, "sub", []string{w, c.op(n, "mul", []string{c.op(n, "div", []string{w, m}, nil), m}, nil)}, nil)
		rel = c.op(n, "sub", []string{t, wm}, nil)
		rel = c.op(n, "where", []string{c.op(n, "lesser", []string{rel, zero}, nil), c.op(n, "add", []string{rel, m}, nil), rel}, nil)
	}
	s, err := c.dimOperand(n, S)
	if err != nil {
		return err
	}
	hit := c.op(n, "logicalAnd", []string{c.op(n, "greaterOrEqual", []string{rel, zero}, nil), c.op(n, "lesser", []string{rel, s}, nil)}, nil)
	k1, err := c.scalar(tensor.Int64, 1)
	if err != nil {
		return err
	}
	idx := c.op(n, "max", []string{c.op(n, "min", []string{rel, c.op(n, "sub", []string{s, k1}, nil)}, nil), zero}, nil)
	// gatherElements reads update along the axis at offset idx for every
	// cache position: indices have the cache's shape with the update's
	// other dims.
	full, err := c.dimsOption(ps)
	if err != nil {
		return err
	}
	idx = c.op(n, "expand", []string{idx}, map[string]any{"newShape": full})
	g := c.op(n, "gatherElements", []string{upd, idx}, map[string]any{"axis": axis})
	c.bind(n, 0, c.op(n, "where", []string{c.op(n, "expand", []string{hit}, map[string]any{"newShape": full}), g, past}, nil))
	return nil
}
