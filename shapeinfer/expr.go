// The Expr algebra (modelled on tract's TDim): an expression is kept in a
// normal form — a sum of terms, each an integer coefficient times a sorted
// product of atoms, where an atom is a symbol or an opaque floor-div, mod,
// max or min node — so that equality is equality of the canonical printed
// form.

package shapeinfer

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/webnn-graph/webnn-graph/internal/checked"
)

// Expr is an immutable symbolic integer expression over dim symbols. The
// zero Expr is the constant 0. Build expressions with Const, Sym and the
// arithmetic methods; compare them with Equal.
type Expr struct{ p *poly }

// poly is a sum of terms in normal form: terms sorted by monomial key, no
// zero coefficient, at most one term per monomial; the constant term has
// the empty key. str is the canonical printed form, computed once.
type poly struct {
	terms []term
	str   string
}

type term struct {
	k     int64
	atoms []*atom // sorted by key; a repeated atom is a power
	key   string
}

type atomOp uint8

const (
	opSym atomOp = iota
	opDiv
	opMod
	opMax
	opMin
)

// atom is a factor that the polynomial normal form treats as opaque.
type atom struct {
	op   atomOp
	name string // opSym
	a, b Expr   // operands of div, mod, max, min
	key  string // printed form as a factor
}

// OverflowError is a shape computation whose integer result does not fit
// in int64: no tensor can have such a dim, so the model is inconsistent.
// The Expr methods, which return no error, panic with it; Infer and the
// lowering's node loop recover it and report the node.
type OverflowError struct {
	Expr string // the expression, or the operation, that overflows
	// Limit, when set, says which of the expression size limits
	// (maxPolyTerms, maxTermAtoms) the operation passed instead: a dim
	// expression that large is as impossible as an overflow, and
	// computing it would take time and memory without bound.
	Limit string
}

func (e *OverflowError) Error() string {
	if e.Limit != "" {
		return fmt.Sprintf("shape expression too large: %s has %s", e.Expr, e.Limit)
	}
	return fmt.Sprintf("shape arithmetic overflows int64: %s", e.Expr)
}

// Size limits of a normal form. Real dim expressions have a few terms of
// a few factors (past_sequence_length + sequence_length, batch * heads);
// (a + b + … + h) multiplied by itself 40 times has 10^8 terms, and a
// dim_param or a chain of shape ops can ask for it.
const (
	maxPolyTerms = 1024 // terms of one expression
	maxTermAtoms = 64   // factors of one term
	maxExprChars = 8192 // printed form (floor divisions nested in each other)
)

func tooLarge(what string, e Expr, n int) {
	s := e.String()
	if len(s) > 60 {
		s = s[:60] + "…"
	}
	panic(&OverflowError{Expr: s, Limit: fmt.Sprintf("more than %d %s", n, what)})
}

func (e *OverflowError) Is(target error) bool { return target == ErrInconsistent }

func addK(a, b int64) int64 {
	s, ok := checked.Add(a, b)
	if !ok {
		panic(&OverflowError{Expr: fmt.Sprintf("%d + %d", a, b)})
	}
	return s
}

func mulK(a, b int64) int64 {
	p, ok := checked.Mul(a, b)
	if !ok {
		panic(&OverflowError{Expr: fmt.Sprintf("%d * %d", a, b)})
	}
	return p
}

// Const returns the constant expression v.
func Const(v int64) Expr {
	if v >= smallConstMin && v <= smallConstMax {
		return smallConsts[v-smallConstMin]
	}
	return mkPoly([]term{{k: v}})
}

// smallConsts caches the constants shapes use most, so that building
// them allocates nothing.
const smallConstMin, smallConstMax = -16, 4096

var smallConsts = func() []Expr {
	out := make([]Expr, smallConstMax-smallConstMin+1)
	for v := int64(smallConstMin); v <= smallConstMax; v++ {
		if v != 0 {
			out[v-smallConstMin] = mkPoly([]term{{k: v}})
		}
	}
	return out
}()

// Sym returns the expression made of the single symbol name.
func Sym(name string) Expr {
	a := &atom{op: opSym, name: name, key: name}
	return mkPoly([]term{{k: 1, atoms: []*atom{a}, key: name}})
}

func mkPoly(ts []term) Expr {
	if len(ts) == 0 {
		return Expr{}
	}
	p := &poly{terms: ts}
	p.str = p.format()
	if len(p.str) > maxExprChars {
		tooLarge("characters", Expr{p}, maxExprChars)
	}
	return Expr{p}
}

func (e Expr) terms() []term {
	if e.p == nil {
		return nil
	}
	return e.p.terms
}

// Value reports the value of a constant expression.
func (e Expr) Value() (int64, bool) {
	ts := e.terms()
	switch {
	case len(ts) == 0:
		return 0, true
	case len(ts) == 1 && len(ts[0].atoms) == 0:
		return ts[0].k, true
	}
	return 0, false
}

// IsConst reports whether e has no symbols.
func (e Expr) IsConst() bool { _, ok := e.Value(); return ok }

// SymName returns the symbol name when e is exactly one symbol.
func (e Expr) SymName() (string, bool) {
	ts := e.terms()
	if len(ts) == 1 && ts[0].k == 1 && len(ts[0].atoms) == 1 && ts[0].atoms[0].op == opSym {
		return ts[0].atoms[0].name, true
	}
	return "", false
}

// String prints e in the EXPR grammar shared with runtime/webnn
// (team.md): `+ - * / %` with spaces around them, `/` floor division,
// max(x, y)/min(x, y), symbols sorted, positive terms first, the constant
// last. The form is canonical: Equal expressions print identically.
func (e Expr) String() string {
	if e.p == nil {
		return "0"
	}
	return e.p.str
}

// Equal reports whether e and o have the same normal form.
func (e Expr) Equal(o Expr) bool { return e.String() == o.String() }

// Symbols returns the sorted distinct symbol names occurring in e.
func (e Expr) Symbols() []string {
	seen := map[string]bool{}
	var walk func(Expr)
	walk = func(x Expr) {
		for _, t := range x.terms() {
			for _, a := range t.atoms {
				if a.op == opSym {
					seen[a.name] = true
				} else {
					walk(a.a)
					walk(a.b)
				}
			}
		}
	}
	walk(e)
	out := make([]string, 0, len(seen))
	for s := range seen {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

// Add returns e + o.
func (e Expr) Add(o Expr) Expr {
	a, b := e.terms(), o.terms()
	if len(a) == 0 {
		return o
	}
	if len(b) == 0 {
		return e
	}
	if len(a)+len(b) > maxPolyTerms {
		// may cancel down; it rarely does, and the merge is linear
		if n := mergedTerms(a, b); n > maxPolyTerms {
			tooLarge("terms", e, maxPolyTerms)
		}
	}
	out := make([]term, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j == len(b) || (i < len(a) && a[i].key < b[j].key):
			out = append(out, a[i])
			i++
		case i == len(a) || b[j].key < a[i].key:
			out = append(out, b[j])
			j++
		default:
			if k := addK(a[i].k, b[j].k); k != 0 {
				t := a[i]
				t.k = k
				out = append(out, t)
			}
			i++
			j++
		}
	}
	return mkPoly(out)
}

// mergedTerms counts the distinct monomials of a and b (sorted by key).
func mergedTerms(a, b []term) int {
	n, i, j := 0, 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j == len(b) || (i < len(a) && a[i].key < b[j].key):
			i++
		case i == len(a) || b[j].key < a[i].key:
			j++
		default:
			i++
			j++
		}
		n++
	}
	return n
}

// Neg returns -e.
func (e Expr) Neg() Expr { return e.scale(-1) }

// Sub returns e - o.
func (e Expr) Sub(o Expr) Expr { return e.Add(o.Neg()) }

func (e Expr) scale(k int64) Expr {
	if k == 0 {
		return Expr{}
	}
	if k == 1 {
		return e
	}
	ts := e.terms()
	out := make([]term, len(ts))
	for i, t := range ts {
		t.k = mulK(t.k, k)
		out[i] = t
	}
	return mkPoly(out)
}

// Mul returns e * o.
func (e Expr) Mul(o Expr) Expr {
	if v, ok := o.Value(); ok {
		return e.scale(v)
	}
	if v, ok := e.Value(); ok {
		return o.scale(v)
	}
	acc := map[string]term{}
	for _, x := range e.terms() {
		for _, y := range o.terms() {
			if len(acc) > maxPolyTerms {
				tooLarge("terms", e, maxPolyTerms)
			}
			if len(x.atoms)+len(y.atoms) > maxTermAtoms {
				tooLarge("factors in a term", e, maxTermAtoms)
			}
			t := mulTerm(x, y)
			if old, ok := acc[t.key]; ok {
				old.k = addK(old.k, t.k)
				acc[t.key] = old
			} else {
				acc[t.key] = t
			}
		}
	}
	return fromTermMap(acc)
}

func fromTermMap(acc map[string]term) Expr {
	out := make([]term, 0, len(acc))
	for _, t := range acc {
		if t.k != 0 {
			out = append(out, t)
		}
	}
	slices.SortFunc(out, func(a, b term) int { return strings.Compare(a.key, b.key) })
	return mkPoly(out)
}

func mulTerm(x, y term) term {
	atoms := make([]*atom, 0, len(x.atoms)+len(y.atoms))
	atoms = append(atoms, x.atoms...)
	atoms = append(atoms, y.atoms...)
	slices.SortStableFunc(atoms, func(a, b *atom) int { return strings.Compare(a.key, b.key) })
	return term{k: mulK(x.k, y.k), atoms: atoms, key: monoKey(atoms)}
}

func monoKey(atoms []*atom) string {
	switch len(atoms) {
	case 0:
		return ""
	case 1:
		return atoms[0].key
	}
	var sb strings.Builder
	for i, a := range atoms {
		if i > 0 {
			sb.WriteString(" * ")
		}
		sb.WriteString(a.key)
	}
	return sb.String()
}

func atomExpr(a *atom) Expr {
	return mkPoly([]term{{k: 1, atoms: []*atom{a}, key: a.key}})
}

func newAtom(op atomOp, a, b Expr) *atom {
	at := &atom{op: op, a: a, b: b}
	switch op {
	case opMax:
		at.key = "max(" + a.String() + ", " + b.String() + ")"
	case opMin:
		at.key = "min(" + a.String() + ", " + b.String() + ")"
	case opDiv, opMod:
		sign := " / "
		if op == opMod {
			sign = " % "
		}
		at.key = numeratorString(a) + sign + factorString(b)
	}
	return at
}

// numeratorString parenthesises a numerator unless it is a single term
// with a positive coefficient (left associativity keeps `a * b / 2` right).
func numeratorString(e Expr) string {
	ts := e.terms()
	if len(ts) == 0 || (len(ts) == 1 && ts[0].k > 0) {
		return e.String()
	}
	return "(" + e.String() + ")"
}

// factorString parenthesises e unless it is a factor of the grammar: a
// non-negative integer, a symbol, or max/min.
func factorString(e Expr) string {
	ts := e.terms()
	if v, ok := e.Value(); ok && v >= 0 {
		return e.String()
	}
	if len(ts) == 1 && ts[0].k == 1 && len(ts[0].atoms) == 1 {
		switch ts[0].atoms[0].op {
		case opSym, opMax, opMin:
			return e.String()
		}
	}
	return "(" + e.String() + ")"
}

func (p *poly) format() string {
	var pos, neg []term
	var c int64
	for _, t := range p.terms {
		switch {
		case len(t.atoms) == 0:
			c = t.k
		case t.k > 0:
			pos = append(pos, t)
		default:
			neg = append(neg, t)
		}
	}
	if len(pos) == 0 && len(neg) == 0 {
		return strconv.FormatInt(c, 10)
	}
	var sb strings.Builder
	first := true
	for _, t := range pos {
		if !first {
			sb.WriteString(" + ")
		}
		first = false
		writeTerm(&sb, t.k, t.atoms)
	}
	if first && c > 0 {
		sb.WriteString(strconv.FormatInt(c, 10))
		first = false
		c = 0
	}
	if first {
		sb.WriteString("0")
	}
	for _, t := range neg {
		sb.WriteString(" - ")
		writeTerm(&sb, -t.k, t.atoms)
	}
	if c > 0 {
		sb.WriteString(" + " + strconv.FormatInt(c, 10))
	} else if c < 0 {
		if c == math.MinInt64 {
			sb.WriteString(" - 9223372036854775808")
		} else {
			sb.WriteString(" - " + strconv.FormatInt(-c, 10))
		}
	}
	return sb.String()
}

func writeTerm(sb *strings.Builder, k int64, atoms []*atom) {
	n := len(atoms)
	if k != 1 {
		sb.WriteString(strconv.FormatInt(k, 10))
		n++
	}
	for i, a := range atoms {
		if k != 1 || i > 0 {
			sb.WriteString(" * ")
		}
		if n > 1 && (a.op == opDiv || a.op == opMod) {
			sb.WriteString("(" + a.key + ")")
		} else {
			sb.WriteString(a.key)
		}
	}
}

func gcd(a, b int64) int64 {
	if a < 0 {
		a = -a
	}
	if b < 0 {
		b = -b
	}
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func floorMod(a, b int64) int64 { return a - floorDiv(a, b)*b }

// FloorDiv returns floor(e / o). Exact quotients simplify
// ((b*s*576) / (b*s*9) = 64, (2*a + 2) / 2 = a + 1), divisible terms are
// split out ((2*a + 1) / 2 = a), and the rest stays a div node.
func (e Expr) FloorDiv(o Expr) Expr {
	if d, ok := o.Value(); ok {
		return e.divConst(d)
	}
	if e.p == nil {
		return Expr{}
	}
	if q, ok := e.exactDiv(o); ok {
		return q
	}
	return atomExpr(newAtom(opDiv, e, o))
}

func (e Expr) divConst(d int64) Expr {
	if v, ok := e.Value(); ok && d != 0 {
		return Const(floorDiv(v, d))
	}
	switch {
	case d == 1:
		return e
	case d == -1:
		return e.Neg()
	case d <= 0:
		return atomExpr(newAtom(opDiv, e, Const(d)))
	}
	// Reduce by the gcd of all coefficients and d: floor(g*x / g*d) = floor(x / d).
	g := d
	for _, t := range e.terms() {
		g = gcd(g, t.k)
	}
	if g > 1 {
		e = e.divExactConst(g)
		d /= g
		if d == 1 {
			return e
		}
	}
	// floor((d*q + r) / d) = q + floor(r / d) for integer q.
	var q, r []term
	for _, t := range e.terms() {
		switch {
		case len(t.atoms) == 0:
			if qq := floorDiv(t.k, d); qq != 0 {
				q = append(q, term{k: qq})
			}
			if rr := floorMod(t.k, d); rr != 0 {
				r = append(r, term{k: rr})
			}
		case t.k%d == 0:
			t.k /= d
			q = append(q, t)
		default:
			r = append(r, t)
		}
	}
	qe, re := mkPoly(q), mkPoly(r)
	if re.p == nil {
		return qe
	}
	if lo, hi := re.interval(nil); lo >= 0 && hi < d {
		return qe
	}
	// floor(floor(x / m) / n) = floor(x / (m*n)) for positive m, n.
	if ts := re.terms(); len(ts) == 1 && ts[0].k == 1 && len(ts[0].atoms) == 1 {
		if a := ts[0].atoms[0]; a.op == opDiv {
			if m, ok := a.b.Value(); ok && m > 0 {
				if md, ok := checked.Mul(m, d); ok {
					return qe.Add(a.a.divConst(md))
				}
			}
		}
	}
	return qe.Add(atomExpr(newAtom(opDiv, re, Const(d))))
}

func (e Expr) divExactConst(g int64) Expr {
	ts := e.terms()
	out := make([]term, len(ts))
	for i, t := range ts {
		t.k /= g
		out[i] = t
	}
	return mkPoly(out)
}

// exactDiv divides e by a non-constant o when the quotient is exact in
// the normal form: o a monomial k*m dividing every term of e, or e a
// constant multiple of o.
func (e Expr) exactDiv(o Expr) (Expr, bool) {
	ots := o.terms()
	if len(ots) == 1 {
		ot := ots[0]
		out := make([]term, 0, len(e.terms()))
		for _, t := range e.terms() {
			rest, ok := removeAtoms(t.atoms, ot.atoms)
			if !ok {
				return Expr{}, false
			}
			out = append(out, term{k: t.k, atoms: rest, key: monoKey(rest)})
		}
		slices.SortFunc(out, func(a, b term) int { return strings.Compare(a.key, b.key) })
		return mkPoly(out).divConst(ot.k), true
	}
	// e == q*o for a monomial q = c*m (a reshape's -1 computed as
	// numel / known dims: (64*b*p + 64*b*s) / (16*p + 16*s) = 4*b)? Each
	// term of e that o's last term divides gives the one candidate q.
	lead := ots[len(ots)-1]
	for _, t := range e.terms() {
		if t.k%lead.k != 0 {
			continue
		}
		rest, ok := removeAtoms(t.atoms, lead.atoms)
		if !ok {
			continue
		}
		q := mkPoly([]term{{k: t.k / lead.k, atoms: rest, key: monoKey(rest)}})
		if o.Mul(q).Equal(e) {
			return q, true
		}
	}
	return Expr{}, false
}

// removeAtoms returns have minus the multiset sub, or false when sub is not
// contained in have.
func removeAtoms(have, sub []*atom) ([]*atom, bool) {
	out := make([]*atom, 0, len(have))
	j := 0
	for _, a := range have {
		if j < len(sub) && a.key == sub[j].key {
			j++
			continue
		}
		out = append(out, a)
	}
	if j != len(sub) {
		return nil, false
	}
	return out, true
}

// Mod returns e mod o with the sign of o (floor modulo, as Python and
// ONNX's Mod with fmod=0).
func (e Expr) Mod(o Expr) Expr {
	if d, ok := o.Value(); ok && d > 0 {
		if v, ok := e.Value(); ok {
			return Const(floorMod(v, d))
		}
		var r []term
		for _, t := range e.terms() {
			if len(t.atoms) == 0 {
				if m := floorMod(t.k, d); m != 0 {
					r = append(r, term{k: m})
				}
			} else if t.k%d != 0 {
				r = append(r, t)
			}
		}
		re := mkPoly(r)
		if re.p == nil {
			return re
		}
		if lo, hi := re.interval(nil); lo >= 0 && hi < d {
			return re
		}
		return atomExpr(newAtom(opMod, re, o))
	}
	if e.p == nil {
		return Expr{}
	}
	if !o.IsConst() {
		if q, ok := e.exactDiv(o); ok && q.Mul(o).Equal(e) {
			return Expr{}
		}
	}
	return atomExpr(newAtom(opMod, e, o))
}

// Max returns max(e, o), simplified when one side provably dominates
// (symbols are dims, never negative).
func (e Expr) Max(o Expr) Expr { return minMax(opMax, e, o, nil) }

// Min returns min(e, o), simplified when one side provably dominates.
func (e Expr) Min(o Expr) Expr { return minMax(opMin, e, o, nil) }

// MaxB is Max using the symbol bounds b to decide which side dominates.
func (e Expr) MaxB(o Expr, b Bounds) Expr { return minMax(opMax, e, o, b) }

// MinB is Min using the symbol bounds b to decide which side dominates.
func (e Expr) MinB(o Expr, b Bounds) Expr { return minMax(opMin, e, o, b) }

func minMax(op atomOp, a, b Expr, bs Bounds) Expr {
	if a.Equal(b) {
		return a
	}
	lo, hi := a.Sub(b).interval(bs)
	aWins := lo >= 0
	bWins := hi <= 0
	if op == opMin {
		aWins, bWins = bWins, aWins
	}
	switch {
	case aWins:
		return a
	case bWins:
		return b
	}
	if b.String() < a.String() {
		a, b = b, a
	}
	return atomExpr(newAtom(op, a, b))
}

// dividesByNonPositive reports whether e holds a floor division or modulo
// by a constant ≤ 0.
func (e Expr) dividesByNonPositive() bool {
	for _, t := range e.terms() {
		for _, a := range t.atoms {
			if a.op == opSym {
				continue
			}
			if (a.op == opDiv || a.op == opMod) && a.b.IsConst() {
				if v, _ := a.b.Value(); v <= 0 {
					return true
				}
			}
			if a.a.dividesByNonPositive() || a.b.dividesByNonPositive() {
				return true
			}
		}
	}
	return false
}

// Eval computes e with every symbol taken from env.
func (e Expr) Eval(env map[string]int64) (int64, error) {
	var total int64
	for _, t := range e.terms() {
		v := t.k
		for _, a := range t.atoms {
			x, err := a.eval(env)
			if err != nil {
				return 0, err
			}
			var ok bool
			if v, ok = checked.Mul(v, x); !ok {
				return 0, &OverflowError{Expr: e.String()}
			}
		}
		var ok bool
		if total, ok = checked.Add(total, v); !ok {
			return 0, &OverflowError{Expr: e.String()}
		}
	}
	return total, nil
}

func (a *atom) eval(env map[string]int64) (int64, error) {
	if a.op == opSym {
		v, ok := env[a.name]
		if !ok {
			return 0, fmt.Errorf("shapeinfer: no value for dim %q", a.name)
		}
		return v, nil
	}
	x, err := a.a.Eval(env)
	if err != nil {
		return 0, err
	}
	y, err := a.b.Eval(env)
	if err != nil {
		return 0, err
	}
	switch a.op {
	case opDiv, opMod:
		if y == 0 {
			return 0, fmt.Errorf("shapeinfer: division by zero in %s", a.key)
		}
		if a.op == opDiv {
			return floorDiv(x, y), nil
		}
		return floorMod(x, y), nil
	case opMax:
		return max(x, y), nil
	default:
		return min(x, y), nil
	}
}

// MaxValue returns an upper bound of e over the symbol bounds b (symbols
// missing from b get DefaultBounds). Interval arithmetic: sound, not
// always tight.
func (e Expr) MaxValue(b Bounds) int64 {
	_, hi := e.interval(orDefaults(b))
	return hi
}

// MinValue returns a lower bound of e over the symbol bounds b.
func (e Expr) MinValue(b Bounds) int64 {
	lo, _ := e.interval(orDefaults(b))
	return lo
}

// orDefaults makes a nil Bounds mean "default bounds" for MaxValue, as
// opposed to interval(nil), which assumes only that symbols are ≥ 0.
func orDefaults(b Bounds) Bounds {
	if b == nil {
		return Bounds{}
	}
	return b
}

const inf = math.MaxInt64

func satAdd(a, b int64) int64 {
	s := a + b
	if a > 0 && b > 0 && s < 0 {
		return inf
	}
	if a < 0 && b < 0 && s >= 0 {
		return -inf
	}
	if a == inf || b == inf {
		return inf
	}
	if a == -inf || b == -inf {
		return -inf
	}
	return s
}

func satMul(a, b int64) int64 {
	if a == 0 || b == 0 {
		return 0
	}
	neg := (a < 0) != (b < 0)
	abs := func(x int64) uint64 {
		if x < 0 {
			return uint64(-(x + 1)) + 1
		}
		return uint64(x)
	}
	ua, ub := abs(a), abs(b)
	if ua > uint64(inf)/ub {
		if neg {
			return -inf
		}
		return inf
	}
	p := int64(ua * ub)
	if neg {
		return -p
	}
	return p
}

// interval returns [lo, hi] of e. With b == nil symbols range over
// [0, +inf); otherwise over their bounds (or defaults).
func (e Expr) interval(b Bounds) (int64, int64) {
	var lo, hi int64
	for _, t := range e.terms() {
		tlo, thi := t.k, t.k
		for _, a := range t.atoms {
			alo, ahi := a.interval(b)
			c := [4]int64{satMul(tlo, alo), satMul(tlo, ahi), satMul(thi, alo), satMul(thi, ahi)}
			tlo, thi = min(c[0], c[1], c[2], c[3]), max(c[0], c[1], c[2], c[3])
		}
		lo, hi = satAdd(lo, tlo), satAdd(hi, thi)
	}
	return lo, hi
}

func (a *atom) interval(b Bounds) (int64, int64) {
	switch a.op {
	case opSym:
		if b == nil {
			return 0, inf
		}
		bd := b.Of(a.name)
		return bd.Min, bd.Max
	case opMax, opMin:
		xlo, xhi := a.a.interval(b)
		ylo, yhi := a.b.interval(b)
		if a.op == opMax {
			return max(xlo, ylo), max(xhi, yhi)
		}
		return min(xlo, ylo), min(xhi, yhi)
	case opDiv:
		xlo, xhi := a.a.interval(b)
		ylo, yhi := a.b.interval(b)
		if ylo <= 0 {
			if d, ok := a.b.Value(); !ok || d <= 0 {
				return -inf, inf
			}
		}
		// Positive divisor: the quotient is monotone in x, antitone in y when x ≥ 0.
		c := []int64{divSat(xlo, ylo), divSat(xlo, yhi), divSat(xhi, ylo), divSat(xhi, yhi)}
		return slices.Min(c), slices.Max(c)
	case opMod:
		ylo, yhi := a.b.interval(b)
		if ylo > 0 {
			xlo, xhi := a.a.interval(b)
			if xlo >= 0 && xhi < ylo {
				return xlo, xhi
			}
			return 0, yhi - 1
		}
		return -inf, inf
	}
	return -inf, inf
}

func divSat(x, y int64) int64 {
	if x == inf || x == -inf {
		return x
	}
	if y == inf {
		if x >= 0 {
			return 0
		}
		return -1
	}
	return floorDiv(x, y)
}

// complexity orders expressions for simpler: opaque nodes weigh most,
// then symbols, then text length.
func (e Expr) complexity() [3]int {
	var k [3]int
	var walk func(Expr)
	walk = func(x Expr) {
		for _, t := range x.terms() {
			for _, a := range t.atoms {
				if a.op == opSym {
					k[1]++
				} else {
					k[0]++
					walk(a.a)
					walk(a.b)
				}
			}
		}
	}
	walk(e)
	k[2] = len(e.String())
	return k
}

// Subst returns e with each symbol in m replaced by its expression, the
// result simplified again (e.g. applying a constraint
// total_sequence_length → past_sequence_length + sequence_length, or
// freezing a dim after inference).
func (e Expr) Subst(m map[string]Expr) Expr {
	if len(m) == 0 || e.p == nil {
		return e
	}
	out := Expr{}
	for _, t := range e.terms() {
		v := Const(t.k)
		for _, a := range t.atoms {
			v = v.Mul(a.subst(m))
		}
		out = out.Add(v)
	}
	return out
}

func (a *atom) subst(m map[string]Expr) Expr {
	switch a.op {
	case opSym:
		if r, ok := m[a.name]; ok {
			return r
		}
		return atomExpr(a)
	case opDiv:
		return a.a.Subst(m).FloorDiv(a.b.Subst(m))
	case opMod:
		return a.a.Subst(m).Mod(a.b.Subst(m))
	case opMax:
		return a.a.Subst(m).Max(a.b.Subst(m))
	default:
		return a.a.Subst(m).Min(a.b.Subst(m))
	}
}
