// Choosing concrete dims that respect every relation the graph pins, for
// generated inputs (verify) and feeds (generate).

package shapeinfer

import (
	"fmt"
	"slices"
	"strings"
)

// FreeDims returns the symbols the graph inputs' shapes use after
// unification, sorted: the model's true degrees of freedom.
func (r *Result) FreeDims() []string {
	seen := map[string]bool{}
	for name := range r.Inputs {
		if info := r.Values[name]; info != nil {
			for _, d := range info.Shape {
				for _, s := range d.Symbols() {
					seen[s] = true
				}
			}
		}
	}
	return sortedKeys(seen)
}

// IsBatchDim reports whether some graph input declares sym at axis 0.
func (r *Result) IsBatchDim(sym string) bool {
	for name, decl := range r.Inputs {
		if len(decl) == 0 || decl[0].Kind == DimStatic {
			continue
		}
		if info := r.Values[name]; info != nil && len(info.Shape) > 0 {
			if s, ok := info.Shape[0].SymName(); ok && s == sym {
				return true
			}
		}
	}
	return false
}

// DimValue returns the value of dim key (a symbol, a relation's name, a
// dim_param as written, <input>_dim<axis>) as an expression over the free
// dims.
func (r *Result) DimValue(key string) (Expr, bool) {
	for _, in := range sortedKeys(r.Inputs) {
		info := r.Values[in]
		if info == nil {
			continue
		}
		for i, d := range r.Inputs[in] {
			if d.Kind == DimStatic || i >= len(info.Shape) {
				continue
			}
			if slices.Contains(d.keys(in, i), key) {
				return info.Shape[i], true
			}
		}
	}
	for _, rel := range r.Relations {
		if rel.Name == key {
			return rel.Value, true
		}
	}
	return Expr{}, false
}

// Bind chooses a value for every free dim: given values first (keys as
// in DimValue; a given derived dim, e.g. total_sequence_length = 11,
// solves for one free dim of its expression that nothing else set), then
// pick(sym) clamped to the symbol's bound. If an equality the graph needs
// but unification could not solve (ViT's patch count) fails, the
// picked dims it involves are searched for values that satisfy it. The
// result binds the free dims and every declared or related name.
func (r *Result) Bind(given map[string]int64, pick func(sym string) int64) (map[string]int64, error) {
	env := map[string]int64{}
	free := r.FreeDims()
	isFree := map[string]bool{}
	for _, s := range free {
		isFree[s] = true
	}
	type pending struct {
		key string
		e   Expr
		v   int64
	}
	var derived []pending
	for _, k := range sortedKeys(given) {
		v := given[k]
		if isFree[k] {
			env[k] = v
			continue
		}
		e, ok := r.DimValue(k)
		if !ok {
			return nil, fmt.Errorf("shapeinfer: no input dim is named %q (dims: %s)", k, strings.Join(r.dimNames(), ", "))
		}
		if s, isSym := e.SymName(); isSym {
			if old, set := env[s]; set && old != v {
				return nil, fmt.Errorf("shapeinfer: %s = %d, but %s is %s = %d", k, v, k, s, old)
			}
			env[s] = v
			continue
		}
		derived = append(derived, pending{k, e, v})
	}
	for _, d := range derived {
		var open []string
		for _, s := range d.e.Symbols() {
			if _, set := env[s]; !set {
				open = append(open, s)
			}
		}
		if len(open) == 0 {
			got, err := d.e.Eval(env)
			if err != nil {
				return nil, err
			}
			if got != d.v {
				return nil, fmt.Errorf("shapeinfer: %s = %d contradicts %s = %s = %d", d.key, d.v, d.key, d.e, got)
			}
			continue
		}
		// Pick all but the last open symbol, then solve for it.
		x := open[len(open)-1]
		for _, s := range open[:len(open)-1] {
			env[s] = r.clamp(s, pick(s))
		}
		partial := map[string]Expr{}
		for s, v := range env {
			partial[s] = Const(v)
		}
		val, ok := solveLinear(d.e.Subst(partial).Sub(Const(d.v)), x)
		v, isConst := val.Value()
		if !ok || !isConst || v < 0 {
			return nil, fmt.Errorf("shapeinfer: cannot make %s = %s equal %d", d.key, d.e, d.v)
		}
		env[x] = v
	}
	picked := map[string]bool{}
	for _, s := range free {
		if _, set := env[s]; !set {
			env[s] = r.clamp(s, pick(s))
			picked[s] = true
		}
	}
	if err := r.satisfy(env, picked); err != nil {
		return nil, err
	}
	for _, rel := range r.Relations {
		if v, err := rel.Value.Eval(env); err == nil {
			env[rel.Name] = v
		}
	}
	for _, in := range sortedKeys(r.Inputs) {
		info := r.Values[in]
		for i, d := range r.Inputs[in] {
			if d.Name == "" || info == nil || i >= len(info.Shape) {
				continue
			}
			if v, err := info.Shape[i].Eval(env); err == nil {
				if _, set := env[d.Name]; !set {
					env[d.Name] = v
				}
			}
		}
	}
	return env, nil
}

func (r *Result) clamp(s string, v int64) int64 {
	b := r.Bounds.Of(s)
	return min(max(v, b.Min), b.Max)
}

// satisfy checks the unsolved equalities at env and, when one fails,
// searches the picked dims it involves: first all set to one value, then
// each alone, from its lower bound up.
func (r *Result) satisfy(env map[string]int64, picked map[string]bool) error {
	// holds checks the equalities that mention one of vars and no other
	// picked dim (all of them when vars is nil): a search over some dims
	// is judged only by the equalities those dims alone can settle, so a
	// still-broken equality that also needs another dim (Swin's
	// (h/4)·(w/4) == ((h/2+1)/2)·((w/2+1)/2), right once h and w each are)
	// does not hide a good value; the last check takes them all.
	holds := func(vars []string) (Equality, bool) {
		for _, e := range r.Unsolved {
			if vars != nil && !settledBy(e, vars, picked) {
				continue
			}
			a, err1 := e.A.Eval(env)
			b, err2 := e.B.Eval(env)
			if err1 == nil && err2 == nil && a != b {
				return e, false
			}
		}
		return Equality{}, true
	}
	const searchLimit = 1 << 14
	for tries := 0; tries < len(r.Unsolved)+1; tries++ {
		bad, ok := holds(nil)
		if ok {
			return nil
		}
		var vars []string
		for _, s := range slices.Concat(bad.A.Symbols(), bad.B.Symbols()) {
			if picked[s] && !slices.Contains(vars, s) {
				vars = append(vars, s)
			}
		}
		if len(vars) == 0 {
			return fmt.Errorf("shapeinfer: the given dims break %s, which node %q (%s) needs", bad, bad.Node, bad.OpType)
		}
		saved := map[string]int64{}
		for _, s := range vars {
			saved[s] = env[s]
		}
		found := false
		lo, hi := int64(1), int64(searchLimit)
		for _, s := range vars {
			b := r.Bounds.Of(s)
			lo, hi = max(lo, b.Min), min(hi, b.Max)
		}
		for v := lo; v <= hi && !found; v++ {
			for _, s := range vars {
				env[s] = v
			}
			_, found = holds(vars)
		}
		for _, s := range vars {
			if found {
				break
			}
			for s2, v := range saved {
				env[s2] = v
			}
			b := r.Bounds.Of(s)
			for v := max(b.Min, 1); v <= min(b.Max, searchLimit) && !found; v++ {
				env[s] = v
				_, found = holds(vars)
			}
		}
		if !found {
			for s, v := range saved {
				env[s] = v
			}
			return fmt.Errorf("shapeinfer: no value of %s found that satisfies %s (needed by node %q (%s)); give them with --dim", strings.Join(vars, ", "), bad, bad.Node, bad.OpType)
		}
	}
	if bad, ok := holds(nil); !ok {
		return fmt.Errorf("shapeinfer: no dims found that satisfy %s (needed by node %q (%s))", bad, bad.Node, bad.OpType)
	}
	return nil
}

// settledBy reports whether e involves one of the dims vars and no other
// picked dim.
func settledBy(e Equality, vars []string, picked map[string]bool) bool {
	any := false
	for _, s := range slices.Concat(e.A.Symbols(), e.B.Symbols()) {
		if slices.Contains(vars, s) {
			any = true
		} else if picked[s] {
			return false
		}
	}
	return any
}

func (r *Result) dimNames() []string {
	seen := map[string]bool{}
	for _, decl := range r.Inputs {
		for _, d := range decl {
			if d.Name != "" {
				seen[d.Name] = true
			}
		}
	}
	return sortedKeys(seen)
}
