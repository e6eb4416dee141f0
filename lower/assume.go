// Read-prefix assumptions: an input dim the graph only reads a prefix of.
//
// torch's dynamo exporter names the attention mask's length
// total_sequence_length and reads the mask through
// GatherND(mask, [b, k]) with k = arange(past_sequence_length +
// sequence_length): no op requires the two lengths to be equal, only the
// GatherND's index range requires total_sequence_length ≥ past + sequence
// (ONNX Runtime fails otherwise), and positions past that are never read.
// The KV length past + sequence then appears in reshape and expand sizes
// (repeat_kv), which a target that evaluates only NAME ± K (rustnn-0.5)
// cannot read, since no input declares it. For such a target the
// conversion assumes the read prefix is the whole axis — total_sequence_length
// = past_sequence_length + sequence_length — so the size becomes the
// input's dim. The converted graph then takes exactly the inputs with that
// relation (a longer mask, which the ONNX model would accept and ignore the
// tail of, is not accepted); the relation is reported with its reason
// (Result.Relations), and verify/generate bind inputs by it. The webnn
// target evaluates past + sequence itself and assumes nothing.

package lower

import (
	"fmt"
	"slices"

	"github.com/webnn-graph/webnn-graph/onnxpb"
	"github.com/webnn-graph/webnn-graph/shapeinfer"
	"github.com/webnn-graph/webnn-graph/target"
)

// prefixAssumptions lists, for a target that reads only NAME ± K sizes,
// the equalities dim == E for each graph-input dim (a free symbol) that a
// Gather or GatherND reads only at positions arange(E), where E is a size
// of the graph the target could not read otherwise.
func prefixAssumptions(m *onnxpb.Model, si *shapeinfer.Result, t *target.Target) (out []shapeinfer.Equality) {
	defer func() {
		// An analysis that overflows (coefficients past int64) assumes
		// nothing; the conversion then goes on as without it.
		if r := recover(); r != nil {
			if _, overflow := r.(*shapeinfer.OverflowError); !overflow {
				panic(r)
			}
			out = nil
		}
	}()
	if t == nil {
		t = target.Default
	}
	if t.Sizes != target.SizesOffset || si == nil {
		return nil
	}
	c := analysisCtx(m, si)
	// The sizes the graph uses, to assume only what some size needs.
	used := map[string]bool{}
	for _, info := range si.Values {
		for _, d := range info.Shape {
			used[d.String()] = true
		}
	}
	inputs := map[string]bool{}
	for _, vi := range m.Graph().GetInput() {
		if _, isInit := c.inits[vi.GetName()]; !isInit {
			inputs[vi.GetName()] = true
		}
	}
	// readOf follows v back through ops that keep every element where it
	// is (Cast, Identity) to a graph input.
	readOf := func(v string) (string, bool) {
		for range maxIndexFormDepth {
			if inputs[v] {
				return v, true
			}
			p := c.producer[v]
			if p == nil || p.domain() != "" || len(p.Input) == 0 || (p.GetOpType() != "Cast" && p.GetOpType() != "Identity") {
				return "", false
			}
			v = p.Input[0]
		}
		return "", false
	}
	// arange reports the length E of an index that is exactly arange(E)
	// along one axis (broadcast along the others).
	arange := func(v string) (shapeinfer.Expr, bool) {
		f, ok := c.indexForm(v)
		if !ok || len(f.terms) != 1 || !f.offset.Equal(shapeinfer.Const(0)) {
			return shapeinfer.Expr{}, false
		}
		tm := f.terms[0]
		if !tm.coef.Equal(shapeinfer.Const(1)) || !tm.start.Equal(shapeinfer.Const(0)) || !tm.step.Equal(shapeinfer.Const(1)) {
			return shapeinfer.Expr{}, false
		}
		return tm.n, true
	}
	seen := map[string]bool{}
	consider := func(n *srcNode, input string, axis int, e shapeinfer.Expr) {
		info := si.Values[input]
		if info == nil || axis >= len(info.Shape) {
			return
		}
		d := info.Shape[axis]
		sym, ok := d.SymName()
		if !ok || seen[sym] || e.IsConst() || slices.Contains(e.Symbols(), sym) || !used[e.String()] {
			return
		}
		if _, _, offset := e.OffsetForm(); offset {
			return // the target reads e already
		}
		seen[sym] = true
		out = append(out, shapeinfer.Equality{A: d, B: e, Node: fmt.Sprintf(
			"the assumption of target %s that input %q has no positions past those node %q (%s) reads along dim %d (0 … %s - 1)",
			t.Name, input, n.label, n.GetOpType(), axis, e)})
	}
	for _, n := range c.nodes {
		if n.domain() != "" || len(n.Input) < 2 {
			continue
		}
		switch n.GetOpType() {
		case "Gather":
			x, ok := readOf(n.Input[0])
			if !ok {
				continue
			}
			axis, err := normAxis(attrInt(n, "axis", 0), si.Values[x].Rank())
			if err != nil {
				continue
			}
			if e, ok := arange(n.Input[1]); ok {
				consider(n, x, int(axis), e)
			}
		case "GatherND":
			x, ok := readOf(n.Input[0])
			if !ok || attrInt(n, "batch_dims", 0) != 0 {
				continue
			}
			// The index tuple is a Concat along its last axis of one
			// component per data axis.
			cat := c.producer[n.Input[1]]
			idx := si.Values[n.Input[1]]
			if cat == nil || cat.GetOpType() != "Concat" || idx.Rank() < 1 {
				continue
			}
			if ax, err := normAxis(attrInt(cat, "axis", 0), idx.Rank()); err != nil || int(ax) != idx.Rank()-1 {
				continue
			}
			for k, comp := range cat.Input {
				ci := si.Values[comp]
				if ci.Rank() != idx.Rank() || !ci.Shape[ci.Rank()-1].Equal(shapeinfer.Const(1)) {
					break // components of one axis each, in order
				}
				if e, ok := arange(comp); ok {
					consider(n, x, k, e)
				}
			}
		}
	}
	return out
}

// analysisCtx is a ctx with only what the value analyses (indexForm) read:
// shape facts, producers and initializers.
func analysisCtx(m *onnxpb.Model, si *shapeinfer.Result) *ctx {
	c := &ctx{m: m, si: si, bounds: si.Bounds, producer: map[string]*srcNode{}, inits: map[string]*onnxpb.TensorProto{}}
	for _, t := range m.Graph().GetInitializer() {
		c.inits[t.GetName()] = t
	}
	for i, np := range m.Graph().GetNode() {
		n := &srcNode{NodeProto: np, index: i, label: np.GetName()}
		if n.label == "" {
			n.label = fmt.Sprintf("#%d", i)
		}
		for _, o := range np.Output {
			if o != "" {
				c.producer[o] = n
			}
		}
		c.nodes = append(c.nodes, n)
	}
	return c
}
