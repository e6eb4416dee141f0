package webnn

import (
	"fmt"
	"math"
	"slices"

	"github.com/webnn-graph/webnn-graph/runtime/kernel"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// Elementwise fusion. A decoder step runs some two thousand small ops, most
// of them elementwise (the arithmetic of RMSNorm, rotary embeddings, SiLU
// gating, residual adds); run one by one, each costs a dispatch, an
// allocation and a pass over memory. At plan time every chain of float
// elementwise ops whose intermediate results have no other reader becomes
// one step (a region) that evaluates the whole expression row by row in
// small scratch buffers, reading each input once and writing one result.
//
// The values are those of the ops run one by one: each op computes in
// float32 exactly as its own kernel does (the transcendental ones in
// float64, rounded once), only the intermediates are never stored. Regions
// run only on float32 operands; any other type falls back to the member
// ops' own kernels, in order. Parts of a region computed over a smaller
// shape than its result (the per-row scale of RMSNorm inside a per-element
// product) are evaluated at their own shape first, never repeated per
// element of the broadcast.

// ewKind is a fusible operation.
type ewKind uint8

const (
	ewNone  ewKind = iota
	ewUnary        // float32(f(float64(a))), f from the op's kernel
	ewAdd
	ewSub
	ewMul
	ewDiv
	ewMax
	ewMin
	ewPow
	ewSigmoid // kernel.Sigmoid
)

// ewOpOf names the binary ops a region evaluates itself.
var ewOpOf = map[string]ewKind{"add": ewAdd, "sub": ewSub, "mul": ewMul, "div": ewDiv, "max": ewMax, "min": ewMin, "pow": ewPow}

// ewArg is an operand of a region node: node ≥ 0 refers to an earlier node
// of the region, else leaf indexes the region's inputs.
type ewArg struct{ node, leaf int }

type ewNode struct {
	kind ewKind
	f    func(float64) float64 // ewUnary
	args []ewArg
}

// ewRegion is a fused chain; its root step runs it. The scratch below is
// kept between runs (runs are serialised), so a run allocates only its
// result and the buffers of nodes read at a larger shape.
type ewRegion struct {
	nodes   []ewNode
	members []*step // the fused steps in plan order; the last is the root

	shapes  [][]int // node → its broadcast shape
	group   []int   // node → index into groups
	groups  []ewGroup
	order   []int       // groups, smallest first
	bufs    [][]float32 // node → its materialised values (exported nodes), or nil
	rows    [][]float32 // node → row register
	rowScal []bool      // node → the row register holds one value for the whole row
	rowVal  []float32

	// evalGroup's
	srcData [][]float32
	srcKey  []int
	argSrc  [][2]int
	dims    []int
	strides [][]int // per source, then the group's dense result
	idx     []int
	offs    []int
	vec     [][]float32
	scal    []bool
	sval    []float32
	gather  [][]float32
}

// ewGroup is the set of region nodes computed over one shape.
type ewGroup struct {
	shape []int
	nodes []int
}

// ewRowMax bounds a row register: long rows are cut into pieces of this
// length so the registers of a region stay in L1.
const ewRowMax = 512

// planFusion merges chains of fusible steps into regions. A fusible step
// whose result is read by exactly one step, itself fusible, and is not a
// graph output, becomes part of its reader's region; the region's root is
// the step whose result leaves it. Absorbed steps leave the plan.
func (p *Program) planFusion() {
	readers := make([][]int, p.nslots)
	for i, st := range p.steps {
		for _, s := range st.ins {
			if s >= 0 && (len(readers[s]) == 0 || readers[s][len(readers[s])-1] != i) {
				readers[s] = append(readers[s], i)
			}
		}
	}
	isOutput := make([]bool, p.nslots)
	for _, s := range p.outSlot {
		isOutput[s] = true
	}
	into := make([]int, len(p.steps)) // step → the step whose region absorbs it, or -1
	for i := range into {
		into[i] = -1
	}
	fusible := func(st *step) bool {
		return st.ewKind != ewNone && len(st.outs) == 1 && !st.viewMode && !st.takesViews
	}
	for i, st := range p.steps {
		if !fusible(st) || isOutput[st.outs[0]] {
			continue
		}
		rs := readers[st.outs[0]]
		if len(rs) == 1 && fusible(p.steps[rs[0]]) {
			into[i] = rs[0]
		}
	}
	rootOf := func(i int) int {
		for into[i] >= 0 {
			i = into[i]
		}
		return i
	}
	members := map[int][]int{}
	for i := range p.steps {
		if into[i] >= 0 {
			r := rootOf(i)
			members[r] = append(members[r], i)
		}
	}
	if len(members) == 0 {
		return
	}
	for root, ms := range members {
		ms = append(ms, root) // in plan order: members precede their readers
		p.steps[root] = p.buildRegion(ms)
	}
	kept := p.steps[:0]
	for i, st := range p.steps {
		if into[i] < 0 {
			kept = append(kept, st)
		}
	}
	clear(p.steps[len(kept):])
	p.steps = kept
}

// buildRegion makes the step that runs the region of steps idx (plan
// order, root last).
func (p *Program) buildRegion(idx []int) *step {
	r := &ewRegion{}
	nodeOf := map[int]int{} // output slot → node
	var leaves []int
	leafOf := map[int]int{}
	for n, i := range idx {
		st := p.steps[i]
		r.members = append(r.members, st)
		node := ewNode{kind: st.ewKind, f: st.ewF}
		for _, s := range st.ins {
			if k, ok := nodeOf[s]; ok {
				node.args = append(node.args, ewArg{node: k})
				continue
			}
			l, ok := leafOf[s]
			if !ok {
				l = len(leaves)
				leafOf[s] = l
				leaves = append(leaves, s)
			}
			node.args = append(node.args, ewArg{node: -1, leaf: l})
		}
		r.nodes = append(r.nodes, node)
		nodeOf[st.outs[0]] = n
	}
	root := r.members[len(r.members)-1]
	return &step{node: root.node, ins: leaves, outs: root.outs, run: r.run, region: r}
}

// run evaluates the region on its leaf operands.
func (r *ewRegion) run(x *execCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
	for _, t := range in {
		if t == nil || t.DType != tensor.Float32 {
			return r.fallback(x, in)
		}
	}
	nn := len(r.nodes)
	if len(r.shapes) != nn {
		r.shapes = make([][]int, nn)
		r.group = make([]int, nn)
		r.bufs = make([][]float32, nn)
		r.rows = make([][]float32, nn)
		r.rowScal = make([]bool, nn)
		r.rowVal = make([]float32, nn)
		r.argSrc = make([][2]int, nn)
	}
	// Shapes and groups (nodes of equal shape).
	r.groups = r.groups[:0]
	for i, n := range r.nodes {
		a := r.argShape(n.args[0], in)
		if len(n.args) > 1 {
			var ok bool
			if r.shapes[i], ok = broadcastInto(r.shapes[i][:0], a, r.argShape(n.args[1], in)); !ok {
				m := r.members[i]
				return nil, fmt.Errorf("node %q (%s): shapes %v and %v are not broadcastable", m.node.ID, m.node.Op, a, r.argShape(n.args[1], in))
			}
		} else {
			r.shapes[i] = append(r.shapes[i][:0], a...)
		}
		g := -1
		for j := range r.groups {
			if sameShape(r.groups[j].shape, r.shapes[i]) {
				g = j
				break
			}
		}
		if g < 0 {
			g = len(r.groups)
			if g < cap(r.groups) {
				r.groups = r.groups[:g+1]
				r.groups[g].shape, r.groups[g].nodes = r.shapes[i], r.groups[g].nodes[:0]
			} else {
				r.groups = append(r.groups, ewGroup{shape: r.shapes[i]})
			}
		}
		r.groups[g].nodes = append(r.groups[g].nodes, i)
		r.group[i] = g
	}
	// A node read by a node of another group is materialised at its own
	// shape; the root is the result.
	root := nn - 1
	var out *tensor.Tensor
	for l := range in { // the result may take over a leaf it replaces
		if x.canReuse(l, tensor.Float32, r.shapes[root]) {
			out = x.allocReuse(l, tensor.Float32, r.shapes[root])
			break
		}
	}
	if out == nil {
		out = x.alloc(tensor.Float32, r.shapes[root])
	}
	clear(r.bufs)
	r.bufs[root] = out.Data.([]float32)
	for i, n := range r.nodes {
		for _, a := range n.args {
			if a.node >= 0 && r.group[a.node] != r.group[i] && r.bufs[a.node] == nil {
				r.bufs[a.node] = x.alloc(tensor.Float32, r.shapes[a.node]).Data.([]float32)
			}
		}
	}
	if len(r.groups) == 1 {
		r.evalGroup(&r.groups[0], in)
		return []*tensor.Tensor{out}, nil
	}
	// Smallest group first, then lowest rank: a reader's shape broadcasts
	// its operands', so an operand never has more elements nor a higher
	// rank, and with as many elements and the same rank it has the same
	// shape (one group). Elements alone do not order [4] before [1, 4]
	// (decomposed BatchNormalization at batch 1: sqrt(var + eps) is read
	// by the [1, 4] div and must run first).
	r.order = r.order[:0]
	for i := range r.groups {
		r.order = append(r.order, i)
	}
	slices.SortStableFunc(r.order, func(a, b int) int {
		ga, gb := r.groups[a].shape, r.groups[b].shape
		if d := tensor.NumElements(ga) - tensor.NumElements(gb); d != 0 {
			return d
		}
		return len(ga) - len(gb)
	})
	for _, g := range r.order {
		r.evalGroup(&r.groups[g], in)
	}
	return []*tensor.Tensor{out}, nil
}

// broadcastInto is broadcastShapes of two shapes into dst's storage.
func broadcastInto(dst, a, b []int) ([]int, bool) {
	rank := max(len(a), len(b))
	dst = dst[:0]
	for i := 0; i < rank; i++ {
		da, db := 1, 1
		if j := i - (rank - len(a)); j >= 0 {
			da = a[j]
		}
		if j := i - (rank - len(b)); j >= 0 {
			db = b[j]
		}
		switch {
		case da == db || db == 1:
			dst = append(dst, da)
		case da == 1:
			dst = append(dst, db)
		default:
			return dst, false
		}
	}
	return dst, true
}

func (r *ewRegion) argShape(a ewArg, in []*tensor.Tensor) []int {
	if a.node >= 0 {
		return r.shapes[a.node]
	}
	return in[a.leaf].Shape
}

// evalGroup computes the nodes of g over g's shape, row by row.
func (r *ewRegion) evalGroup(g *ewGroup, in []*tensor.Tensor) {
	shape := g.shape
	rank := len(shape)
	// Sources: leaves and nodes of other groups, each with its data and
	// broadcast strides; the last stride list is the dense result's.
	r.srcData, r.srcKey = r.srcData[:0], r.srcKey[:0]
	ns := 0
	for _, i := range g.nodes {
		for j, a := range r.nodes[i].args {
			if a.node >= 0 && r.group[a.node] == r.group[i] {
				r.argSrc[i][j] = -1
				continue
			}
			key := a.leaf
			if a.node >= 0 {
				key = len(in) + a.node
			}
			k := slices.Index(r.srcKey, key)
			if k < 0 {
				k = ns
				ns++
				var data []float32
				var sh []int
				if a.node >= 0 {
					data, sh = r.bufs[a.node], r.shapes[a.node]
				} else {
					data, sh = in[a.leaf].Data.([]float32), in[a.leaf].Shape
				}
				r.srcKey = append(r.srcKey, key)
				r.srcData = append(r.srcData, data)
				if len(r.strides) <= k {
					r.strides = append(r.strides, nil)
				}
				r.strides[k] = bstridesInto(r.strides[k][:0], sh, shape)
			}
			r.argSrc[i][j] = k
		}
	}
	if len(r.strides) <= ns {
		r.strides = append(r.strides, nil)
	}
	r.strides[ns] = stridesInto(r.strides[ns][:0], shape)
	// Coalesce dims: merge where every source and the result step as one run.
	r.dims = append(r.dims[:0], shape...)
	var dims []int
	dims, r.strides = coalesce(r.dims, r.strides[:ns+1])
	if tensor.NumElements(dims) == 0 {
		return
	}
	inner, ir := 1, len(dims)-1
	if ir >= 0 {
		inner = dims[ir]
	}
	for _, i := range g.nodes {
		if cap(r.rows[i]) < min(inner, ewRowMax) {
			r.rows[i] = make([]float32, ewRowMax)
		}
	}
	if len(r.vec) < ns {
		r.vec = make([][]float32, ns)
		r.scal = make([]bool, ns)
		r.sval = make([]float32, ns)
		r.gather = make([][]float32, ns)
	}
	r.offs = append(r.offs[:0], make([]int, ns+1)...)
	clear(r.offs)
	r.idx = r.idx[:0]
	for d := 0; d < ir; d++ {
		r.idx = append(r.idx, 0)
	}
	_ = rank
	for {
		r.evalRow(g, r.offs, inner, ir, ns)
		// advance the outer index
		d := ir - 1
		for ; d >= 0; d-- {
			r.idx[d]++
			for k := 0; k <= ns; k++ {
				r.offs[k] += r.strides[k][d]
			}
			if r.idx[d] < dims[d] {
				break
			}
			for k := 0; k <= ns; k++ {
				r.offs[k] -= r.strides[k][d] * dims[d]
			}
			r.idx[d] = 0
		}
		if d < 0 {
			return
		}
	}
}

// evalRow computes one row (n elements along the innermost dim ir, the
// sources at offs) of every node of g, in pieces of at most ewRowMax.
func (r *ewRegion) evalRow(g *ewGroup, offs []int, n, ir, ns int) {
	for lo := 0; lo < n; lo += ewRowMax {
		m := min(ewRowMax, n-lo)
		for k := 0; k < ns; k++ {
			st := 0
			if ir >= 0 {
				st = r.strides[k][ir]
			}
			base := offs[k] + lo*st
			data := r.srcData[k]
			switch st {
			case 0:
				r.scal[k], r.sval[k] = true, data[base]
			case 1:
				r.scal[k], r.vec[k] = false, data[base:base+m]
			default:
				if cap(r.gather[k]) < m {
					r.gather[k] = make([]float32, ewRowMax)
				}
				gb := r.gather[k][:m]
				for j := range gb {
					gb[j] = data[base+j*st]
				}
				r.scal[k], r.vec[k] = false, gb
			}
		}
		outOff := offs[ns] + lo
		for _, i := range g.nodes {
			node := &r.nodes[i]
			dst := r.rows[i][:m]
			if b := r.bufs[i]; b != nil {
				dst = b[outOff : outOff+m] // exported: computed in place
			}
			var av, bv []float32
			var a0, b0 float32
			as, bs := false, true
			for j := range node.args {
				var v []float32
				var sc bool
				var s0 float32
				if k := r.argSrc[i][j]; k >= 0 {
					v, sc, s0 = r.vec[k], r.scal[k], r.sval[k]
				} else {
					an := node.args[j].node
					sc, s0 = r.rowScal[an], r.rowVal[an]
					if b := r.bufs[an]; b != nil {
						v = b[outOff : outOff+m]
					} else {
						v = r.rows[an][:m]
					}
				}
				if j == 0 {
					av, as, a0 = v, sc, s0
				} else {
					bv, bs, b0 = v, sc, s0
				}
			}
			if as && bs {
				v := node.scalar(a0, b0)
				r.rowScal[i], r.rowVal[i] = true, v
				if r.bufs[i] != nil { // exported: store the row
					for j := range dst {
						dst[j] = v
					}
					r.rowScal[i] = false
				}
				continue
			}
			r.rowScal[i] = false
			node.row(dst, av, bv, as, bs, a0, b0)
		}
	}
}

// stridesInto is stridesOf into dst's storage.
func stridesInto(dst, shape []int) []int {
	dst = append(dst[:0], shape...)
	acc := 1
	for i := len(shape) - 1; i >= 0; i-- {
		dst[i] = acc
		acc *= shape[i]
	}
	return dst
}

// bstridesInto is bstrides into dst's storage.
func bstridesInto(dst, shape, out []int) []int {
	dst = dst[:0]
	for range out {
		dst = append(dst, 0)
	}
	off := len(out) - len(shape)
	acc := 1
	for i := len(shape) - 1; i >= 0; i-- {
		if shape[i] != 1 {
			dst[off+i] = acc
		}
		acc *= shape[i]
	}
	return dst
}

// coalesce merges neighbouring dims where every stride list steps as one
// run (dropping size-1 dims), so broadcasts over a row become one long row.
func coalesce(dims []int, strides [][]int) ([]int, [][]int) {
	od := dims[:0]
	os := make([][]int, len(strides))
	for k := range os {
		os[k] = strides[k][:0]
	}
	for i, d := range dims {
		if d == 1 {
			continue
		}
		if n := len(od); n > 0 {
			ok := true
			for k := range strides {
				if os[k][n-1] != strides[k][i]*d {
					ok = false
					break
				}
			}
			if ok {
				od[n-1] *= d
				for k := range strides {
					os[k][n-1] = strides[k][i]
				}
				continue
			}
		}
		od = append(od, d)
		for k := range strides {
			os[k] = append(os[k], strides[k][i])
		}
	}
	return od, os
}

// scalar computes the node on one value (b ignored for unary nodes).
func (n *ewNode) scalar(a, b float32) float32 {
	switch n.kind {
	case ewUnary:
		return float32(n.f(float64(a)))
	case ewSigmoid:
		v := [1]float32{a}
		kernel.Sigmoid(v[:], v[:])
		return v[0]
	case ewAdd:
		return a + b
	case ewSub:
		return a - b
	case ewMul:
		return a * b
	case ewDiv:
		return a / b
	case ewMax:
		return maxNaN(a, b)
	case ewMin:
		return minNaN(a, b)
	case ewPow:
		if b == 2 {
			return a * a
		}
		return float32(math.Pow(float64(a), float64(b)))
	}
	panic("webnn: unknown fused op")
}

// row computes the node over a row: operands are vectors, or scalars
// (as, bs) broadcast along the row.
func (n *ewNode) row(dst, a, b []float32, as, bs bool, a0, b0 float32) {
	switch n.kind {
	case ewUnary:
		f := n.f
		for j, v := range a[:len(dst)] {
			dst[j] = float32(f(float64(v)))
		}
		return
	case ewSigmoid:
		kernel.Sigmoid(dst, a[:len(dst)])
		return
	case ewAdd:
		kernel.Arith(kernel.ArithAdd, dst, a, b, as, bs, a0, b0)
		return
	case ewSub:
		kernel.Arith(kernel.ArithSub, dst, a, b, as, bs, a0, b0)
		return
	case ewMul:
		kernel.Arith(kernel.ArithMul, dst, a, b, as, bs, a0, b0)
		return
	case ewDiv:
		kernel.Arith(kernel.ArithDiv, dst, a, b, as, bs, a0, b0)
		return
	}
	// max, min, pow: per element.
	for j := range dst {
		x, y := a0, b0
		if !as {
			x = a[j]
		}
		if !bs {
			y = b[j]
		}
		dst[j] = n.scalar(x, y)
	}
}

func maxNaN(a, b float32) float32 {
	if a != a || b != b {
		return float32(math.NaN())
	}
	if a > b {
		return a
	}
	return b
}

func minNaN(a, b float32) float32 {
	if a != a || b != b {
		return float32(math.NaN())
	}
	if a < b {
		return a
	}
	return b
}

// fallback runs the member steps' own kernels in order (operands that are
// not float32).
func (r *ewRegion) fallback(x *execCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
	saved := x.ins
	x.ins = nil // the members' operands are not the region's: no in-place results
	defer func() { x.ins = saved }()
	vals := make([]*tensor.Tensor, len(r.nodes))
	for i, m := range r.members {
		args := make([]*tensor.Tensor, len(r.nodes[i].args))
		for j, a := range r.nodes[i].args {
			if a.node >= 0 {
				args[j] = vals[a.node]
			} else {
				args[j] = in[a.leaf]
			}
		}
		res, err := runStep(x, m, args)
		if err != nil {
			return nil, fmt.Errorf("node %q (%s): %w", m.node.ID, m.node.Op, err)
		}
		if len(res) != 1 {
			return nil, fmt.Errorf("node %q (%s): produced %d results, expected 1", m.node.ID, m.node.Op, len(res))
		}
		vals[i] = res[0]
	}
	return vals[len(vals)-1:], nil
}

// planCSE drops a step that repeats an earlier one (same op, operands and
// options): its readers read the earlier result. Exported decoders repeat
// their rotary tables' slice/gather/reshape in every layer.
func (p *Program) planCSE() {
	isOutput := make([]bool, p.nslots)
	for _, s := range p.outSlot {
		isOutput[s] = true
	}
	alias := make([]int, p.nslots) // slot → the slot it repeats, or itself
	for i := range alias {
		alias[i] = i
	}
	seen := map[string]*step{}
	kept := p.steps[:0]
	for _, st := range p.steps {
		for j, s := range st.ins {
			if s >= 0 {
				st.ins[j] = alias[s]
			}
		}
		key := fmt.Sprint(st.node.Op, st.ins, len(st.outs), st.node.Options)
		if prev, ok := seen[key]; ok && !slices.ContainsFunc(st.outs, func(s int) bool { return isOutput[s] }) {
			for j, s := range st.outs {
				alias[s] = prev.outs[j]
			}
			continue
		}
		seen[key] = st
		kept = append(kept, st)
	}
	clear(p.steps[len(kept):])
	p.steps = kept
}

// compileSigmoid is sigmoid through kernel.Sigmoid (float32, within 3 ulp,
// vectorised): a decoder's SiLU gates run it on every MLP activation.
func compileSigmoid(nc *nodeCompiler) (kernelFn, error) {
	nc.st.ewKind = ewSigmoid
	return func(x *execCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		src, ok := in[0].Data.([]float32)
		if !ok {
			return nil, fmt.Errorf("input must be float32 or float16, got %v", in[0].DType)
		}
		out := x.allocReuse(0, tensor.Float32, in[0].Shape)
		kernel.Sigmoid(out.Data.([]float32), src)
		return []*tensor.Tensor{out}, nil
	}, nil
}

// planSharedGemv merges the matmuls that multiply one operand by several
// constant 2-D float32 weights (a layer's query/key/value projections, its
// gate and up projections) into one step at the first one's place: at a
// decode step (one row) it streams all the weights in one parallel pass
// (kernel.GemvShared), so the workers synchronise once per group; with
// more rows each product runs as before.
func (p *Program) planSharedGemv() {
	groups := map[int][]int{} // operand slot → matmul steps
	var order []int
	for i, st := range p.steps {
		if st.node.Op != "matmul" || st.region != nil || len(st.ins) != 2 || len(st.outs) != 1 || st.ins[0] < 0 || st.ins[1] < 0 || p.consts[st.ins[0]] != nil {
			continue
		}
		w := p.consts[st.ins[1]]
		if w == nil || w.DType != tensor.Float32 || len(w.Shape) != 2 || w.Len() == 0 {
			continue
		}
		a := st.ins[0]
		if _, ok := groups[a]; !ok {
			order = append(order, a)
		}
		groups[a] = append(groups[a], i)
	}
	drop := map[int]bool{}
	for _, a := range order {
		g := groups[a]
		if len(g) < 2 {
			continue
		}
		k := p.consts[p.steps[g[0]].ins[1]].Shape[0]
		members := []*step{}
		for _, i := range g {
			if p.consts[p.steps[i].ins[1]].Shape[0] == k {
				members = append(members, p.steps[i])
			}
		}
		if len(members) < 2 {
			continue
		}
		gs := &step{node: members[0].node, ins: []int{a}}
		for _, m := range members {
			gs.ins = append(gs.ins, m.ins[1])
			gs.outs = append(gs.outs, m.outs[0])
		}
		gs.run = sharedGemvKernel(members)
		first := true
		for _, i := range g {
			if p.consts[p.steps[i].ins[1]].Shape[0] != k {
				continue
			}
			if first {
				p.steps[i] = gs
				first = false
			} else {
				drop[i] = true
			}
		}
	}
	if len(drop) == 0 {
		return
	}
	kept := p.steps[:0]
	for i, st := range p.steps {
		if !drop[i] {
			kept = append(kept, st)
		}
	}
	clear(p.steps[len(kept):])
	p.steps = kept
}

// sharedGemvKernel runs a group of matmuls sharing operand 0 (in[0]; the
// weights follow).
func sharedGemvKernel(members []*step) kernelFn {
	return func(x *execCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		a := in[0]
		ad, ok := a.Data.([]float32)
		k := in[1].Shape[0]
		if ok && a.DType == tensor.Float32 && len(a.Shape) >= 2 && a.Shape[len(a.Shape)-1] == k && a.Len() == k {
			res := make([]*tensor.Tensor, len(members))
			bs := make([][]float32, len(members))
			ns := make([]int, len(members))
			cs := make([][]float32, len(members))
			for i := range members {
				w := in[1+i]
				n := w.Shape[1]
				shape := append(append([]int(nil), a.Shape[:len(a.Shape)-1]...), n)
				res[i] = x.alloc(tensor.Float32, shape)
				bs[i], ns[i], cs[i] = w.Data.([]float32), n, res[i].Data.([]float32)
			}
			kernel.GemvShared(ad, bs, ns, cs)
			return res, nil
		}
		// Several rows (a prefill), or not float32: each product alone.
		res := make([]*tensor.Tensor, 0, len(members))
		for i, m := range members {
			r, err := runStep(x, m, []*tensor.Tensor{a, in[1+i]})
			if err != nil {
				return nil, fmt.Errorf("node %q (%s): %w", m.node.ID, m.node.Op, err)
			}
			res = append(res, r[0])
		}
		return res, nil
	}
}
