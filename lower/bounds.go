// Dim bounds: defaulted bounds tightened to the limits a model states
// itself, and the dim equalities shapeinfer assumed, solved for rewriting.

package lower

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/webnn-graph/webnn-graph/onnxpb"
	"github.com/webnn-graph/webnn-graph/shapeinfer"
)

// inferTightened runs shape inference, then lowers each defaulted bound
// that the model caps itself (min(K, sequence_length) from slicing a
// K-row position table) to K and infers again, so that sizes come out as
// plain dim names instead of min(…) (which rustnn cannot evaluate, and
// which only hides that longer inputs fail anyway). A bound the user gave
// is never changed.
func inferTightened(m *onnxpb.Model, opts Options) (*shapeinfer.Result, []TightenedBound, error) {
	si, err := infer(m, opts.Dims, opts.Freeze)
	if err != nil {
		return nil, nil, err
	}
	bounds := shapeinfer.Bounds{}
	for k, v := range opts.Dims {
		bounds[k] = v
	}
	var tightened []TightenedBound
	for round := 0; round < 4; round++ {
		caps := modelCaps(m, si, opts)
		if len(caps) == 0 {
			break
		}
		names := make([]string, 0, len(caps))
		for name := range caps {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			t := caps[name]
			b := si.Bounds.Of(name)
			t.Was = b.Max
			bounds[name] = shapeinfer.Bound{Min: b.Min, Max: t.Max}
			tightened = append(tightened, t)
		}
		next, err := infer(m, bounds, opts.Freeze)
		if err != nil {
			// The tighter bounds are an optimisation only.
			break
		}
		next.Defaulted = si.Defaulted
		si = next
	}
	return si, tightened, nil
}

// modelCaps finds the defaulted symbols some value caps with min(K, …):
// min(K, s) caps s; min(K, a + b) caps a symbol s that a dim equality
// makes equal to a + b, and each of a, b at K minus the others' minimum.
func modelCaps(m *onnxpb.Model, si *shapeinfer.Result, opts Options) map[string]TightenedBound {
	defaulted := map[string]bool{}
	for _, s := range si.Defaulted {
		if _, user := opts.Dims[s]; !user {
			if _, frozen := opts.Freeze[s]; !frozen {
				defaulted[s] = true
			}
		}
	}
	if len(defaulted) == 0 {
		return nil
	}
	var eqs [][2]shapeinfer.Expr
	for _, cs := range si.Constraints {
		if l, r, ok := shapeinfer.ParseConstraint(cs); ok {
			eqs = append(eqs, [2]shapeinfer.Expr{l, r}, [2]shapeinfer.Expr{r, l})
		}
	}
	out := map[string]TightenedBound{}
	capAt := func(sym string, k int64, why string) {
		if !defaulted[sym] {
			return
		}
		b := si.Bounds.Of(sym)
		if k >= b.Max || k < b.Min {
			return
		}
		if old, ok := out[sym]; ok && old.Max <= k {
			return
		}
		out[sym] = TightenedBound{Name: sym, Max: k, Reason: why}
	}
	names := make([]string, 0, len(si.Values))
	for name := range si.Values {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		info := si.Values[name]
		for _, d := range slices.Concat(info.Shape, info.Value) {
			for _, cp := range d.Caps() {
				why := fmt.Sprintf("model limit: %s is min(%d, %s)", describeValue(m, si, name), cp.K, cp.Of.String())
				if s, ok := cp.Of.SymName(); ok {
					capAt(s, cp.K, why)
					continue
				}
				for _, eq := range eqs {
					if eq[0].Equal(cp.Of) {
						if s, ok := eq[1].SymName(); ok {
							capAt(s, cp.K, why)
						}
					}
				}
				// A sum of symbols: each is at most K minus the others' minimum.
				if name, k0, ok := cp.Of.OffsetForm(); ok {
					capAt(name, cp.K-k0, why)
					continue
				}
				syms := cp.Of.Symbols()
				sum := shapeinfer.Const(0)
				for _, s := range syms {
					sum = sum.Add(shapeinfer.Sym(s))
				}
				if !sum.Equal(cp.Of) {
					continue
				}
				for _, s := range syms {
					rest := int64(0)
					for _, o := range syms {
						if o != s {
							rest += si.Bounds.Of(o).Min
						}
					}
					capAt(s, cp.K-rest, why)
				}
			}
		}
	}
	return out
}

// solvedConstraints turns each dim equality into substitutions, one per
// symbol it can be solved for.
func solvedConstraints(cs []string) []map[string]shapeinfer.Expr {
	var out []map[string]shapeinfer.Expr
	for _, s := range cs {
		l, r, ok := shapeinfer.ParseConstraint(s)
		if !ok {
			continue
		}
		seen := map[string]bool{}
		for _, sym := range slices.Concat(l.Symbols(), r.Symbols()) {
			if seen[sym] {
				continue
			}
			seen[sym] = true
			if x, ok := shapeinfer.SolveFor(l, r, sym); ok {
				out = append(out, map[string]shapeinfer.Expr{sym: x})
			}
		}
	}
	return out
}

// describeValue names a value for a bound's reason: the constant a
// Slice/Gather reads from when there is one ("a slice of the constant
// \"embeddings.position_ids\""), else the value itself.
func describeValue(m *onnxpb.Model, si *shapeinfer.Result, name string) string {
	for _, n := range m.Graph().GetNode() {
		if !slices.Contains(n.GetOutput(), name) {
			continue
		}
		if op := n.GetOpType(); (op == "Slice" || op == "Gather") && len(n.GetInput()) > 0 {
			if in := si.Values[n.GetInput()[0]]; in != nil && in.Const != nil || isInitializer(m, n.GetInput()[0]) {
				return fmt.Sprintf("value %q (a %s of the constant %q)", name, strings.ToLower(op), n.GetInput()[0])
			}
		}
		break
	}
	return fmt.Sprintf("value %q", name)
}

func isInitializer(m *onnxpb.Model, name string) bool {
	for _, t := range m.Graph().GetInitializer() {
		if t.GetName() == name {
			return true
		}
	}
	return false
}
