package webnn

import (
	"fmt"
	"slices"

	"github.com/webnn-graph/webnn-graph/tensor"
)

// Shape-only ops (reshape, expand, transpose, squeeze, unsqueeze) whose
// readers can all take a strided operand run as views at plan time: their
// result is a description of where its elements lie in another buffer, not
// a copy. A decoder's key/value chain concat → reshape → expand (grouped-
// query heads) → reshape → transpose → matmul then reads the KV cache in
// place, and costs nothing per step however long the context is. A reader
// that cannot take a view gets the view materialised once (the copy the op
// would have made), so a view never changes a value, only when and whether
// it is copied.

// pdim is one physical dimension of a strided view: size elements stride
// apart.
type pdim struct{ size, stride int }

// stridedView is a tensor of shape Shape whose elements, in row-major
// order, are base[off + Σ i_j·stride_j] over the physical dims of its axes
// taken in order. Each logical axis has a group of physical dims whose sizes
// multiply to its size (no dims for a size-1 axis): a reshape that merges
// axes whose strides do not merge (the expanded kv-head axis) keeps both.
type stridedView struct {
	dtype  tensor.DType
	base   any // the whole buffer viewed (a Go slice of dtype's element type)
	off    int
	shape  []int
	groups [][]pdim
}

// denseView describes the dense tensor t as a view.
func denseView(t *tensor.Tensor) *stridedView {
	st := stridesOf(t.Shape)
	v := &stridedView{dtype: t.DType, base: t.Data, shape: slices.Clone(t.Shape), groups: make([][]pdim, len(t.Shape))}
	for i, d := range t.Shape {
		if d != 1 {
			v.groups[i] = []pdim{{d, st[i]}}
		}
	}
	return v
}

// numElements is the view's element count.
func (v *stridedView) numElements() int { return tensor.NumElements(v.shape) }

// flat returns the physical dims of every axis in order.
func (v *stridedView) flat() []pdim {
	var out []pdim
	for _, g := range v.groups {
		out = append(out, g...)
	}
	return out
}

// mergeDims joins neighbours that are one run of the same stride pattern
// (outer stride = inner size · inner stride), so dense axes stay one dim.
func mergeDims(g []pdim) []pdim {
	out := g[:0:0]
	for _, d := range g {
		if d.size == 1 {
			continue
		}
		if n := len(out); n > 0 && out[n-1].stride == d.size*d.stride {
			out[n-1] = pdim{out[n-1].size * d.size, d.stride}
			continue
		}
		out = append(out, d)
	}
	return out
}

// reshaped returns v with the new shape, or false when the new axes do not
// fall on (or evenly split) its physical dims.
func (v *stridedView) reshaped(shape []int) (*stridedView, bool) {
	if tensor.NumElements(shape) != v.numElements() || v.numElements() == 0 {
		return nil, false
	}
	phys := v.flat()
	nv := &stridedView{dtype: v.dtype, base: v.base, off: v.off, shape: slices.Clone(shape), groups: make([][]pdim, len(shape))}
	for i, s := range shape {
		need := s
		var g []pdim
		for need > 1 {
			if len(phys) == 0 {
				return nil, false
			}
			p := phys[0]
			switch {
			case need%p.size == 0:
				g = append(g, p)
				need /= p.size
				phys = phys[1:]
			case p.size%need == 0:
				// The axis takes the outer part of this dim; the inner part
				// starts the next axis.
				g = append(g, pdim{need, p.stride * (p.size / need)})
				phys[0] = pdim{p.size / need, p.stride}
				need = 1
			default:
				return nil, false
			}
		}
		nv.groups[i] = mergeDims(g)
	}
	if len(phys) != 0 {
		return nil, false
	}
	return nv, true
}

// transposed permutes the axes.
func (v *stridedView) transposed(perm []int) *stridedView {
	nv := &stridedView{dtype: v.dtype, base: v.base, off: v.off, shape: make([]int, len(perm)), groups: make([][]pdim, len(perm))}
	for i, a := range perm {
		nv.shape[i] = v.shape[a]
		nv.groups[i] = v.groups[a]
	}
	return nv
}

// expanded broadcasts v to shape (numpy rules, shape's rank ≥ v's); size-1
// axes become stride-0 dims.
func (v *stridedView) expanded(shape []int) (*stridedView, error) {
	r := len(shape)
	if r < len(v.shape) {
		return nil, fmt.Errorf("cannot expand %v to the lower rank %v", v.shape, shape)
	}
	lead := r - len(v.shape)
	nv := &stridedView{dtype: v.dtype, base: v.base, off: v.off, shape: slices.Clone(shape), groups: make([][]pdim, r)}
	for i, s := range shape {
		from := 1
		if i >= lead {
			from = v.shape[i-lead]
		}
		switch {
		case from == s:
			if i >= lead {
				nv.groups[i] = v.groups[i-lead]
			}
		case from == 1:
			if s != 1 {
				nv.groups[i] = []pdim{{s, 0}}
			}
		default:
			return nil, fmt.Errorf("cannot expand %v to %v", v.shape, shape)
		}
	}
	return nv, nil
}

// axis returns the single (size, stride) of a logical axis, or false when
// its physical dims do not form one stride.
func (v *stridedView) axis(i int) (pdim, bool) {
	g := v.groups[i]
	switch len(g) {
	case 0:
		return pdim{1, 0}, true
	case 1:
		return g[0], true
	}
	return pdim{}, false
}

// offsetOf returns the element offset of the logical index idx along
// axis i.
func (v *stridedView) offsetOf(i, idx int) int {
	g := v.groups[i]
	off := 0
	for j := len(g) - 1; j >= 0; j-- {
		d := g[j]
		off += (idx % d.size) * d.stride
		idx /= d.size
	}
	return off
}

// materialize copies the view's elements into dst (dense, v's shape).
func (v *stridedView) materialize(dst *tensor.Tensor) {
	phys := v.flat()
	shape := make([]int, len(phys))
	strides := make([]int, len(phys))
	for i, d := range phys {
		shape[i], strides[i] = d.size, d.stride
	}
	if len(phys) == 0 { // one element
		shape, strides = []int{1}, []int{0}
	}
	out := &tensor.Tensor{DType: dst.DType, Shape: shape, Data: dst.Data}
	stridedCopy(out, &tensor.Tensor{DType: v.dtype, Data: v.base}, v.off, strides)
}

// planViews picks the shape-only steps that run as views: those whose
// every reader is a view step itself or a kernel that takes views, and whose
// result is not a graph output. Steps are in topological order, so one pass
// from the end sees every reader's decision first.
func (p *Program) planViews() {
	readers := make([][]int, p.nslots) // slot → indices of the steps reading it
	for i, st := range p.steps {
		for _, s := range st.ins {
			if s >= 0 {
				readers[s] = append(readers[s], i)
			}
		}
	}
	isOutput := make([]bool, p.nslots)
	for _, s := range p.outSlot {
		isOutput[s] = true
	}
	for i := len(p.steps) - 1; i >= 0; i-- {
		st := p.steps[i]
		if st.viewFn == nil || len(st.outs) != 1 || len(st.ins) != 1 || st.ins[0] < 0 || isOutput[st.outs[0]] {
			continue
		}
		ok := len(readers[st.outs[0]]) > 0
		for _, r := range readers[st.outs[0]] {
			if rs := p.steps[r]; !rs.viewMode && !rs.takesViews {
				ok = false
				break
			}
		}
		st.viewMode = ok
	}
}

// runView runs a view-mode step: its result is a view of its operand. It
// reports false when the result cannot be a view (a reshape that splits a
// physical dim unevenly): the caller then runs the copying kernel.
func (p *Program) runView(x *execCtx, st *step) (bool, error) {
	in := st.ins[0]
	v := p.views[in]
	if v == nil {
		t := p.vals[in]
		if t == nil {
			return false, nil
		}
		v = denseView(t)
	}
	nv, ok, err := st.viewFn(x, v)
	if err != nil || !ok {
		return false, err
	}
	out := st.outs[0]
	p.vals[out], p.views[out] = nil, nv
	p.pool.retain(nv.base)
	return true, nil
}

// operands gathers st's operand tensors into ins. A view is handed over as
// is to a kernel that takes views (x.inViews); for any other reader it is
// materialised once, replacing the slot's value.
func (p *Program) operands(x *execCtx, st *step, ins []*tensor.Tensor) []*tensor.Tensor {
	x.inViews = x.inViews[:0]
	for _, s := range st.ins {
		if s < 0 {
			ins = append(ins, nil)
			x.inViews = append(x.inViews, nil)
			continue
		}
		if v := p.views[s]; v != nil {
			if st.takesViews && v.dtype == tensor.Float32 {
				ins = append(ins, nil)
				x.inViews = append(x.inViews, v)
				continue
			}
			p.materializeSlot(x, s)
		}
		ins = append(ins, p.vals[s])
		x.inViews = append(x.inViews, nil)
	}
	return ins
}

// materializeSlot replaces the view in slot s by a dense copy.
func (p *Program) materializeSlot(x *execCtx, s int) {
	v := p.views[s]
	t := x.alloc(v.dtype, v.shape)
	v.materialize(t)
	p.pool.retain(t.Data)
	p.pool.drop(v.base)
	p.vals[s], p.views[s] = t, nil
}

// reshapeView is the viewFn of an op whose kernel only relabels the shape
// (reshape, squeeze, unsqueeze): the kernel, run on a data-less stand-in,
// gives the new shape.
func reshapeView(run kernelFn) func(x *execCtx, v *stridedView) (*stridedView, bool, error) {
	return func(x *execCtx, v *stridedView) (*stridedView, bool, error) {
		res, err := run(x, []*tensor.Tensor{{DType: v.dtype, Shape: v.shape}})
		if err != nil {
			return nil, false, err
		}
		nv, ok := v.reshaped(res[0].Shape)
		return nv, ok, nil
	}
}
