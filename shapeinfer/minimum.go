// Minimums the graph itself requires of a dim: a strided window that must
// fit its input (an STFT-as-Conv over N samples needs N ≥ the frame
// length), a reflect pad that must be smaller than its axis, a size that
// must not go negative. Below such a minimum the model cannot run (ONNX
// Runtime refuses it too), so the dim's lower bound is raised to it and
// the raise is reported, rather than the model refused because a default
// bound happens to lie below it.

package shapeinfer

import (
	"fmt"
	"math"
	"strings"
)

// DerivedMin is a lower bound of a dim that node Node (OpType) requires:
// Name ≥ Min wherever the graph runs, because Need.
type DerivedMin struct {
	Name         string
	Min          int64
	Node, OpType string
	Need         string // what must hold: "output 0 dim 2 (N / 160 - 1) must be ≥ 1"
	// Was is the bound the dim had before; MaxRaised says its max was
	// below Min and was raised (a defaulted max only: a user's max below
	// Min is an error).
	Was       Bound
	MaxRaised bool
	Max       int64 // the max after the raise
	userMax   bool  // Was is the user's bound, and its max is below Min
}

// conflict is the error for the user bounds the graph's minimums
// contradict, or nil.
func (u *unifier) conflict() error {
	for _, name := range u.minOrder {
		d := u.mins[name]
		if _, gone := u.subs[name]; gone || !d.userMax {
			continue
		}
		src := u.source(name, "--dim")
		return inconsistentError(fmt.Sprintf("node %q (%s): %s, so dim %s must be at least %d, but %s bounds it to %d..%d: use --dim %s=%d..%d",
			d.Node, d.OpType, d.Need, name, d.Min, src, d.Was.Min, d.Was.Max, name, d.Min, max(d.Min, genericBound)))
	}
	return nil
}

func (d DerivedMin) String() string {
	s := fmt.Sprintf("%s ≥ %d (required by node %q (%s): %s)", d.Name, d.Min, d.Node, d.OpType, d.Need)
	if d.MaxRaised {
		s += fmt.Sprintf("; the default max %d was below it and became %d", d.Was.Max, d.Max)
	}
	return s
}

// raise applies d to the bound b a dim would otherwise get.
func (d DerivedMin) raise(b Bound) Bound {
	if b.Min < d.Min {
		b.Min = d.Min
	}
	if b.Max < b.Min {
		// A name-based default (N, b: batch-like → 8) that the graph
		// contradicts: the dim is not what its name suggests, so it gets
		// the default of a name that says nothing.
		b.Max = max(b.Min, genericBound)
	}
	return b
}

// require checks that the size e is at least atLeast wherever the graph
// runs. A constant below it, or an expression below it for every value
// of its dims, is an inconsistency. An expression of one free dim that is
// below it only for small values of the dim raises the dim's lower bound
// to the smallest value that satisfies it (e is taken as non-decreasing in
// the dim, as every window, pad and slice size is; the result is checked
// at the bound found). need describes the requirement for errors and the
// report.
func (s *state) require(e Expr, atLeast int64, need func() string) error {
	if v, ok := e.Value(); ok {
		if v < atLeast {
			return inconsistentError(need())
		}
		return nil
	}
	syms := e.Symbols()
	if len(syms) == 1 && s.u != nil && s.cur != nil {
		// The requirement as this round states it (an earlier round may
		// have simplified e under the bound the minimum then raised).
		if d, ok := s.u.mins[syms[0]]; ok && d.Node == nodeName(s.cur, s.curIdx) && !holdsAt(e, syms[0], d.Min-1, atLeast) {
			d.Need = need()
			s.u.mins[syms[0]] = d
		}
	}
	if e.MinValue(s.bounds) >= atLeast {
		return nil
	}
	if len(syms) != 1 || strings.HasPrefix(syms[0], UnknownDimPrefix) || s.u == nil {
		if e.MaxValue(s.bounds) < atLeast {
			return inconsistentError(need())
		}
		return nil
	}
	x := syms[0]
	b := s.bounds.Of(x)
	at := func(v int64) (int64, bool) {
		r, err := e.Eval(map[string]int64{x: v})
		return r, err == nil
	}
	if r, ok := at(b.Min); !ok || r >= atLeast {
		return nil
	}
	hi := int64(math.MaxInt32)
	if r, ok := at(hi); !ok || r < atLeast {
		return inconsistentError(need() + fmt.Sprintf(", which holds for no value of dim %s", x))
	}
	lo := b.Min // e(lo) < atLeast ≤ e(hi)
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if r, ok := at(mid); ok && r >= atLeast {
			hi = mid
		} else {
			lo = mid
		}
	}
	return s.raiseMin(x, hi, need())
}

// raiseMin records that dim x must be at least v (required by the node
// being inferred) and applies it to this round's bounds; the next round
// infers with it from the start. A user's bound whose max is below v is
// an error naming the --dim that works.
func (s *state) raiseMin(x string, v int64, need string) error {
	node, op := "", ""
	if s.cur != nil {
		node, op = nodeName(s.cur, s.curIdx), s.cur.GetOpType()
	}
	if old, ok := s.u.mins[x]; ok && old.Min >= v {
		return nil
	}
	was := s.bounds.Of(x)
	if old, ok := s.u.mins[x]; ok {
		was = old.Was
	}
	d := DerivedMin{Name: x, Min: v, Node: node, OpType: op, Need: need, Was: was}
	if ub, user := s.bnds[x]; user && ub.Max < v {
		// Inference goes on past the user's bound, so that the error
		// names the minimum of every node, not just the first.
		d.userMax = true
	}
	nb := d.raise(was)
	d.MaxRaised, d.Max = nb.Max != was.Max, nb.Max
	if s.u.mins == nil {
		s.u.mins = map[string]DerivedMin{}
	}
	if _, seen := s.u.mins[x]; !seen {
		s.u.minOrder = append(s.u.minOrder, x)
	}
	s.u.mins[x] = d
	s.u.minsChanged = true
	s.bounds[x] = nb
	return nil
}

// atLeast is require for the node a rule is inferring.
func (c *nodeCtx) atLeast(e Expr, k int64, need func() string) error {
	return c.s.require(e, k, need)
}

// holdsAt reports whether e ≥ atLeast with dim x = v.
func holdsAt(e Expr, x string, v, atLeast int64) bool {
	r, err := e.Eval(map[string]int64{x: v})
	return err == nil && r >= atLeast
}
