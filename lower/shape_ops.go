// Shape-changing ops. Target shapes come from shape inference, fully
// resolved (no -1/0 placeholders); dims that depend on input dims are
// written as {"name": EXPR, "maxSize": N}. Data built from dims (Range,
// ConstantOfShape) is rebuilt from WebNN ops that stay exact for every dim
// value within the bounds: a constant of the maximum size sliced to the
// run-time length.

package lower

import (
	"fmt"
	"math"
	"slices"

	"github.com/webnn-graph/webnn-graph/onnxpb"
	"github.com/webnn-graph/webnn-graph/shapeinfer"
	"github.com/webnn-graph/webnn-graph/tensor"
)

func sameShape(a, b []shapeinfer.Expr) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !a[i].Equal(b[i]) {
			return false
		}
	}
	return true
}

// lowerReshapeLike serves Reshape, Flatten, Squeeze and Unsqueeze: all are
// a reshape to the output shape shape inference resolved.
func lowerReshapeLike(c *ctx, n *srcNode) error {
	if n.GetOpType() == "Reshape" {
		if ok, err := c.flattenedGemm(n); ok || err != nil {
			return err
		}
	}
	x, err := c.in(n, 0)
	if err != nil {
		return err
	}
	out, err := c.outShape(n, 0)
	if err != nil {
		return err
	}
	in, err := c.inShape(n, 0)
	if err != nil {
		return err
	}
	if sameShape(in, out) {
		c.bind(n, 0, x)
		return nil
	}
	if ok, err := c.splitReshape(n, x, in, out); ok || err != nil {
		return err
	}
	r, err := c.reshapeTo(n, x, out)
	if err != nil {
		return fmt.Errorf("target shape %s: %w", shapeinfer.ShapeString(out), err)
	}
	c.bind(n, 0, r)
	return nil
}

func lowerTranspose(c *ctx, n *srcNode) error {
	x, err := c.in(n, 0)
	if err != nil {
		return err
	}
	r, err := c.rankOf(n, 0)
	if err != nil {
		return err
	}
	perm := attrInts(n, "perm")
	if perm == nil {
		for i := r - 1; i >= 0; i-- {
			perm = append(perm, int64(i))
		}
	}
	perm, err = normAxes(perm, r)
	if err != nil {
		return err
	}
	c.bind(n, 0, c.op(n, "transpose", []string{x}, map[string]any{"permutation": intsAny(perm)}))
	return nil
}

func lowerConcat(c *ctx, n *srcNode) error {
	r, err := c.rankOf(n, 0)
	if err != nil {
		return err
	}
	axis, err := normAxis(attrInt(n, "axis", 0), r)
	if err != nil {
		return err
	}
	var ins []string
	for i := range n.Input {
		if !n.hasInput(i) {
			continue
		}
		// Statically empty pieces contribute nothing.
		if s, err := c.inShape(n, i); err == nil && int(axis) < len(s) {
			if v, ok := s[axis].Value(); ok && v == 0 {
				continue
			}
		}
		x, err := c.in(n, i)
		if err != nil {
			return err
		}
		ins = append(ins, x)
	}
	if len(ins) == 0 {
		return fmt.Errorf("%w: every input is empty", ErrUnsupported)
	}
	if len(ins) == 1 {
		c.bind(n, 0, ins[0])
		return nil
	}
	c.bind(n, 0, c.op(n, "concat", ins, map[string]any{"axis": axis}))
	return nil
}

func lowerSplit(c *ctx, n *srcNode) error {
	x, err := c.in(n, 0)
	if err != nil {
		return err
	}
	shape, err := c.inShape(n, 0)
	if err != nil {
		return err
	}
	axis, err := normAxis(attrInt(n, "axis", 0), len(shape))
	if err != nil {
		return err
	}
	var sizes []int64
	for i := range n.Output {
		os, err := c.outShape(n, i)
		if err != nil {
			return err
		}
		v, ok := os[axis].Value()
		if !ok {
			return fmt.Errorf("%w: split size of output %d is dynamic (%s; WebNN split takes static sizes); make it static with %s", ErrUnsupported, i, os[axis].String(), freezeHint(os[axis]))
		}
		sizes = append(sizes, v)
	}
	outs := c.opMulti(n, "split", []string{x}, map[string]any{"splits": intsAny(sizes), "axis": axis}, len(sizes))
	for i, o := range outs {
		c.bind(n, i, o)
	}
	return nil
}

// sliceParams reads starts/ends/axes/steps as expressions (inputs from
// opset 10, attributes before).
func (c *ctx) sliceParams(n *srcNode, rank int) (starts, ends []shapeinfer.Expr, axes, steps []int64, err error) {
	exprsOf := func(i int) ([]shapeinfer.Expr, error) {
		in := c.info(n.Input[i])
		if in != nil && in.Value != nil {
			return in.Value, nil
		}
		if vs, ok := c.constInts(n, i); ok {
			return exprs(vs...), nil
		}
		return nil, fmt.Errorf("%w: input %d (%s) is not known at conversion time (the output shape would depend on tensor data)", ErrNotInWebNN, i, n.Input[i])
	}
	if n.opset < 10 {
		starts, ends = exprs(attrInts(n, "starts")...), exprs(attrInts(n, "ends")...)
		axes = attrInts(n, "axes")
	} else {
		if starts, err = exprsOf(1); err != nil {
			return
		}
		if ends, err = exprsOf(2); err != nil {
			return
		}
		if n.hasInput(3) {
			var ok bool
			if axes, ok = c.constInts(n, 3); !ok {
				err = fmt.Errorf("%w: axes input is not constant (the output shape would depend on tensor data)", ErrNotInWebNN)
				return
			}
		}
		if n.hasInput(4) {
			var ok bool
			if steps, ok = c.constInts(n, 4); !ok {
				err = fmt.Errorf("%w: steps input is not constant (the output shape would depend on tensor data)", ErrNotInWebNN)
				return
			}
		}
	}
	if axes == nil {
		for i := range starts {
			axes = append(axes, int64(i))
		}
	}
	if steps == nil {
		steps = make([]int64, len(starts))
		for i := range steps {
			steps[i] = 1
		}
	}
	if len(starts) != len(axes) || len(ends) != len(axes) || len(steps) != len(axes) {
		err = fmt.Errorf("starts/ends/axes/steps lengths differ")
		return
	}
	axes, err = normAxes(axes, rank)
	return
}

// clampIndex normalises a Slice start or end on a dim of size d (step > 0):
// negative counts from the end, the result is clamped to [0, d].
func (c *ctx) clampIndex(v, d shapeinfer.Expr) shapeinfer.Expr {
	zero := shapeinfer.Const(0)
	if k, ok := v.Value(); ok {
		if k < 0 {
			if dv, ok := d.Value(); ok {
				return shapeinfer.Const(min(max(dv+k, 0), dv))
			}
			return d.Add(v).MaxB(zero, c.bounds)
		}
		if k >= d.MaxValue(c.bounds) {
			return d
		}
		return v.MinB(d, c.bounds)
	}
	return v.MinB(d, c.bounds).MaxB(zero, c.bounds)
}

func lowerSlice(c *ctx, n *srcNode) error {
	x, err := c.in(n, 0)
	if err != nil {
		return err
	}
	shape, err := c.inShape(n, 0)
	if err != nil {
		return err
	}
	r := len(shape)
	starts, ends, axes, steps, err := c.sliceParams(n, r)
	if err != nil {
		return err
	}
	begin := make([]shapeinfer.Expr, r)
	end := make([]shapeinfer.Expr, r)
	stride := make([]int64, r)
	for i := range shape {
		begin[i], end[i], stride[i] = shapeinfer.Const(0), shape[i], 1
	}
	var reverse, reverseAfter []int64
	var padEnd []int64 // per axis, for strided slices from a static start
	for k, a := range axes {
		d := shape[a]
		step := steps[k]
		switch {
		case step == 0:
			return fmt.Errorf("slice step is 0")
		case step > 0:
			begin[a], end[a], stride[a] = c.clampIndex(starts[k], d), c.clampIndex(ends[k], d), c.sliceStride(step, d)
			if kv, ok := starts[k].Value(); ok && kv > 0 && kv <= maxDimPad && stride[a] != 1 {
				if _, ok := begin[a].Value(); !ok {
					// A strided slice from a static start k of a dynamic dim d
					// that may be below k (Swin's patch merging takes
					// x[:, 1::2, 0::2]): min(k, d) is a dynamic start, which
					// WebNN lacks. Padding the axis's end by k makes k a
					// valid start for every d; the window max(end − k, 0)
					// never reaches the padding.
					begin[a] = starts[k]
					if padEnd == nil {
						padEnd = make([]int64, r)
					}
					padEnd[a] = kv
				}
			}
		default:
			// Negative step: reverse the axis, then slice forward from
			// d-1-start to d-1-end.
			S, err := c.clampReverse(starts[k], d, false)
			if err != nil {
				return err
			}
			E, err := c.clampReverse(ends[k], d, true)
			if err != nil {
				return err
			}
			one := shapeinfer.Const(1)
			rs, re := d.Sub(one).Sub(S), d.Sub(one).Sub(E)
			if _, ok := rs.Value(); !ok {
				// x[S:E:-1] is reverse(x[E+1:S+1]): with step -1 a
				// static end gives a static forward start (Kaldi's
				// x[:, 119::-1], min(120, N) samples mirrored).
				if _, static := E.Value(); step != -1 || !static {
					return fmt.Errorf("%w: negative-step slice starting at %s of a dynamic axis", ErrUnsupported, starts[k].String())
				}
				reverseAfter = append(reverseAfter, a)
				begin[a], end[a] = E.Add(one), S.Add(one).MaxB(E.Add(one), c.bounds)
				continue
			}
			reverse = append(reverse, a)
			begin[a], end[a], stride[a] = rs, re.MaxB(rs, c.bounds), c.sliceStride(step, d)
		}
	}
	if len(reverse) > 0 {
		x = c.op(n, "reverse", []string{x}, map[string]any{"axes": intsAny(reverse)})
	}
	if padEnd != nil {
		x = c.op(n, "pad", []string{x}, map[string]any{"beginningPadding": intsAny(make([]int64, r)), "endingPadding": intsAny(padEnd)})
	}
	// Axes whose start is known statically slice directly; the others are
	// sliced to their end first, then end-aligned via reverse.
	sizes := make([]shapeinfer.Expr, r)
	var dynStart []int
	hasSlice := false
	for i := range shape {
		if _, ok := begin[i].Value(); !ok {
			dynStart = append(dynStart, i)
			if stride[i] != 1 {
				return fmt.Errorf("%w: dynamic start with step %d", ErrUnsupported, stride[i])
			}
			continue
		}
		// WebNN sizes are the input window; the output has
		// ceil(size/stride) elements along the axis.
		size := end[i].Sub(begin[i])
		if size.MinValue(c.bounds) < 0 {
			size = size.MaxB(shapeinfer.Const(0), c.bounds)
		}
		sizes[i] = size
		if !begin[i].Equal(shapeinfer.Const(0)) || !size.Equal(shape[i]) || stride[i] != 1 {
			hasSlice = true
		}
	}
	for _, i := range dynStart {
		sizes[i] = end[i]
		if !end[i].Equal(shape[i]) {
			hasSlice = true
		}
	}
	out := x
	if hasSlice {
		opts, err := c.sliceOptions(begin, sizes, stride, dynStart)
		if err != nil {
			return err
		}
		out = c.op(n, "slice", []string{x}, opts)
	}
	if len(dynStart) > 0 {
		// out[a] = x[0:end]; keep its last (end - begin) elements.
		rev := intsAny(intsOf(dynStart))
		out = c.op(n, "reverse", []string{out}, map[string]any{"axes": rev})
		tb := make([]shapeinfer.Expr, r)
		ts := make([]shapeinfer.Expr, r)
		one := make([]int64, r)
		for i := range tb {
			// The first slice left ceil(size/stride) elements on a strided axis.
			st := shapeinfer.Const(stride[i])
			tb[i], ts[i], one[i] = shapeinfer.Const(0), sizes[i].Add(st).Sub(shapeinfer.Const(1)).FloorDiv(st), 1
		}
		for _, i := range dynStart {
			sz := end[i].Sub(begin[i])
			if sz.MinValue(c.bounds) < 0 {
				sz = sz.MaxB(shapeinfer.Const(0), c.bounds)
			}
			ts[i] = sz
		}
		opts, err := c.sliceOptions(tb, ts, one, nil)
		if err != nil {
			return err
		}
		out = c.op(n, "slice", []string{out}, opts)
		out = c.op(n, "reverse", []string{out}, map[string]any{"axes": rev})
	}
	if len(reverseAfter) > 0 {
		out = c.op(n, "reverse", []string{out}, map[string]any{"axes": intsAny(reverseAfter)})
	}
	c.bind(n, 0, out)
	return nil
}

// sliceStride is the WebNN stride of an ONNX Slice step (≠ 0) on a dim
// of size d: |step|, capped at d's largest value, since a step at least
// as long as the axis takes its first element whatever its size. So
// INT64_MIN (whose magnitude does not fit in int64) and other huge steps
// lower to a valid stride instead of overflowing.
func (c *ctx) sliceStride(step int64, d shapeinfer.Expr) int64 {
	mag := uint64(step)
	if step < 0 {
		mag = uint64(-(step + 1)) + 1
	}
	limit := max(d.MaxValue(c.bounds), 1)
	if mag > uint64(limit) {
		return limit
	}
	return int64(mag)
}

// clampReverse normalises a start (end=false) or end of a negative-step
// slice on a dim of size d: start in [0, d-1], end in [-1, d-1].
func (c *ctx) clampReverse(v, d shapeinfer.Expr, isEnd bool) (shapeinfer.Expr, error) {
	k, ok := v.Value()
	if !ok {
		return shapeinfer.Expr{}, fmt.Errorf("%w: dynamic bound with a negative step", ErrUnsupported)
	}
	lo := shapeinfer.Const(0)
	if isEnd {
		lo = shapeinfer.Const(-1)
	}
	top := d.Sub(shapeinfer.Const(1))
	if k < 0 {
		if dv, ok := d.Value(); ok {
			return shapeinfer.Const(max(dv+k, map[bool]int64{true: -1, false: 0}[isEnd])), nil
		}
		if -k > d.MaxValue(c.bounds) {
			return lo, nil
		}
		return d.Add(v).MaxB(lo, c.bounds), nil
	}
	if k >= d.MaxValue(c.bounds)-1 {
		return top, nil
	}
	return v.MinB(top, c.bounds), nil
}

func intsOf(xs []int) []int64 {
	out := make([]int64, len(xs))
	for i, x := range xs {
		out[i] = int64(x)
	}
	return out
}

func (c *ctx) sliceOptions(begin, sizes []shapeinfer.Expr, stride []int64, zeroStart []int) (map[string]any, error) {
	st := make([]any, len(begin))
	for i, b := range begin {
		v, ok := b.Value()
		if !ok {
			v = 0 // dynamic starts are handled by the caller (zeroStart)
		}
		st[i] = v
	}
	for _, i := range zeroStart {
		st[i] = int64(0)
	}
	sz, err := c.dimsOption(sizes)
	if err != nil {
		return nil, err
	}
	opts := map[string]any{"starts": st, "sizes": sz}
	for _, s := range stride {
		if s != 1 {
			opts["strides"] = intsAny(stride)
			break
		}
	}
	return opts, nil
}

func lowerExpand(c *ctx, n *srcNode) error {
	x, err := c.in(n, 0)
	if err != nil {
		return err
	}
	out, err := c.outShape(n, 0)
	if err != nil {
		return err
	}
	in, err := c.inShape(n, 0)
	if err != nil {
		return err
	}
	if sameShape(in, out) {
		c.bind(n, 0, x)
		return nil
	}
	dims, err := c.dimsOption(out)
	if err != nil {
		return fmt.Errorf("target shape %s: %w", shapeinfer.ShapeString(out), err)
	}
	c.bind(n, 0, c.op(n, "expand", []string{x}, map[string]any{"newShape": dims}))
	return nil
}

func lowerTile(c *ctx, n *srcNode) error {
	x, err := c.in(n, 0)
	if err != nil {
		return err
	}
	if reps, ok := c.constInts(n, 1); ok {
		c.bind(n, 0, c.op(n, "tile", []string{x}, map[string]any{"repetitions": intsAny(reps)}))
		return nil
	}
	// Repeats known symbolically (Shape-derived: Whisper decoders tile by
	// the batch size): tile the static repeats, then repeat each axis
	// whose count is a dim by expanding a new axis in front of it and
	// merging the two, which keeps every size an expression of input dims.
	in := c.info(n.Input[1])
	if in == nil || in.Value == nil {
		return fmt.Errorf("%w: repeats input is not known from constants or input dims (the output shape would depend on tensor data)", ErrNotInWebNN)
	}
	xs, err := c.inShape(n, 0)
	if err != nil {
		return err
	}
	if len(in.Value) != len(xs) {
		return fmt.Errorf("%d repeats for rank %d", len(in.Value), len(xs))
	}
	static := make([]int64, len(xs))
	cur := append([]shapeinfer.Expr(nil), xs...)
	var dyn []int
	for i, r := range in.Value {
		if v, ok := r.Value(); ok {
			static[i] = v
			cur[i] = cur[i].Mul(r)
			continue
		}
		if r.MinValue(c.bounds) < 0 {
			return fmt.Errorf("%w: repeat %q may be negative", ErrUnsupported, r.String())
		}
		static[i] = 1
		dyn = append(dyn, i)
	}
	if slices.ContainsFunc(static, func(v int64) bool { return v != 1 }) {
		x = c.op(n, "tile", []string{x}, map[string]any{"repetitions": intsAny(static)})
	}
	// [.., d_i, ..] → [.., 1, d_i, ..] → expand [.., r_i, d_i, ..] → [.., r_i·d_i, ..]
	var split, wide, out []shapeinfer.Expr
	for i, d := range cur {
		if slices.Contains(dyn, i) {
			r := in.Value[i]
			if d.Equal(shapeinfer.Const(1)) {
				split, wide = append(split, d), append(wide, r)
				out = append(out, r)
				continue
			}
			split = append(split, shapeinfer.Const(1), d)
			wide = append(wide, r, d)
			out = append(out, r.Mul(d))
			continue
		}
		split, wide, out = append(split, d), append(wide, d), append(out, d)
	}
	if len(split) != len(cur) {
		if x, err = c.reshapeTo(n, x, split); err != nil {
			return err
		}
	}
	sz, err := c.dimsOption(wide)
	if err != nil {
		return err
	}
	x = c.op(n, "expand", []string{x}, map[string]any{"newShape": sz})
	if len(wide) != len(out) {
		if x, err = c.reshapeTo(n, x, out); err != nil {
			return err
		}
	}
	c.bind(n, 0, x)
	return nil
}

// lowerConstantOfShape: a dynamic-shaped fill is expand(scalar, shape).
func lowerConstantOfShape(c *ctx, n *srcNode) error {
	if info := c.info(n.Output[0]); info == nil || info.Shape == nil {
		return fmt.Errorf("%w: the output shape comes from the data of %q, which is only known at run time (WebNN output shapes must follow from input dims; a shape computed with Shape/Gather/Concat from inputs works)", ErrNotInWebNN, n.Input[0])
	}
	out, err := c.outShape(n, 0)
	if err != nil {
		return err
	}
	val := &tensor.Tensor{DType: tensor.Float32, Shape: []int{}, Data: []float32{0}}
	if t := onnxpb.AttrTensor(n.NodeProto, "value"); t != nil {
		tt, err := c.m.Tensor(t)
		if err != nil {
			return err
		}
		val = &tensor.Tensor{DType: tt.DType, Shape: []int{}, Data: tt.Data}
	}
	s, err := c.constTensor(n.base+"_value", val, "")
	if err != nil {
		return err
	}
	dims, err := c.dimsOption(out)
	if err != nil {
		return err
	}
	c.bind(n, 0, c.op(n, "expand", []string{s}, map[string]any{"newShape": dims}))
	return nil
}

// lowerRange: start + delta·iota, iota a constant [0, 1, …, max-1] sliced
// to the run-time count.
func lowerRange(c *ctx, n *srcNode) error {
	out, err := c.outShape(n, 0)
	if err != nil {
		return err
	}
	if len(out) != 1 {
		return fmt.Errorf("Range output has rank %d", len(out))
	}
	dt := c.dtypeOf(n, 0)
	count := out[0]
	for _, s := range count.Symbols() {
		if !c.inputSyms[s] {
			return fmt.Errorf("%w: Range length depends on tensor data (start/limit/delta are not known from input dims)", ErrNotInWebNN)
		}
	}
	mx := count.MaxValue(c.bounds)
	if mx > 1<<22 {
		return fmt.Errorf("%w: Range length %q may reach %d", ErrUnsupported, count.String(), mx)
	}
	iota := tensor.New(dt, []int{int(max(mx, 1))})
	switch d := iota.Data.(type) {
	case []float32:
		for i := range d {
			d[i] = float32(i)
		}
	case []int64:
		for i := range d {
			d[i] = int64(i)
		}
	case []int32:
		for i := range d {
			d[i] = int32(i)
		}
	default:
		return fmt.Errorf("%w: Range of %v", ErrUnsupported, dt)
	}
	it, err := c.constTensor(n.base+"_iota", iota, "")
	if err != nil {
		return err
	}
	if lengths, ok := c.lengthPieces(count); ok {
		return c.rangePieces(n, lengths, it, dt) // pieces.go
	}
	size, err := c.dimOption(count)
	if err != nil {
		return err
	}
	x := c.op(n, "slice", []string{it}, map[string]any{"starts": []any{int64(0)}, "sizes": []any{size}})
	if d, ok := c.constFloats(n, 2); !ok || len(d) != 1 || d[0] != 1 {
		delta, err := c.in(n, 2)
		if err != nil {
			return err
		}
		x = c.op(n, "mul", []string{x, delta}, nil)
	}
	if s, ok := c.constFloats(n, 0); !ok || len(s) != 1 || s[0] != 0 {
		start, err := c.in(n, 0)
		if err != nil {
			return err
		}
		x = c.op(n, "add", []string{x, start}, nil)
	}
	c.bind(n, 0, x)
	return nil
}

func lowerTrilu(c *ctx, n *srcNode) error {
	x, err := c.in(n, 0)
	if err != nil {
		return err
	}
	k := int64(0)
	if n.hasInput(1) {
		ks, ok := c.constInts(n, 1)
		if !ok || len(ks) != 1 {
			return fmt.Errorf("%w: k input is not constant", ErrUnsupported)
		}
		k = ks[0]
	}
	c.bind(n, 0, c.op(n, "triangular", []string{x}, map[string]any{"upper": attrInt(n, "upper", 1) != 0, "diagonal": k}))
	return nil
}

func lowerPad(c *ctx, n *srcNode) error {
	x, err := c.in(n, 0)
	if err != nil {
		return err
	}
	r, err := c.rankOf(n, 0)
	if err != nil {
		return err
	}
	var pads []int64
	value := 0.0
	if n.opset < 11 {
		pads = attrInts(n, "pads")
		value = float64(attrFloat(n, "value", 0))
	} else {
		var ok bool
		if pads, ok = c.constInts(n, 1); !ok {
			if info := c.info(n.Input[1]); info != nil && info.Value != nil {
				return lowerPadFromDims(c, n, x, r, info.Value)
			}
			return c.notConstant(n, 1, "pads", "WebNN pad takes static paddings")
		}
		if n.hasInput(2) {
			v, ok := c.constFloats(n, 2)
			if !ok || len(v) != 1 {
				return fmt.Errorf("%w: constant_value input is not constant", ErrUnsupported)
			}
			value = v[0]
		}
	}
	axes := make([]int64, r)
	for i := range axes {
		axes[i] = int64(i)
	}
	if n.hasInput(3) {
		a, ok := c.constInts(n, 3)
		if !ok {
			return c.notConstant(n, 3, "axes", "WebNN pad takes static paddings")
		}
		if axes, err = normAxes(a, r); err != nil {
			return err
		}
	}
	if len(pads) != 2*len(axes) {
		return fmt.Errorf("pads has %d values for %d axes", len(pads), len(axes))
	}
	begin, end := make([]int64, r), make([]int64, r)
	cropped := false
	for k, a := range axes {
		begin[a], end[a] = pads[k], pads[k+len(axes)]
		cropped = cropped || begin[a] < 0 || end[a] < 0
	}
	mode := attrString(n, "mode", "constant")
	if cropped {
		// Negative pads crop: slice first, then pad the positive parts.
		// ONNX indexes edge/reflect pads in the uncropped input, but the
		// elements they copy (the edge, or the pad's width next to it) lie
		// on the padded side, which a crop of the other side keeps as long
		// as the cropped axis still holds them (checked below).
		switch mode {
		case "constant", "edge", "reflect":
		default:
			return fmt.Errorf("%w: negative pads %v with mode=%s", ErrUnsupported, pads, mode)
		}
		shape, err := c.inShape(n, 0)
		if err != nil {
			return err
		}
		starts := make([]shapeinfer.Expr, r)
		sizes := make([]shapeinfer.Expr, r)
		ones := make([]int64, r)
		for i := range starts {
			lo, hi := min(begin[i], 0), min(end[i], 0)
			starts[i] = shapeinfer.Const(-lo)
			sizes[i] = shape[i].Add(shapeinfer.Const(lo + hi))
			if sizes[i].MinValue(c.bounds) < 0 {
				return fmt.Errorf("%w: pads %v crop more than the input has", ErrUnsupported, pads)
			}
			if p := max(begin[i], end[i]); p > 0 && mode != "constant" {
				need := int64(1)
				if mode == "reflect" {
					need = p + 1
				}
				if sizes[i].MinValue(c.bounds) < need {
					return fmt.Errorf("%w: pads %v with mode=%s: axis %d cropped to %s may be smaller than %d, which the padding copies from", ErrUnsupported, pads, mode, i, sizes[i], need)
				}
			}
			begin[i], end[i], ones[i] = max(begin[i], 0), max(end[i], 0), 1
		}
		opts, err := c.sliceOptions(starts, sizes, ones, nil)
		if err != nil {
			return err
		}
		x = c.op(n, "slice", []string{x}, opts)
		if !slices.ContainsFunc(begin, func(p int64) bool { return p != 0 }) && !slices.ContainsFunc(end, func(p int64) bool { return p != 0 }) {
			c.bind(n, 0, x)
			return nil
		}
	}
	opts := map[string]any{"beginningPadding": intsAny(begin), "endingPadding": intsAny(end)}
	switch mode {
	case "constant":
		if value != 0 {
			if math.IsInf(value, 0) || math.IsNaN(value) {
				return fmt.Errorf("%w: pad value %v", ErrUnsupported, value)
			}
			opts["value"] = value
		}
	case "edge":
		opts["mode"] = "edge"
	case "reflect":
		opts["mode"] = "reflection"
	default:
		return unsupportedAttr("mode", mode)
	}
	c.bind(n, 0, c.op(n, "pad", []string{x}, opts))
	return nil
}

// maxDimPad bounds the static end padding lowerPadFromDims writes for a
// pad that follows input dims (a window remainder is below the window),
// unless the padded axis stays below twice its true size.
const maxDimPad = 1024

// lowerPadFromDims lowers a Pad whose amounts are expressions over input
// dims, as Swin's pad-to-a-multiple-of-the-window writes them
// ((w − H mod w) mod w). WebNN pads by static amounts, so the end of each
// such axis is padded by the expression's largest value under the bounds
// and then sliced to the true size, a dynamic slice size: exact for
// constant and edge padding (the extra elements are the same value or the
// same edge copy, and are cut off). Begin amounts must be static (a
// dynamic slice start has no WebNN form).
func lowerPadFromDims(c *ctx, n *srcNode, x string, r int, pads []shapeinfer.Expr) error {
	// What this cannot lower (reflect padding, dynamic begin amounts,
	// crops, amounts too large to over-pad) is refused as any pads input
	// unknown statically, with the --freeze that makes it static.
	unfit := func() error { return c.notConstant(n, 1, "pads", "WebNN pad takes static paddings") }
	mode := attrString(n, "mode", "constant")
	if mode != "constant" && mode != "edge" {
		return unfit()
	}
	if n.hasInput(3) {
		return unfit()
	}
	if len(pads) != 2*r {
		return fmt.Errorf("pads has %d values for rank %d", len(pads), r)
	}
	value := 0.0
	if n.hasInput(2) {
		v, ok := c.constFloats(n, 2)
		if !ok || len(v) != 1 || math.IsInf(v[0], 0) || math.IsNaN(v[0]) {
			return fmt.Errorf("%w: constant_value input is not a finite constant", ErrUnsupported)
		}
		value = v[0]
	}
	in, err := c.inShape(n, 0)
	if err != nil {
		return err
	}
	begin, end := make([]int64, r), make([]int64, r)
	sizes := make([]shapeinfer.Expr, r)
	dynamic := false
	for a := 0; a < r; a++ {
		b, ok := pads[a].Value()
		if !ok || b < 0 {
			return unfit()
		}
		e := pads[a+r]
		lo, hi := e.MinValue(c.bounds), e.MaxValue(c.bounds)
		if lo < 0 {
			return unfit()
		}
		sizes[a] = in[a].Add(shapeinfer.Const(b)).Add(e)
		// Over-padding costs at most the true size again (Whisper pads
		// its N samples to 480000 - N more: the padded row is below twice
		// the 480000 it is cut back to) or a small remainder (Swin's
		// window); more is refused.
		if hi > maxDimPad && in[a].MaxValue(c.bounds)+b+hi > 2*sizes[a].MaxValue(c.bounds) {
			return unfit()
		}
		begin[a], end[a] = b, hi
		if _, ok := e.Value(); !ok {
			dynamic = true
		}
	}
	opts := map[string]any{"beginningPadding": intsAny(begin), "endingPadding": intsAny(end)}
	if mode == "edge" {
		opts["mode"] = "edge"
	} else if value != 0 {
		opts["value"] = value
	}
	padded := make([]shapeinfer.Expr, r)
	for a := range padded {
		padded[a] = in[a].Add(shapeinfer.Const(begin[a] + end[a]))
	}
	y := c.shapedOp(n, "pad", []string{x}, opts, padded)
	if dynamic {
		starts := make([]shapeinfer.Expr, r)
		ones := make([]int64, r)
		for i := range starts {
			starts[i], ones[i] = shapeinfer.Const(0), 1
		}
		so, err := c.sliceOptions(starts, sizes, ones, nil)
		if err != nil {
			return err
		}
		y = c.op(n, "slice", []string{y}, so)
	}
	c.bind(n, 0, y)
	return nil
}

// lowerDepthToSpace: reshape to 6-D, transpose, reshape (DCR or CRD).
func lowerDepthToSpace(c *ctx, n *srcNode) error {
	x, err := c.in(n, 0)
	if err != nil {
		return err
	}
	s, err := c.inShape(n, 0)
	if err != nil {
		return err
	}
	if len(s) != 4 {
		return fmt.Errorf("%w: rank %d", ErrUnsupported, len(s))
	}
	b := shapeinfer.Const(attrInt(n, "blocksize", 0))
	bs, _ := b.Value()
	if bs <= 0 {
		return unsupportedAttr("blocksize", bs)
	}
	ch := s[1].FloorDiv(b.Mul(b))
	var six []shapeinfer.Expr
	var perm []int64
	if attrString(n, "mode", "DCR") == "DCR" {
		six = []shapeinfer.Expr{s[0], b, b, ch, s[2], s[3]}
		perm = []int64{0, 3, 4, 1, 5, 2}
	} else {
		six = []shapeinfer.Expr{s[0], ch, b, b, s[2], s[3]}
		perm = []int64{0, 1, 4, 2, 5, 3}
	}
	r, err := c.reshapeTo(n, x, six)
	if err != nil {
		return err
	}
	t := c.op(n, "transpose", []string{r}, map[string]any{"permutation": intsAny(perm)})
	out, err := c.reshapeTo(n, t, []shapeinfer.Expr{s[0], ch, s[2].Mul(b), s[3].Mul(b)})
	if err != nil {
		return err
	}
	c.bind(n, 0, out)
	return nil
}

func lowerSpaceToDepth(c *ctx, n *srcNode) error {
	// opset 28 adds a mode; DCR is the order of earlier versions
	if m := attrString(n, "mode", "DCR"); m != "DCR" {
		return unsupportedAttr("mode", m)
	}
	x, err := c.in(n, 0)
	if err != nil {
		return err
	}
	s, err := c.inShape(n, 0)
	if err != nil {
		return err
	}
	if len(s) != 4 {
		return fmt.Errorf("%w: rank %d", ErrUnsupported, len(s))
	}
	b := shapeinfer.Const(attrInt(n, "blocksize", 0))
	if bs, _ := b.Value(); bs <= 0 {
		return unsupportedAttr("blocksize", bs)
	}
	h, w := s[2].FloorDiv(b), s[3].FloorDiv(b)
	r, err := c.reshapeTo(n, x, []shapeinfer.Expr{s[0], s[1], h, b, w, b})
	if err != nil {
		return err
	}
	t := c.op(n, "transpose", []string{r}, map[string]any{"permutation": intsAny([]int64{0, 3, 5, 1, 2, 4})})
	out, err := c.reshapeTo(n, t, []shapeinfer.Expr{s[0], s[1].Mul(b).Mul(b), h, w})
	if err != nil {
		return err
	}
	c.bind(n, 0, out)
	return nil
}

// lowerEyeLike: a static constant (ones on diagonal k).
func lowerEyeLike(c *ctx, n *srcNode) error {
	s, err := c.inShape(n, 0)
	if err != nil {
		return err
	}
	st, ok := staticInts(s)
	if !ok || len(st) != 2 {
		return fmt.Errorf("%w: EyeLike needs a static 2-D shape", ErrUnsupported)
	}
	dt := c.dtypeOf(n, 0)
	if hasAttr(n, "dtype") {
		dt = tensor.DType(attrInt(n, "dtype", 1))
		if _, err := webnnDType(dt); err != nil && dt != tensor.Float64 {
			return fmt.Errorf("attribute dtype = %d: %w", attrInt(n, "dtype", 1), err)
		}
	}
	k := attrInt(n, "k", 0)
	t := tensor.New(tensor.Float64, []int{int(st[0]), int(st[1])})
	d := t.Data.([]float64)
	for i := int64(0); i < st[0]; i++ {
		if j := i + k; j >= 0 && j < st[1] {
			d[i*st[1]+j] = 1
		}
	}
	out, err := castTensor(t, dt)
	if err != nil {
		return err
	}
	op, err := c.constTensor(n.base, out, "")
	if err != nil {
		return err
	}
	c.bind(n, 0, op)
	return nil
}

// castTensor converts a float64 tensor of small integers to dt.
func castTensor(t *tensor.Tensor, dt tensor.DType) (*tensor.Tensor, error) {
	src := t.Data.([]float64)
	out := tensor.New(dt, t.Shape)
	switch d := out.Data.(type) {
	case []float32:
		for i, v := range src {
			d[i] = float32(v)
		}
	case []uint16:
		for i, v := range src {
			d[i] = floatToHalf(float32(v))
		}
	case []int64:
		for i, v := range src {
			d[i] = int64(v)
		}
	case []int32:
		for i, v := range src {
			d[i] = int32(v)
		}
	case []int8:
		for i, v := range src {
			d[i] = int8(v)
		}
	case []uint8:
		for i, v := range src {
			d[i] = uint8(v)
		}
	case []bool:
		for i, v := range src {
			d[i] = v != 0
		}
	default:
		return nil, fmt.Errorf("%w: data type %v", ErrUnsupported, dt)
	}
	return out, nil
}

// lowerOneHot: where(equal(indices', iota), on, off) with a constant depth;
// negative indices count from depth.
func lowerOneHot(c *ctx, n *srcNode) error {
	idx, err := c.in(n, 0)
	if err != nil {
		return err
	}
	depth, ok := c.constFloats(n, 1)
	if !ok || len(depth) != 1 {
		return fmt.Errorf("%w: depth input is not constant (the output shape would depend on tensor data)", ErrNotInWebNN)
	}
	vals, err := c.in(n, 2)
	if err != nil {
		return err
	}
	is, err := c.inShape(n, 0)
	if err != nil {
		return err
	}
	r := len(is) + 1
	axis, err := normAxis(attrInt(n, "axis", -1), r)
	if err != nil {
		return err
	}
	d := int(depth[0])
	shape := make([]int, r)
	for i := range shape {
		shape[i] = 1
	}
	shape[axis] = d
	iota := tensor.New(tensor.Int64, shape)
	for i := range iota.Data.([]int64) {
		iota.Data.([]int64)[i] = int64(i)
	}
	it, err := c.constTensor(n.base+"_iota", iota, "")
	if err != nil {
		return err
	}
	// indices → int64, negative wrapped, unsqueezed at axis.
	if c.dtypeOf(n, 0) != tensor.Int64 {
		idx = c.op(n, "cast", []string{idx}, map[string]any{"to": "int64"})
	}
	zero, err := c.scalar(tensor.Int64, 0)
	if err != nil {
		return err
	}
	dep, err := c.scalar(tensor.Int64, float64(d))
	if err != nil {
		return err
	}
	idx = c.op(n, "where", []string{c.op(n, "lesser", []string{idx, zero}, nil), c.op(n, "add", []string{idx, dep}, nil), idx}, nil)
	us := append(append(append([]shapeinfer.Expr{}, is[:axis]...), shapeinfer.Const(1)), is[axis:]...)
	if idx, err = c.reshapeTo(n, idx, us); err != nil {
		return err
	}
	hit := c.op(n, "equal", []string{idx, it}, nil)
	// values = [off, on]
	off := c.op(n, "slice", []string{vals}, map[string]any{"starts": []any{int64(0)}, "sizes": []any{int64(1)}})
	on := c.op(n, "slice", []string{vals}, map[string]any{"starts": []any{int64(1)}, "sizes": []any{int64(1)}})
	c.bind(n, 0, c.op(n, "where", []string{hit, on, off}, nil))
	return nil
}
