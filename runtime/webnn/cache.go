package webnn

import (
	"github.com/webnn-graph/webnn-graph/internal/membudget"

	"fmt"
	"slices"

	"github.com/webnn-graph/webnn-graph/tensor"
)

// A decoder graph takes its past keys and values as inputs and returns
// present = concat(past, new) as outputs, which the caller feeds back as
// the next step's past. Run does exactly that, copying the whole past into
// every present. RunCached instead keeps each present in a Cache buffer
// with room to grow along the concatenated (sequence) axis: a step writes
// only its new rows, in place, and the concat's readers (the attention's
// reshape/expand/transpose views and matmuls) read the buffer where it is.
// A step then costs the same however long the context is, apart from the
// attention arithmetic itself.

// Cache holds the key/value state of a decoder program between RunCached
// calls. It is not safe for concurrent use; one Cache belongs to one
// sequence.
type Cache struct {
	p         *Program
	entries   []*cacheEntry
	byInput   map[string]*cacheEntry
	byStep    []*cacheEntry // step index → the entry its concat appends to
	isPresent []bool        // graph output index → kept in the cache
}

// cacheEntry is one past input / present output pair.
type cacheEntry struct {
	past, present string
	inSlot        int
	axis          int
	dtype         tensor.DType
	shape         []int // committed shape (its axis dim is the cached length)
	next          []int // shape after the running step, committed at its end
	buf           any   // outer × capacity × inner elements
	capacity      int
}

// NewCache prepares a cache for the (past input → present output) pairs of
// presentOf. Each past input must be read only by a concat (as its first
// operand, of two) whose result is that present output; the past input's
// shape at the first RunCached call is its declared shape with the
// concatenated axis 0 (batch and other dynamic dims come from the first
// appended rows).
func (p *Program) NewCache(presentOf map[string]string) (*Cache, error) {
	c := &Cache{p: p, byInput: map[string]*cacheEntry{}, byStep: make([]*cacheEntry, len(p.steps)), isPresent: make([]bool, len(p.outSlot))}
	readers := map[int][]int{}
	for i, st := range p.steps {
		for _, s := range st.ins {
			if s >= 0 {
				readers[s] = append(readers[s], i)
			}
		}
	}
	outIndex := map[string]int{}
	for i, o := range p.g.Outputs {
		outIndex[o.Name] = i
	}
	pasts := make([]string, 0, len(presentOf))
	for past := range presentOf {
		pasts = append(pasts, past)
	}
	slices.Sort(pasts)
	for _, past := range pasts {
		present := presentOf[past]
		inIdx := -1
		for i, in := range p.g.Inputs {
			if in.Name == past {
				inIdx = i
			}
		}
		if inIdx < 0 {
			return nil, fmt.Errorf("webnn: cache: %q is not a graph input", past)
		}
		oi, ok := outIndex[present]
		if !ok {
			return nil, fmt.Errorf("webnn: cache: %q is not a graph output", present)
		}
		slot := p.inSlots[inIdx]
		rs := readers[slot]
		if len(rs) != 1 {
			return nil, fmt.Errorf("webnn: cache: input %q is read by %d nodes, want one concat", past, len(rs))
		}
		st := p.steps[rs[0]]
		if st.node.Op != "concat" || len(st.ins) != 2 || st.ins[0] != slot || st.outs[0] != p.outSlot[oi] {
			return nil, fmt.Errorf("webnn: cache: input %q is not the first of two operands of the concat defining output %q (node %q is %s)", past, present, st.node.ID, st.node.Op)
		}
		desc := p.g.Inputs[inIdx].Desc
		if st.concatAxis < 0 || st.concatAxis >= len(desc.Shape) {
			return nil, fmt.Errorf("webnn: cache: node %q: concat axis %d outside rank %d", st.node.ID, st.concatAxis, len(desc.Shape))
		}
		if sliceKind(desc.DType) == 0 {
			return nil, fmt.Errorf("webnn: cache: input %q has type %v", past, desc.DType)
		}
		e := &cacheEntry{past: past, present: present, inSlot: slot, axis: st.concatAxis, dtype: desc.DType}
		c.entries = append(c.entries, e)
		c.byInput[past] = e
		c.byStep[rs[0]] = e
		c.isPresent[oi] = true
	}
	return c, nil
}

// Len returns the cached length along the concatenated axis (0 before the
// first step).
func (c *Cache) Len() int {
	if len(c.entries) == 0 || c.entries[0].shape == nil {
		return 0
	}
	e := c.entries[0]
	return e.shape[e.axis]
}

// Reset empties the cache, keeping its buffers for the next sequence.
func (c *Cache) Reset() {
	for _, e := range c.entries {
		e.shape, e.next = nil, nil
	}
}

// Present returns a copy of the cached present output named name.
func (c *Cache) Present(name string) (*tensor.Tensor, error) {
	for _, e := range c.entries {
		if e.present == name {
			if e.shape == nil {
				return nil, fmt.Errorf("webnn: cache: %q is empty", name)
			}
			t := tensor.New(e.dtype, e.shape)
			e.view(e.shape).materialize(t)
			return t, nil
		}
	}
	return nil, fmt.Errorf("webnn: cache: no present output %q", name)
}

// RunCached runs the program like Run, with the past inputs of c taken
// from c (inputs must not name them) and their present outputs appended to
// c instead of returned. The cache advances only when the run succeeds.
func (p *Program) RunCached(c *Cache, inputs map[string]*tensor.Tensor) (map[string]*tensor.Tensor, error) {
	if c == nil || c.p != p {
		return nil, fmt.Errorf("webnn: RunCached: the cache belongs to another program")
	}
	return p.run(inputs, c)
}

// bind returns inputs with a stand-in for every cached past input: a
// tensor of its current shape (data of the right length, never read: the
// concat reading it appends to the cache instead).
func (c *Cache) bind(inputs map[string]*tensor.Tensor) (map[string]*tensor.Tensor, error) {
	all := make(map[string]*tensor.Tensor, len(inputs)+len(c.entries))
	for k, v := range inputs {
		if _, ok := c.byInput[k]; ok {
			return nil, fmt.Errorf("webnn: RunCached: input %q is kept in the cache; do not pass it", k)
		}
		all[k] = v
	}
	for _, e := range c.entries {
		e.next = nil
		shape := e.shape
		if shape == nil {
			shape = c.emptyShape(e, inputs)
		}
		n := tensor.NumElements(shape)
		var data any
		if e.buf != nil {
			data, _ = reuseSlice(e.buf, e.dtype, n)
		}
		if data == nil {
			data = tensor.MakeSlice(e.dtype, n)
		}
		all[e.past] = &tensor.Tensor{DType: e.dtype, Shape: slices.Clone(shape), Data: data}
	}
	return all, nil
}

// emptyShape is a past input's shape before the first step: its declared
// shape with the concatenated axis and every other dynamic dim 0, except
// dynamic dims another input binds (batch).
func (c *Cache) emptyShape(e *cacheEntry, inputs map[string]*tensor.Tensor) []int {
	bound := map[string]int{}
	for _, in := range c.p.g.Inputs {
		t, ok := inputs[in.Name]
		if !ok || len(t.Shape) != len(in.Desc.Shape) {
			continue
		}
		for i, d := range in.Desc.Shape {
			if d.IsDynamic() {
				bound[d.Name] = t.Shape[i]
			}
		}
	}
	var desc []int
	for _, in := range c.p.g.Inputs {
		if in.Name != e.past {
			continue
		}
		for i, d := range in.Desc.Shape {
			switch {
			case i == e.axis:
				desc = append(desc, 0)
			case !d.IsDynamic():
				desc = append(desc, int(d.Size))
			default:
				desc = append(desc, bound[d.Name]) // 0 when unbound: the run reports the mismatch
			}
		}
	}
	return desc
}

// appendStep runs a cached concat: the new rows (operand 1) are written
// after the cached ones, growing the buffer when full, and the result is a
// view of the buffer.
func (c *Cache) appendStep(x *execCtx, st *step, e *cacheEntry) error {
	p := c.p
	nv := p.views[st.ins[1]]
	if nv != nil {
		p.materializeSlot(x, st.ins[1])
	}
	add := p.vals[st.ins[1]]
	cur := p.vals[st.ins[0]].Shape // the stand-in's: the committed shape
	if add.DType != e.dtype {
		return fmt.Errorf("input 1 is %v, the cache holds %v", add.DType, e.dtype)
	}
	if len(add.Shape) != len(cur) {
		return fmt.Errorf("input 1 has rank %d, input 0 has %d", len(add.Shape), len(cur))
	}
	for d := range cur {
		if d != e.axis && add.Shape[d] != cur[d] && tensor.NumElements(cur) > 0 {
			return fmt.Errorf("input 1 shape %v does not match %v outside axis %d", add.Shape, cur, e.axis)
		}
	}
	next := slices.Clone(add.Shape)
	next[e.axis] = cur[e.axis] + add.Shape[e.axis]
	outer := tensor.NumElements(next[:e.axis])
	inner := tensor.NumElements(next[e.axis+1:])
	if next[e.axis] > e.capacity || e.buf == nil || (e.shape != nil && tensor.NumElements(e.shape[:e.axis]) != outer) {
		if err := e.grow(next, outer, inner, cur[e.axis]); err != nil {
			return err
		}
	}
	es := e.dtype.Size()
	dst := rawBytes(&tensor.Tensor{DType: e.dtype, Data: e.buf})
	src := rawBytes(add)
	rows := add.Shape[e.axis] * inner * es
	for o := 0; o < outer; o++ {
		at := (o*e.capacity + cur[e.axis]) * inner * es
		copy(dst[at:at+rows], src[o*rows:(o+1)*rows])
	}
	out := st.outs[0]
	p.vals[out], p.views[out] = nil, e.view(next)
	e.next = next
	return nil
}

// grow reallocates the buffer for at least next's length (doubling, so a
// sequence regrows O(log n) times), keeping the first keep rows.
func (e *cacheEntry) grow(next []int, outer, inner, keep int) error {
	capacity := max(next[e.axis], 2*e.capacity, 16)
	if e.shape != nil && tensor.NumElements(e.shape[:e.axis]) != outer {
		keep = 0 // batch changed: nothing cached applies
	}
	if _, err := membudget.Check(e.dtype, e.dtype.Size(), []int{outer, capacity, inner}); err != nil {
		return fmt.Errorf("cache for %q: %w", e.past, err)
	}
	n := outer * capacity * inner
	buf := tensor.MakeSlice(e.dtype, n)
	if e.buf != nil && keep > 0 {
		es := e.dtype.Size()
		dst := rawBytes(&tensor.Tensor{DType: e.dtype, Data: buf})
		src := rawBytes(&tensor.Tensor{DType: e.dtype, Data: e.buf})
		rows := keep * inner * es
		for o := 0; o < outer; o++ {
			copy(dst[o*capacity*inner*es:o*capacity*inner*es+rows], src[o*e.capacity*inner*es:o*e.capacity*inner*es+rows])
		}
	}
	e.buf, e.capacity = buf, capacity
	return nil
}

// view describes the first shape[axis] rows of the buffer as a tensor of
// shape.
func (e *cacheEntry) view(shape []int) *stridedView {
	st := make([]int, len(shape))
	s := 1
	for i := len(shape) - 1; i >= 0; i-- {
		st[i] = s
		if i == e.axis {
			s *= e.capacity
		} else {
			s *= shape[i]
		}
	}
	v := &stridedView{dtype: e.dtype, base: e.buf, shape: slices.Clone(shape), groups: make([][]pdim, len(shape))}
	for i, d := range shape {
		if d != 1 {
			v.groups[i] = []pdim{{d, st[i]}}
		}
	}
	return v
}

// commit makes every entry's appended rows part of the cache.
func (c *Cache) commit() {
	for _, e := range c.entries {
		if e.next != nil {
			e.shape, e.next = e.next, nil
		}
	}
}
