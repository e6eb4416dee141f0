package onnxrt

import (
	"fmt"
	"math"
	"math/big"

	"github.com/webnn-graph/webnn-graph/internal/checked"
	"github.com/webnn-graph/webnn-graph/onnxpb"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// Shape and data-movement ops: Shape, Size, Reshape, Flatten, Squeeze,
// Unsqueeze, Transpose, Concat, Split, Slice, Expand, Tile, Pad, Constant,
// ConstantOfShape, Range, DepthToSpace, SpaceToDepth, EyeLike, Trilu,
// Compress, ReverseSequence.

func init() {
	register("", "Shape", 1, buildShape)
	register("", "Size", 1, buildSize)
	register("", "Reshape", 1, buildReshape)
	register("", "Flatten", 1, buildFlatten)
	register("", "Squeeze", 1, buildSqueeze)
	register("", "Unsqueeze", 1, buildUnsqueeze)
	register("", "Transpose", 1, buildTranspose)
	register("", "Concat", 1, buildConcat)
	register("", "Split", 1, buildSplit)
	register("", "Slice", 1, buildSlice)
	register("", "Expand", 8, buildExpand)
	register("", "Tile", 1, buildTile)
	register("", "Pad", 1, buildPad)
	register("", "Constant", 1, buildConstant)
	register("", "ConstantOfShape", 9, buildConstantOfShape)
	register("", "Range", 11, buildRange)
	register("", "DepthToSpace", 1, buildDepthToSpace)
	register("", "SpaceToDepth", 1, buildSpaceToDepth)
	register("", "EyeLike", 9, buildEyeLike)
	register("", "Trilu", 14, buildTrilu)
	register("", "Compress", 9, buildCompress)
	register("", "ReverseSequence", 10, buildReverseSequence)
}

// gridIndex returns, for every element of outShape, Σ_d coords[d][i_d]·st[d];
// a coordinate of -1 marks an element that reads nothing (index -1).
func gridIndex(outShape []int, coords [][]int, st []int) []int {
	idx := newIndex(outShape)
	n := len(idx)
	if n == 0 {
		return idx
	}
	const miss = -1 << 50
	rank := len(outShape)
	contrib := make([][]int, rank)
	for d := range contrib {
		contrib[d] = make([]int, outShape[d])
		for i, c := range coords[d] {
			if c < 0 {
				contrib[d][i] = miss
			} else {
				contrib[d][i] = c * st[d]
			}
		}
	}
	counter := make([]int, rank)
	for i := 0; i < n; i++ {
		s := 0
		for d := 0; d < rank; d++ {
			s += contrib[d][counter[d]]
		}
		if s < 0 {
			s = -1
		}
		idx[i] = s
		for d := rank - 1; d >= 0; d-- {
			counter[d]++
			if counter[d] < outShape[d] {
				break
			}
			counter[d] = 0
		}
	}
	return idx
}

// takeFill is take where index -1 reads fill (a one-element tensor).
func takeFill(src *tensor.Tensor, idx []int, shape []int, fill *tensor.Tensor) *tensor.Tensor {
	ext := concatData(src, fill)
	m := src.Len()
	j := make([]int, len(idx))
	for i, v := range idx {
		if v < 0 {
			v = m
		}
		j[i] = v
	}
	return take(ext, j, shape)
}

func buildShape(n *node) (kernelFn, error) {
	start, end := n.i("start", 0), n.i("end", math.MaxInt32)
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		r := int64(len(in[0].Shape))
		s, e := start, end
		if s < 0 {
			s += r
		}
		if e < 0 {
			e += r
		}
		s = max(0, min(s, r))
		e = max(0, min(e, r))
		var v []int64
		for i := s; i < e; i++ {
			v = append(v, int64(in[0].Shape[i]))
		}
		if v == nil {
			v = []int64{}
		}
		return []*tensor.Tensor{i64Tensor([]int{len(v)}, v)}, nil
	}, nil
}

func buildSize(n *node) (kernelFn, error) {
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		return []*tensor.Tensor{i64Tensor(nil, []int64{int64(in[0].Len())})}, nil
	}, nil
}

// reshapeTarget resolves a Reshape shape (0 copies the input dim unless
// allowzero, -1 is inferred).
func reshapeTarget(in []int, spec []int64, allowzero bool) ([]int, error) {
	out := make([]int, len(spec))
	infer := -1
	known := 1
	for i, s := range spec {
		switch {
		case s == -1:
			if infer >= 0 {
				return nil, fmt.Errorf("shape %v has more than one -1", spec)
			}
			infer = i
			continue
		case s == 0 && !allowzero:
			if i >= len(in) {
				return nil, fmt.Errorf("shape %v copies dim %d of a rank-%d input", spec, i, len(in))
			}
			out[i] = in[i]
		case s < 0:
			return nil, fmt.Errorf("invalid dim %d in shape %v", s, spec)
		default:
			out[i] = int(s)
		}
		known *= out[i]
	}
	total := tensor.NumElements(in)
	if infer >= 0 {
		if known == 0 || total%known != 0 {
			return nil, fmt.Errorf("cannot reshape %v to %v", in, spec)
		}
		out[infer] = total / known
	}
	if tensor.NumElements(out) != total {
		return nil, fmt.Errorf("cannot reshape %v (%d elements) to %v", in, total, spec)
	}
	return out, nil
}

func buildReshape(n *node) (kernelFn, error) {
	allowzero := n.i("allowzero", 0) == 1
	attrShape := n.ints("shape")
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		spec := attrShape
		if n.opset >= 5 {
			s, err := ints(in[1])
			if err != nil {
				return nil, fmt.Errorf("shape: %w", err)
			}
			spec = s
		}
		shape, err := reshapeTarget(in[0].Shape, spec, allowzero)
		if err != nil {
			return nil, err
		}
		return []*tensor.Tensor{reshaped(in[0], shape)}, nil
	}, nil
}

func buildFlatten(n *node) (kernelFn, error) {
	axis := n.i("axis", 1)
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		r := len(in[0].Shape)
		a := int(axis)
		if a < 0 {
			a += r
		}
		if a < 0 || a > r {
			return nil, fmt.Errorf("axis %d out of range for rank %d", axis, r)
		}
		outer := tensor.NumElements(in[0].Shape[:a])
		return []*tensor.Tensor{reshaped(in[0], []int{outer, in[0].Len() / max(outer, 1)})}, nil
	}, nil
}

// axesArg returns axes from the attribute (old opsets) or input i.
func axesArg(n *node, in []*tensor.Tensor, i int, inputFrom int64) ([]int64, bool, error) {
	if n.opset < inputFrom {
		return n.ints("axes"), n.has("axes"), nil
	}
	t := opt(in, i)
	if t == nil {
		return nil, false, nil
	}
	v, err := ints(t)
	return v, true, err
}

func buildSqueeze(n *node) (kernelFn, error) {
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		axes, given, err := axesArg(n, in, 1, 13)
		if err != nil {
			return nil, err
		}
		x := in[0]
		drop := map[int]bool{}
		if given {
			for _, a := range axes {
				ax, err := normAxis(a, len(x.Shape))
				if err != nil {
					return nil, err
				}
				if x.Shape[ax] != 1 {
					return nil, fmt.Errorf("cannot squeeze axis %d of size %d", a, x.Shape[ax])
				}
				drop[ax] = true
			}
		} else {
			for i, d := range x.Shape {
				if d == 1 {
					drop[i] = true
				}
			}
		}
		var shape []int
		for i, d := range x.Shape {
			if !drop[i] {
				shape = append(shape, d)
			}
		}
		return []*tensor.Tensor{reshaped(x, shape)}, nil
	}, nil
}

func buildUnsqueeze(n *node) (kernelFn, error) {
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		axes, _, err := axesArg(n, in, 1, 13)
		if err != nil {
			return nil, err
		}
		x := in[0]
		r := len(x.Shape) + len(axes)
		ins := make([]bool, r)
		for _, a := range axes {
			ax, err := normAxis(a, r)
			if err != nil {
				return nil, err
			}
			if ins[ax] {
				return nil, fmt.Errorf("duplicate axis %d", a)
			}
			ins[ax] = true
		}
		shape := make([]int, 0, r)
		j := 0
		for i := 0; i < r; i++ {
			if ins[i] {
				shape = append(shape, 1)
			} else {
				shape = append(shape, x.Shape[j])
				j++
			}
		}
		return []*tensor.Tensor{reshaped(x, shape)}, nil
	}, nil
}

func transpose(x *tensor.Tensor, perm []int) (*tensor.Tensor, error) {
	if len(perm) != len(x.Shape) {
		return nil, fmt.Errorf("perm %v does not match rank %d", perm, len(x.Shape))
	}
	seen := make([]bool, len(perm))
	for _, p := range perm {
		if p < 0 || p >= len(perm) || seen[p] {
			return nil, fmt.Errorf("invalid perm %v", perm)
		}
		seen[p] = true
	}
	idx, shape := transposeIndex(x.Shape, perm)
	return take(x, idx, shape), nil
}

func buildTranspose(n *node) (kernelFn, error) {
	permAttr := n.ints("perm")
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x := in[0]
		var perm []int
		if permAttr != nil {
			perm = toInts(permAttr)
		} else {
			for i := len(x.Shape) - 1; i >= 0; i-- {
				perm = append(perm, i)
			}
		}
		r, err := transpose(x, perm)
		return []*tensor.Tensor{r}, err
	}, nil
}

func concat(ts []*tensor.Tensor, axis int64) (*tensor.Tensor, error) {
	var nonEmpty []*tensor.Tensor
	if len(ts) == 0 {
		return nil, fmt.Errorf("needs at least one input")
	}
	for i, t := range ts {
		if t == nil {
			return nil, fmt.Errorf("input %d is missing", i)
		}
	}
	first := ts[0]
	rank := len(first.Shape)
	ax, err := normAxis(axis, rank)
	if err != nil {
		return nil, err
	}
	shape := append([]int{}, first.Shape...)
	shape[ax] = 0
	for _, t := range ts {
		if len(t.Shape) != rank || t.DType != first.DType {
			return nil, fmt.Errorf("inputs %v and %v cannot be concatenated", first, t)
		}
		for d := range t.Shape {
			if d != ax && t.Shape[d] != first.Shape[d] {
				return nil, fmt.Errorf("inputs %v and %v differ outside axis %d", first, t, ax)
			}
		}
		var ok bool
		if shape[ax], ok = checked.Add(shape[ax], t.Shape[ax]); !ok {
			return nil, fmt.Errorf("the concatenated axis %d overflows", ax)
		}
		nonEmpty = append(nonEmpty, t)
	}
	out := tensor.New(first.DType, shape)
	outer := tensor.NumElements(shape[:ax])
	inner := tensor.NumElements(shape[ax+1:])
	rowOut := shape[ax] * inner
	off := 0
	for _, t := range nonEmpty {
		row := t.Shape[ax] * inner
		if row == 0 {
			continue
		}
		for o := 0; o < outer; o++ {
			copyRange(out.Data, o*rowOut+off, t.Data, o*row, row)
		}
		off += row
	}
	return out, nil
}

// copyRange copies n elements src[so:] into dst[do:].
func copyRange(dst any, do int, src any, so, n int) {
	switch d := dst.(type) {
	case []float32:
		copy(d[do:do+n], src.([]float32)[so:so+n])
	case []float64:
		copy(d[do:do+n], src.([]float64)[so:so+n])
	case []uint16:
		copy(d[do:do+n], src.([]uint16)[so:so+n])
	case []int16:
		copy(d[do:do+n], src.([]int16)[so:so+n])
	case []int8:
		copy(d[do:do+n], src.([]int8)[so:so+n])
	case []uint8:
		copy(d[do:do+n], src.([]uint8)[so:so+n])
	case []int32:
		copy(d[do:do+n], src.([]int32)[so:so+n])
	case []uint32:
		copy(d[do:do+n], src.([]uint32)[so:so+n])
	case []int64:
		copy(d[do:do+n], src.([]int64)[so:so+n])
	case []uint64:
		copy(d[do:do+n], src.([]uint64)[so:so+n])
	case []bool:
		copy(d[do:do+n], src.([]bool)[so:so+n])
	case []string:
		copy(d[do:do+n], src.([]string)[so:so+n])
	default:
		panic(fmt.Sprintf("copyRange: %T", dst))
	}
}

func buildConcat(n *node) (kernelFn, error) {
	axis := n.i("axis", 1)
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		r, err := concat(in, axis)
		return []*tensor.Tensor{r}, err
	}, nil
}

// sliceAxis returns the sub-tensor [start, start+size) along axis.
func sliceAxis(x *tensor.Tensor, axis, start, size int) *tensor.Tensor {
	shape := append([]int{}, x.Shape...)
	shape[axis] = size
	out := tensor.New(x.DType, shape)
	outer := tensor.NumElements(x.Shape[:axis])
	inner := tensor.NumElements(x.Shape[axis+1:])
	for o := 0; o < outer; o++ {
		copyRange(out.Data, o*size*inner, x.Data, (o*x.Shape[axis]+start)*inner, size*inner)
	}
	return out
}

func buildSplit(n *node) (kernelFn, error) {
	axis := n.i("axis", 0)
	splitAttr := n.ints("split")
	numOutputs := n.i("num_outputs", 0)
	outs := n.numOutputs()
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x := in[0]
		ax, err := normAxis(axis, len(x.Shape))
		if err != nil {
			return nil, err
		}
		split := splitAttr
		if n.opset >= 13 || (n.opset < 2 && opt(in, 1) != nil) {
			if s := opt(in, 1); s != nil {
				if split, err = ints(s); err != nil {
					return nil, err
				}
			}
		}
		dim := x.Shape[ax]
		if numOutputs < 0 {
			return nil, fmt.Errorf("attribute num_outputs = %d is negative", numOutputs)
		}
		for i, s := range split {
			if s < 0 {
				return nil, fmt.Errorf("split[%d] = %d is negative", i, s)
			}
		}
		if split == nil {
			k := outs
			if numOutputs > 0 {
				k = int(numOutputs)
			}
			if k < 1 {
				return nil, fmt.Errorf("no outputs to split into")
			}
			chunk := dim / k
			if dim%k != 0 {
				if numOutputs == 0 {
					return nil, fmt.Errorf("dim %d is not divisible into %d outputs", dim, k)
				}
				chunk = (dim + k - 1) / k
			}
			rest := dim
			for i := 0; i < k; i++ {
				s := min(chunk, rest)
				split = append(split, int64(s))
				rest -= s
			}
		}
		total := int64(0)
		for _, s := range split {
			if total += s; total > int64(dim) {
				break
			}
		}
		if total != int64(dim) || len(split) != outs {
			return nil, fmt.Errorf("split %v does not cover dim %d in %d outputs", split, dim, outs)
		}
		res := make([]*tensor.Tensor, len(split))
		off := 0
		for i, s := range split {
			res[i] = sliceAxis(x, ax, off, int(s))
			off += int(s)
		}
		return res, nil
	}, nil
}

// sliceCoords resolves ONNX Slice start/end/step for a dim of size dim
// and returns the input coordinates along that dim.
func sliceCoords(dim int, start, end, step int64) []int {
	d := int64(dim)
	if start < 0 {
		start += d
	}
	if end < 0 {
		end += d
	}
	var coords []int
	// i never leaves [-1, d] before the loop ends, so a step past ±d (up
	// to INT64_MIN) takes one element instead of wrapping around.
	if step > 0 {
		start = max(0, min(start, d))
		end = max(0, min(end, d))
		for i := start; i < end; i += min(step, d) {
			coords = append(coords, int(i))
		}
	} else {
		start = max(-1, min(start, d-1))
		end = max(-1, min(end, d-1))
		for i := start; i > end; i -= min(-(step+1), d) + 1 {
			coords = append(coords, int(i))
		}
	}
	return coords
}

func buildSlice(n *node) (kernelFn, error) {
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x := in[0]
		var starts, ends, axes, steps []int64
		var err error
		if n.opset < 10 {
			starts, ends, axes = n.ints("starts"), n.ints("ends"), n.ints("axes")
		} else {
			if starts, err = ints(in[1]); err != nil {
				return nil, fmt.Errorf("starts: %w", err)
			}
			if ends, err = ints(in[2]); err != nil {
				return nil, fmt.Errorf("ends: %w", err)
			}
			if axes, err = ints(opt(in, 3)); err != nil {
				return nil, fmt.Errorf("axes: %w", err)
			}
			if steps, err = ints(opt(in, 4)); err != nil {
				return nil, fmt.Errorf("steps: %w", err)
			}
		}
		if len(starts) != len(ends) {
			return nil, fmt.Errorf("starts %v and ends %v differ in length", starts, ends)
		}
		if axes == nil {
			for i := range starts {
				axes = append(axes, int64(i))
			}
		}
		if len(axes) != len(starts) || (steps != nil && len(steps) != len(starts)) {
			return nil, fmt.Errorf("starts, ends, axes and steps differ in length")
		}
		rank := len(x.Shape)
		coords := make([][]int, rank)
		for d := range coords {
			coords[d] = iota(x.Shape[d])
		}
		seen := make([]bool, rank)
		for i, a := range axes {
			ax, err := normAxis(a, rank)
			if err != nil {
				return nil, err
			}
			if seen[ax] {
				return nil, fmt.Errorf("axes %v name axis %d twice", axes, ax)
			}
			seen[ax] = true
			step := int64(1)
			if steps != nil {
				step = steps[i]
			}
			if step == 0 {
				return nil, fmt.Errorf("step 0 on axis %d", a)
			}
			coords[ax] = sliceCoords(x.Shape[ax], starts[i], ends[i], step)
		}
		shape := make([]int, rank)
		for d := range shape {
			shape[d] = len(coords[d])
		}
		return []*tensor.Tensor{take(x, gridIndex(shape, coords, strides(x.Shape)), shape)}, nil
	}, nil
}

func buildExpand(n *node) (kernelFn, error) {
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		s, err := ints(in[1])
		if err != nil {
			return nil, fmt.Errorf("shape: %w", err)
		}
		for i, d := range s {
			if d < 0 {
				return nil, fmt.Errorf("shape[%d] = %d is negative", i, d)
			}
		}
		shape, err := broadcastShapes(in[0].Shape, toInts(s))
		if err != nil {
			return nil, err
		}
		if err := tensor.CheckAlloc(in[0].DType, shape); err != nil {
			return nil, err
		}
		return []*tensor.Tensor{take(in[0], broadcastIndex(in[0].Shape, shape), shape)}, nil
	}, nil
}

func buildTile(n *node) (kernelFn, error) {
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x := in[0]
		var reps []int64
		var err error
		if n.opset < 6 {
			// opset 1: tiles (scalar) and axis inputs
			t, err1 := scalarInt(opt(in, 1))
			a, err2 := scalarInt(opt(in, 2))
			if err1 != nil || err2 != nil || a < 0 || a >= int64(len(x.Shape)) {
				return nil, fmt.Errorf("tiles and axis must be scalars, axis within rank %d", len(x.Shape))
			}
			reps = make([]int64, len(x.Shape))
			for i := range reps {
				reps[i] = 1
			}
			reps[a] = t
		} else if reps, err = ints(in[1]); err != nil {
			return nil, err
		}
		if len(reps) != len(x.Shape) {
			return nil, fmt.Errorf("repeats %v do not match rank %d", reps, len(x.Shape))
		}
		shape := make([]int, len(x.Shape))
		for d := range shape {
			if reps[d] < 0 {
				return nil, fmt.Errorf("repeats[%d] = %d is negative", d, reps[d])
			}
			var ok bool
			if shape[d], ok = checked.Mul(x.Shape[d], int(reps[d])); !ok {
				return nil, fmt.Errorf("dim %d × repeats[%d] = %d overflows", x.Shape[d], d, reps[d])
			}
		}
		if err := tensor.CheckAlloc(x.DType, shape); err != nil {
			return nil, err
		}
		coords := make([][]int, len(x.Shape))
		for d := range shape {
			coords[d] = make([]int, shape[d])
			for i := range coords[d] {
				coords[d][i] = i % x.Shape[d]
			}
		}
		return []*tensor.Tensor{take(x, gridIndex(shape, coords, strides(x.Shape)), shape)}, nil
	}, nil
}

func buildPad(n *node) (kernelFn, error) {
	mode := n.s("mode", "constant")
	attrPads := n.ints("pads")
	if n.opset < 2 {
		attrPads = n.ints("paddings")
	}
	attrValue := float64(n.f("value", 0))
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x := in[0]
		rank := len(x.Shape)
		pads := attrPads
		fill := fromFloat64(x.DType, nil, []float64{attrValue})
		if x.DType == tensor.String {
			fill = &tensor.Tensor{DType: tensor.String, Data: []string{""}}
		}
		var axes []int64
		if n.opset >= 11 {
			var err error
			if pads, err = ints(in[1]); err != nil {
				return nil, fmt.Errorf("pads: %w", err)
			}
			if v := opt(in, 2); v != nil && v.Len() == 1 {
				fill = reshaped(v, nil)
			}
			if axes, err = ints(opt(in, 3)); err != nil {
				return nil, fmt.Errorf("axes: %w", err)
			}
		}
		full := newSlice[int64](2, rank)
		if axes == nil {
			if len(pads) != 2*rank {
				return nil, fmt.Errorf("pads %v do not match rank %d", pads, rank)
			}
			copy(full, pads)
		} else {
			if len(pads) != 2*len(axes) {
				return nil, fmt.Errorf("pads %v do not match axes %v", pads, axes)
			}
			for i, a := range axes {
				ax, err := normAxis(a, rank)
				if err != nil {
					return nil, err
				}
				full[ax] = pads[i]
				full[ax+rank] = pads[i+len(axes)]
			}
		}
		shape := make([]int, rank)
		coords := make([][]int, rank)
		for d := 0; d < rank; d++ {
			s, ok := checked.Add(x.Shape[d], int(full[d]))
			if ok {
				s, ok = checked.Add(s, int(full[d+rank]))
			}
			if !ok {
				return nil, fmt.Errorf("pads %v overflow dim %d", full, d)
			}
			if s < 0 {
				return nil, fmt.Errorf("pads %v make dim %d negative", full, d)
			}
			shape[d] = s
		}
		if err := tensor.CheckAlloc(x.DType, shape); err != nil {
			return nil, err
		}
		for d := 0; d < rank; d++ {
			b := int(full[d])
			dim := x.Shape[d]
			coords[d] = make([]int, shape[d])
			for i := range coords[d] {
				j := i - b
				if j < 0 || j >= dim {
					switch mode {
					case "constant":
						j = -1
					case "edge":
						j = max(0, min(j, dim-1))
					case "reflect":
						if dim == 1 {
							j = 0
							break
						}
						period := 2 * (dim - 1)
						j = ((j % period) + period) % period
						if j >= dim {
							j = period - j
						}
					case "wrap":
						j = ((j % dim) + dim) % dim
					default:
						return nil, fmt.Errorf("unknown pad mode %q", mode)
					}
				}
				coords[d][i] = j
			}
		}
		idx := gridIndex(shape, coords, strides(x.Shape))
		return []*tensor.Tensor{takeFill(x, idx, shape, fill)}, nil
	}, nil
}

func buildConstant(n *node) (kernelFn, error) {
	tp, err := onnxpb.ConstantValue(n.proto)
	if err != nil {
		return nil, err
	}
	v, err := n.comp.decode(tp)
	if err != nil {
		return nil, err
	}
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		return []*tensor.Tensor{v}, nil
	}, nil
}

func buildConstantOfShape(n *node) (kernelFn, error) {
	val, err := n.tensor("value")
	if err != nil {
		return nil, err
	}
	if val == nil {
		val = f32Tensor(nil, []float32{0})
	}
	if val.Len() != 1 {
		return nil, fmt.Errorf("attribute value must hold one element, has shape %v", val.Shape)
	}
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		s, err := ints(in[0])
		if err != nil {
			return nil, err
		}
		shape := toInts(s)
		for i, d := range shape {
			if d < 0 {
				return nil, fmt.Errorf("input shape[%d] = %d is negative", i, d)
			}
		}
		if err := tensor.CheckAlloc(val.DType, shape); err != nil {
			return nil, err
		}
		idx := newIndex(shape)
		return []*tensor.Tensor{take(val, idx, shape)}, nil
	}, nil
}

func buildRange(n *node) (kernelFn, error) {
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		dt := in[0].DType
		if dt.IsFloat() {
			s, _ := scalarFloat(in[0])
			l, _ := scalarFloat(in[1])
			d, _ := scalarFloat(in[2])
			if d == 0 {
				return nil, fmt.Errorf("delta is 0")
			}
			q := math.Max(math.Ceil((l-s)/d), 0)
			if math.IsNaN(q) || q > 1<<53 {
				return nil, fmt.Errorf("start %v, limit %v and delta %v give %v elements", s, l, d, q)
			}
			cnt := int(q)
			if err := tensor.CheckAlloc(dt, []int{cnt}); err != nil {
				return nil, err
			}
			v := newSlice[float64](cnt)
			if dt == tensor.Float32 {
				// accumulate like the reference: start + i*delta in float32
				for i := range v {
					v[i] = float64(float32(s) + float32(i)*float32(d))
				}
			} else {
				for i := range v {
					v[i] = s + float64(i)*d
				}
			}
			return []*tensor.Tensor{fromFloat64(dt, []int{cnt}, v)}, nil
		}
		s, err := scalarInt(in[0])
		if err != nil {
			return nil, err
		}
		l, _ := scalarInt(in[1])
		d, _ := scalarInt(in[2])
		if d == 0 {
			return nil, fmt.Errorf("delta is 0")
		}
		cnt, ok := rangeCount(s, l, d)
		if !ok {
			return nil, fmt.Errorf("start %d, limit %d and delta %d give more elements than int64 counts", s, l, d)
		}
		if err := tensor.CheckAlloc(dt, []int{int(cnt)}); err != nil {
			return nil, err
		}
		v := newSlice[float64](int(cnt))
		for i := range v {
			v[i] = float64(s + int64(i)*d)
		}
		return []*tensor.Tensor{fromFloat64(dt, []int{int(cnt)}, v)}, nil
	}, nil
}

// rangeCount is ONNX Range's max(ceil((limit-start)/delta), 0), computed
// without overflow (delta ≠ 0); false when it does not fit in int64.
func rangeCount(start, limit, delta int64) (int64, bool) {
	diff := new(big.Int).Sub(big.NewInt(limit), big.NewInt(start))
	if diff.Sign()*big.NewInt(delta).Sign() <= 0 {
		return 0, true
	}
	diff.Abs(diff)
	d := new(big.Int).Abs(big.NewInt(delta))
	q := diff.Add(diff, d).Sub(diff, big.NewInt(1)).Quo(diff, d)
	return q.Int64(), q.IsInt64()
}

func buildDepthToSpace(n *node) (kernelFn, error) {
	bs := int(n.i("blocksize", 0))
	mode := n.s("mode", "DCR")
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x := in[0]
		if len(x.Shape) != 4 || bs <= 0 || bs > 1<<20 || x.Shape[1]%(bs*bs) != 0 {
			return nil, fmt.Errorf("input %v does not fit blocksize %d", x.Shape, bs)
		}
		b, ch, h, w := x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
		var tmp *tensor.Tensor
		var err error
		if mode == "DCR" {
			tmp = reshaped(x, []int{b, bs, bs, ch / (bs * bs), h, w})
			tmp, err = transpose(tmp, []int{0, 3, 4, 1, 5, 2})
		} else {
			tmp = reshaped(x, []int{b, ch / (bs * bs), bs, bs, h, w})
			tmp, err = transpose(tmp, []int{0, 1, 4, 2, 5, 3})
		}
		if err != nil {
			return nil, err
		}
		return []*tensor.Tensor{reshaped(tmp, []int{b, ch / (bs * bs), h * bs, w * bs})}, nil
	}, nil
}

func buildSpaceToDepth(n *node) (kernelFn, error) {
	bs := int(n.i("blocksize", 0))
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x := in[0]
		if len(x.Shape) != 4 || bs <= 0 || x.Shape[2]%bs != 0 || x.Shape[3]%bs != 0 {
			return nil, fmt.Errorf("input %v does not fit blocksize %d", x.Shape, bs)
		}
		b, ch, h, w := x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
		tmp := reshaped(x, []int{b, ch, h / bs, bs, w / bs, bs})
		tmp, err := transpose(tmp, []int{0, 3, 5, 1, 2, 4})
		if err != nil {
			return nil, err
		}
		return []*tensor.Tensor{reshaped(tmp, []int{b, ch * bs * bs, h / bs, w / bs})}, nil
	}, nil
}

func buildEyeLike(n *node) (kernelFn, error) {
	k := int(n.i("k", 0))
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x := in[0]
		dt := x.DType
		var err error
		if n.has("dtype") {
			if dt, err = outputDType(n, "dtype"); err != nil {
				return nil, err
			}
		}
		if len(x.Shape) != 2 {
			return nil, fmt.Errorf("EyeLike needs a 2-D input, got %v", x.Shape)
		}
		r, cl := x.Shape[0], x.Shape[1]
		v := newSlice[float64](r, cl)
		for i := 0; i < r; i++ {
			if j := i + k; j >= 0 && j < cl {
				v[i*cl+j] = 1
			}
		}
		return []*tensor.Tensor{fromFloat64(dt, x.Shape, v)}, nil
	}, nil
}

func buildTrilu(n *node) (kernelFn, error) {
	upper := n.i("upper", 1) == 1
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x := in[0]
		k := int64(0)
		if t := opt(in, 1); t != nil {
			var err error
			if k, err = scalarInt(t); err != nil {
				return nil, err
			}
		}
		r := len(x.Shape)
		if r < 2 {
			return nil, fmt.Errorf("Trilu needs rank ≥ 2, got %v", x.Shape)
		}
		rows, cols := x.Shape[r-2], x.Shape[r-1]
		idx := make([]int, x.Len())
		for i := range idx {
			rc := i % (rows * cols)
			row, col := int64(rc/cols), int64(rc%cols)
			keep := col-row >= k
			if !upper {
				keep = col-row <= k
			}
			if keep {
				idx[i] = i
			} else {
				idx[i] = -1
			}
		}
		zero := tensor.New(x.DType, nil)
		return []*tensor.Tensor{takeFill(x, idx, x.Shape, zero)}, nil
	}, nil
}

func buildCompress(n *node) (kernelFn, error) {
	hasAxis := n.has("axis")
	axis := n.i("axis", 0)
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x, cond := in[0], in[1]
		cd, ok := cond.Data.([]bool)
		if !ok {
			return nil, fmt.Errorf("condition must be bool")
		}
		if !hasAxis {
			x = reshaped(x, []int{x.Len()})
			axis = 0
		}
		ax, err := normAxis(axis, len(x.Shape))
		if err != nil {
			return nil, err
		}
		coords := make([][]int, len(x.Shape))
		for d := range coords {
			coords[d] = iota(x.Shape[d])
		}
		var sel []int
		for i, b := range cd {
			if b && i < x.Shape[ax] {
				sel = append(sel, i)
			}
		}
		coords[ax] = sel
		shape := append([]int{}, x.Shape...)
		shape[ax] = len(sel)
		return []*tensor.Tensor{take(x, gridIndex(shape, coords, strides(x.Shape)), shape)}, nil
	}, nil
}

func buildReverseSequence(n *node) (kernelFn, error) {
	batchAxis := int(n.i("batch_axis", 1))
	timeAxis := int(n.i("time_axis", 0))
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x := in[0]
		lens, err := ints(in[1])
		if err != nil {
			return nil, err
		}
		if r := len(x.Shape); r < 2 || batchAxis < 0 || batchAxis > 1 || timeAxis < 0 || timeAxis > 1 || batchAxis == timeAxis {
			return nil, fmt.Errorf("batch_axis %d and time_axis %d must be 0 and 1 of an input of rank ≥ 2, got %v", batchAxis, timeAxis, x.Shape)
		}
		if len(lens) != x.Shape[batchAxis] {
			return nil, fmt.Errorf("sequence_lens has %d values for a batch of %d", len(lens), x.Shape[batchAxis])
		}
		for i, l := range lens {
			if l < 0 || l > int64(x.Shape[timeAxis]) {
				return nil, fmt.Errorf("sequence_lens[%d] = %d is outside [0, %d]", i, l, x.Shape[timeAxis])
			}
		}
		st := strides(x.Shape)
		idx := make([]int, x.Len())
		for i := range idx {
			b := (i / st[batchAxis]) % x.Shape[batchAxis]
			t := (i / st[timeAxis]) % x.Shape[timeAxis]
			j := i
			if int64(t) < lens[b] {
				j = i + (int(lens[b])-1-2*t)*st[timeAxis]
			}
			idx[i] = j
		}
		return []*tensor.Tensor{take(x, idx, x.Shape)}, nil
	}, nil
}
