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
	si, err := infer(m, opts.Dims, opts.Freeze, opts.Sources, nil)
	if err != nil {
		return nil, nil, err
	}
	// A dim the graph reads only a prefix of, assumed to be that prefix
	// where the target needs the prefix's length as an input dim
	// (assume.go).
	assume := prefixAssumptions(m, si, opts.Target)
	if len(assume) > 0 {
		if si, err = infer(m, opts.Dims, opts.Freeze, opts.Sources, assume); err != nil {
			return nil, nil, err
		}
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
		next, err := infer(m, bounds, opts.Freeze, opts.Sources, assume)
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
	type capWhy struct {
		cp  shapeinfer.Cap
		why string
	}
	var caps []capWhy
	for _, bc := range si.BoundCaps {
		caps = append(caps, capWhy{shapeinfer.Cap{Of: bc.Of, K: bc.Bound.Max}, fmt.Sprintf("%s %s=%d, and %s = %s", bc.Source, bc.Name, bc.Bound.Max, bc.Name, bc.Of)})
	}
	for _, tc := range tableCaps(m, si) {
		caps = append(caps, capWhy{tc.Cap, "model limit: " + tc.why})
	}
	var producers map[string]*onnxpb.NodeProto
	for _, name := range names {
		// Only a read of a constant table states a limit (rows past K do
		// not exist); a clamp of the input's own data (Kaldi's reflect
		// of its first 120 samples is min(120, N) long) does not, and
		// longer inputs run.
		info := si.Values[name]
		for _, d := range slices.Concat(info.Shape, info.Value) {
			cps := d.Caps()
			if len(cps) == 0 {
				continue
			}
			if producers == nil {
				producers = producerMap(m)
			}
			if !readsConstant(m, si, producers[name]) {
				break
			}
			for _, cp := range cps {
				caps = append(caps, capWhy{cp, fmt.Sprintf("model limit: %s is min(%d, %s)", describeValue(m, si, name), cp.K, cp.Of.String())})
			}
		}
	}
	for _, cw := range caps {
		cp, why := cw.cp, cw.why
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
	return out
}

// tableCap is a limit a model states with a table: positions index a
// K-row position embedding or rotary cos/sin cache, so the sequence the
// positions count (past + sequence) is at most K.
type tableCap struct {
	shapeinfer.Cap
	why string
}

// tableCaps finds Gathers of a constant table by position ids (a graph
// input named position…, possibly through Cast/Unsqueeze/Reshape) and
// GroupQueryAttention's cos_cache. The capped length is the attention
// mask's length when there is a mask input, else the position ids'.
func tableCaps(m *onnxpb.Model, si *shapeinfer.Result) []tableCap {
	g := m.Graph()
	producer := map[string]*onnxpb.NodeProto{}
	for _, n := range g.GetNode() {
		for _, o := range n.GetOutput() {
			producer[o] = n
		}
	}
	// positionInput follows v back through shape-only ops to a graph input
	// whose name says it holds positions.
	positionInput := func(v string) (string, bool) {
		for range 8 {
			if info := si.Values[v]; info != nil && info.Const != nil {
				return "", false
			}
			n := producer[v]
			if n == nil {
				l := strings.ToLower(v)
				return v, strings.Contains(l, "position") || strings.Contains(l, "pos_id")
			}
			switch n.GetOpType() {
			case "Cast", "Unsqueeze", "Squeeze", "Reshape", "Flatten", "Identity":
				v = n.GetInput()[0]
			default:
				return "", false
			}
		}
		return "", false
	}
	length := func(posInput string) (shapeinfer.Expr, bool) {
		for _, vi := range g.GetInput() {
			if strings.Contains(strings.ToLower(vi.GetName()), "attention_mask") {
				if info := si.Values[vi.GetName()]; info != nil && len(info.Shape) == 2 {
					return info.Shape[1], true
				}
			}
		}
		if info := si.Values[posInput]; info != nil && len(info.Shape) > 0 {
			return info.Shape[len(info.Shape)-1], true
		}
		return shapeinfer.Expr{}, false
	}
	rows := func(table string, axis int64) (int64, bool) {
		info := si.Values[table]
		if info == nil || (info.Const == nil && !isInitializer(m, table)) || info.Rank() < 1 {
			return 0, false
		}
		if axis < 0 {
			axis += int64(info.Rank())
		}
		if axis < 0 || axis >= int64(info.Rank()) {
			return 0, false
		}
		return info.Shape[axis].Value()
	}
	var out []tableCap
	for _, n := range g.GetNode() {
		in := n.GetInput()
		switch {
		case n.GetOpType() == "Gather" && len(in) == 2:
			pos, ok := positionInput(in[1])
			if !ok {
				continue
			}
			k, ok := rows(in[0], onnxpb.AttrInt(n, "axis", 0))
			if !ok || k < 1 {
				continue
			}
			if e, ok := length(pos); ok && !e.IsConst() {
				out = append(out, tableCap{shapeinfer.Cap{Of: e, K: k}, fmt.Sprintf("%q has %d rows, indexed by %q at node %q", in[0], k, pos, n.GetName())})
			}
		case n.GetOpType() == "GroupQueryAttention" && len(in) > 7 && in[7] != "":
			k, ok := rows(in[7], 0)
			if !ok || k < 1 {
				continue
			}
			if e, ok := length(""); ok && !e.IsConst() {
				out = append(out, tableCap{shapeinfer.Cap{Of: e, K: k}, fmt.Sprintf("rotary cache %q has %d rows (node %q)", in[7], k, n.GetName())})
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

// readsConstant reports whether node n is a Slice or Gather of a
// constant.
func readsConstant(m *onnxpb.Model, si *shapeinfer.Result, n *onnxpb.NodeProto) bool {
	if n == nil {
		return false
	}
	if op := n.GetOpType(); (op == "Slice" || op == "Gather") && len(n.GetInput()) > 0 {
		in := si.Values[n.GetInput()[0]]
		return in != nil && in.Const != nil || isInitializer(m, n.GetInput()[0])
	}
	return false
}

func producerMap(m *onnxpb.Model) map[string]*onnxpb.NodeProto {
	out := map[string]*onnxpb.NodeProto{}
	for _, n := range m.Graph().GetNode() {
		for _, o := range n.GetOutput() {
			out[o] = n
		}
	}
	return out
}

func isInitializer(m *onnxpb.Model, name string) bool {
	for _, t := range m.Graph().GetInitializer() {
		if t.GetName() == name {
			return true
		}
	}
	return false
}

// declareDerived names an input dim whose value is an expression over the
// free dims: its bound is the expression's range, capped where the model
// caps the same expression (min(2048, past_sequence_length +
// sequence_length)).
func (c *ctx) declareDerived(name string, e shapeinfer.Expr) error {
	if old, ok := c.derived[name]; ok {
		if !old.Equal(e) {
			return fmt.Errorf("dim %s is %s here and %s in another input", name, e, old)
		}
		return nil
	}
	lo, hi := e.MinValue(c.bounds), e.MaxValue(c.bounds)
	for _, k := range c.capsOf(e) {
		hi = min(hi, k)
	}
	if hi < 1 {
		return fmt.Errorf("dim %s = %s is never positive", name, e)
	}
	c.derived[name] = e
	c.bounds[name] = shapeinfer.Bound{Min: max(lo, 0), Max: hi}
	return nil
}

// capsOf lists the K of every min(K, e) some value of the graph holds.
func (c *ctx) capsOf(e shapeinfer.Expr) []int64 {
	if c.caps == nil {
		c.caps = map[string][]int64{}
		add := func(d shapeinfer.Expr) {
			for _, cp := range d.Caps() {
				k := cp.Of.String()
				if !slices.Contains(c.caps[k], cp.K) {
					c.caps[k] = append(c.caps[k], cp.K)
				}
			}
		}
		for _, info := range c.si.Values {
			for _, d := range info.Shape {
				add(d)
			}
			for _, d := range info.Value {
				add(d)
			}
		}
		for _, eq := range c.si.Unsolved {
			add(eq.A)
			add(eq.B)
		}
		for _, tc := range tableCaps(c.m, c.si) {
			k := tc.Of.String()
			c.caps[k] = append(c.caps[k], tc.K)
		}
		for _, bc := range c.si.BoundCaps {
			k := bc.Of.String()
			c.caps[k] = append(c.caps[k], bc.Bound.Max)
		}
	}
	return c.caps[e.String()]
}

// derivedSubs solves each derived input dim's definition for each of its
// symbols, so sizes can be rewritten to the name the loader binds
// (past_sequence_length + sequence_length → total_sequence_length).
func (c *ctx) derivedSubs() []map[string]shapeinfer.Expr {
	var out []map[string]shapeinfer.Expr
	for _, name := range sortedKeys(c.derived) {
		e := c.derived[name]
		for _, sym := range e.Symbols() {
			if x, ok := shapeinfer.SolveFor(shapeinfer.Sym(name), e, sym); ok {
				out = append(out, map[string]shapeinfer.Expr{sym: x})
			}
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
