// Unification of the dims a graph pins. Rules record every equality an
// op requires between two dims that are not already the same expression
// (state.constraint); after each inference round the unifier solves those
// it can for one symbol — kv_cache_dim == 16 from a Concat with the new
// key, total_sequence_length == past_sequence_length + sequence_length
// from the mask broadcast — and the next round infers with the symbol
// replaced. What cannot be solved stays in Result.Constraints.

package shapeinfer

import (
	"fmt"
	"slices"
	"strings"

	"github.com/webnn-graph/webnn-graph/onnxpb"
)

type unifier struct {
	order   map[string]int   // declaration order of the input symbols
	plain   map[string]bool  // symbols an input declares as a whole dim (the runtime can bind them)
	freeze  map[string]int64 // Options.Freeze by symbol
	bounds  Bounds           // Options.Bounds by symbol
	sources map[string]string
	userEqs []Equality // freezes of expression dims
	unused  []string
	subs    map[string]Expr // eliminated symbol → its value
	rels    []Relation
	caps    []BoundCap
	inits   map[string]*Info // the first round's initializer Infos
	facts   map[string]int64 // monomial key → its value ((height / 4) * (width / 4) = 16)
	factEqs []Equality       // the equality each fact came from, for Bind and reports
	// mins are the lower bounds the graph requires (minimum.go), by
	// symbol, in the order found; minsChanged says the last round found
	// a new one.
	mins        map[string]DerivedMin
	minOrder    []string
	minsChanged bool
}

// BoundCap is a user bound of a symbol that unification eliminated: the
// expression the symbol equals must stay within it
// (--dim total_sequence_length=2048 with total_sequence_length =
// past_sequence_length + sequence_length).
type BoundCap struct {
	Name   string
	Of     Expr
	Bound  Bound
	Source string
}

func newUnifier(m *onnxpb.Model, decl map[string][]InputDim, opts Options) *unifier {
	u := &unifier{
		order:   dimOrder(m, decl),
		plain:   map[string]bool{},
		freeze:  map[string]int64{},
		bounds:  Bounds{},
		sources: opts.Sources,
		subs:    map[string]Expr{},
	}
	for name := range u.order {
		u.plain[name] = true
	}
	keys := dimKeys(decl)
	plainNames := map[string]bool{}
	for name := range u.plain {
		plainNames[name] = true
	}
	for _, k := range sortedKeys(opts.Freeze) {
		v := opts.Freeze[k]
		d, ok := keys[k]
		switch {
		case ok && d.Kind == DimExpression:
			u.userEqs = append(u.userEqs, Equality{A: d.Expr, B: Const(v), Node: u.source(k, "--freeze") + " " + k})
		case ok:
			u.freeze[d.Name] = v
		default:
			if e, isExpr := parseDimParam(strings.TrimSpace(k), plainNames); isExpr && !e.IsConst() {
				u.userEqs = append(u.userEqs, Equality{A: e, B: Const(v), Node: u.source(k, "--freeze") + " " + k})
				continue
			}
			u.freeze[k] = v
			u.unused = append(u.unused, k)
		}
	}
	u.userEqs = append(u.userEqs, opts.Assume...)
	for _, k := range sortedKeys(opts.Bounds) {
		d, ok := keys[k]
		switch {
		case ok && d.Kind != DimExpression:
			u.bounds[d.Name] = opts.Bounds[k]
		default:
			u.bounds[k] = opts.Bounds[k]
			u.unused = append(u.unused, k)
		}
	}
	return u
}

func (u *unifier) source(key, def string) string {
	if s, ok := u.sources[key]; ok && s != "" {
		return s
	}
	return def
}

// solve eliminates every symbol an equality determines; it reports
// whether any was found. A contradiction (two constants) is an error.
func (u *unifier) solve(eqs []Equality) (bool, error) {
	found := false
	for _, e := range eqs {
		a, b := e.A.Subst(u.subs), e.B.Subst(u.subs)
		d := a.Sub(b)
		if v, ok := d.Value(); ok {
			if v != 0 {
				return false, u.contradiction(e, a, b)
			}
			continue
		}
		if hasMadeUpSymbol(d) {
			continue
		}
		x, val, ok := u.pick(a, b, d)
		if !ok {
			if u.addFact(d, e) {
				found = true
			}
			continue
		}
		if v, isConst := val.Value(); isConst {
			if v < 0 {
				return false, u.contradiction(e, a, b)
			}
			if bd, given := u.bounds[x]; given && (v < bd.Min || v > bd.Max) {
				return false, &NodeError{Node: e.Node, OpType: e.OpType, Err: inconsistentError(fmt.Sprintf(
					"dim %s must be %d here (%s == %s), outside its %s bound %d..%d", x, v, e.A, e.B, u.source(x, "--dim"), bd.Min, bd.Max))}
			}
		}
		u.eliminate(x, val, e)
		found = true
	}
	return found, nil
}

func (u *unifier) contradiction(e Equality, a, b Expr) error {
	why := fmt.Sprintf("dims %s and %s cannot be equal", e.A, e.B)
	if !a.Equal(e.A) || !b.Equal(e.B) {
		why += fmt.Sprintf(" (%s and %s once %s)", a, b, u.relationsOf(e.A.Add(e.B)))
	}
	if e.OpType == "" {
		return fmt.Errorf("shapeinfer: %s: %w", e.Node, inconsistentError(why))
	}
	return &NodeError{Node: e.Node, OpType: e.OpType, Err: inconsistentError(why)}
}

// relationsOf lists the relations that replaced symbols of e.
func (u *unifier) relationsOf(e Expr) string {
	var parts []string
	syms := e.Symbols()
	for _, r := range u.rels {
		if slices.Contains(syms, r.Name) {
			parts = append(parts, r.String())
		}
	}
	return strings.Join(parts, "; ")
}

// pick chooses which symbol of d = a - b to eliminate and its value. A
// candidate occurs in d only as k·x (k a constant dividing the rest),
// is bindable, and its value has no min/max (those mean "where the model
// stops working", kept as constraints for the bound tightening).
// Preferred: the side that is a lone symbol (total_sequence_length ==
// past + sequence), then a symbol without a user bound, then the later
// declared one. A user bound of an eliminated symbol becomes a cap on its
// value (Result.BoundCaps).
func (u *unifier) pick(a, b, d Expr) (string, Expr, bool) {
	type cand struct {
		x    string
		val  Expr
		rank [3]int
	}
	var cands []cand
	for _, x := range d.Symbols() {
		if !u.plain[x] {
			continue
		}
		val, ok := solveLinear(d, x)
		if !ok || hasMinMax(val) {
			continue
		}
		bindable := true
		for _, s := range val.Symbols() {
			if !u.plain[s] {
				bindable = false
			}
		}
		if !bindable {
			continue
		}
		var r [3]int
		if n, ok := a.SymName(); !ok || n != x {
			if n, ok := b.SymName(); !ok || n != x {
				r[0] = 1
			}
		}
		if _, given := u.bounds[x]; given {
			r[1] = 1
		}
		r[2] = -u.order[x]
		cands = append(cands, cand{x, val, r})
	}
	if len(cands) == 0 {
		return "", Expr{}, false
	}
	best := slices.MinFunc(cands, func(p, q cand) int { return slices.Compare(p.rank[:], q.rank[:]) })
	return best.x, best.val, true
}

// solveLinear solves d == 0 for x when x occurs only in one term k·x:
// x = -rest / k, exact.
func solveLinear(d Expr, x string) (Expr, bool) {
	var k int64
	rest := Expr{}
	for _, t := range d.terms() {
		if len(t.atoms) == 1 && t.atoms[0].op == opSym && t.atoms[0].name == x {
			k = t.k
			continue
		}
		te := Const(t.k)
		for _, a := range t.atoms {
			te = te.Mul(atomExpr(a))
		}
		rest = rest.Add(te)
	}
	if k == 0 || slices.Contains(rest.Symbols(), x) {
		return Expr{}, false
	}
	for _, t := range rest.terms() {
		if t.k%k != 0 {
			return Expr{}, false
		}
	}
	return rest.divExactConst(-k), true
}

func hasMinMax(e Expr) bool {
	found := false
	var walk func(Expr)
	walk = func(x Expr) {
		for _, t := range x.terms() {
			for _, a := range t.atoms {
				if a.op == opMax || a.op == opMin {
					found = true
				}
				if a.op != opSym {
					walk(a.a)
					walk(a.b)
				}
			}
		}
	}
	walk(e)
	return found
}

func hasMadeUpSymbol(e Expr) bool {
	for _, s := range e.Symbols() {
		if strings.HasPrefix(s, UnknownDimPrefix) {
			return true
		}
	}
	return false
}

// addFact records that d == 0 fixes a product of dims no single symbol
// can be solved for: d = k·m + c with m one monomial (ViT's patch count
// (height / 4) * (width / 4) + 1 == 17). Every later shape holding m
// uses the value; the equality stays for Bind to satisfy.
func (u *unifier) addFact(d Expr, e Equality) bool {
	var m *term
	var c int64
	for i, t := range d.terms() {
		switch {
		case len(t.atoms) == 0:
			c = t.k
		case m != nil:
			return false
		default:
			m = &d.terms()[i]
		}
	}
	if m == nil || c%m.k != 0 || -c/m.k < 0 || hasMinMax(mkPoly([]term{{k: 1, atoms: m.atoms, key: m.key}})) {
		return false
	}
	if u.facts == nil {
		u.facts = map[string]int64{}
	}
	if _, known := u.facts[m.key]; known {
		return false
	}
	u.facts[m.key] = -c / m.k
	mono := mkPoly([]term{{k: 1, atoms: m.atoms, key: m.key}})
	u.factEqs = append(u.factEqs, Equality{A: mono, B: Const(-c / m.k), Node: e.Node, OpType: e.OpType})
	return true
}

// substFacts replaces every monomial with a known value.
func substFacts(e Expr, facts map[string]int64) Expr {
	if len(facts) == 0 || e.p == nil || e.IsConst() {
		return e
	}
	changed := false
	out := Expr{}
	for _, t := range e.terms() {
		if v, ok := facts[t.key]; ok && len(t.atoms) > 0 {
			out = out.Add(Const(t.k * v))
			changed = true
			continue
		}
		te := Const(t.k)
		for _, a := range t.atoms {
			ae := atomExpr(a)
			if a.op != opSym {
				x, y := substFacts(a.a, facts), substFacts(a.b, facts)
				if !x.Equal(a.a) || !y.Equal(a.b) {
					changed = true
					ae = rebuildAtom(a.op, x, y)
				}
			}
			te = te.Mul(ae)
		}
		out = out.Add(te)
	}
	if !changed {
		return e
	}
	return out
}

// substFactsAll is substFacts over dims, copying the slice (rules share
// shape slices between values) only when something changes.
func substFactsAll(dims []Expr, facts map[string]int64) []Expr {
	var out []Expr
	for i, d := range dims {
		if x := substFacts(d, facts); !x.Equal(d) {
			if out == nil {
				out = slices.Clone(dims)
			}
			out[i] = x
		}
	}
	if out == nil {
		return dims
	}
	return out
}

func rebuildAtom(op atomOp, x, y Expr) Expr {
	switch op {
	case opDiv:
		return x.FloorDiv(y)
	case opMod:
		return x.Mod(y)
	case opMax:
		return x.Max(y)
	}
	return x.Min(y)
}

func (u *unifier) eliminate(x string, val Expr, e Equality) {
	m := map[string]Expr{x: val}
	for y, v := range u.subs {
		u.subs[y] = v.Subst(m)
	}
	u.subs[x] = val
	delete(u.plain, x)
	if bd, given := u.bounds[x]; given {
		u.caps = append(u.caps, BoundCap{Name: x, Bound: bd, Source: u.source(x, "--dim")})
	}
	u.rels = append(u.rels, Relation{Name: x, Value: val, Node: e.Node, OpType: e.OpType})
}

// finish fills the unification fields of the last round's result.
func (u *unifier) finish(res *Result, eqs []Equality) {
	for _, r := range u.rels {
		r.Value = u.subs[r.Name]
		res.Relations = append(res.Relations, r)
	}
	seen := map[string]bool{}
	for _, e := range slices.Concat(u.factEqs, eqs) {
		a, b := e.A.Subst(u.subs), e.B.Subst(u.subs)
		if a.Equal(b) {
			continue
		}
		e.A, e.B = a, b
		c := e.String()
		if seen[c] {
			continue
		}
		seen[c] = true
		res.Unsolved = append(res.Unsolved, e)
		res.Constraints = append(res.Constraints, c)
	}
	res.UnusedOptions = u.unused
	for _, name := range u.minOrder {
		if _, gone := u.subs[name]; !gone {
			res.Minimums = append(res.Minimums, u.mins[name])
		}
	}
	for _, c := range u.caps {
		c.Of = u.subs[c.Name]
		res.BoundCaps = append(res.BoundCaps, c)
	}
}

// Pinned returns the relation that eliminated symbol name, if any.
func (r *Result) Pinned(name string) (Relation, bool) {
	for _, rel := range r.Relations {
		if rel.Name == name {
			return rel, true
		}
	}
	return Relation{}, false
}
