// Shape and data-movement ops: Shape, Size, Reshape, Flatten, Squeeze,
// Unsqueeze, Transpose, Concat, Split, Slice, Gather*, Expand, Tile,
// Range, ConstantOfShape, Constant, Pad, DepthToSpace/SpaceToDepth.
// Data movement is expressed as an index map (output element → input
// element), applied alike to known values and constants.

package shapeinfer

import (
	"fmt"
	"math"
	"strings"

	"github.com/webnn-graph/webnn-graph/onnxpb"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// moveData fills out.Value / out.Const from src through idx (out element k
// is src element idx[k]).
func moveData(out, src *Info, idx []int) {
	if src.Value != nil {
		v := make([]Expr, len(idx))
		for k, i := range idx {
			v[k] = src.Value[i]
		}
		out.Value = v
	}
	if src.Const != nil {
		shape, ok := toInts(out.Shape)
		if ok && len(idx) <= constLimit {
			out.Const = gatherTensor(src.Const, shape, idx)
		}
	}
}

func gatherTensor(t *tensor.Tensor, shape []int, idx []int) *tensor.Tensor {
	r := &tensor.Tensor{DType: t.DType, Shape: append([]int{}, shape...)}
	switch d := t.Data.(type) {
	case []float32:
		r.Data = pick(d, idx)
	case []float64:
		r.Data = pick(d, idx)
	case []uint16:
		r.Data = pick(d, idx)
	case []int8:
		r.Data = pick(d, idx)
	case []uint8:
		r.Data = pick(d, idx)
	case []int16:
		r.Data = pick(d, idx)
	case []int32:
		r.Data = pick(d, idx)
	case []uint32:
		r.Data = pick(d, idx)
	case []int64:
		r.Data = pick(d, idx)
	case []uint64:
		r.Data = pick(d, idx)
	case []bool:
		r.Data = pick(d, idx)
	case []string:
		r.Data = pick(d, idx)
	default:
		return nil
	}
	return r
}

func pick[T any](d []T, idx []int) []T {
	out := make([]T, len(idx))
	for k, i := range idx {
		out[k] = d[i]
	}
	return out
}

// canMove reports whether src has data worth moving and out's shape is
// static and small.
func canMove(out, src *Info) (int, bool) {
	if src.Value == nil && src.Const == nil {
		return 0, false
	}
	n, ok := staticLen(out.Shape)
	if !ok || n > constLimit || (src.Const == nil && n > valueLimit) {
		return 0, false
	}
	return n, true
}

// sameData keeps the element order (Reshape, Squeeze, Unsqueeze, Flatten).
func sameData(out, src *Info) {
	n, ok := canMove(out, src)
	if !ok {
		return
	}
	if src.Value != nil && len(src.Value) == n {
		out.Value = src.Value
	}
	if src.Const != nil && src.Const.Len() == n {
		shape, _ := toInts(out.Shape)
		out.Const = &tensor.Tensor{DType: src.Const.DType, Shape: shape, Data: src.Const.Data}
	}
}

func shapeOp(c *nodeCtx) ([]*Info, error) {
	x, err := c.need(0)
	if err != nil {
		return nil, err
	}
	if x.Shape == nil {
		return []*Info{{DType: tensor.Int64, Shape: []Expr{numelUnknown(c)}}}, nil
	}
	r := len(x.Shape)
	start, end := int(c.attrInt("start", 0)), int(c.attrInt("end", int64(r)))
	if start < 0 {
		start += r
	}
	if end < 0 {
		end += r
	}
	start, end = min(max(start, 0), r), min(max(end, 0), r)
	end = max(end, start)
	v := append([]Expr{}, x.Shape[start:end]...)
	return []*Info{{DType: tensor.Int64, Shape: consts(int64(len(v))), Value: v}}, nil
}

// numelUnknown stands for the length of an unknown-rank shape: unknown.
func numelUnknown(c *nodeCtx) Expr {
	return c.s.fresh(c, "rank")
}

// fresh makes a new symbol for a dim this package cannot express (a
// data-dependent size). It is named after the node
// (UnknownDimPrefix + "<n>_<node>_<what>"), listed in Result.UnknownDims,
// and must never reach an emitted graph: the lowering refuses values
// whose shapes use it (Result.HasUnknownDims).
func (s *state) fresh(c *nodeCtx, what string) Expr {
	s.nUnknown++
	label := c.n.GetName()
	if label == "" && len(c.n.GetOutput()) > 0 {
		label = c.n.GetOutput()[0]
	}
	name := fmt.Sprintf("%s%d_%s_%s", UnknownDimPrefix, s.nUnknown, sanitize(label), what)
	s.bounds[name] = Bound{Min: 0, Max: math.MaxInt32}
	s.unknownDims = append(s.unknownDims, name)
	if s.unknownWhy == nil {
		s.unknownWhy = map[string]string{}
	}
	w := unknownWhat[what]
	if w == "" {
		w = what
	}
	s.unknownWhy[name] = fmt.Sprintf("the %s size of node %q (%s)", w, nodeName(c.n, s.curIdx), c.n.GetOpType())
	return Sym(name)
}

// UnknownDimPrefix starts the names of dims shape inference could not
// determine.
const UnknownDimPrefix = "shapeinfer_unknown_"

func sanitize(s string) string {
	b := []byte(s)
	for i, ch := range b {
		if !(ch == '_' || ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9') {
			b[i] = '_'
		}
	}
	return string(b)
}

func sizeOp(c *nodeCtx) ([]*Info, error) {
	x, err := c.need(0)
	if err != nil {
		return nil, err
	}
	out := &Info{DType: tensor.Int64, Shape: []Expr{}}
	if x.Shape != nil {
		out.Value = []Expr{numel(x.Shape)}
	}
	return []*Info{out}, nil
}

// reshape resolves 0 (copy, unless allowzero) and -1 (total divided by the
// product of the other dims, simplified symbolically) in the target.
func reshape(c *nodeCtx) ([]*Info, error) {
	x, err := c.need(0)
	if err != nil {
		return nil, err
	}
	var target []Expr
	if c.opset < 5 || c.hasAttr("shape") {
		target = consts(c.attrInts("shape")...)
	} else {
		s, err := c.need(1)
		if err != nil {
			return nil, err
		}
		if s.Value == nil {
			return []*Info{{DType: x.DType}}, nil
		}
		target = s.Value
	}
	shape, err := c.reshapeTarget(x.Shape, target, c.attrInt("allowzero", 0) != 0)
	if err != nil {
		return nil, err
	}
	out := &Info{DType: x.DType, Shape: shape}
	sameData(out, x)
	return []*Info{out}, nil
}

func (c *nodeCtx) reshapeTarget(in, target []Expr, allowzero bool) ([]Expr, error) {
	out := make([]Expr, len(target))
	infer := -1
	for i, t := range target {
		v, ok := t.Value()
		switch {
		case ok && v == 0 && !allowzero:
			if in == nil {
				return nil, nil // copies a dim of an input of unknown rank
			}
			if i >= len(in) {
				return nil, c.errorf("shape[%d] = 0 copies a dim the input (rank %d) does not have", i, len(in))
			}
			out[i] = in[i]
		case ok && v == -1:
			if infer >= 0 {
				return nil, c.errorf("shape has more than one -1")
			}
			infer = i
		case ok && v < -1:
			return nil, c.errorf("shape[%d] = %d is invalid", i, v)
		default:
			out[i] = t
		}
	}
	if in == nil {
		if infer >= 0 {
			return nil, nil
		}
		return out, nil
	}
	total := numel(in)
	if infer >= 0 {
		rest := Const(1)
		for i, d := range out {
			if i != infer {
				rest = rest.Mul(d)
			}
		}
		if rv, ok := rest.Value(); ok && rv == 0 {
			return nil, c.errorf("cannot infer -1 with a zero-sized dim in %s", ShapeString(target))
		}
		q := total.FloorDiv(rest)
		if tv, ok := total.Value(); ok {
			if rv, ok := rest.Value(); ok && tv%rv != 0 {
				return nil, c.errorf("cannot reshape %s (%d elements) to %s", ShapeString(in), tv, ShapeString(target))
			}
		}
		out[infer] = q
		return out, nil
	}
	if tv, ok := total.Value(); ok {
		if nv, ok := numel(out).Value(); ok && nv != tv {
			return nil, c.errorf("cannot reshape %s (%d elements) to %s (%d elements)", ShapeString(in), tv, ShapeString(out), nv)
		}
	}
	return out, nil
}

func flatten(c *nodeCtx) ([]*Info, error) {
	x, err := c.need(0)
	if err != nil {
		return nil, err
	}
	if x.Shape == nil {
		return []*Info{{DType: x.DType}}, nil
	}
	r := len(x.Shape)
	axis := c.attrInt("axis", 1)
	if axis < 0 {
		axis += int64(r)
	}
	if axis < 0 || axis > int64(r) {
		return nil, fmt.Errorf("axis %d is out of range for rank %d", c.attrInt("axis", 1), r)
	}
	out := &Info{DType: x.DType, Shape: []Expr{numel(x.Shape[:axis]), numel(x.Shape[axis:])}}
	sameData(out, x)
	return []*Info{out}, nil
}

func squeeze(c *nodeCtx) ([]*Info, error) {
	x, err := c.need(0)
	if err != nil {
		return nil, err
	}
	axes, _, err := c.axesArg(1)
	if err != nil {
		return nil, err
	}
	if x.Shape == nil {
		return []*Info{{DType: x.DType}}, nil
	}
	r := len(x.Shape)
	drop := make([]bool, r)
	if axes == nil {
		for i, d := range x.Shape {
			v, ok := d.Value()
			if !ok {
				return nil, untilPinned(fmt.Sprintf("squeeze without axes on %s: dim %d (%s) may or may not be 1, and the output's rank depends on which; %s makes it static", ShapeString(x.Shape), i, d, freezeSuggestion(d)))
			}
			drop[i] = v == 1
		}
	}
	for _, a := range axes {
		i, err := normAxis(a, r)
		if err != nil {
			return nil, err
		}
		d := x.Shape[i]
		if v, ok := d.Value(); ok && v != 1 {
			return nil, c.errorf("cannot squeeze axis %d of %s: size %d is not 1", i, ShapeString(x.Shape), v)
		} else if !ok {
			c.s.constraint(d, Const(1))
		}
		drop[i] = true
	}
	shape := []Expr{}
	for i, d := range x.Shape {
		if !drop[i] {
			shape = append(shape, d)
		}
	}
	out := &Info{DType: x.DType, Shape: shape}
	sameData(out, x)
	return []*Info{out}, nil
}

func unsqueeze(c *nodeCtx) ([]*Info, error) {
	x, err := c.need(0)
	if err != nil {
		return nil, err
	}
	axes, _, err := c.axesArg(1)
	if err != nil {
		return nil, err
	}
	if x.Shape == nil {
		return []*Info{{DType: x.DType}}, nil
	}
	r := len(x.Shape) + len(axes)
	ins := make([]bool, r)
	for _, a := range axes {
		i, err := normAxis(a, r)
		if err != nil {
			return nil, err
		}
		if ins[i] {
			return nil, fmt.Errorf("axis %d repeated", a)
		}
		ins[i] = true
	}
	shape := make([]Expr, r)
	j := 0
	for i := range shape {
		if ins[i] {
			shape[i] = Const(1)
		} else {
			shape[i] = x.Shape[j]
			j++
		}
	}
	out := &Info{DType: x.DType, Shape: shape}
	sameData(out, x)
	return []*Info{out}, nil
}

// stridesOf returns row-major strides of a static shape.
func stridesOf(shape []int) []int {
	st := make([]int, len(shape))
	acc := 1
	for i := len(shape) - 1; i >= 0; i-- {
		st[i] = acc
		acc *= shape[i]
	}
	return st
}

// indexMap enumerates the output elements of a static outShape and maps
// each to an input flat index via src(coord).
func indexMap(outShape []int, src func(coord []int) int) []int {
	n := tensor.NumElements(outShape)
	idx := make([]int, n)
	coord := make([]int, len(outShape))
	for k := 0; k < n; k++ {
		idx[k] = src(coord)
		for i := len(coord) - 1; i >= 0; i-- {
			coord[i]++
			if coord[i] < outShape[i] {
				break
			}
			coord[i] = 0
		}
	}
	return idx
}

func transpose(c *nodeCtx) ([]*Info, error) {
	x, err := c.need(0)
	if err != nil {
		return nil, err
	}
	if x.Shape == nil {
		return []*Info{{DType: x.DType}}, nil
	}
	r := len(x.Shape)
	perm := c.attrInts("perm")
	if perm == nil {
		for i := r - 1; i >= 0; i-- {
			perm = append(perm, int64(i))
		}
	}
	if len(perm) != r {
		return nil, c.errorf("perm %v does not match rank %d", perm, r)
	}
	seen := make([]bool, r)
	shape := make([]Expr, r)
	for i, p := range perm {
		if p < 0 || p >= int64(r) || seen[p] {
			return nil, c.errorf("perm %v is not a permutation of rank %d", perm, r)
		}
		seen[p] = true
		shape[i] = x.Shape[p]
	}
	out := &Info{DType: x.DType, Shape: shape}
	if _, ok := canMove(out, x); ok {
		inShape, _ := toInts(x.Shape)
		outShape, _ := toInts(shape)
		st := stridesOf(inShape)
		out.Value, out.Const = nil, nil
		moveData(out, x, indexMap(outShape, func(co []int) int {
			p := 0
			for i, cv := range co {
				p += cv * st[perm[i]]
			}
			return p
		}))
	}
	return []*Info{out}, nil
}

// agree checks that two dims can be equal: constant mismatch is an error,
// different symbolic dims are recorded as a constraint.
func (c *nodeCtx) agree(a, b Expr, what string) error {
	if a.Equal(b) {
		return nil
	}
	av, aok := a.Value()
	bv, bok := b.Value()
	if aok && bok {
		return c.errorf("%s %d and %d differ", what, av, bv)
	}
	c.s.constraint(a, b)
	return nil
}

func concat(c *nodeCtx) ([]*Info, error) {
	var ins []*Info
	for i := range c.in {
		in, err := c.need(i)
		if err != nil {
			return nil, err
		}
		ins = append(ins, in)
	}
	if len(ins) == 0 {
		return nil, fmt.Errorf("needs at least one input")
	}
	var ref []Expr
	for _, in := range ins {
		if in.Shape == nil {
			return []*Info{{DType: ins[0].DType}}, nil
		}
		if ref == nil {
			ref = in.Shape
		}
	}
	r := len(ref)
	axis, err := normAxis(c.attrInt("axis", 0), r)
	if err != nil {
		return nil, err
	}
	shape := append([]Expr{}, ref...)
	shape[axis] = Const(0)
	for k, in := range ins {
		if len(in.Shape) != r {
			return nil, c.errorf("input %d has rank %d, input 0 has rank %d", k, len(in.Shape), r)
		}
		for i, d := range in.Shape {
			if i == axis {
				shape[i] = shape[i].Add(d)
				continue
			}
			if err := c.agree(shape[i], d, fmt.Sprintf("input %d dim %d:", k, i)); err != nil {
				return nil, err
			}
			shape[i] = simpler(shape[i], d)
		}
	}
	out := &Info{DType: ins[0].DType, Shape: shape}
	// Known values: concatenate when every input has them.
	n, ok := staticLen(shape)
	allVal, allConst := true, true
	for _, in := range ins {
		allVal = allVal && in.Value != nil
		allConst = allConst && in.Const != nil
	}
	if ok && (allVal && n <= valueLimit || allConst && n <= constLimit) {
		outShape, _ := toInts(shape)
		outer := tensor.NumElements(outShape[:axis])
		inner := tensor.NumElements(outShape[axis+1:])
		var vals []Expr
		var parts []*tensor.Tensor
		for o := 0; o < outer; o++ {
			for _, in := range ins {
				a, _ := in.Shape[axis].Value()
				chunk := int(a) * inner
				if allVal {
					vals = append(vals, in.Value[o*chunk:(o+1)*chunk]...)
				}
				if allConst && !allVal {
					parts = append(parts, sliceTensor(in.Const, o*chunk, (o+1)*chunk))
				}
			}
		}
		if allVal {
			out.Value = vals
		} else if t := joinTensors(out.DType, outShape, parts); t != nil {
			out.Const = t
		}
	}
	return []*Info{out}, nil
}

func sliceTensor(t *tensor.Tensor, lo, hi int) *tensor.Tensor {
	idx := make([]int, hi-lo)
	for i := range idx {
		idx[i] = lo + i
	}
	return gatherTensor(t, []int{hi - lo}, idx)
}

func joinTensors(dt tensor.DType, shape []int, parts []*tensor.Tensor) *tensor.Tensor {
	total := 0
	for _, p := range parts {
		if p == nil {
			return nil
		}
		total += p.Len()
	}
	out := tensor.New(dt, shape)
	if out.Len() != total {
		return nil
	}
	off := 0
	for _, p := range parts {
		if !copyInto(out.Data, p.Data, off) {
			return nil
		}
		off += p.Len()
	}
	return out
}

func copyInto(dst, src any, off int) bool {
	switch d := dst.(type) {
	case []float32:
		s, ok := src.([]float32)
		return ok && copy(d[off:], s) >= 0
	case []float64:
		s, ok := src.([]float64)
		return ok && copy(d[off:], s) >= 0
	case []uint16:
		s, ok := src.([]uint16)
		return ok && copy(d[off:], s) >= 0
	case []int8:
		s, ok := src.([]int8)
		return ok && copy(d[off:], s) >= 0
	case []uint8:
		s, ok := src.([]uint8)
		return ok && copy(d[off:], s) >= 0
	case []int32:
		s, ok := src.([]int32)
		return ok && copy(d[off:], s) >= 0
	case []int64:
		s, ok := src.([]int64)
		return ok && copy(d[off:], s) >= 0
	case []bool:
		s, ok := src.([]bool)
		return ok && copy(d[off:], s) >= 0
	}
	return false
}

func split(c *nodeCtx) ([]*Info, error) {
	x, err := c.need(0)
	if err != nil {
		return nil, err
	}
	nout := len(c.n.GetOutput())
	if x.Shape == nil {
		outs := make([]*Info, nout)
		for i := range outs {
			outs[i] = &Info{DType: x.DType}
		}
		return outs, nil
	}
	axis, err := normAxis(c.attrInt("axis", 0), len(x.Shape))
	if err != nil {
		return nil, err
	}
	dim := x.Shape[axis]
	var sizes []Expr
	if c.hasAttr("split") {
		sizes = consts(c.attrInts("split")...)
	} else if in := c.input(1); in != nil {
		if in.Value == nil {
			return nil, fmt.Errorf("split sizes input is not known")
		}
		sizes = in.Value
	}
	if sizes == nil {
		n := int64(nout)
		if c.hasAttr("num_outputs") {
			n = c.attrInt("num_outputs", n)
		}
		if n <= 0 {
			return nil, fmt.Errorf("no outputs")
		}
		if n != int64(nout) {
			return nil, c.errorf("attribute num_outputs = %d, but the node has %d outputs", n, nout)
		}
		// Equal parts, the last smaller when not divisible (opset 18).
		part := dim.Add(Const(n - 1)).FloorDiv(Const(n))
		for i := int64(0); i < n-1; i++ {
			sizes = append(sizes, part)
		}
		sizes = append(sizes, dim.Sub(part.Mul(Const(n-1))))
	}
	if len(sizes) != nout {
		return nil, c.errorf("%d split sizes for %d outputs", len(sizes), nout)
	}
	for i, sz := range sizes {
		if v, ok := sz.Value(); ok && v < 0 {
			if c.hasAttr("split") || c.input(1) != nil {
				return nil, c.errorf("split[%d] = %d is negative", i, v)
			}
			return nil, c.errorf("axis %d of size %s cannot be split into %d outputs", axis, dim, len(sizes))
		}
	}
	total := Const(0)
	for _, s := range sizes {
		total = total.Add(s)
	}
	if err := c.agree(total, dim, fmt.Sprintf("split sizes sum and axis %d size", axis)); err != nil {
		return nil, err
	}
	outs := make([]*Info, nout)
	start := Const(0)
	for i, sz := range sizes {
		shape := append([]Expr{}, x.Shape...)
		shape[axis] = sz
		outs[i] = &Info{DType: x.DType, Shape: shape}
		if sv, ok := start.Value(); ok {
			if _, ok := canMove(outs[i], x); ok {
				inShape, okIn := toInts(x.Shape)
				outShape, _ := toInts(shape)
				if okIn {
					st := stridesOf(inShape)
					moveData(outs[i], x, indexMap(outShape, func(co []int) int {
						p := 0
						for j, cv := range co {
							if j == axis {
								cv += int(sv)
							}
							p += cv * st[j]
						}
						return p
					}))
				}
			}
		}
		start = start.Add(sz)
	}
	return outs, nil
}

// slice computes each sliced axis's length with ONNX's clamping, using the
// dim bounds to decide the clamps symbolically.
func slice(c *nodeCtx) ([]*Info, error) {
	x, err := c.need(0)
	if err != nil {
		return nil, err
	}
	var starts, ends, axes, steps []Expr
	if c.opset < 10 {
		starts, ends = consts(c.attrInts("starts")...), consts(c.attrInts("ends")...)
		if c.hasAttr("axes") {
			axes = consts(c.attrInts("axes")...)
		}
	} else {
		get := func(i int) ([]Expr, error) {
			in := c.input(i)
			if in == nil {
				return nil, nil
			}
			if in.Value == nil {
				return nil, fmt.Errorf("input %d (%q) is not known", i, c.n.GetInput()[i])
			}
			return in.Value, nil
		}
		if starts, err = get(1); err != nil {
			return []*Info{{DType: x.DType, Shape: c.rankOnly(x)}}, nil
		}
		if ends, err = get(2); err != nil {
			return []*Info{{DType: x.DType, Shape: c.rankOnly(x)}}, nil
		}
		if axes, err = get(3); err != nil {
			return nil, err
		}
		if steps, err = get(4); err != nil {
			return nil, err
		}
	}
	if x.Shape == nil {
		return []*Info{{DType: x.DType}}, nil
	}
	if len(starts) != len(ends) {
		return nil, c.errorf("%d starts and %d ends", len(starts), len(ends))
	}
	if (axes != nil && len(axes) != len(starts)) || (steps != nil && len(steps) != len(starts)) {
		return nil, c.errorf("%d starts but %d axes and %d steps", len(starts), len(axes), len(steps))
	}
	r := len(x.Shape)
	shape := append([]Expr{}, x.Shape...)
	type axisSlice struct{ start, step int64 }
	static := make([]axisSlice, r)
	for i := range static {
		static[i] = axisSlice{0, 1}
	}
	allStatic := true
	seen := make([]bool, r)
	for k := range starts {
		ax := int64(k)
		if axes != nil {
			v, ok := axes[k].Value()
			if !ok {
				return nil, fmt.Errorf("axes are not constant")
			}
			ax = v
		}
		a, err := normAxis(ax, r)
		if err != nil {
			return nil, err
		}
		if seen[a] {
			return nil, fmt.Errorf("axis %d repeated", a)
		}
		seen[a] = true
		step := int64(1)
		if steps != nil {
			v, ok := steps[k].Value()
			if !ok || v == 0 {
				return nil, fmt.Errorf("step %s must be a non-zero constant", steps[k])
			}
			step = v
		}
		dim := x.Shape[a]
		length, st := c.sliceLen(dim, starts[k], ends[k], step)
		shape[a] = length
		if sv, ok := st.Value(); ok {
			static[a] = axisSlice{sv, step}
		} else {
			allStatic = false
		}
	}
	out := &Info{DType: x.DType, Shape: shape}
	if _, ok := canMove(out, x); ok && allStatic {
		inShape, okIn := toInts(x.Shape)
		outShape, _ := toInts(shape)
		if okIn {
			st := stridesOf(inShape)
			moveData(out, x, indexMap(outShape, func(co []int) int {
				p := 0
				for j, cv := range co {
					p += (int(static[j].start) + cv*int(static[j].step)) * st[j]
				}
				return p
			}))
		}
	}
	return []*Info{out}, nil
}

// rankOnly gives each dim of x a fresh unknown symbol (Slice with unknown
// starts/ends keeps the rank).
func (c *nodeCtx) rankOnly(x *Info) []Expr {
	if x.Shape == nil {
		return nil
	}
	out := make([]Expr, len(x.Shape))
	for i := range out {
		out[i] = c.s.fresh(c, fmt.Sprintf("dim%d", i))
	}
	return out
}

// sliceLen returns the length of x[start:end:step] along a dim and the
// clamped start.
func (c *nodeCtx) sliceLen(dim, start, end Expr, step int64) (Expr, Expr) {
	b := c.s.bounds
	clampIdx := func(v Expr, lo, hiOff int64) Expr {
		// ONNX: negative indices count from the end; then clamp to [lo, dim+hiOff].
		hi := dim.Add(Const(hiOff))
		if iv, ok := v.Value(); ok {
			if iv >= math.MaxInt32 {
				return hi
			}
			if iv <= math.MinInt32 {
				return Const(lo)
			}
			if iv < 0 {
				v = dim.Add(v)
			}
		} else if v.MinValue(b) < 0 {
			// A symbolic index that may be negative: cannot tell which rule applies.
			return c.s.fresh(c, "slice")
		}
		return v.MaxB(Const(lo), b).MinB(hi, b)
	}
	// A step at least as long as the axis takes one element whatever its
	// size: cap it there, so ±2^63 steps do not overflow the arithmetic.
	if limit := max(dim.MaxValue(b), 1); step > limit {
		step = limit
	} else if step < -limit {
		step = -limit
	}
	if step > 0 {
		s := clampIdx(start, 0, 0)
		e := clampIdx(end, 0, 0)
		n := e.Sub(s)
		if step != 1 {
			n = n.Add(Const(step - 1)).FloorDiv(Const(step))
		}
		return n.MaxB(Const(0), b), s
	}
	s := clampIdx(start, -1, -1)
	e := clampIdx(end, -1, -1)
	n := s.Sub(e).Add(Const(-step - 1)).FloorDiv(Const(-step))
	return n.MaxB(Const(0), b), s
}

func gather(c *nodeCtx) ([]*Info, error) {
	x, err := c.need(0)
	if err != nil {
		return nil, err
	}
	ind, err := c.need(1)
	if err != nil {
		return nil, err
	}
	if x.Shape == nil || ind.Shape == nil {
		return []*Info{{DType: x.DType}}, nil
	}
	r := len(x.Shape)
	axis, err := normAxis(c.attrInt("axis", 0), r)
	if err != nil {
		return nil, err
	}
	shape := append(append(append([]Expr{}, x.Shape[:axis]...), ind.Shape...), x.Shape[axis+1:]...)
	out := &Info{DType: x.DType, Shape: shape}
	if ind.Value != nil {
		dim := x.Shape[axis]
		iv := make([]int64, len(ind.Value))
		okAll := true
		for i, e := range ind.Value {
			v, ok := e.Value()
			if !ok {
				okAll = false
				break
			}
			if dv, ok := dim.Value(); ok {
				if v < -dv || v >= dv {
					return nil, c.errorf("index %d is out of range for axis %d of size %d", v, axis, dv)
				}
				if v < 0 {
					v += dv
				}
			} else if v < 0 {
				okAll = false
				break
			}
			iv[i] = v
		}
		if _, ok := canMove(out, x); ok && okAll {
			inShape, okIn := toInts(x.Shape)
			outShape, _ := toInts(shape)
			if okIn {
				st := stridesOf(inShape)
				ir := len(ind.Shape)
				indStrides := stridesOf(outShape[axis : axis+ir])
				moveData(out, x, indexMap(outShape, func(co []int) int {
					p := 0
					for j := 0; j < axis; j++ {
						p += co[j] * st[j]
					}
					k := 0
					for j := 0; j < ir; j++ {
						k += co[axis+j] * indStrides[j]
					}
					p += int(iv[k]) * st[axis]
					for j := axis + 1; j < r; j++ {
						p += co[j+ir-1] * st[j]
					}
					return p
				}))
			}
		}
	}
	return []*Info{out}, nil
}

func gatherElements(c *nodeCtx) ([]*Info, error) {
	x, err := c.need(0)
	if err != nil {
		return nil, err
	}
	ind, err := c.need(1)
	if err != nil {
		return nil, err
	}
	return []*Info{{DType: x.DType, Shape: ind.Shape}}, nil
}

func gatherND(c *nodeCtx) ([]*Info, error) {
	x, err := c.need(0)
	if err != nil {
		return nil, err
	}
	ind, err := c.need(1)
	if err != nil {
		return nil, err
	}
	if x.Shape == nil || ind.Shape == nil || len(ind.Shape) == 0 {
		return []*Info{{DType: x.DType}}, nil
	}
	bd64 := c.attrInt("batch_dims", 0)
	last, ok := ind.Shape[len(ind.Shape)-1].Value()
	if !ok {
		return nil, fmt.Errorf("last dim of indices is not static")
	}
	if bd64 < 0 || bd64 >= int64(len(ind.Shape)) || last < 0 || bd64+last > int64(len(x.Shape)) {
		return nil, c.errorf("batch_dims %d and index tuples of %d do not fit indices %s and a rank-%d input", bd64, last, shapeString(ind.Shape), len(x.Shape))
	}
	bd := int(bd64)
	if bd+int(last) > len(x.Shape) {
		return nil, c.errorf("indices address %d dims of a rank-%d input", bd+int(last), len(x.Shape))
	}
	shape := append(append([]Expr{}, ind.Shape[:len(ind.Shape)-1]...), x.Shape[bd+int(last):]...)
	return []*Info{{DType: x.DType, Shape: shape}}, nil
}

// expand broadcasts the input to the shape input (bidirectionally).
func expand(c *nodeCtx) ([]*Info, error) {
	x, err := c.need(0)
	if err != nil {
		return nil, err
	}
	s, err := c.need(1)
	if err != nil {
		return nil, err
	}
	if s.Value == nil {
		return []*Info{{DType: x.DType}}, nil
	}
	shape, err := c.broadcast(x.Shape, s.Value)
	if err != nil {
		return nil, err
	}
	out := &Info{DType: x.DType, Shape: shape}
	if _, ok := canMove(out, x); ok {
		if inShape, ok := toInts(x.Shape); ok {
			outShape, _ := toInts(shape)
			moveData(out, x, bcastIndex(outShape, inShape))
		}
	}
	return []*Info{out}, nil
}

func tile(c *nodeCtx) ([]*Info, error) {
	x, err := c.need(0)
	if err != nil {
		return nil, err
	}
	rep, err := c.need(1)
	if err != nil {
		return nil, err
	}
	if x.Shape == nil || rep.Value == nil {
		return []*Info{{DType: x.DType, Shape: c.rankOnly(x)}}, nil
	}
	if len(rep.Value) != len(x.Shape) {
		return nil, c.errorf("%d repeats for rank %d", len(rep.Value), len(x.Shape))
	}
	shape := make([]Expr, len(x.Shape))
	for i, d := range x.Shape {
		if v, ok := rep.Value[i].Value(); ok && v < 0 {
			return nil, c.errorf("repeats[%d] = %d is negative", i, v)
		}
		shape[i] = d.Mul(rep.Value[i])
	}
	out := &Info{DType: x.DType, Shape: shape}
	if _, ok := canMove(out, x); ok {
		if inShape, ok := toInts(x.Shape); ok {
			outShape, _ := toInts(shape)
			st := stridesOf(inShape)
			moveData(out, x, indexMap(outShape, func(co []int) int {
				p := 0
				for j, cv := range co {
					p += (cv % inShape[j]) * st[j]
				}
				return p
			}))
		}
	}
	return []*Info{out}, nil
}

// rangeOp: length max(ceil((limit - start) / delta), 0), symbolic when
// limit or start are dims and delta is a constant.
func rangeOp(c *nodeCtx) ([]*Info, error) {
	var v [3]Expr
	var fv [3]float64
	var dt tensor.DType
	allF, allV := true, true
	for i := range v {
		in, err := c.need(i)
		if err != nil {
			return nil, err
		}
		dt = in.DType
		if in.Value != nil && len(in.Value) == 1 {
			v[i] = in.Value[0]
		} else if iv := c.s.castInts[c.n.GetInput()[i]]; isFloat(in.DType) && len(iv) == 1 {
			v[i] = iv[0]
		} else if in.Const != nil && in.Const.Len() == 1 && isFloat(in.DType) {
			f, _ := float64s(in.Const)
			if f[0] == math.Trunc(f[0]) && math.Abs(f[0]) <= 1<<24 {
				v[i] = Const(int64(f[0]))
			} else {
				allV = false
			}
		} else {
			allV = false
		}
		if in.Const != nil && in.Const.Len() == 1 {
			f, _ := float64s(in.Const)
			fv[i] = f[0]
		} else {
			allF = false
		}
	}
	if !allF && allV && isFloat(dt) {
		// A float Range over integer values known symbolically (bounds
		// cast from dims): its elements are exact integers, its length
		// the integer formula below.
	} else if isFloat(dt) || !allV {
		if !allF {
			return []*Info{{DType: dt, Shape: []Expr{c.s.fresh(c, "range")}}}, nil
		}
		if fv[2] == 0 {
			return nil, fmt.Errorf("delta is 0")
		}
		q := math.Max(math.Ceil((fv[1]-fv[0])/fv[2]), 0)
		if !(q <= 1<<53) {
			return nil, c.errorf("start %v, limit %v and delta %v give %v elements", fv[0], fv[1], fv[2], q)
		}
		n := int64(q)
		out := &Info{DType: dt, Shape: consts(n)}
		if n <= constLimit {
			vals := make([]float64, n)
			for i := range vals {
				vals[i] = fv[0] + float64(i)*fv[2]
			}
			out.Const, _ = tensorFromFloat64s(dt, []int{int(n)}, vals)
		}
		return []*Info{out}, nil
	}
	delta, ok := v[2].Value()
	if !ok || delta == 0 {
		return nil, fmt.Errorf("delta %s must be a non-zero constant", v[2])
	}
	span := v[1].Sub(v[0])
	var n Expr
	if delta > 0 {
		n = span.Add(Const(delta - 1)).FloorDiv(Const(delta))
	} else {
		n = span.Neg().Add(Const(-delta - 1)).FloorDiv(Const(-delta))
	}
	n = n.MaxB(Const(0), c.s.bounds)
	out := &Info{DType: dt, Shape: []Expr{n}}
	if nv, ok := n.Value(); ok && nv <= valueLimit && !isFloat(dt) {
		out.Value = make([]Expr, nv)
		for i := range out.Value {
			out.Value[i] = v[0].Add(Const(int64(i) * delta))
		}
	}
	return []*Info{out}, nil
}

func constantOfShape(c *nodeCtx) ([]*Info, error) {
	s, err := c.need(0)
	if err != nil {
		return nil, err
	}
	dt := tensor.Float32
	var fill *tensor.Tensor
	if tp := onnxpb.AttrTensor(c.n, "value"); tp != nil {
		fill, err = decodeTensor(c.s.m, tp)
		if err != nil || fill == nil || fill.Len() != 1 {
			return nil, fmt.Errorf("attribute value must be a one-element tensor")
		}
		dt = fill.DType
	}
	if s.Value == nil {
		return []*Info{{DType: dt}}, nil
	}
	out := &Info{DType: dt, Shape: s.Value}
	n, ok := staticLen(s.Value)
	if ok && n <= constLimit {
		shape, _ := toInts(s.Value)
		if fill == nil {
			out.Const = tensor.New(dt, shape)
		} else {
			idx := make([]int, n)
			out.Const = gatherTensor(fill, shape, idx)
		}
	}
	return []*Info{out}, nil
}

func constant(c *nodeCtx) ([]*Info, error) {
	tp, err := onnxpb.ConstantValue(c.n)
	if err != nil {
		return nil, err
	}
	info := &Info{DType: tensor.DType(tp.GetDataType()), Shape: consts(tp.GetDims()...)}
	n := int64(1)
	for _, d := range tp.GetDims() {
		n *= d
	}
	if n <= constLimit && info.DType != tensor.String {
		t, err := decodeTensor(c.s.m, tp)
		if err != nil {
			return nil, err
		}
		if t != nil {
			setConst(info, t)
		}
	}
	return []*Info{info}, nil
}

// pad adds the begin and end pads to each padded axis (pads may be dims).
func pad(c *nodeCtx) ([]*Info, error) {
	x, err := c.need(0)
	if err != nil {
		return nil, err
	}
	if x.Shape == nil {
		return []*Info{{DType: x.DType}}, nil
	}
	r := len(x.Shape)
	var pads []Expr
	if c.opset < 11 || c.hasAttr("pads") {
		pads = consts(c.attrInts("pads")...)
	} else {
		p, err := c.need(1)
		if err != nil {
			return nil, err
		}
		if p.Value == nil {
			return []*Info{{DType: x.DType, Shape: c.rankOnly(x)}}, nil
		}
		pads = p.Value
	}
	axes := make([]int, 0, r)
	if a := c.input(3); a != nil {
		av, _, err := c.intsInput(3)
		if err != nil {
			return nil, err
		}
		for _, v := range av {
			i, err := normAxis(v, r)
			if err != nil {
				return nil, err
			}
			axes = append(axes, i)
		}
	} else {
		for i := range r {
			axes = append(axes, i)
		}
	}
	if len(pads) != 2*len(axes) {
		return nil, c.errorf("%d pads for %d axes", len(pads), len(axes))
	}
	shape := append([]Expr{}, x.Shape...)
	mode := c.attrString("mode")
	for k, a := range axes {
		// reflect mirrors without repeating the edge, so each pad must be
		// smaller than the axis; edge needs an element to repeat. A
		// negative pad of the other side crops the axis first.
		kept := shape[a]
		for _, p := range []Expr{pads[k], pads[k+len(axes)]} {
			if pv, ok := p.Value(); ok && pv < 0 {
				kept = kept.Add(p)
			}
		}
		for _, p := range []Expr{pads[k], pads[k+len(axes)]} {
			pv, ok := p.Value()
			if !ok || pv <= 0 {
				continue
			}
			need := int64(1)
			if mode == "reflect" {
				need = pv + 1
			} else if mode != "edge" {
				continue
			}
			if err := c.atLeast(kept, need, func() string {
				return fmt.Sprintf("%s padding %d needs axis %d (%s) to be at least %d", mode, pv, a, kept, need)
			}); err != nil {
				return nil, err
			}
		}
		shape[a] = shape[a].Add(pads[k]).Add(pads[k+len(axes)])
	}
	return []*Info{{DType: x.DType, Shape: shape}}, nil
}

func depthToSpace(c *nodeCtx) ([]*Info, error) {
	x, err := c.need(0)
	if err != nil {
		return nil, err
	}
	b := c.attrInt("blocksize", 0)
	if x.Shape == nil || len(x.Shape) != 4 || b <= 0 {
		return nil, fmt.Errorf("needs a rank-4 input and a positive blocksize")
	}
	s := x.Shape
	bb := Const(b * b)
	if c.n.GetOpType() == "DepthToSpace" {
		return []*Info{{DType: x.DType, Shape: []Expr{s[0], s[1].FloorDiv(bb), s[2].Mul(Const(b)), s[3].Mul(Const(b))}}}, nil
	}
	return []*Info{{DType: x.DType, Shape: []Expr{s[0], s[1].Mul(bb), s[2].FloorDiv(Const(b)), s[3].FloorDiv(Const(b))}}}, nil
}

func oneHot(c *nodeCtx) ([]*Info, error) {
	ind, err := c.need(0)
	if err != nil {
		return nil, err
	}
	depth, err := c.need(1)
	if err != nil {
		return nil, err
	}
	vals, err := c.need(2)
	if err != nil {
		return nil, err
	}
	if ind.Shape == nil {
		return []*Info{{DType: vals.DType}}, nil
	}
	var d Expr
	if depth.Value != nil && len(depth.Value) == 1 {
		d = depth.Value[0]
	} else if depth.Const != nil && depth.Const.Len() == 1 {
		f, _ := float64s(depth.Const)
		d = Const(int64(f[0]))
	} else {
		d = c.s.fresh(c, "depth")
	}
	r := len(ind.Shape) + 1
	axis, err := normAxis(c.attrInt("axis", -1), r)
	if err != nil {
		return nil, err
	}
	shape := append(append(append([]Expr{}, ind.Shape[:axis]...), d), ind.Shape[axis:]...)
	return []*Info{{DType: vals.DType, Shape: shape}}, nil
}

// eyeLike keeps the input's shape; dtype defaults to the input's.
func eyeLike(c *nodeCtx) ([]*Info, error) {
	x, err := c.need(0)
	if err != nil {
		return nil, err
	}
	out := same(x)
	if dt := c.attrInt("dtype", 0); dt != 0 {
		out.DType = tensor.DType(dt)
	}
	return []*Info{out}, nil
}

// gatherBlockQuantized (com.microsoft.GatherBlockQuantized): Gather on the
// logical table, whose last axis holds 8/bits values per byte when data
// is uint8; the result has the scales' type.
func gatherBlockQuantized(c *nodeCtx) ([]*Info, error) {
	data, err := c.need(0)
	if err != nil {
		return nil, err
	}
	ind, err := c.need(1)
	if err != nil {
		return nil, err
	}
	sc, err := c.need(2)
	if err != nil {
		return nil, err
	}
	if data.Shape == nil || ind.Shape == nil {
		return []*Info{{DType: sc.DType}}, nil
	}
	r := len(data.Shape)
	if r == 0 {
		return nil, c.errorf("data must have rank ≥ 1")
	}
	ga, err := normAxis(c.attrInt("gather_axis", 0), r)
	if err != nil {
		return nil, err
	}
	shape := append([]Expr{}, data.Shape...)
	if data.DType == tensor.Uint8 {
		bits := c.attrInt("bits", 4)
		if bits != 2 && bits != 4 && bits != 8 {
			return nil, c.errorf("bits %d", bits)
		}
		shape[r-1] = shape[r-1].Mul(Const(8 / bits))
	}
	out := append(append(append([]Expr{}, shape[:ga]...), ind.Shape...), shape[ga+1:]...)
	return []*Info{{DType: sc.DType, Shape: out}}, nil
}

// freezeSuggestion names the --freeze flags that make e static
// ("--freeze batch_size=N"), or says that freezing its input dims would.
func freezeSuggestion(e Expr) string {
	var parts []string
	for _, s := range e.Symbols() {
		if strings.HasPrefix(s, UnknownDimPrefix) {
			continue
		}
		v := "N"
		if strings.EqualFold(s, "N") {
			v = "SIZE"
		}
		parts = append(parts, "--freeze "+s+"="+v)
	}
	if len(parts) == 0 {
		return "freezing the input dims it depends on"
	}
	return strings.Join(parts, " ")
}
