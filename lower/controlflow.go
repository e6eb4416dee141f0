// Control flow resolved at conversion time. WebNN graphs have no control
// flow, but many exported models only look dynamic: an If whose condition
// follows from input shapes (silero-vad's op15 export compares a dim with
// a constant), or from a small input the caller always feeds the same
// value (silero's sr = 16000, optimum merged decoders' use_cache_branch,
// pinned with --freeze-input), and Loop/Scan nodes with a static trip
// count. Before lowering, the main graph is rewritten:
//
//   - a pinned input becomes an initializer holding its value;
//   - an If whose condition shape inference knows is replaced by the nodes
//     of the taken branch (values it defines renamed where they would clash
//     with the main graph; references to the enclosing scope kept), its
//     outputs bound with Identity;
//   - a Loop with a constant trip count (at most maxUnrollIterations) and a
//     condition that stays true, and a Scan (opset ≥ 9) over a static
//     sequence length, are unrolled: one renamed copy of the body per
//     iteration, carried values chained, scan outputs stacked with
//     Unsqueeze + Concat.
//
// Shape inference runs again after each round, so conditions that become
// known once another If is folded fold too. The rewrite edits the model's
// main graph and is undone when Convert returns: the caller's model (which
// verify also runs on runtime/onnx) is unchanged. Subgraph nodes are never
// modified; their inlined copies are new nodes sharing the attributes.

package lower

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/webnn-graph/webnn-graph/onnxpb"
	"github.com/webnn-graph/webnn-graph/shapeinfer"
	"github.com/webnn-graph/webnn-graph/tensor"
	"google.golang.org/protobuf/proto"
)

const (
	// maxUnrollIterations bounds the trip count of an unrolled Loop or
	// Scan; longer loops are refused.
	maxUnrollIterations = 256
	// maxUnrolledNodes bounds iterations × body nodes of one unrolled
	// loop, so a small trip count over a large body cannot blow up the
	// graph either. Body nodes count those of the graphs nested in them
	// (an inner Loop's body, an If's branches).
	maxUnrolledNodes = 1 << 14
	// maxTotalUnrolledNodes bounds the nodes all unrolling of one model
	// creates, over every round: Loops nested in Loops (each unrolled copy
	// of the outer body holds an inner Loop, unrolled next round) or many
	// sibling Loops each within maxUnrolledNodes multiply past it.
	maxTotalUnrolledNodes = 1 << 16
	// maxPinnedElements bounds the size of a --freeze-input value.
	maxPinnedElements = 1 << 12
	// maxControlFlowRounds bounds the fold/re-infer rounds (nested Ifs
	// need one round per level).
	maxControlFlowRounds = 32
)

// graphState is the part of the main graph the rewrites change.
type graphState struct {
	nodes  []*onnxpb.NodeProto
	inits  []*onnxpb.TensorProto
	inputs []*onnxpb.ValueInfoProto
}

func saveGraph(g *onnxpb.GraphProto) graphState {
	return graphState{nodes: g.Node, inits: g.Initializer, inputs: g.Input}
}

func (s graphState) restore(g *onnxpb.GraphProto) {
	g.Node, g.Initializer, g.Input = s.nodes, s.inits, s.inputs
}

// editing makes g's slices private copies so appends and replacements do
// not write into arrays the saved state (or the caller) still uses.
func editing(g *onnxpb.GraphProto) {
	g.Node = append([]*onnxpb.NodeProto(nil), g.Node...)
	g.Initializer = append([]*onnxpb.TensorProto(nil), g.Initializer...)
	g.Input = append([]*onnxpb.ValueInfoProto(nil), g.Input...)
}

// pinInputs turns each named graph input into an initializer holding the
// given value: a comma-separated list of numbers (or true/false) filling
// the input's declared shape (a rank-1 input of dynamic length takes the
// list's length).
func pinInputs(g *onnxpb.GraphProto, vals map[string]string) error {
	if len(vals) == 0 {
		return nil
	}
	inits := map[string]bool{}
	for _, t := range g.GetInitializer() {
		inits[t.GetName()] = true
	}
	done := map[string]bool{}
	var keep []*onnxpb.ValueInfoProto
	for _, vi := range g.GetInput() {
		text, ok := vals[vi.GetName()]
		if !ok || inits[vi.GetName()] {
			keep = append(keep, vi)
			continue
		}
		t, err := parsePinned(vi, text)
		if err != nil {
			shown := text
			if len(shown) > 40 {
				shown = shown[:40] + "…"
			}
			return fmt.Errorf("lower: --freeze-input %s=%s: %w", vi.GetName(), shown, err)
		}
		g.Initializer = append(g.Initializer, t)
		done[vi.GetName()] = true
	}
	for name := range vals {
		if !done[name] {
			if inits[name] {
				return fmt.Errorf("lower: --freeze-input %s: the input has an initializer (it is already a constant unless fed)", name)
			}
			return fmt.Errorf("lower: --freeze-input %s: the model has no graph input of that name", name)
		}
	}
	g.Input = keep
	return nil
}

func parsePinned(vi *onnxpb.ValueInfoProto, text string) (*onnxpb.TensorProto, error) {
	t, err := ParseInputValue(vi, text)
	if err != nil {
		return nil, err
	}
	dims64 := make([]int64, len(t.Shape))
	for i, d := range t.Shape {
		dims64[i] = int64(d)
	}
	return &onnxpb.TensorProto{Name: vi.GetName(), DataType: int32(t.DType), Dims: dims64, RawData: t.Bytes()}, nil
}

// ParseInputValue reads a --freeze-input value for the graph input vi: a
// comma-separated list of numbers (or true/false) filling its declared
// shape; a rank-1 input of dynamic length takes the list's length.
func ParseInputValue(vi *onnxpb.ValueInfoProto, text string) (*tensor.Tensor, error) {
	dt, dims, ok := onnxpb.ValueType(vi)
	if !ok {
		return nil, fmt.Errorf("the input is not a tensor")
	}
	parts := strings.Split(text, ",")
	if len(parts) > maxPinnedElements {
		return nil, fmt.Errorf("%d values, at most %d", len(parts), maxPinnedElements)
	}
	var shape []int
	switch {
	case dims == nil:
		return nil, fmt.Errorf("the input's shape is not declared")
	case len(dims) == 1 && !dims[0].Known:
		shape = []int{len(parts)}
	default:
		n := 1
		for i, d := range dims {
			if !d.Known {
				return nil, fmt.Errorf("dim %d of the input is dynamic (only a rank-1 input may take its length from the value)", i)
			}
			shape = append(shape, int(d.Value))
			n *= int(d.Value)
		}
		if n != len(parts) {
			return nil, fmt.Errorf("%d values for shape %v", len(parts), shape)
		}
	}
	t := tensor.New(dt, shape)
	for i, p := range parts {
		p = strings.TrimSpace(p)
		var f float64
		var err error
		switch strings.ToLower(p) {
		case "true":
			f = 1
		case "false":
			f = 0
		default:
			f, err = strconv.ParseFloat(p, 64)
		}
		if err != nil {
			return nil, fmt.Errorf("value %q is not a number", p)
		}
		if err := setElement(t, i, f); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// setElement stores f at i, refusing values the type cannot hold exactly.
func setElement(t *tensor.Tensor, i int, f float64) error {
	isInt := f == float64(int64(f))
	switch d := t.Data.(type) {
	case []float32:
		d[i] = float32(f)
	case []float64:
		d[i] = f
	case []bool:
		if f != 0 && f != 1 {
			return fmt.Errorf("value %v is not a bool", f)
		}
		d[i] = f == 1
	case []int64:
		if !isInt {
			return fmt.Errorf("value %v is not an integer", f)
		}
		d[i] = int64(f)
	case []int32:
		if !isInt || f < -1<<31 || f >= 1<<31 {
			return fmt.Errorf("value %v is not an int32", f)
		}
		d[i] = int32(f)
	case []int8:
		if !isInt || f < -128 || f > 127 {
			return fmt.Errorf("value %v is not an int8", f)
		}
		d[i] = int8(f)
	case []uint8:
		if !isInt || f < 0 || f > 255 {
			return fmt.Errorf("value %v is not a uint8", f)
		}
		d[i] = uint8(f)
	default:
		return fmt.Errorf("inputs of type %v cannot be pinned", t.DType)
	}
	return nil
}

// cfRewriter resolves the control flow of one model.
type cfRewriter struct {
	g      *onnxpb.GraphProto
	opset  int64
	names  map[string]bool     // every value name, subgraphs included (fresh avoids them all)
	top    map[string]bool     // the names the main graph itself defines
	kept   map[string]string   // node (by first output) → why it stays
	checks []*unrolledLoopCond // conditions to confirm after re-inference
	serial int
	// unrolled counts the nodes unrolling has created so far (against
	// maxTotalUnrolledNodes); roundStart is its value when the current
	// round began (a reverted Loop undoes the whole round's rewrites).
	unrolled, roundStart int64
	// selectPhase is set once folding and unrolling change nothing more:
	// an If whose condition is tensor data is then computed both ways
	// and selected (selectIf). selected are those of the current round,
	// to confirm after re-inference; noSelect the Ifs (by key) for which
	// that was undone, with why.
	selectPhase bool
	selected    []*selectedIf
	noSelect    map[string]string
	// reinfer is set when confirmed selections became Where nodes: an
	// inference made before holds the then branch's values for them.
	reinfer bool
}

// selectedIf is an If rewritten into both branches and a Where per
// output, kept only if re-inference gives each output's two branch
// values the same shape and changes no dim relation.
type selectedIf struct {
	node  *onnxpb.NodeProto
	pairs [][2]string // then, else value of each output
	// binds are the nodes that define the If's outputs: Identity of the
	// then value until confirmed, then Where(cond, then, else). (A Where
	// from the start would make inference assume broadcast equalities
	// between the branches' dims, hiding a mismatch.)
	binds    []*onnxpb.NodeProto
	cond     string
	before   graphState
	unrolled int64
	// facts is what inference knew of the dims before (dimFacts): computing
	// a branch the model would not take must not constrain them.
	facts map[string]bool
}

// unrolledLoopCond is an unrolled Loop whose per-iteration conditions
// must all be known true once shape inference has run again.
type unrolledLoopCond struct {
	node   *onnxpb.NodeProto
	conds  []string
	before graphState
}

func newCFRewriter(m *onnxpb.Model) *cfRewriter {
	r := &cfRewriter{g: m.Graph(), opset: m.Opsets[""], kept: map[string]string{}, noSelect: map[string]string{}}
	if r.opset == 0 {
		r.opset = m.Opsets["ai.onnx"]
	}
	return r
}

func (r *cfRewriter) collectNames() {
	r.names = map[string]bool{}
	r.top = map[string]bool{}
	for _, vi := range r.g.GetInput() {
		r.top[vi.GetName()] = true
	}
	for _, t := range r.g.GetInitializer() {
		r.top[t.GetName()] = true
	}
	for _, n := range r.g.GetNode() {
		for _, o := range n.Output {
			r.top[o] = true
		}
	}
	for k := range r.top {
		r.names[k] = true
	}
	var walk func(g *onnxpb.GraphProto)
	walk = func(g *onnxpb.GraphProto) {
		for _, n := range g.GetNode() {
			for _, o := range n.Output {
				r.names[o] = true
			}
			for _, a := range n.GetAttribute() {
				if a.GetG() != nil {
					walk(a.GetG())
				}
				for _, sg := range a.GetGraphs() {
					walk(sg)
				}
			}
		}
		for _, vi := range g.GetInput() {
			r.names[vi.GetName()] = true
		}
		for _, t := range g.GetInitializer() {
			r.names[t.GetName()] = true
		}
	}
	walk(r.g)
}

// fresh returns an unused value name based on want.
func (r *cfRewriter) fresh(want string) string {
	name := want
	for r.names[name] {
		r.serial++
		name = fmt.Sprintf("%s__%d", want, r.serial)
	}
	r.names[name] = true
	r.top[name] = true
	return name
}

func nodeKey(n *onnxpb.NodeProto) string {
	if len(n.Output) > 0 {
		return n.Output[0]
	}
	return n.GetName()
}

// round folds every If it can and unrolls every Loop/Scan it can, once.
// It reports whether the graph changed.
func (r *cfRewriter) round(si *shapeinfer.Result) (bool, error) {
	r.roundStart = r.unrolled
	r.collectNames()
	var out []*onnxpb.NodeProto
	changed := false
	for _, n := range r.g.GetNode() {
		if n.GetDomain() != "" && n.GetDomain() != "ai.onnx" {
			out = append(out, n)
			continue
		}
		if why, stays := r.kept[nodeKey(n)]; stays && !strings.HasPrefix(why, "later:") {
			out = append(out, n)
			continue
		}
		var repl []*onnxpb.NodeProto
		var why string
		var err error
		switch n.GetOpType() {
		case "If":
			repl, why, err = r.foldIf(n, si)
			if repl == nil && err == nil && r.selectPhase && strings.HasPrefix(why, "later:") && r.noSelect[nodeKey(n)] == "" {
				var sel []*onnxpb.NodeProto
				sel, err = r.selectIf(n, si)
				if sel != nil {
					repl = sel
				}
			}
		case "Loop":
			repl, why, err = r.unrollLoop(n, si, len(out))
		case "Scan":
			repl, why, err = r.unrollScan(n, si)
		default:
			out = append(out, n)
			continue
		}
		if err != nil {
			return false, err
		}
		if repl == nil {
			if why != "" {
				r.kept[nodeKey(n)] = why // "later:" reasons are retried next round
			}
			out = append(out, n)
			continue
		}
		changed = true
		out = append(out, repl...)
	}
	if changed {
		r.g.Node = out
	}
	return changed, nil
}

// knownBool returns the value of a scalar bool (or numeric) value shape
// inference knows.
func knownBool(si *shapeinfer.Result, name string) (val, ok bool) {
	in := si.Values[name]
	if in == nil {
		return false, false
	}
	if in.Value != nil && len(in.Value) == 1 {
		if v, ok := in.Value[0].Value(); ok {
			return v != 0, true
		}
	}
	if in.Const != nil && in.Const.Len() == 1 {
		if f, ok := tensorFloats(in.Const); ok {
			return f[0] != 0, true
		}
	}
	return false, false
}

func (r *cfRewriter) foldIf(n *onnxpb.NodeProto, si *shapeinfer.Result) ([]*onnxpb.NodeProto, string, error) {
	if len(n.Input) < 1 || n.Input[0] == "" {
		return nil, "If without a condition", nil
	}
	cond, ok := knownBool(si, n.Input[0])
	if !ok {
		return nil, fmt.Sprintf("later: the condition %q is not known at conversion time", n.Input[0]), nil
	}
	branch := "else_branch"
	if cond {
		branch = "then_branch"
	}
	g := onnxpb.AttrGraph(n, branch)
	if g == nil {
		return nil, "", fmt.Errorf("lower: node %q (If): no %s", n.GetName(), branch)
	}
	if len(g.GetOutput()) != len(n.Output) {
		return nil, "", fmt.Errorf("lower: node %q (If): %s has %d outputs, the node %d", n.GetName(), branch, len(g.GetOutput()), len(n.Output))
	}
	if err := checkBranchTypes(n); err != nil {
		return nil, "", err
	}
	// Values the branch defines keep their names unless the main graph
	// already uses them.
	ren := map[string]string{}
	pfx := n.GetName()
	if pfx == "" {
		pfx = nodeKey(n)
	}
	for _, t := range g.GetInitializer() {
		ren[t.GetName()] = r.fresh(pfx + "/" + t.GetName())
	}
	for _, bn := range g.GetNode() {
		for _, o := range bn.Output {
			if o == "" {
				continue
			}
			if r.top[o] {
				ren[o] = r.fresh(pfx + "/" + o)
			} else {
				ren[o] = o
				r.top[o] = true
			}
		}
	}
	for _, t := range g.GetInitializer() {
		c := proto.Clone(t).(*onnxpb.TensorProto)
		c.Name = ren[t.GetName()]
		r.g.Initializer = append(r.g.Initializer, c)
	}
	var out []*onnxpb.NodeProto
	for _, bn := range g.GetNode() {
		out = append(out, renamedNode(bn, ren, ""))
	}
	for i, o := range g.GetOutput() {
		if n.Output[i] == "" {
			continue
		}
		src := o.GetName()
		if v, ok := ren[src]; ok {
			src = v
		}
		out = append(out, &onnxpb.NodeProto{OpType: "Identity", Name: pfx + "/output_" + strconv.Itoa(i), Input: []string{src}, Output: []string{n.Output[i]}})
	}
	return out, "", nil
}

// selectIf rewrites an If whose condition is tensor data (silero and
// openWakeWord verifier heads: "if p >= 0.5, run the verifier, else
// pass p through") into both branches, computed side by side, and
// y = Where(cond, then, else) per output. That is exact when both
// branches give each output the same shape: ONNX values have no side
// effects, and the branch not taken only costs time. Whether the shapes
// agree is known once inference has run again (confirmSelects). A
// condition computed from shapes is not selected: its branches usually
// handle different sizes, and --freeze folds it.
func (r *cfRewriter) selectIf(n *onnxpb.NodeProto, si *shapeinfer.Result) ([]*onnxpb.NodeProto, error) {
	if in := si.Values[n.Input[0]]; in == nil || in.Value != nil || r.opset < 9 {
		return nil, nil
	}
	if err := checkBranchTypes(n); err != nil {
		return nil, err
	}
	then, els := onnxpb.AttrGraph(n, "then_branch"), onnxpb.AttrGraph(n, "else_branch")
	if len(then.GetOutput()) != len(n.Output) || len(then.GetInput()) > 0 || len(els.GetInput()) > 0 {
		return nil, nil
	}
	for _, g := range []*onnxpb.GraphProto{then, els} {
		for _, o := range g.GetOutput() {
			if o.GetType().GetTensorType() == nil {
				return nil, nil // a sequence or optional: Where selects tensors
			}
		}
	}
	before := graphState{nodes: append([]*onnxpb.NodeProto(nil), r.g.Node...), inits: append([]*onnxpb.TensorProto(nil), r.g.Initializer...), inputs: r.g.Input}
	pfx := n.GetName()
	if pfx == "" {
		pfx = nodeKey(n)
	}
	thenNodes, thenOuts, err := r.inlineBody(then, nil, pfx+"/then/")
	if err != nil {
		return nil, fmt.Errorf("lower: node %q (If): %w", n.GetName(), err)
	}
	elseNodes, elseOuts, err := r.inlineBody(els, nil, pfx+"/else/")
	if err != nil {
		return nil, fmt.Errorf("lower: node %q (If): %w", n.GetName(), err)
	}
	out := append(thenNodes, elseNodes...)
	// The condition holds one element of any rank; as a scalar it
	// broadcasts to every output without changing its rank.
	scalar := r.scalarInit(pfx+"/scalar_shape", &tensor.Tensor{DType: tensor.Int64, Shape: []int{0}, Data: []int64{}})
	cond := r.fresh(pfx + "/cond")
	out = append(out, &onnxpb.NodeProto{OpType: "Reshape", Name: pfx + "/cond", Input: []string{n.Input[0], scalar}, Output: []string{cond}})
	sel := &selectedIf{node: n, before: before, unrolled: r.roundStart, facts: dimFacts(si), cond: cond}
	for i, o := range n.Output {
		if o == "" {
			continue
		}
		bind := &onnxpb.NodeProto{OpType: "Identity", Name: pfx + "/select_" + strconv.Itoa(i), Input: []string{thenOuts[i]}, Output: []string{o}}
		out = append(out, bind)
		sel.binds = append(sel.binds, bind)
		sel.pairs = append(sel.pairs, [2]string{thenOuts[i], elseOuts[i]})
	}
	r.selected = append(r.selected, sel)
	return out, nil
}

// dimFacts is what inference has found about the dims: relations,
// assumed equalities and derived minimums, as strings.
func dimFacts(si *shapeinfer.Result) map[string]bool {
	f := map[string]bool{}
	for _, rel := range si.Relations {
		f["relation "+rel.String()] = true
	}
	for _, c := range si.Constraints {
		f["constraint "+c] = true
	}
	for _, m := range si.Minimums {
		f[fmt.Sprintf("minimum %s >= %d", m.Name, m.Min)] = true
	}
	return f
}

// confirmSelects checks the Ifs selected so far against the new
// inference (inferErr when it failed). One whose branch values have the
// same shapes, with no new fact about the dims, becomes a Where per
// output. One whose shapes are not known yet waits while other control
// flow may still resolve (final false: an If nested in its branches
// folds next round). Otherwise every rewrite since the earliest pending
// selection is undone, that If is remembered in noSelect, and
// confirmSelects reports true (the caller infers again).
func (r *cfRewriter) confirmSelects(si *shapeinfer.Result, inferErr error, final bool) bool {
	if len(r.selected) == 0 {
		return false
	}
	failed := map[*selectedIf]string{}
	var pending []*selectedIf
	for _, sel := range r.selected {
		if inferErr != nil {
			failed[sel] = "the shapes of both branches cannot be inferred together (" + strings.TrimPrefix(strings.TrimPrefix(inferErr.Error(), "lower: "), "shapeinfer: ") + ")"
			continue
		}
		unknown := false
		for i, p := range sel.pairs {
			a, b := si.Values[p[0]], si.Values[p[1]]
			if a == nil || b == nil || a.Shape == nil || b.Shape == nil {
				unknown = true
				if final {
					failed[sel] = fmt.Sprintf("the shape output %d has in a branch is not known at conversion time", i)
				}
				break
			}
			if !sameShape(a.Shape, b.Shape) || a.DType != b.DType {
				failed[sel] = fmt.Sprintf("the branches give output %d the shapes %s and %s", i, shapeinfer.ShapeString(a.Shape), shapeinfer.ShapeString(b.Shape))
				break
			}
		}
		if failed[sel] != "" {
			continue
		}
		if unknown {
			pending = append(pending, sel)
			continue
		}
		var added []string
		for f := range dimFacts(si) {
			if !sel.facts[f] {
				added = append(added, f)
			}
		}
		if len(added) > 0 {
			sort.Strings(added)
			failed[sel] = "computing the branch the model does not take would constrain the dims (" + strings.Join(added, "; ") + ")"
		}
	}
	if len(failed) == 0 {
		for _, sel := range r.selected {
			if slices.Contains(pending, sel) {
				continue
			}
			for i, b := range sel.binds {
				b.OpType = "Where"
				b.Input = []string{sel.cond, sel.pairs[i][0], sel.pairs[i][1]}
			}
			// The inference the caller holds saw Identity(then): the
			// values it knows of the outputs (a constant branch's) are
			// the then branch's. It must infer again.
			r.reinfer = true
		}
		r.selected = pending
		return false
	}
	// Undoing the round undoes the selections still waiting too; one
	// waiting on control flow in its branches that just failed would be
	// selected again with that control flow renamed, and fail again: it
	// is given up with the others.
	var because string
	for _, why := range failed {
		if because == "" || why < because {
			because = why
		}
	}
	for _, sel := range pending {
		failed[sel] = "the shape of an output depends on control flow in a branch that cannot be resolved (" + because + ")"
	}
	first := r.selected[0]
	first.before.restore(r.g)
	for sel, why := range failed {
		r.noSelect[nodeKey(sel.node)] = why
	}
	r.selected = nil
	r.unrolled = first.unrolled
	r.checks = nil
	return true
}

// checkBranchTypes refuses an If whose branches declare outputs of
// different element types (the ONNX checker's rule; ONNX Runtime refuses
// such a model): folding one branch would silently give the node, and the
// graph output it feeds, the type of whichever branch the condition picks.
// Shapes may differ between branches.
func checkBranchTypes(n *onnxpb.NodeProto) error {
	then, els := onnxpb.AttrGraph(n, "then_branch"), onnxpb.AttrGraph(n, "else_branch")
	if then == nil || els == nil {
		return fmt.Errorf("lower: node %q (If): a branch is missing", n.GetName())
	}
	if len(then.GetOutput()) != len(els.GetOutput()) {
		return fmt.Errorf("lower: node %q (If): then_branch has %d outputs, else_branch %d", n.GetName(), len(then.GetOutput()), len(els.GetOutput()))
	}
	for i, t := range then.GetOutput() {
		tt, et := t.GetType().GetTensorType().GetElemType(), els.GetOutput()[i].GetType().GetTensorType().GetElemType()
		if tt != 0 && et != 0 && tt != et {
			return fmt.Errorf("lower: node %q (If): output %d is %v in then_branch and %v in else_branch", n.GetName(), i, tensor.DType(tt), tensor.DType(et))
		}
	}
	return nil
}

// renamedNode copies n with inputs and outputs renamed by ren (names not in
// ren kept); graph attributes that read renamed names from their enclosing
// scope are cloned with those references renamed. Other attributes are
// shared with n.
func renamedNode(n *onnxpb.NodeProto, ren map[string]string, suffix string) *onnxpb.NodeProto {
	mapName := func(s string) string {
		if v, ok := ren[s]; ok {
			return v
		}
		return s
	}
	c := &onnxpb.NodeProto{OpType: n.GetOpType(), Domain: n.GetDomain(), Name: n.GetName() + suffix, Overload: n.GetOverload()}
	for _, in := range n.Input {
		c.Input = append(c.Input, mapName(in))
	}
	for _, o := range n.Output {
		c.Output = append(c.Output, mapName(o))
	}
	for _, a := range n.GetAttribute() {
		if a.GetG() == nil && len(a.GetGraphs()) == 0 {
			c.Attribute = append(c.Attribute, a)
			continue
		}
		if !readsAny(a, ren) {
			c.Attribute = append(c.Attribute, a)
			continue
		}
		ca := proto.Clone(a).(*onnxpb.AttributeProto)
		if ca.G != nil {
			renameFree(ca.G, ren)
		}
		for _, sg := range ca.Graphs {
			renameFree(sg, ren)
		}
		c.Attribute = append(c.Attribute, ca)
	}
	return c
}

func readsAny(a *onnxpb.AttributeProto, ren map[string]string) bool {
	gs := a.GetGraphs()
	if a.GetG() != nil {
		gs = append([]*onnxpb.GraphProto{a.GetG()}, gs...)
	}
	for _, g := range gs {
		for _, f := range freeNames(g) {
			if v, ok := ren[f]; ok && v != f {
				return true
			}
		}
	}
	return false
}

// renameFree renames, in place, the references of g (a private clone) to
// enclosing-scope names, leaving names g defines itself alone.
func renameFree(g *onnxpb.GraphProto, ren map[string]string) {
	local := map[string]bool{}
	for _, vi := range g.GetInput() {
		local[vi.GetName()] = true
	}
	for _, t := range g.GetInitializer() {
		local[t.GetName()] = true
	}
	for _, n := range g.GetNode() {
		for _, o := range n.Output {
			local[o] = true
		}
	}
	inner := map[string]string{}
	for k, v := range ren {
		if !local[k] {
			inner[k] = v
		}
	}
	for _, n := range g.GetNode() {
		for i, in := range n.Input {
			if v, ok := inner[in]; ok {
				n.Input[i] = v
			}
		}
		for _, a := range n.GetAttribute() {
			if a.G != nil {
				renameFree(a.G, inner)
			}
			for _, sg := range a.Graphs {
				renameFree(sg, inner)
			}
		}
	}
	for _, o := range g.GetOutput() {
		if v, ok := inner[o.GetName()]; ok {
			o.Name = v
		}
	}
}

// freeNames returns the names g's nodes (and nested graphs) read that g
// does not define.
func freeNames(g *onnxpb.GraphProto) []string {
	defined := map[string]bool{"": true}
	for _, vi := range g.GetInput() {
		defined[vi.GetName()] = true
	}
	for _, t := range g.GetInitializer() {
		defined[t.GetName()] = true
	}
	for _, n := range g.GetNode() {
		for _, o := range n.Output {
			defined[o] = true
		}
	}
	var out []string
	seen := map[string]bool{}
	add := func(s string) {
		if !defined[s] && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for _, n := range g.GetNode() {
		for _, in := range n.Input {
			add(in)
		}
		for _, a := range n.GetAttribute() {
			if a.GetG() != nil {
				for _, f := range freeNames(a.GetG()) {
					add(f)
				}
			}
			for _, sg := range a.GetGraphs() {
				for _, f := range freeNames(sg) {
					add(f)
				}
			}
		}
	}
	for _, o := range g.GetOutput() {
		add(o.GetName())
	}
	return out
}

// scalarInit adds an initializer holding one value and returns its name.
func (r *cfRewriter) scalarInit(want string, t *tensor.Tensor) string {
	name := r.fresh(want)
	dims := make([]int64, len(t.Shape))
	for i, d := range t.Shape {
		dims[i] = int64(d)
	}
	r.g.Initializer = append(r.g.Initializer, &onnxpb.TensorProto{Name: name, DataType: int32(t.DType), Dims: dims, RawData: t.Bytes()})
	return name
}

// unsqueezeNode inserts a size-1 axis (opset-dependent form).
func (r *cfRewriter) unsqueezeNode(name, in, out string, axis int64) []*onnxpb.NodeProto {
	if r.opset >= 13 {
		ax := r.scalarInit(name+"/axes", &tensor.Tensor{DType: tensor.Int64, Shape: []int{1}, Data: []int64{axis}})
		return []*onnxpb.NodeProto{{OpType: "Unsqueeze", Name: name, Input: []string{in, ax}, Output: []string{out}}}
	}
	return []*onnxpb.NodeProto{{OpType: "Unsqueeze", Name: name, Input: []string{in}, Output: []string{out},
		Attribute: []*onnxpb.AttributeProto{{Name: "axes", Type: onnxpb.AttributeProto_INTS, Ints: []int64{axis}}}}}
}

// inlineBody appends one renamed copy of body: its inputs bound to
// inputs, every value it defines renamed with prefix. It returns the
// nodes and the (renamed) names of its outputs.
func (r *cfRewriter) inlineBody(body *onnxpb.GraphProto, inputs []string, prefix string) ([]*onnxpb.NodeProto, []string, error) {
	if len(inputs) != len(body.GetInput()) {
		return nil, nil, fmt.Errorf("body takes %d inputs, given %d", len(body.GetInput()), len(inputs))
	}
	ren := map[string]string{}
	var nodes []*onnxpb.NodeProto
	for i, vi := range body.GetInput() {
		// Bind each body input with an Identity so the body's own name
		// for it is defined in the main graph.
		name := r.fresh(prefix + vi.GetName())
		ren[vi.GetName()] = name
		nodes = append(nodes, &onnxpb.NodeProto{OpType: "Identity", Name: prefix + "in" + strconv.Itoa(i), Input: []string{inputs[i]}, Output: []string{name}})
	}
	for _, t := range body.GetInitializer() {
		c := proto.Clone(t).(*onnxpb.TensorProto)
		c.Name = r.fresh(prefix + t.GetName())
		ren[t.GetName()] = c.Name
		r.g.Initializer = append(r.g.Initializer, c)
	}
	for _, bn := range body.GetNode() {
		for _, o := range bn.Output {
			if o != "" {
				ren[o] = r.fresh(prefix + o)
			}
		}
	}
	for _, bn := range body.GetNode() {
		nodes = append(nodes, renamedNode(bn, ren, "/"+strings.TrimSuffix(prefix, "/")))
	}
	outs := make([]string, len(body.GetOutput()))
	for i, o := range body.GetOutput() {
		outs[i] = o.GetName()
		if v, ok := ren[o.GetName()]; ok {
			outs[i] = v
		}
	}
	return nodes, outs, nil
}

func (r *cfRewriter) unrollLoop(n *onnxpb.NodeProto, si *shapeinfer.Result, at int) ([]*onnxpb.NodeProto, string, error) {
	body := onnxpb.AttrGraph(n, "body")
	if body == nil {
		return nil, "", fmt.Errorf("lower: node %q (Loop): no body", n.GetName())
	}
	if len(n.Input) < 1 || n.Input[0] == "" {
		return nil, "the trip count M is absent (a while loop: its length depends on tensor data)", nil
	}
	trips, ok := si.Values[n.Input[0]], false
	var M int64
	if trips != nil && trips.Value != nil && len(trips.Value) == 1 {
		M, ok = trips.Value[0].Value()
	}
	if !ok {
		return nil, fmt.Sprintf("later: the trip count %q is not known at conversion time", n.Input[0]), nil
	}
	if len(n.Input) > 1 && n.Input[1] != "" {
		c, known := knownBool(si, n.Input[1])
		if !known {
			return nil, fmt.Sprintf("later: the loop condition %q is not known at conversion time", n.Input[1]), nil
		}
		if !c {
			M = 0
		}
	}
	if M < 0 {
		M = 0
	}
	if why, err := r.unrollBudget(n, "trip count", M, body, 2); why != "" || err != nil {
		return nil, why, err
	}
	nCarried := len(n.Input) - 2
	if nCarried < 0 {
		nCarried = 0
	}
	nScan := len(body.GetOutput()) - 1 - nCarried
	if len(body.GetInput()) != 2+nCarried || nScan < 0 {
		return nil, "", fmt.Errorf("lower: node %q (Loop): body has %d inputs and %d outputs for %d carried values", n.GetName(), len(body.GetInput()), len(body.GetOutput()), nCarried)
	}
	if M == 0 && nScan > 0 {
		return nil, "a Loop of zero iterations with scan outputs (empty tensors of unknown shape)", nil
	}
	before := graphState{nodes: append([]*onnxpb.NodeProto(nil), r.g.Node...), inits: append([]*onnxpb.TensorProto(nil), r.g.Initializer...), inputs: r.g.Input}
	pfx := n.GetName()
	if pfx == "" {
		pfx = nodeKey(n)
	}
	cond := ""
	if len(n.Input) > 1 {
		cond = n.Input[1]
	}
	if cond == "" {
		cond = r.scalarInit(pfx+"/cond", &tensor.Tensor{DType: tensor.Bool, Shape: []int{}, Data: []bool{true}})
	}
	carried := append([]string(nil), n.Input[2:]...)
	scans := make([][]string, nScan)
	var out []*onnxpb.NodeProto
	var conds []string
	for k := int64(0); k < M; k++ {
		iter := r.scalarInit(fmt.Sprintf("%s/iter%d", pfx, k), &tensor.Tensor{DType: tensor.Int64, Shape: []int{}, Data: []int64{k}})
		ins := append([]string{iter, cond}, carried...)
		nodes, outs, err := r.inlineBody(body, ins, fmt.Sprintf("%s/iter%d/", pfx, k))
		if err != nil {
			return nil, "", fmt.Errorf("lower: node %q (Loop): %w", n.GetName(), err)
		}
		out = append(out, nodes...)
		cond = outs[0]
		if k < M-1 {
			conds = append(conds, cond)
		}
		carried = outs[1 : 1+nCarried]
		for j := range scans {
			u := r.fresh(fmt.Sprintf("%s/iter%d/scan%d", pfx, k, j))
			out = append(out, r.unsqueezeNode(u, outs[1+nCarried+j], u, 0)...)
			scans[j] = append(scans[j], u)
		}
	}
	for i := 0; i < nCarried && i < len(n.Output); i++ {
		if n.Output[i] != "" {
			out = append(out, &onnxpb.NodeProto{OpType: "Identity", Name: pfx + "/final" + strconv.Itoa(i), Input: []string{carried[i]}, Output: []string{n.Output[i]}})
		}
	}
	for j := range scans {
		if nCarried+j >= len(n.Output) || n.Output[nCarried+j] == "" {
			continue
		}
		out = append(out, &onnxpb.NodeProto{OpType: "Concat", Name: pfx + "/scan" + strconv.Itoa(j), Input: scans[j], Output: []string{n.Output[nCarried+j]},
			Attribute: []*onnxpb.AttributeProto{{Name: "axis", Type: onnxpb.AttributeProto_INT, I: 0}}})
	}
	if len(conds) > 0 {
		r.checks = append(r.checks, &unrolledLoopCond{node: n, conds: conds, before: before})
	}
	return out, "", nil
}

func (r *cfRewriter) unrollScan(n *onnxpb.NodeProto, si *shapeinfer.Result) ([]*onnxpb.NodeProto, string, error) {
	if r.opset < 9 {
		return nil, "Scan before opset 9 (batched, with sequence_lens)", nil
	}
	body := onnxpb.AttrGraph(n, "body")
	if body == nil {
		return nil, "", fmt.Errorf("lower: node %q (Scan): no body", n.GetName())
	}
	M := int(onnxpb.AttrInt(n, "num_scan_inputs", 0))
	N := len(n.Input) - M
	K := len(body.GetOutput()) - N
	if M <= 0 || N < 0 || K < 0 || len(body.GetInput()) != N+M {
		return nil, "", fmt.Errorf("lower: node %q (Scan): %d inputs, num_scan_inputs %d, body %d inputs / %d outputs", n.GetName(), len(n.Input), M, len(body.GetInput()), len(body.GetOutput()))
	}
	attrOr := func(name string, k, def int) int64 {
		v := onnxpb.AttrInts(n, name)
		if k < len(v) {
			return v[k]
		}
		return int64(def)
	}
	L := int64(-1)
	axes := make([]int64, M)
	for i := 0; i < M; i++ {
		in := si.Values[n.Input[N+i]]
		if in == nil || in.Shape == nil {
			return nil, fmt.Sprintf("later: the shape of scan input %q is unknown", n.Input[N+i]), nil
		}
		ax, err := normAxis(attrOr("scan_input_axes", i, 0), len(in.Shape))
		if err != nil {
			return nil, "", fmt.Errorf("lower: node %q (Scan): %w", n.GetName(), err)
		}
		axes[i] = ax
		l, ok := in.Shape[ax].Value()
		if !ok {
			fix := freezeHint(in.Shape[ax])
			if fix == "" {
				fix = "--freeze on the input dims it depends on"
			}
			return nil, fmt.Sprintf("the sequence length %q of scan input %q is dynamic; make it static with %s", in.Shape[ax].String(), n.Input[N+i], fix), nil
		}
		if L >= 0 && l != L {
			return nil, "", fmt.Errorf("lower: node %q (Scan): scan inputs of lengths %d and %d", n.GetName(), L, l)
		}
		L = l
	}
	if L == 0 && K > 0 {
		return nil, "a Scan over zero steps with scan outputs (empty tensors)", nil
	}
	if why, err := r.unrollBudget(n, "sequence length", L, body, int64(M+K+1)); why != "" || err != nil {
		return nil, why, err
	}
	pfx := n.GetName()
	if pfx == "" {
		pfx = nodeKey(n)
	}
	state := append([]string(nil), n.Input[:N]...)
	scans := make([][]string, K)
	var out []*onnxpb.NodeProto
	for t := int64(0); t < L; t++ {
		ins := append([]string(nil), state...)
		for i := 0; i < M; i++ {
			pos := t
			if attrOr("scan_input_directions", i, 0) != 0 {
				pos = L - 1 - t
			}
			idx := r.scalarInit(fmt.Sprintf("%s/t%d/idx", pfx, pos), &tensor.Tensor{DType: tensor.Int64, Shape: []int{}, Data: []int64{pos}})
			s := r.fresh(fmt.Sprintf("%s/t%d/in%d", pfx, t, i))
			out = append(out, &onnxpb.NodeProto{OpType: "Gather", Name: s, Input: []string{n.Input[N+i], idx}, Output: []string{s},
				Attribute: []*onnxpb.AttributeProto{{Name: "axis", Type: onnxpb.AttributeProto_INT, I: axes[i]}}})
			ins = append(ins, s)
		}
		nodes, outs, err := r.inlineBody(body, ins, fmt.Sprintf("%s/t%d/", pfx, t))
		if err != nil {
			return nil, "", fmt.Errorf("lower: node %q (Scan): %w", n.GetName(), err)
		}
		out = append(out, nodes...)
		state = outs[:N]
		for j := 0; j < K; j++ {
			u := r.fresh(fmt.Sprintf("%s/t%d/out%d", pfx, t, j))
			ax := attrOr("scan_output_axes", j, 0)
			if ax < 0 {
				// Negative output axes count from the stacked rank; the
				// body output's rank is needed (not known here): refuse.
				return nil, "a negative scan_output_axes", nil
			}
			out = append(out, r.unsqueezeNode(u, outs[N+j], u, ax)...)
			if attrOr("scan_output_directions", j, 0) != 0 {
				scans[j] = append([]string{u}, scans[j]...)
			} else {
				scans[j] = append(scans[j], u)
			}
		}
	}
	for i := 0; i < N && i < len(n.Output); i++ {
		if n.Output[i] != "" {
			out = append(out, &onnxpb.NodeProto{OpType: "Identity", Name: pfx + "/final" + strconv.Itoa(i), Input: []string{state[i]}, Output: []string{n.Output[i]}})
		}
	}
	for j := 0; j < K; j++ {
		if N+j >= len(n.Output) || n.Output[N+j] == "" {
			continue
		}
		out = append(out, &onnxpb.NodeProto{OpType: "Concat", Name: pfx + "/scan" + strconv.Itoa(j), Input: scans[j], Output: []string{n.Output[N+j]},
			Attribute: []*onnxpb.AttributeProto{{Name: "axis", Type: onnxpb.AttributeProto_INT, I: attrOr("scan_output_axes", j, 0)}}})
	}
	return out, "", nil
}

// unrollBudget checks unrolling body iters times (extra nodes added per
// iteration) against the per-loop limit (past it, why says so and the
// node stays, refused) and the per-model one (past it, an error: loops
// nested in loops, or many loops each within the limit, would make a
// graph of millions of nodes), and charges it.
func (r *cfRewriter) unrollBudget(n *onnxpb.NodeProto, what string, iters int64, body *onnxpb.GraphProto, extra int64) (why string, err error) {
	weight := graphWeight(body, maxUnrolledNodes+1) + extra
	if iters > maxUnrollIterations || iters*weight > maxUnrolledNodes {
		return fmt.Sprintf("%s %d over a %d-node body is more than the unrolling limit (%d iterations, %d nodes)", what, iters, weight-extra, maxUnrollIterations, maxUnrolledNodes), nil
	}
	if r.unrolled+iters*weight > maxTotalUnrolledNodes {
		return "", fmt.Errorf("lower: node %q (%s): %s %d over a %d-node body would take the model's unrolled loops past the unrolling limit (%d nodes in all, %d unrolled before it; nested or many loops)",
			n.GetName(), n.GetOpType(), what, iters, weight-extra, maxTotalUnrolledNodes, r.unrolled)
	}
	r.unrolled += iters * weight
	return "", nil
}

// graphWeight counts g's nodes and those of the graphs nested in them,
// stopping once the count passes limit.
func graphWeight(g *onnxpb.GraphProto, limit int64) int64 {
	n := int64(len(g.GetNode()))
	for _, nd := range g.GetNode() {
		for _, a := range nd.GetAttribute() {
			if n > limit {
				return n
			}
			if a.GetG() != nil {
				n += graphWeight(a.GetG(), limit-n)
			}
			for _, sg := range a.GetGraphs() {
				n += graphWeight(sg, limit-n)
			}
		}
	}
	return n
}

// confirmLoops checks, after re-inference, that every unrolled Loop's
// per-iteration conditions are known true. A Loop whose condition is not
// (it may stop early at run time) is put back, remembered as kept, and
// the caller infers again.
func (r *cfRewriter) confirmLoops(si *shapeinfer.Result) bool {
	reverted := false
	for i := len(r.checks) - 1; i >= 0; i-- {
		ch := r.checks[i]
		for k, c := range ch.conds {
			if v, ok := knownBool(si, c); !ok || !v {
				why := fmt.Sprintf("the loop condition after iteration %d is not known to be true at conversion time (the loop may stop early)", k)
				if ok {
					why = fmt.Sprintf("the loop stops after iteration %d (an early exit is not unrolled)", k)
				}
				ch.before.restore(r.g)
				r.kept[nodeKey(ch.node)] = why
				reverted = true
				break
			}
		}
	}
	r.checks = nil
	if reverted {
		// the round's graph is back as it began: so is its count (the
		// loops it unrolled are unrolled, and charged, again next round)
		r.unrolled = r.roundStart
	}
	return reverted
}

// resolveControlFlow pins inputs, then folds and unrolls until nothing
// changes, inferring shapes after each round. It returns the final
// inference and the reasons why control-flow nodes stay.
func resolveControlFlow(m *onnxpb.Model, opts Options) (*shapeinfer.Result, []TightenedBound, map[string]string, error) {
	g := m.Graph()
	if err := pinInputs(g, opts.FreezeInputs); err != nil {
		return nil, nil, nil, err
	}
	si, tightened, err := inferTightened(m, opts)
	if err != nil {
		return nil, nil, nil, err
	}
	if !hasControlFlow(g) {
		return si, tightened, nil, nil
	}
	r := newCFRewriter(m)
	for round := 0; ; round++ {
		changed, err := r.round(si)
		if err != nil {
			return nil, nil, nil, err
		}
		if !changed {
			if len(r.selected) > 0 {
				if r.confirmSelects(si, nil, true) || r.reinfer {
					r.reinfer = false
					if si, tightened, err = inferTightened(m, opts); err != nil {
						return nil, nil, nil, err
					}
				}
				continue
			}
			if r.selectPhase || !hasControlFlow(g) {
				break
			}
			r.selectPhase = true
			continue
		}
		if round >= maxControlFlowRounds && hasControlFlow(g) {
			// each round resolves one level of nesting: what is left
			// would be refused as unknown, which it is not
			return nil, nil, nil, fmt.Errorf("lower: control flow nested more than %d deep (If, Loop and Scan nodes in each other's bodies): not resolved at conversion time", maxControlFlowRounds)
		}
		next, nextTightened, err := inferTightened(m, opts)
		if err != nil && len(r.selected) == 0 {
			return nil, nil, nil, err
		}
		if r.confirmSelects(next, err, false) {
			r.reinfer = false
			if si, tightened, err = inferTightened(m, opts); err != nil {
				return nil, nil, nil, err
			}
			continue
		}
		si, tightened = next, nextTightened
		if r.reinfer {
			r.reinfer = false
			if si, tightened, err = inferTightened(m, opts); err != nil {
				return nil, nil, nil, err
			}
		}
		if r.confirmLoops(si) {
			if si, tightened, err = inferTightened(m, opts); err != nil {
				return nil, nil, nil, err
			}
		}
	}
	kept := r.kept
	for k, why := range r.noSelect {
		kept[bothKey(k)] = why
	}
	return si, tightened, kept, nil
}

// bothKey is the key under which resolveControlFlow's kept map says why
// an If's branches could not both be computed and selected.
func bothKey(key string) string { return "both branches of " + key }

func hasControlFlow(g *onnxpb.GraphProto) bool {
	for _, n := range g.GetNode() {
		switch n.GetOpType() {
		case "If", "Loop", "Scan":
			if n.GetDomain() == "" || n.GetDomain() == "ai.onnx" {
				return true
			}
		}
	}
	return false
}

// checkControlFlow refuses the If, Loop and Scan nodes that conversion
// could not fold away, with the reason.
func checkControlFlow(c *ctx, n *srcNode) error {
	why := c.cfKept[nodeKey(n.NodeProto)]
	switch {
	case why != "" && !strings.HasPrefix(why, "later:"):
	case n.GetOpType() == "If" && n.hasInput(0):
		dims, ins := c.condSources(n.Input[0])
		switch {
		case len(dims) > 0:
			why = fmt.Sprintf("the condition %q depends on the dynamic dim(s) %s (the branches differ by input size): --freeze %s=%s makes it static", n.Input[0], strings.Join(dims, ", "), dims[0], sizePlaceholder(dims[0]))
		case len(ins) > 0:
			why = fmt.Sprintf("the condition %q depends on the data of graph input(s) %s: --freeze-input %s=VALUE pins one", n.Input[0], strings.Join(ins, ", "), ins[0])
		default:
			why = fmt.Sprintf("the condition %q is not known at conversion time", n.Input[0])
		}
		if both := c.cfKept[bothKey(nodeKey(n.NodeProto))]; both != "" {
			why += "; computing both branches and selecting with where is not exact here: " + both
		}
	case why != "":
		why = strings.TrimSpace(strings.TrimPrefix(why, "later:"))
	default:
		why = "its trip count or condition is not known at conversion time"
	}
	return fmt.Errorf("%w: WebNN graphs have no control flow and this %s cannot be resolved at conversion time: %s", ErrNotInWebNN, n.GetOpType(), why)
}

func emitControlFlow(c *ctx, n *srcNode) error { return checkControlFlow(c, n) }

// condSources explains where an unknown value v comes from: the dynamic
// dims its ancestors' known shape values use (a Shape-derived condition),
// else the graph inputs whose data it reads. Both lists are short.
func (c *ctx) condSources(v string) (dims, inputs []string) {
	isInput := map[string]bool{}
	for _, vi := range c.m.Graph().GetInput() {
		isInput[vi.GetName()] = true
	}
	seenDim := map[string]bool{}
	seen := map[string]bool{}
	stack := []string{v}
	for steps := 0; len(stack) > 0 && steps < 10000; steps++ {
		x := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[x] || x == "" {
			continue
		}
		seen[x] = true
		if in := c.info(x); in != nil && in.Value != nil {
			for _, e := range in.Value {
				for _, s := range e.Symbols() {
					if c.inputSyms[s] && !seenDim[s] && len(dims) < 4 {
						seenDim[s] = true
						dims = append(dims, s)
					}
				}
			}
			continue // a shape value: its data does not come from inputs
		}
		if isInput[x] {
			if len(inputs) < 4 {
				inputs = append(inputs, x)
			}
			continue
		}
		if p := c.producer[x]; p != nil && p.GetOpType() != "Shape" && p.GetOpType() != "Size" {
			stack = append(stack, p.Input...)
		}
	}
	return dims, inputs
}
