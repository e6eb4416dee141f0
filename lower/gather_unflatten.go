// Gathers from a flattened tensor by linearised indices, read from the
// tensor itself. transformers' padding mask (masking_utils) is exported as
//
//	Gather(Flatten(Cast(attention_mask), axis=2), b·T + k)
//
// with b = arange(B) along one axis of the index, k = arange(T) along
// another and T the mask's dim 1: a 2-D lookup mask[b, k] written through
// the flattened [B·T, 1] tensor. The flattened size B·T is a product that a
// target such as rustnn-0.5 cannot evaluate, so when the target cannot read
// it the lowering proves the index is Σ_k s_k·i_k with s_k the row-major
// strides of the flattened axes and 0 ≤ i_k < d_k (indexform.go gives the
// index as a sum of scaled aranges; the ranges come from the Range nodes
// and the dim bounds), and reads X[i_0, …, i_{a−1}, …] instead: a gather
// along each axis whose index is not the whole axis (none at all when every
// i_k is arange(d_k), as in the mask), a transpose when the index tensor
// orders the axes otherwise, and a reshape to the Gather's result shape.
// Exact for any tensor; when a condition does not hold the Gather is
// lowered as written (and the flattened size refused as before).

package lower

import (
	"slices"

	"github.com/webnn-graph/webnn-graph/shapeinfer"
)

// unflattenGather lowers Gather n that way when it applies; false means
// nothing was emitted and the plain lowering follows.
func (c *ctx) unflattenGather(n *srcNode) (bool, error) {
	if n.GetOpType() != "Gather" || len(n.Input) != 2 || !n.hasOutput(0) {
		return false, nil
	}
	dataInfo, idxInfo, outInfo := c.info(n.Input[0]), c.info(n.Input[1]), c.info(n.Output[0])
	if dataInfo.Rank() < 1 || idxInfo.Rank() < 0 || outInfo.Rank() < 0 {
		return false, nil
	}
	if axis, err := normAxis(attrInt(n, "axis", 0), dataInfo.Rank()); err != nil || axis != 0 {
		return false, nil
	}
	ds := dataInfo.Shape
	if c.evaluable(ds[0]) {
		return false, nil // the target reads the flattened size: nothing to avoid
	}
	p := c.producer[n.Input[0]]
	if p == nil || p.domain() != "" || len(p.Input) == 0 || (p.GetOpType() != "Flatten" && p.GetOpType() != "Reshape") {
		return false, nil
	}
	xs, err := c.inShape(p, 0)
	if err != nil || len(xs) == 0 {
		return false, nil
	}
	// a: the leading axes of X that make the gathered axis.
	a := -1
	if p.GetOpType() == "Flatten" {
		ax := attrInt(p, "axis", 1)
		if ax < 0 {
			ax += int64(len(xs))
		}
		if ax >= 1 && ax <= int64(len(xs)) {
			a = int(ax)
		}
	} else {
		prod := shapeinfer.Const(1)
		for k := range xs {
			prod = prod.Mul(xs[k])
			if prod.Equal(ds[0]) {
				a = k + 1
				break
			}
		}
	}
	if a < 1 || !product(xs[:a]).Equal(ds[0]) {
		return false, nil
	}
	form, ok := c.indexForm(n.Input[1])
	if !ok || !form.offset.Equal(shapeinfer.Const(0)) || !sameShape(form.shape, idxInfo.Shape) {
		return false, nil
	}
	// Assign each term to the flattened axis whose stride is its
	// coefficient; every other flattened axis must have length 1.
	one := shapeinfer.Const(1)
	stride := make([]shapeinfer.Expr, a)
	for k := a - 1; k >= 0; k-- {
		stride[k] = product(xs[k+1 : a])
	}
	term := make([]*arangeTerm, a)
	usedAxis := map[int]bool{}
	for i := range form.terms {
		t := &form.terms[i]
		if usedAxis[t.axis] {
			return false, nil
		}
		usedAxis[t.axis] = true
		k := -1
		for j := a - 1; j >= 0; j-- {
			if term[j] == nil && !xs[j].Equal(one) && t.coef.Equal(stride[j]) {
				k = j
				break
			}
		}
		if k < 0 {
			return false, nil
		}
		term[k] = t
	}
	for k := range a {
		if term[k] == nil && !xs[k].Equal(one) {
			return false, nil
		}
	}
	for j, d := range form.shape {
		if !usedAxis[j] && !d.Equal(one) {
			return false, nil
		}
	}
	// 0 ≤ i_k < d_k for every element: the ranges stay inside their axis.
	gathers := make([]bool, a)
	for k, t := range term {
		if t == nil {
			continue
		}
		step, ok := t.step.Value()
		if !ok || step == 0 {
			return false, nil
		}
		first, last := t.start, t.start.Add(t.step.Mul(t.n.Sub(one)))
		lo, hi := first, last
		if step < 0 {
			lo, hi = last, first
		}
		if lo.MinValue(c.bounds) < 0 || xs[k].Sub(one).Sub(hi).MinValue(c.bounds) < 0 {
			return false, nil
		}
		whole := step == 1 && t.start.Equal(shapeinfer.Const(0)) && t.n.Equal(xs[k])
		if !whole {
			if !c.evaluable(t.n) {
				return false, nil
			}
			gathers[k] = true
		}
	}
	for _, d := range outInfo.Shape {
		if !c.evaluable(d) {
			return false, nil
		}
	}
	// Emit: read X, gather the axes whose index is not the whole axis.
	x, err := c.in(p, 0)
	if err != nil {
		return true, err
	}
	for k, t := range term {
		if !gathers[k] {
			continue
		}
		idx, err := c.value(t.src)
		if err != nil {
			return true, err
		}
		x = c.op(n, "gather", []string{x, idx}, map[string]any{"axis": int64(k)})
	}
	// The index tensor orders the gathered axes by their term's axis.
	perm := make([]int, 0, len(xs))
	for k := range a {
		perm = append(perm, k)
	}
	slices.SortStableFunc(perm, func(i, j int) int {
		ai, aj := len(form.shape), len(form.shape)
		if term[i] != nil {
			ai = term[i].axis
		}
		if term[j] != nil {
			aj = term[j].axis
		}
		return ai - aj
	})
	for k := a; k < len(xs); k++ {
		perm = append(perm, k)
	}
	identity := true
	for i, k := range perm {
		identity = identity && i == k
	}
	if !identity {
		x = c.op(n, "transpose", []string{x}, map[string]any{"permutation": intsAny(perm)})
	}
	cur := make([]shapeinfer.Expr, 0, len(xs))
	for _, k := range perm {
		switch {
		case k < a && term[k] != nil:
			cur = append(cur, term[k].n)
		default:
			cur = append(cur, xs[k])
		}
	}
	if !sameShape(cur, outInfo.Shape) {
		if x, err = c.reshapeTo(n, x, outInfo.Shape); err != nil {
			return true, err
		}
	}
	c.bind(n, 0, x)
	return true, nil
}

// product multiplies dims (1 for none).
func product(ds []shapeinfer.Expr) shapeinfer.Expr {
	p := shapeinfer.Const(1)
	for _, d := range ds {
		p = p.Mul(d)
	}
	return p
}
