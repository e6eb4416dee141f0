package webnn

import (
	"fmt"
	"unsafe"

	"github.com/webnn-graph/webnn-graph/internal/checked"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// Data movement ops work on raw element bytes, so one implementation
// serves every data type (float16 included, bit-exact).

func init() {
	register("identity", 1, 1, false, func(nc *nodeCompiler) (kernelFn, error) {
		return func(x *execCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
			return []*tensor.Tensor{in[0]}, nil
		}, nil
	})
	register("reshape", 1, 1, false, compileReshape)
	register("squeeze", 1, 1, false, compileSqueeze)
	register("unsqueeze", 1, 1, false, compileUnsqueeze)
	register("expand", 1, 1, false, compileExpand)
	register("transpose", 1, 1, false, compileTranspose)
	register("concat", 1, -1, false, compileConcat)
	register("split", 1, 1, false, compileSplit)
	register("slice", 1, 1, false, compileSlice)
	register("pad", 1, 1, false, compilePad)
	register("tile", 1, 1, false, compileTile)
	register("reverse", 1, 1, false, compileReverse)
	register("triangular", 1, 1, false, compileTriangular)
	register("shape", 1, 1, false, func(nc *nodeCompiler) (kernelFn, error) {
		return func(x *execCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
			out := x.alloc(tensor.Int64, []int{len(in[0].Shape)})
			for i, d := range in[0].Shape {
				out.Data.([]int64)[i] = int64(d)
			}
			return []*tensor.Tensor{out}, nil
		}, nil
	})
}

func view(t *tensor.Tensor, shape []int) *tensor.Tensor {
	return &tensor.Tensor{DType: t.DType, Shape: shape, Data: t.Data}
}

func compileReshape(nc *nodeCompiler) (kernelFn, error) {
	dims, ok, err := nc.optDims("newShape", "new_shape", "shape")
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("reshape needs newShape")
	}
	fn := func(x *execCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		shape, err := evalDims(dims, x.env)
		if err != nil {
			return nil, err
		}
		if tensor.NumElements(shape) != in[0].Len() {
			return nil, fmt.Errorf("cannot reshape %v (%d elements) to %v", in[0].Shape, in[0].Len(), shape)
		}
		return []*tensor.Tensor{view(in[0], shape)}, nil
	}
	nc.st.viewFn = reshapeView(fn)
	return fn, nil
}

func compileSqueeze(nc *nodeCompiler) (kernelFn, error) {
	axes, hasAxes, err := nc.optAxes("axes")
	if err != nil {
		return nil, err
	}
	fn := func(x *execCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		s := in[0].Shape
		drop := make([]bool, len(s))
		if hasAxes {
			for _, a := range axes {
				if err := checkAxis(a, len(s), "axis"); err != nil {
					return nil, err
				}
				if s[a] != 1 {
					return nil, fmt.Errorf("cannot squeeze axis %d of size %d", a, s[a])
				}
				drop[a] = true
			}
		} else {
			for i, d := range s {
				drop[i] = d == 1
			}
		}
		var shape []int
		for i, d := range s {
			if !drop[i] {
				shape = append(shape, d)
			}
		}
		return []*tensor.Tensor{view(in[0], shape)}, nil
	}
	nc.st.viewFn = reshapeView(fn)
	return fn, nil
}

func compileUnsqueeze(nc *nodeCompiler) (kernelFn, error) {
	axes, ok, err := nc.optAxes("axes")
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("unsqueeze needs axes")
	}
	fn := func(x *execCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		r := len(in[0].Shape) + len(axes)
		ins := make([]bool, r)
		for _, a := range axes {
			if err := checkAxis(a, r, "axis"); err != nil {
				return nil, err
			}
			ins[a] = true
		}
		shape := make([]int, 0, r)
		j := 0
		for i := 0; i < r; i++ {
			if ins[i] {
				shape = append(shape, 1)
			} else {
				shape = append(shape, in[0].Shape[j])
				j++
			}
		}
		return []*tensor.Tensor{view(in[0], shape)}, nil
	}
	nc.st.viewFn = reshapeView(fn)
	return fn, nil
}

// stridedCopy writes out (shape oshape, contiguous) from src read at
// base + Σ idx[d]·strides[d] (strides may be 0 or negative).
func stridedCopy(out, src *tensor.Tensor, base int, strides []int) {
	es := src.DType.Size()
	ob, ib := rawBytes(out), rawBytes(src)
	oshape := out.Shape
	r := len(oshape)
	if out.Len() == 0 {
		return
	}
	inner := 0
	if r > 0 {
		inner = strides[r-1]
	}
	so := stridesOf(oshape)
	forEachRow(oshape, [][]int{strides, so}, func(offs []int, m int) {
		pi, po := base+offs[0], offs[1]
		if inner == 1 {
			copy(ob[po*es:(po+m)*es], ib[pi*es:(pi+m)*es])
			return
		}
		switch es {
		case 4:
			o, s := u32s(ob), u32s(ib)
			for j := 0; j < m; j++ {
				o[po+j] = s[pi]
				pi += inner
			}
		case 2:
			o, s := u16s(ob), u16s(ib)
			for j := 0; j < m; j++ {
				o[po+j] = s[pi]
				pi += inner
			}
		case 8:
			o, s := u64s(ob), u64s(ib)
			for j := 0; j < m; j++ {
				o[po+j] = s[pi]
				pi += inner
			}
		default:
			for j := 0; j < m; j++ {
				ob[po+j] = ib[pi]
				pi += inner
			}
		}
	})
}

func u16s(b []byte) []uint16 {
	if len(b) == 0 {
		return nil
	}
	return unsafe.Slice((*uint16)(unsafe.Pointer(&b[0])), len(b)/2)
}
func u32s(b []byte) []uint32 {
	if len(b) == 0 {
		return nil
	}
	return unsafe.Slice((*uint32)(unsafe.Pointer(&b[0])), len(b)/4)
}
func u64s(b []byte) []uint64 {
	if len(b) == 0 {
		return nil
	}
	return unsafe.Slice((*uint64)(unsafe.Pointer(&b[0])), len(b)/8)
}

func compileExpand(nc *nodeCompiler) (kernelFn, error) {
	dims, ok, err := nc.optDims("newShape", "new_shape", "shape")
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("expand needs newShape")
	}
	nc.st.viewFn = func(x *execCtx, v *stridedView) (*stridedView, bool, error) {
		shape, err := evalDims(dims, x.env)
		if err != nil {
			return nil, false, err
		}
		oshape, err := broadcastShapes(v.shape, shape)
		if err != nil {
			return nil, false, err
		}
		nv, err := v.expanded(oshape)
		return nv, err == nil, err
	}
	return func(x *execCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		shape, err := evalDims(dims, x.env)
		if err != nil {
			return nil, err
		}
		oshape, err := broadcastShapes(in[0].Shape, shape)
		if err != nil {
			return nil, err
		}
		if sameShape(oshape, in[0].Shape) {
			return []*tensor.Tensor{view(in[0], oshape)}, nil
		}
		out := x.alloc(in[0].DType, oshape)
		stridedCopy(out, in[0], 0, bstrides(in[0].Shape, oshape))
		return []*tensor.Tensor{out}, nil
	}, nil
}

func compileTranspose(nc *nodeCompiler) (kernelFn, error) {
	perm, hasPerm, err := nc.optAxes("permutation", "perm")
	if err != nil {
		return nil, err
	}
	// permutation checks it against rank r (the reversal when absent).
	permutation := func(r int) ([]int, error) {
		p := perm
		if !hasPerm {
			p = make([]int, r)
			for i := range p {
				p[i] = r - 1 - i
			}
		}
		if len(p) != r {
			return nil, fmt.Errorf("permutation %v has %d entries for rank %d", p, len(p), r)
		}
		seen := make([]bool, r)
		for _, a := range p {
			if a < 0 || a >= r || seen[a] {
				return nil, fmt.Errorf("invalid permutation %v", p)
			}
			seen[a] = true
		}
		return p, nil
	}
	nc.st.viewFn = func(x *execCtx, v *stridedView) (*stridedView, bool, error) {
		p, err := permutation(len(v.shape))
		if err != nil {
			return nil, false, err
		}
		return v.transposed(p), true, nil
	}
	return func(x *execCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		s := in[0].Shape
		r := len(s)
		p, err := permutation(r)
		if err != nil {
			return nil, err
		}
		oshape := make([]int, r)
		st := stridesOf(s)
		strides := make([]int, r)
		for i, a := range p {
			oshape[i] = s[a]
			strides[i] = st[a]
		}
		if orderKept(s, p) {
			// Only size-1 axes move (a decode step's [1,1,H,D] ↔ [1,H,1,D]):
			// the elements keep their row-major order, so the result is a
			// view, as a reshape would be.
			return []*tensor.Tensor{view(in[0], oshape)}, nil
		}
		out := x.alloc(in[0].DType, oshape)
		stridedCopy(out, in[0], 0, strides)
		return []*tensor.Tensor{out}, nil
	}, nil
}

// orderKept reports whether permuting shape by perm leaves the row-major
// order of the elements unchanged: the axes longer than 1 stay in
// increasing order.
func orderKept(shape, perm []int) bool {
	last := -1
	for _, a := range perm {
		if shape[a] == 1 {
			continue
		}
		if a < last {
			return false
		}
		last = a
	}
	return true
}

func compileConcat(nc *nodeCompiler) (kernelFn, error) {
	axis, err := nc.optInt(0, "axis")
	if err != nil {
		return nil, err
	}
	nc.st.concatAxis = int(axis)
	return func(x *execCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		first := in[0]
		r := len(first.Shape)
		ax := int(axis)
		if err := checkAxis(ax, r, "axis"); err != nil {
			return nil, err
		}
		oshape := append([]int(nil), first.Shape...)
		oshape[ax] = 0
		for i, t := range in {
			if t.DType != first.DType {
				return nil, fmt.Errorf("input %d is %v, input 0 is %v", i, t.DType, first.DType)
			}
			if len(t.Shape) != r {
				return nil, fmt.Errorf("input %d has rank %d, input 0 has %d", i, len(t.Shape), r)
			}
			for d := range t.Shape {
				if d != ax && t.Shape[d] != first.Shape[d] {
					return nil, fmt.Errorf("input %d shape %v does not match %v outside axis %d", i, t.Shape, first.Shape, ax)
				}
			}
			oshape[ax] += t.Shape[ax]
		}
		out := x.alloc(first.DType, oshape)
		es := first.DType.Size()
		outer := tensor.NumElements(oshape[:ax])
		innerOut := tensor.NumElements(oshape[ax:]) * es
		ob := rawBytes(out)
		off := 0
		for _, t := range in {
			chunk := tensor.NumElements(t.Shape[ax:]) * es
			tb := rawBytes(t)
			for o := 0; o < outer; o++ {
				copy(ob[o*innerOut+off:o*innerOut+off+chunk], tb[o*chunk:(o+1)*chunk])
			}
			off += chunk
		}
		return []*tensor.Tensor{out}, nil
	}, nil
}

func compileSplit(nc *nodeCompiler) (kernelFn, error) {
	axis, err := nc.optInt(0, "axis")
	if err != nil {
		return nil, err
	}
	v, _, ok := nc.get("splits", "split")
	if !ok {
		return nil, fmt.Errorf("split needs splits")
	}
	var count int
	var sizes []int
	if l, isList := v.([]any); isList {
		sizes, err = toInts(l)
		if err != nil {
			return nil, fmt.Errorf("option splits: %w", err)
		}
		nc.nout = len(sizes)
	} else {
		c, err := toInt(v)
		if err != nil || c <= 0 {
			return nil, fmt.Errorf("option splits: %v is not a positive count", v)
		}
		count = int(c)
		nc.nout = count
	}
	return func(x *execCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		t := in[0]
		ax := int(axis)
		if err := checkAxis(ax, len(t.Shape), "axis"); err != nil {
			return nil, err
		}
		dim := t.Shape[ax]
		sz := sizes
		if sizes == nil {
			if dim%count != 0 {
				return nil, fmt.Errorf("axis %d of size %d does not split into %d equal parts", ax, dim, count)
			}
			sz = make([]int, count)
			for i := range sz {
				sz[i] = dim / count
			}
		}
		total := 0
		for _, s := range sz {
			total += s
		}
		if total != dim {
			return nil, fmt.Errorf("splits %v sum to %d, axis %d has size %d", sz, total, ax, dim)
		}
		es := t.DType.Size()
		outer := tensor.NumElements(t.Shape[:ax])
		innerIn := tensor.NumElements(t.Shape[ax:]) * es
		tb := rawBytes(t)
		res := make([]*tensor.Tensor, len(sz))
		off := 0
		for i, s := range sz {
			shape := append([]int(nil), t.Shape...)
			shape[ax] = s
			o := x.alloc(t.DType, shape)
			chunk := tensor.NumElements(shape[ax:]) * es
			ob := rawBytes(o)
			for k := 0; k < outer; k++ {
				copy(ob[k*chunk:(k+1)*chunk], tb[k*innerIn+off:k*innerIn+off+chunk])
			}
			off += chunk
			res[i] = o
		}
		return res, nil
	}, nil
}

func compileSlice(nc *nodeCompiler) (kernelFn, error) {
	starts, ok, err := nc.optInts("starts")
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("slice needs starts")
	}
	sizes, ok, err := nc.optDims("sizes")
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("slice needs sizes")
	}
	steps, hasSteps, err := nc.optInts("strides")
	if err != nil {
		return nil, err
	}
	return func(x *execCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		t := in[0]
		r := len(t.Shape)
		sz, err := evalDims(sizes, x.env)
		if err != nil {
			return nil, err
		}
		if len(starts) != r || len(sz) != r || (hasSteps && len(steps) != r) {
			return nil, fmt.Errorf("starts %v / sizes %v / strides %v do not match rank %d", starts, sz, steps, r)
		}
		st := stridesOf(t.Shape)
		oshape := make([]int, r)
		strides := make([]int, r)
		base := 0
		for d := 0; d < r; d++ {
			step := 1
			if hasSteps {
				step = steps[d]
			}
			if step < 1 {
				return nil, fmt.Errorf("stride %d on axis %d must be positive", step, d)
			}
			s := starts[d]
			if s < 0 || sz[d] < 0 || s+sz[d] > t.Shape[d] {
				return nil, fmt.Errorf("start %d + size %d exceeds axis %d of size %d", s, sz[d], d, t.Shape[d])
			}
			oshape[d] = (sz[d] + step - 1) / step
			strides[d] = st[d] * step
			base += s * st[d]
		}
		out := x.alloc(t.DType, oshape)
		stridedCopy(out, t, base, strides)
		return []*tensor.Tensor{out}, nil
	}, nil
}

func compileReverse(nc *nodeCompiler) (kernelFn, error) {
	axes, hasAxes, err := nc.optAxes("axes")
	if err != nil {
		return nil, err
	}
	return func(x *execCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		t := in[0]
		r := len(t.Shape)
		rev := make([]bool, r)
		if hasAxes {
			for _, a := range axes {
				if err := checkAxis(a, r, "axis"); err != nil {
					return nil, err
				}
				rev[a] = true
			}
		} else {
			for i := range rev {
				rev[i] = true
			}
		}
		st := stridesOf(t.Shape)
		strides := make([]int, r)
		base := 0
		for d := 0; d < r; d++ {
			strides[d] = st[d]
			if rev[d] && t.Shape[d] > 0 {
				base += (t.Shape[d] - 1) * st[d]
				strides[d] = -st[d]
			}
		}
		out := x.alloc(t.DType, t.Shape)
		stridedCopy(out, t, base, strides)
		return []*tensor.Tensor{out}, nil
	}, nil
}

// odometer iterates a multi-index over shape.
func nextIndex(idx, shape []int) bool {
	for d := len(shape) - 1; d >= 0; d-- {
		idx[d]++
		if idx[d] < shape[d] {
			return true
		}
		idx[d] = 0
	}
	return false
}

func compileTile(nc *nodeCompiler) (kernelFn, error) {
	reps, ok, err := nc.optInts("repetitions")
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("tile needs repetitions")
	}
	return func(x *execCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		t := in[0]
		r := len(t.Shape)
		if len(reps) != r {
			return nil, fmt.Errorf("repetitions %v do not match rank %d", reps, r)
		}
		oshape := make([]int, r)
		for d := range oshape {
			if reps[d] < 1 {
				return nil, fmt.Errorf("repetition %d on axis %d must be positive", reps[d], d)
			}
			var ok bool
			if oshape[d], ok = checked.Mul(t.Shape[d], reps[d]); !ok {
				return nil, fmt.Errorf("axis %d: size %d × repetition %d overflows", d, t.Shape[d], reps[d])
			}
		}
		out := x.alloc(t.DType, oshape)
		copyByIndex(out, t, func(idx, src []int) bool {
			for d := range idx {
				src[d] = idx[d] % t.Shape[d]
			}
			return true
		}, nil)
		return []*tensor.Tensor{out}, nil
	}, nil
}

// copyByIndex fills out element by element: mapIdx turns an output index
// into an input index (false → write fill instead).
func copyByIndex(out, src *tensor.Tensor, mapIdx func(idx, src []int) bool, fill []byte) {
	n := out.Len()
	if n == 0 {
		return
	}
	es := out.DType.Size()
	ob, ib := rawBytes(out), rawBytes(src)
	st := stridesOf(src.Shape)
	idx := make([]int, len(out.Shape))
	sidx := make([]int, len(src.Shape))
	for o := 0; o < n; o++ {
		if mapIdx(idx, sidx) {
			p := 0
			for d, v := range sidx {
				p += v * st[d]
			}
			copy(ob[o*es:(o+1)*es], ib[p*es:(p+1)*es])
		} else {
			copy(ob[o*es:(o+1)*es], fill)
		}
		nextIndex(idx, out.Shape)
	}
}

func compilePad(nc *nodeCompiler) (kernelFn, error) {
	begin, ok, err := nc.optInts("beginningPadding", "beginning_padding", "pads_begin")
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("pad needs beginningPadding")
	}
	end, ok, err := nc.optInts("endingPadding", "ending_padding", "pads_end")
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("pad needs endingPadding")
	}
	mode, err := nc.optString("constant", "mode")
	if err != nil {
		return nil, err
	}
	switch mode {
	case "constant", "edge", "reflection", "symmetric":
	default:
		return nil, fmt.Errorf("unknown pad mode %q", mode)
	}
	value := mlNumber{f: 0, text: "0"}
	if v, _, ok := nc.get("value"); ok {
		value, err = parseMLNumber(v)
		if err != nil {
			return nil, fmt.Errorf("option value: %w", err)
		}
	}
	return func(x *execCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		t := in[0]
		r := len(t.Shape)
		if len(begin) != r || len(end) != r {
			return nil, fmt.Errorf("padding %v/%v does not match rank %d", begin, end, r)
		}
		oshape := make([]int, r)
		for d := range oshape {
			if begin[d] < 0 || end[d] < 0 {
				return nil, fmt.Errorf("negative padding on axis %d", d)
			}
			oshape[d] = t.Shape[d] + begin[d] + end[d]
			switch mode {
			case "reflection":
				if begin[d] >= t.Shape[d] || end[d] >= t.Shape[d] {
					return nil, fmt.Errorf("reflection padding %d/%d needs axis %d larger than %d", begin[d], end[d], d, t.Shape[d])
				}
			case "symmetric", "edge":
				if t.Shape[d] == 0 || (mode == "symmetric" && (begin[d] > t.Shape[d] || end[d] > t.Shape[d])) {
					return nil, fmt.Errorf("%s padding %d/%d too large for axis %d of size %d", mode, begin[d], end[d], d, t.Shape[d])
				}
			}
		}
		out := x.alloc(t.DType, oshape)
		fillT := scalarOf(t.DType, value)
		fill := rawBytes(fillT)
		copyByIndex(out, t, func(idx, src []int) bool {
			for d, v := range idx {
				i := v - begin[d]
				n := t.Shape[d]
				if i >= 0 && i < n {
					src[d] = i
					continue
				}
				switch mode {
				case "constant":
					return false
				case "edge":
					i = min(max(i, 0), n-1)
				case "reflection":
					if i < 0 {
						i = -i
					} else {
						i = 2*(n-1) - i
					}
				case "symmetric":
					if i < 0 {
						i = -i - 1
					} else {
						i = 2*n - 1 - i
					}
				}
				src[d] = i
			}
			return true
		}, fill)
		return []*tensor.Tensor{out}, nil
	}, nil
}

func compileTriangular(nc *nodeCompiler) (kernelFn, error) {
	upper, err := nc.optBool(true, "upper")
	if err != nil {
		return nil, err
	}
	diag, err := nc.optInt(0, "diagonal")
	if err != nil {
		return nil, err
	}
	return func(x *execCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		t := in[0]
		r := len(t.Shape)
		if r < 2 {
			return nil, fmt.Errorf("input rank %d < 2", r)
		}
		h, w := t.Shape[r-2], t.Shape[r-1]
		out := x.alloc(t.DType, t.Shape)
		es := t.DType.Size()
		ob, ib := rawBytes(out), rawBytes(t)
		copy(ob, ib)
		batches := tensor.NumElements(t.Shape[:r-2])
		for b := 0; b < batches; b++ {
			for i := 0; i < h; i++ {
				for j := 0; j < w; j++ {
					keep := int64(j-i) >= diag
					if !upper {
						keep = int64(j-i) <= diag
					}
					if !keep {
						p := (b*h*w + i*w + j) * es
						clear(ob[p : p+es])
					}
				}
			}
		}
		return []*tensor.Tensor{out}, nil
	}, nil
}
