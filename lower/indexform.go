// Index forms: integer tensors whose value the lowering knows as a sum of
// scaled aranges, each varying along one axis, plus a constant. Exporters
// write such index arithmetic to address a tensor they flattened
// (transformers' padding mask reads mask.flatten()[b·T + k] with b =
// arange(B)[:, None, None, None] and k = arange(T)); knowing the form lets
// the lowering read the unflattened tensor instead (gather_unflatten.go),
// so no size such as B·T has to be written.

package lower

import (
	"math"

	"github.com/webnn-graph/webnn-graph/shapeinfer"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// arangeTerm is coef · range, range being the 1-D output of a Range node
// (values start + step·p for p in [0, n)) laid along one axis.
type arangeTerm struct {
	src         string // the Range output (an operand for gathers)
	start, step shapeinfer.Expr
	n           shapeinfer.Expr
	coef        shapeinfer.Expr
	axis        int // axis of the index tensor the term varies along
}

// indexForm is the value of an integer tensor of the given shape: offset
// plus the sum of its terms, each broadcast along the other axes.
type indexForm struct {
	shape  []shapeinfer.Expr
	terms  []arangeTerm
	offset shapeinfer.Expr
}

// maxIndexFormDepth bounds the walk back from an index value and
// maxIndexTerms the terms of a form (a graph that adds a value to itself
// over and over would otherwise double them at every step).
const (
	maxIndexFormDepth = 24
	maxIndexTerms     = 8
)

// indexForm returns the form of integer value v, or false when v is not
// provably such a sum (any other op on the way, a product of two varying
// terms, a cast that could wrap).
func (c *ctx) indexForm(v string) (*indexForm, bool) {
	return c.indexFormAt(v, 0)
}

// indexFormAt is indexForm memoised per value, so a value reached along
// many paths is analysed once.
func (c *ctx) indexFormAt(v string, depth int) (*indexForm, bool) {
	if f, ok := c.forms[v]; ok {
		return f, f != nil
	}
	f, ok := c.indexFormOf(v, depth)
	if ok && len(f.terms) > maxIndexTerms {
		f, ok = nil, false
	}
	if c.forms == nil {
		c.forms = map[string]*indexForm{}
	}
	if !ok {
		f = nil
	}
	c.forms[v] = f
	return f, ok
}

func (c *ctx) indexFormOf(v string, depth int) (*indexForm, bool) {
	info := c.info(v)
	if depth > maxIndexFormDepth || info == nil || info.Shape == nil || !info.DType.IsInt() {
		return nil, false
	}
	if s, ok := c.uniformValue(v); ok {
		return &indexForm{shape: info.Shape, offset: s}, true
	}
	p := c.producer[v]
	if p == nil || p.domain() != "" || len(p.Input) == 0 {
		return nil, false
	}
	sub := func(i int) (*indexForm, bool) {
		if !p.hasInput(i) {
			return nil, false
		}
		return c.indexFormAt(p.Input[i], depth+1)
	}
	switch p.GetOpType() {
	case "Range":
		if len(p.Input) != 3 || len(info.Shape) != 1 {
			return nil, false
		}
		start, ok1 := c.uniformValue(p.Input[0])
		step, ok2 := c.uniformValue(p.Input[2])
		if !ok1 || !ok2 {
			return nil, false
		}
		f := &indexForm{shape: info.Shape, offset: shapeinfer.Const(0)}
		f.terms = []arangeTerm{{src: v, start: start, step: step, n: info.Shape[0], coef: shapeinfer.Const(1)}}
		return f.normalize(), true
	case "Identity":
		return sub(0)
	case "Cast":
		f, ok := sub(0)
		if !ok || !c.formFits(f, info.DType) {
			return nil, false
		}
		return f.withShape(info.Shape), true
	case "Unsqueeze", "Squeeze", "Reshape", "Flatten":
		f, ok := sub(0)
		if !ok {
			return nil, false
		}
		return f.reshaped(info.Shape)
	case "Expand":
		f, ok := sub(0)
		if !ok {
			return nil, false
		}
		return f.broadcast(info.Shape)
	case "Neg":
		f, ok := sub(0)
		if !ok || !c.formFits(f.scaled(shapeinfer.Const(-1)), info.DType) {
			return nil, false
		}
		return f.scaled(shapeinfer.Const(-1)).withShape(info.Shape), true
	case "Add", "Sub", "Mul":
		a, ok1 := sub(0)
		b, ok2 := sub(1)
		if !ok1 || !ok2 {
			return nil, false
		}
		var out *indexForm
		switch p.GetOpType() {
		case "Sub":
			b = b.scaled(shapeinfer.Const(-1))
			fallthrough
		case "Add":
			x, okA := a.broadcast(info.Shape)
			y, okB := b.broadcast(info.Shape)
			if !okA || !okB {
				return nil, false
			}
			out = &indexForm{shape: info.Shape, terms: append(append([]arangeTerm(nil), x.terms...), y.terms...), offset: x.offset.Add(y.offset)}
		case "Mul":
			if len(b.terms) > 0 {
				a, b = b, a
			}
			if len(b.terms) > 0 {
				return nil, false // a product of two varying tensors
			}
			x, ok := a.scaled(b.offset).broadcast(info.Shape)
			if !ok {
				return nil, false
			}
			out = x
		}
		if !c.formFits(out, info.DType) {
			return nil, false
		}
		return out.normalize(), true
	}
	return nil, false
}

// uniformValue returns the one value every element of v has, when known
// (a scalar shape value such as Gather(Shape(x), 1), a constant splat).
func (c *ctx) uniformValue(v string) (shapeinfer.Expr, bool) {
	info := c.info(v)
	if info == nil {
		return shapeinfer.Expr{}, false
	}
	if len(info.Value) > 0 {
		for _, e := range info.Value[1:] {
			if !e.Equal(info.Value[0]) {
				return shapeinfer.Expr{}, false
			}
		}
		return info.Value[0], true
	}
	if t := info.Const; t != nil && t.Len() > 0 && t.DType.IsInt() {
		xs, ok := tensorInts(t)
		if !ok {
			return shapeinfer.Expr{}, false
		}
		for _, x := range xs[1:] {
			if x != xs[0] {
				return shapeinfer.Expr{}, false
			}
		}
		return shapeinfer.Const(xs[0]), true
	}
	return shapeinfer.Expr{}, false
}

// normalize folds terms of length 1 into the offset.
func (f *indexForm) normalize() *indexForm {
	out := &indexForm{shape: f.shape, offset: f.offset}
	for _, t := range f.terms {
		if n, ok := t.n.Value(); ok && n == 1 {
			out.offset = out.offset.Add(t.coef.Mul(t.start))
			continue
		}
		out.terms = append(out.terms, t)
	}
	return out
}

func (f *indexForm) withShape(s []shapeinfer.Expr) *indexForm {
	out := *f
	out.shape = s
	return &out
}

func (f *indexForm) scaled(k shapeinfer.Expr) *indexForm {
	out := &indexForm{shape: f.shape, offset: f.offset.Mul(k)}
	for _, t := range f.terms {
		t.coef = t.coef.Mul(k)
		out.terms = append(out.terms, t)
	}
	return out
}

// broadcast places f in a shape it broadcasts to (numpy rules: aligned
// from the right); each term's axis must keep its length there.
func (f *indexForm) broadcast(to []shapeinfer.Expr) (*indexForm, bool) {
	off := len(to) - len(f.shape)
	if off < 0 {
		return nil, false
	}
	out := &indexForm{shape: to, offset: f.offset}
	for _, t := range f.terms {
		t.axis += off
		if !to[t.axis].Equal(t.n) {
			return nil, false
		}
		out.terms = append(out.terms, t)
	}
	return out, true
}

// reshaped follows a reshape that only inserts or removes unit axes: the
// dims other than static 1s must be the same sequence on both sides.
func (f *indexForm) reshaped(to []shapeinfer.Expr) (*indexForm, bool) {
	one := shapeinfer.Const(1)
	var from, dest []int
	for i, d := range f.shape {
		if !d.Equal(one) {
			from = append(from, i)
		}
	}
	for i, d := range to {
		if !d.Equal(one) {
			dest = append(dest, i)
		}
	}
	if len(from) != len(dest) {
		return nil, false
	}
	where := map[int]int{}
	for k := range from {
		if !f.shape[from[k]].Equal(to[dest[k]]) {
			return nil, false
		}
		where[from[k]] = dest[k]
	}
	out := &indexForm{shape: to, offset: f.offset}
	for _, t := range f.terms {
		a, ok := where[t.axis]
		if !ok {
			return nil, false
		}
		t.axis = a
		out.terms = append(out.terms, t)
	}
	return out, true
}

// interval bounds every element of f under the dim bounds: each term is
// monotonic in its position, so its extremes are at p = 0 and p = n−1.
func (f *indexForm) interval(b shapeinfer.Bounds) (lo, hi float64) {
	lo, hi = float64(f.offset.MinValue(b)), float64(f.offset.MaxValue(b))
	for _, t := range f.terms {
		first := t.coef.Mul(t.start)
		last := t.coef.Mul(t.start.Add(t.step.Mul(t.n.Sub(shapeinfer.Const(1)))))
		lo += math.Min(float64(first.MinValue(b)), float64(last.MinValue(b)))
		hi += math.Max(float64(first.MaxValue(b)), float64(last.MaxValue(b)))
	}
	return lo, hi
}

// formFits reports whether every element of f is representable in dt, so
// that the integer arithmetic that made it cannot have wrapped.
func (c *ctx) formFits(f *indexForm, dt tensor.DType) bool {
	lo, hi := f.interval(c.bounds)
	switch dt {
	case tensor.Int64:
		return lo > -(1<<62) && hi < 1<<62
	case tensor.Int32:
		return lo >= math.MinInt32 && hi <= math.MaxInt32
	case tensor.Uint32:
		return lo >= 0 && hi <= math.MaxUint32
	}
	return false
}
