// Rewriting helpers for consumers that need dims in a restricted form:
// rustnn ≤ 0.5.12 (the reference loader) evaluates a dynamic size only as
// `NAME`, `NAME + K` or `NAME - K`, so the lowering rewrites expressions
// with the equalities shapeinfer assumed (Result.Constraints) and tightens
// defaulted bounds to the limits a model states itself (min(K, dim)).

package shapeinfer

import "strings"

// OffsetForm reports whether e is a single symbol plus a constant
// (`name`, `name + k`, `name - k`) and returns both parts.
func (e Expr) OffsetForm() (name string, k int64, ok bool) {
	var sym string
	for _, t := range e.terms() {
		switch {
		case len(t.atoms) == 0:
			k = t.k
		case len(t.atoms) == 1 && t.k == 1 && t.atoms[0].op == opSym && sym == "":
			sym = t.atoms[0].name
		default:
			return "", 0, false
		}
	}
	if sym == "" {
		return "", 0, false
	}
	return sym, k, true
}

// SubstB is Subst with min and max simplified under the bounds b (so
// min(512, sequence_length) becomes sequence_length when b caps it at 512).
func (e Expr) SubstB(m map[string]Expr, b Bounds) Expr {
	if e.p == nil {
		return e
	}
	out := Expr{}
	for _, t := range e.terms() {
		v := Const(t.k)
		for _, a := range t.atoms {
			v = v.Mul(a.substB(m, b))
		}
		out = out.Add(v)
	}
	return out
}

func (a *atom) substB(m map[string]Expr, b Bounds) Expr {
	switch a.op {
	case opSym:
		if r, ok := m[a.name]; ok {
			return r
		}
		return atomExpr(a)
	case opDiv:
		return a.a.SubstB(m, b).FloorDiv(a.b.SubstB(m, b))
	case opMod:
		return a.a.SubstB(m, b).Mod(a.b.SubstB(m, b))
	case opMax:
		return a.a.SubstB(m, b).MaxB(a.b.SubstB(m, b), b)
	default:
		return a.a.SubstB(m, b).MinB(a.b.SubstB(m, b), b)
	}
}

// Cap is one min(K, Of) found in an expression: Of never exceeds K there.
type Cap struct {
	Of Expr
	K  int64
}

// Caps lists every min(K, E) with a constant K inside e (nested ones too).
func (e Expr) Caps() []Cap {
	var out []Cap
	var walk func(Expr)
	walk = func(x Expr) {
		for _, t := range x.terms() {
			for _, a := range t.atoms {
				if a.op == opSym {
					continue
				}
				if a.op == opMin {
					if k, ok := a.a.Value(); ok {
						out = append(out, Cap{Of: a.b, K: k})
					} else if k, ok := a.b.Value(); ok {
						out = append(out, Cap{Of: a.a, K: k})
					}
				}
				walk(a.a)
				walk(a.b)
			}
		}
	}
	walk(e)
	return out
}

// SolveFor solves lhs == rhs for the symbol sym when sym occurs exactly
// once, as a term with coefficient ±1 (past_sequence_length +
// sequence_length == total_sequence_length solved for past_sequence_length
// gives total_sequence_length - sequence_length).
func SolveFor(lhs, rhs Expr, sym string) (Expr, bool) {
	d := lhs.Sub(rhs)
	var coef int64
	rest := Expr{}
	for _, t := range d.terms() {
		if len(t.atoms) == 1 && t.atoms[0].op == opSym && t.atoms[0].name == sym {
			coef = t.k
			continue
		}
		te := Const(t.k)
		for _, a := range t.atoms {
			te = te.Mul(atomExpr(a))
		}
		rest = rest.Add(te)
	}
	if coef != 1 && coef != -1 {
		return Expr{}, false
	}
	for _, s := range rest.Symbols() {
		if s == sym {
			return Expr{}, false
		}
	}
	// coef·sym + rest = 0  →  sym = −rest/coef
	return rest.scale(-coef), true
}

// ParseConstraint splits a Result.Constraints entry "L == R" into its sides.
func ParseConstraint(s string) (lhs, rhs Expr, ok bool) {
	l, r, found := strings.Cut(s, " == ")
	if !found {
		return Expr{}, Expr{}, false
	}
	le, err1 := ParseExpr(l)
	re, err2 := ParseExpr(r)
	if err1 != nil || err2 != nil {
		return Expr{}, Expr{}, false
	}
	return le, re, true
}

// SumParts splits e into a list of symbols, each listed as often as its
// (positive) coefficient, plus a constant: past_sequence_length +
// sequence_length + 1 is [past_sequence_length, sequence_length] and 1.
// ok is false when a term is anything else (a product, a floor-division,
// a negative coefficient).
func (e Expr) SumParts() (syms []string, k int64, ok bool) {
	for _, t := range e.terms() {
		switch {
		case len(t.atoms) == 0:
			k = t.k
		case len(t.atoms) == 1 && t.atoms[0].op == opSym && t.k > 0 && t.k <= 8:
			for range t.k {
				syms = append(syms, t.atoms[0].name)
			}
		default:
			return nil, 0, false
		}
	}
	return syms, k, true
}
