package parity

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/x448/float16"

	"github.com/webnn-graph/webnn-graph/graph"
	"github.com/webnn-graph/webnn-graph/lower"
	"github.com/webnn-graph/webnn-graph/onnxpb"
	onnxrt "github.com/webnn-graph/webnn-graph/runtime/onnx"
	"github.com/webnn-graph/webnn-graph/runtime/webnn"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// Localizer finds the first ONNX node, in topological order, whose value
// the WebNN graph computes differently.
//
// It runs the ONNX interpreter first, keeping (by reference: the
// interpreter never writes a value after producing it) only the values
// that some WebNN node output carries; values a WebNN constant carries
// are compared against the constant at once and dropped. It then runs the
// WebNN runtime with an observer that compares each node output with the
// ONNX values it carries as soon as it is produced and drops them, so at
// most one run's worth of mapped ONNX intermediates is alive, never every
// intermediate of both runtimes; Budget caps even that, comparing the graph
// in windows of the topological order. Only error summaries are kept.
type Localizer struct {
	Model *onnxpb.Model
	ONNX  *onnxrt.Program // compiled from Model
	// Graph is the graph under test and Weights its weight source: the
	// in-memory conversion, or files given with verify --graph (whose
	// weights may have changed since).
	Graph   *graph.Graph
	Weights graph.WeightSource
	// Map is a conversion of Model with the options Graph was converted
	// with: its Values say which operand carries which ONNX value, its
	// Graph's node comments which ONNX node each op was lowered from. An
	// operand of Graph counts as the counterpart only when it is defined
	// the same way (an input, a const, or a node lowered from the same
	// ONNX node), so a graph converted by another version is compared where
	// it matches and the rest is reported as unmatched.
	Map *lower.Result

	ONNXInputs  map[string]*tensor.Tensor // keyed by ONNX input name
	WebNNInputs map[string]*tensor.Tensor // keyed by graph input name
	Tol         Tolerance
	// Budget caps the bytes of ONNX values held for comparison at once
	// (DefaultBudget when 0); see Run.
	Budget int64
}

// Value kinds (ValueReport.Kind).
const (
	KindNode        = "node output"
	KindInput       = "graph input"
	KindInitializer = "initializer"
	KindConst       = "constant" // an ONNX node output the conversion folded to a WebNN const
	KindFolded      = "folded"
	KindFused       = "fused"
	KindUnused      = "unused"
	KindUnmatched   = "unmatched"
)

// ValueReport is one ONNX value of a localisation: what carries it in the
// WebNN graph and how the two runtimes' values compare.
type ValueReport struct {
	Name    string      `json:"name"`
	Kind    string      `json:"kind"`
	Operand string      `json:"operand,omitempty"` // WebNN operand carrying it
	Note    string      `json:"note,omitempty"`    // why it was not compared, or what it is
	Via     string      `json:"via,omitempty"`     // for an output: the fused node whose value this is
	Cmp     *Comparison `json:"comparison,omitempty"`
}

// Agrees reports whether the value was compared and is within tolerance.
func (v ValueReport) Agrees() bool { return v.Cmp != nil && v.Cmp.Pass }

// Attr is one ONNX attribute, formatted.
type Attr struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// NodeReport is the first diverging ONNX node.
type NodeReport struct {
	Name       string        `json:"name"` // ONNX node name ("#index" when unnamed)
	OpType     string        `json:"opType"`
	Domain     string        `json:"domain,omitempty"`
	Attributes []Attr        `json:"attributes,omitempty"`
	Outputs    []ValueReport `json:"outputs"`
	Inputs     []ValueReport `json:"inputs"`
	// WebNNOps are the ops lowered from this node and the nodes fused
	// into it (by their comment), as "id = op(inputs, options)".
	WebNNOps []string `json:"webnnOps"`
	// FusedFrom are the other ONNX nodes of the pattern this node's
	// lowering matched: their values are computed inside its WebNN ops.
	FusedFrom []string `json:"fusedFrom,omitempty"`
}

// Localization is the result of Localizer.Run.
type Localization struct {
	Found bool        `json:"found"`
	Node  *NodeReport `json:"node,omitempty"`
	// Position is the node's 1-based position in the ONNX execution
	// (topological) order, of Nodes.
	Position int `json:"position,omitempty"`
	Nodes    int `json:"nodes"`
	// Counts of ONNX node output values: compared (Agree of them within
	// tolerance), and the ones that could not be compared by reason.
	Compared  int `json:"compared"`
	Agree     int `json:"agree"`
	Folded    int `json:"folded"`
	Fused     int `json:"fused"`
	Unmatched int `json:"unmatched"`
	// Later lists the next diverging nodes after the first (a few), so a
	// reader sees how far the difference spreads.
	Later []string `json:"later,omitempty"`
	// PeakKeptBytes is the most ONNX intermediate data held at once, and
	// Passes the runs of each runtime it took (more than one when the
	// values of one run exceed Localizer.Budget).
	PeakKeptBytes int64  `json:"peakKeptBytes"`
	Passes        int    `json:"passes"`
	Summary       string `json:"summary"`
}

type carrier struct {
	operand string
	kind    string // KindNode, KindInput, KindConst (WebNN const), KindUnmatched
	k       *graph.Const
	note    string
}

// DefaultBudget is Localizer.Budget when it is zero.
const DefaultBudget = 1 << 30

// errWindowDone stops a run once the window's values are all in hand.
var errWindowDone = errors.New("parity: window done")

// Run executes both runtimes and localises the first difference.
//
// The ONNX values kept for comparison are capped by Budget: when one run's
// mapped values would exceed it, the nodes are compared in windows of the
// topological order, one run of each runtime per window (each stopped as
// soon as its window is complete), until a window holds a difference.
func (l *Localizer) Run() (*Localization, error) {
	if l.Model == nil || l.ONNX == nil || l.Graph == nil || l.Map == nil {
		return nil, errors.New("parity: localizer needs a model, its program, a graph and a conversion map")
	}
	budget := l.Budget
	if budget <= 0 {
		budget = DefaultBudget
	}
	carriers := l.match()
	byOperand := map[string][]string{}
	for v, c := range carriers {
		if c.kind == KindNode {
			byOperand[c.operand] = append(byOperand[c.operand], v)
		}
	}
	for _, vs := range byOperand {
		sort.Strings(vs)
	}
	results := map[string]*Comparison{}
	pending := map[string]*tensor.Tensor{}
	var kept, peak int64
	sizeOf := func(t *tensor.Tensor) int64 { return int64(t.Len() * max(t.DType.Size(), 1)) }
	var order []*onnxpb.NodeProto // execution order, recorded by the first pass
	loc := &Localization{}

	var prog *webnn.Program
	observeWebNN := func(n *graph.Node, res []*tensor.Tensor) error {
		for i, o := range n.OutputNames() {
			if i >= len(res) {
				break
			}
			for _, v := range byOperand[o] {
				want, ok := pending[v]
				if !ok {
					continue
				}
				cmp := compareFlat(v, res[i], want, l.Tol)
				results[v] = &cmp
				delete(pending, v)
				kept -= sizeOf(want)
			}
		}
		if len(pending) == 0 {
			return errWindowDone
		}
		return nil
	}

	// The interpreter runs the main graph's nodes in model order.
	total := len(l.Model.Graph().GetNode())
	found := -1
	for start := 0; found < 0; {
		// 1. ONNX, keeping only what a WebNN node output of the window
		// will be compared with; constants are compared at once.
		end, idx := -1, 0
		_, err := l.ONNX.RunObserved(l.ONNXInputs, func(n *onnxpb.NodeProto, outs []*tensor.Tensor) error {
			i := idx
			idx++
			if i == len(order) {
				order = append(order, n)
			}
			if i < start {
				return nil
			}
			var mine []string
			for j, t := range outs {
				v := n.GetOutput()[j]
				c, ok := carriers[v]
				if t == nil || !ok {
					continue
				}
				switch c.kind {
				case KindNode:
					if kept > 0 && kept+sizeOf(t) > budget {
						// The window is full: this node starts the next one.
						for _, m := range mine {
							kept -= sizeOf(pending[m])
							delete(pending, m)
						}
						end = i
						return errWindowDone
					}
					pending[v] = t
					mine = append(mine, v)
					kept += sizeOf(t)
					peak = max(peak, kept)
				case KindConst:
					if _, done := results[v]; done {
						continue
					}
					got, err := constTensor(c.k, l.Weights)
					if err != nil {
						results[v] = &Comparison{Output: v, Problem: "WebNN const " + c.operand + ": " + err.Error(), Excess: math.Inf(1)}
						continue
					}
					cmp := compareFlat(v, got, t, l.Tol)
					results[v] = &cmp
				}
			}
			return nil
		})
		if err != nil && !errors.Is(err, errWindowDone) {
			return nil, fmt.Errorf("parity: ONNX interpreter: %w", err)
		}
		if end < 0 {
			end = idx // the run completed
		}
		loc.Passes++

		// 2. WebNN, comparing each node output as it is produced.
		if len(pending) > 0 {
			if prog == nil {
				if prog, err = webnn.CompileWith(l.Graph, l.Weights, webnn.Options{Observe: observeWebNN}); err != nil {
					return nil, fmt.Errorf("parity: WebNN runtime: %w", err)
				}
			}
			if _, err := prog.Run(l.WebNNInputs); err != nil && !errors.Is(err, errWindowDone) {
				return nil, fmt.Errorf("parity: WebNN runtime: %w", err)
			}
			clear(pending)
			kept = 0
		}

		// 3. The first node of the window with an output out of tolerance.
		for i := start; i < end && i < len(order); i++ {
			if failing(order[i], results) {
				found = i
				break
			}
		}
		if end >= total {
			break
		}
		start = end
	}

	loc.Nodes, loc.PeakKeptBytes = total, peak
	for _, v := range sortedKeys(results) {
		loc.Compared++
		if results[v].Pass {
			loc.Agree++
		}
	}
	for _, c := range carriers {
		if c.kind == KindUnmatched {
			loc.Unmatched++
		}
	}
	for _, reason := range l.Map.Unmapped {
		switch reason {
		case lower.UnmappedFolded:
			loc.Folded++
		case lower.UnmappedFused:
			loc.Fused++
		}
	}
	if found >= 0 {
		labels := l.nodeLabels()
		n := order[found]
		loc.Found = true
		loc.Position = found + 1
		var named *onnxpb.NodeProto
		loc.Node, named = l.nodeReport(n, carriers, results)
		for j, m := range order[:found] {
			if m == named {
				loc.Position = j + 1
			}
		}
		for _, m := range order[found+1:] {
			if failing(m, results) && len(loc.Later) < 5 {
				loc.Later = append(loc.Later, fmt.Sprintf("%s (%s)", labels[m], m.GetOpType()))
			}
		}
	}
	loc.Summary = loc.summarize()
	return loc, nil
}

// failing reports whether a compared output of n is out of tolerance.
func failing(n *onnxpb.NodeProto, results map[string]*Comparison) bool {
	for _, o := range n.GetOutput() {
		if r := results[o]; r != nil && !r.Pass {
			return true
		}
	}
	return false
}

func (loc *Localization) summarize() string {
	if !loc.Found {
		return fmt.Sprintf("no intermediate value differs beyond tolerance (%d compared, %d folded, %d fused, %d unmatched)", loc.Compared, loc.Folded, loc.Fused, loc.Unmatched)
	}
	n := loc.Node
	var worst *ValueReport
	for i := range n.Outputs {
		o := &n.Outputs[i]
		if o.Cmp != nil && !o.Cmp.Pass && (worst == nil || o.Cmp.Excess > worst.Cmp.Excess) {
			worst = o
		}
	}
	s := fmt.Sprintf("first diverging node: %q (%s), #%d of %d in topological order", n.Name, n.OpType, loc.Position, loc.Nodes)
	if worst != nil {
		s += ": " + describeValue(worst)
	}
	var bad []string
	for _, in := range n.Inputs {
		if in.Cmp != nil && !in.Cmp.Pass {
			bad = append(bad, fmt.Sprintf("%s %q", in.Kind, in.Name))
		}
	}
	if len(bad) > 0 {
		s += "; its input(s) differ too: " + strings.Join(bad, ", ")
	} else {
		s += "; its inputs agree"
	}
	return s
}

// describeValue is the one-line error of a compared value.
func describeValue(v *ValueReport) string {
	c := v.Cmp
	if c.Problem != "" {
		return fmt.Sprintf("%s: %s", v.Name, c.Problem)
	}
	return fmt.Sprintf("%s max abs %.3g, max rel %.3g at %v (webnn %.7g, onnx %.7g)", v.Name, c.MaxAbs, c.MaxRel, c.WorstIndex, c.Got, c.Want)
}

// match decides, for every ONNX value the conversion map carries, which
// operand of the graph under test carries it.
func (l *Localizer) match() map[string]carrier {
	ref := l.Map.Graph
	refKind := map[string]string{}
	refComment := map[string]string{}
	for _, in := range ref.Inputs {
		refKind[in.Name] = KindInput
	}
	for _, k := range ref.Consts {
		refKind[k.Name] = KindConst
	}
	for i := range ref.Nodes {
		for _, o := range ref.Nodes[i].OutputNames() {
			refKind[o] = KindNode
			refComment[o] = ref.Nodes[i].Comment
		}
	}
	inputs := map[string]bool{}
	for _, in := range l.Graph.Inputs {
		inputs[in.Name] = true
	}
	consts := map[string]*graph.Const{}
	for i := range l.Graph.Consts {
		consts[l.Graph.Consts[i].Name] = &l.Graph.Consts[i]
	}
	comment := map[string]string{}
	for i := range l.Graph.Nodes {
		for _, o := range l.Graph.Nodes[i].OutputNames() {
			comment[o] = l.Graph.Nodes[i].Comment
		}
	}
	out := make(map[string]carrier, len(l.Map.Values))
	for v, op := range l.Map.Values {
		c := carrier{operand: op, kind: refKind[op]}
		switch c.kind {
		case KindInput:
			if !inputs[op] {
				c = carrier{operand: op, kind: KindUnmatched, note: "the given graph has no input " + op}
			}
		case KindConst:
			if c.k = consts[op]; c.k == nil {
				c = carrier{operand: op, kind: KindUnmatched, note: "the given graph has no const " + op}
			}
		case KindNode:
			if cm, ok := comment[op]; !ok || cm != refComment[op] {
				c = carrier{operand: op, kind: KindUnmatched, note: fmt.Sprintf("the given graph does not define %s from ONNX node %q", op, refComment[op])}
			}
		default:
			continue
		}
		out[v] = c
	}
	return out
}

// nodeLabels names every ONNX node as the lowering does in its comments:
// the node name, or "#index" when it has none.
func (l *Localizer) nodeLabels() map[*onnxpb.NodeProto]string {
	labels := map[*onnxpb.NodeProto]string{}
	for i, n := range l.Model.Graph().GetNode() {
		if n.GetName() != "" {
			labels[n] = n.GetName()
		} else {
			labels[n] = fmt.Sprintf("#%d", i)
		}
	}
	return labels
}

// nodeReport describes the first diverging node n. The node named is the
// one whose lowering emitted the WebNN op computing n's differing value
// (by the op's comment): n itself, or, when the lowering matched a pattern
// (Reshape → Gemm → Reshape as one matmul, x·0.5·(1+erf(x/√2)) as gelu),
// the node the pattern's ops are named after. The pattern's other nodes
// are listed as fused, and the inputs are the group's inputs from outside
// it, so a reader sees that they agree and the group's result does not.
func (l *Localizer) nodeReport(n *onnxpb.NodeProto, carriers map[string]carrier, results map[string]*Comparison) (*NodeReport, *onnxpb.NodeProto) {
	labels := l.nodeLabels()
	byLabel := map[string]*onnxpb.NodeProto{}
	producer := map[string]*onnxpb.NodeProto{}
	for _, m := range l.Model.Graph().GetNode() {
		byLabel[labels[m]] = m
		for _, o := range m.GetOutput() {
			producer[o] = m
		}
	}
	comment := map[string]string{}
	for i := range l.Graph.Nodes {
		for _, o := range l.Graph.Nodes[i].OutputNames() {
			comment[o] = l.Graph.Nodes[i].Comment
		}
	}
	named := n
	for _, o := range n.GetOutput() {
		if r := results[o]; r != nil && !r.Pass {
			if m := byLabel[comment[carriers[o].operand]]; m != nil {
				named = m
			}
			break
		}
	}
	// The group: n, the node named, and every node whose value was fused
	// into them (transitively).
	group := map[*onnxpb.NodeProto]bool{n: true, named: true}
	stack := append(append([]string(nil), n.GetInput()...), named.GetInput()...)
	for len(stack) > 0 && len(group) < 64 {
		v := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		p := producer[v]
		if p == nil || group[p] || l.Map.Unmapped[v] != lower.UnmappedFused {
			continue
		}
		group[p] = true
		stack = append(stack, p.GetInput()...)
	}
	r := &NodeReport{Name: labels[named], OpType: named.GetOpType(), Domain: named.GetDomain(), Attributes: FormatAttributes(named)}
	seenOut := map[string]bool{}
	addOutputs := func(m *onnxpb.NodeProto) {
		for _, o := range m.GetOutput() {
			if o == "" || seenOut[o] {
				continue
			}
			seenOut[o] = true
			vr := l.valueReport(o, carriers, results)
			if m != named {
				vr.Via = fmt.Sprintf("%s (%s)", labels[m], m.GetOpType())
			}
			r.Outputs = append(r.Outputs, vr)
		}
	}
	addOutputs(named)
	addOutputs(n)
	seenIn := map[string]bool{}
	for _, m := range l.Model.Graph().GetNode() { // model order: stable, topological
		if !group[m] {
			continue
		}
		if m != named {
			r.FusedFrom = append(r.FusedFrom, fmt.Sprintf("%s (%s)", labels[m], m.GetOpType()))
		}
		for _, in := range m.GetInput() {
			if in == "" || seenIn[in] || group[producer[in]] {
				continue
			}
			seenIn[in] = true
			r.Inputs = append(r.Inputs, l.valueReport(in, carriers, results))
		}
	}
	for i := range l.Graph.Nodes {
		if g := &l.Graph.Nodes[i]; group[byLabel[g.Comment]] {
			r.WebNNOps = append(r.WebNNOps, FormatOp(g))
		}
	}
	return r, named
}

// valueReport describes one value around the diverging node; initializers
// are compared against the WebNN const that carries them here (a weights
// file changed after conversion shows up as such an input).
func (l *Localizer) valueReport(v string, carriers map[string]carrier, results map[string]*Comparison) ValueReport {
	vr := ValueReport{Name: v}
	c, mapped := carriers[v]
	if mapped {
		vr.Operand = c.operand
	}
	init := l.initializer(v)
	switch {
	case mapped && c.kind == KindUnmatched:
		vr.Kind, vr.Note = KindUnmatched, c.note
	case init != nil:
		vr.Kind = KindInitializer
		if !mapped || c.kind != KindConst {
			vr.Note = "read by the lowering at conversion time (folded into options or a derived constant)"
			break
		}
		want, err := l.Model.Tensor(init)
		if err != nil {
			vr.Note = "cannot decode the initializer: " + err.Error()
			break
		}
		got, err := constTensor(c.k, l.Weights)
		if err != nil {
			vr.Note = "cannot read WebNN const " + c.operand + ": " + err.Error()
			break
		}
		cmp := compareFlat(v, got, want, l.Tol)
		vr.Cmp = &cmp
		if !cmp.Pass {
			vr.Note = "the graph's constant is not the model's initializer (weights changed after conversion?)"
		}
	case mapped && c.kind == KindInput:
		vr.Kind, vr.Note = KindInput, "both runtimes read the same input"
	case mapped:
		if c.kind == KindConst {
			vr.Kind = KindConst
		} else {
			vr.Kind = KindNode
		}
		vr.Cmp = results[v]
		if vr.Cmp == nil {
			vr.Note = "not compared (the runtime did not report it)"
		}
	default:
		switch reason := l.Map.Unmapped[v]; reason {
		case lower.UnmappedFolded:
			vr.Kind, vr.Note = KindFolded, reason
		case lower.UnmappedFused:
			vr.Kind, vr.Note = KindFused, reason
		case "":
			vr.Kind, vr.Note = KindUnmatched, "no WebNN operand carries it"
		default:
			vr.Kind, vr.Note = KindUnused, reason
		}
	}
	return vr
}

func (l *Localizer) initializer(v string) *onnxpb.TensorProto {
	for _, t := range l.Model.Graph().GetInitializer() {
		if t.GetName() == v {
			return t
		}
	}
	return nil
}

// compareFlat compares an intermediate: with the tolerance relative to the
// tensor's scale (Options.TensorScale), saturating to float16's range where
// the graph computes in float16, and accepting equal element counts in
// different shapes (a lowering may carry a value reshaped, e.g. a [1]
// constant as a scalar).
func compareFlat(name string, got, want *tensor.Tensor, tol Tolerance) Comparison {
	if got != nil && want != nil && !sameShape(got.Shape, want.Shape) && got.Len() == want.Len() {
		g := *got
		g.Shape = want.Shape
		got = &g
	}
	half := got != nil && want != nil && got.DType == tensor.Float16 && want.DType != tensor.Float16
	return Compare(name, "webnn vs onnx", got, want, tol, Options{TensorScale: true, HalfRange: half})
}

// constTensor decodes a WebNN constant.
func constTensor(k *graph.Const, ws graph.WeightSource) (*tensor.Tensor, error) {
	shape, ok := k.Desc.StaticShape()
	if !ok {
		return nil, fmt.Errorf("constant with dynamic shape %v", k.Desc)
	}
	switch k.Kind {
	case graph.ConstWeights:
		if ws == nil {
			return nil, fmt.Errorf("@weights(%q) but no weights were given", k.Ref)
		}
		b, err := ws.WeightBytes(k.Ref)
		if err != nil {
			return nil, err
		}
		return tensor.FromBytes(k.Desc.DType, shape, b, false)
	case graph.ConstBytes:
		return tensor.FromBytes(k.Desc.DType, shape, k.Bytes, false)
	case graph.ConstScalar:
		v, err := k.Scalar.Float64()
		if err != nil {
			return nil, err
		}
		t := filled(k.Desc.DType, shape, v)
		if i, ok := k.Scalar.Int64(); ok {
			switch d := t.Data.(type) {
			case []int64:
				fill(d, i) // exact beyond 2^53
			}
		}
		return t, nil
	}
	return nil, fmt.Errorf("unknown const kind %d", k.Kind)
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// filled is a tensor of dt with every element v (a @scalar constant); a
// type it does not know is widened to float64, which compares the same.
func filled(dt tensor.DType, shape []int, v float64) *tensor.Tensor {
	n := tensor.NumElements(shape)
	switch dt {
	case tensor.Float32:
		return &tensor.Tensor{DType: dt, Shape: shape, Data: fill(make([]float32, n), float32(v))}
	case tensor.Float16:
		return &tensor.Tensor{DType: dt, Shape: shape, Data: fill(make([]uint16, n), float16.Fromfloat32(float32(v)).Bits())}
	case tensor.Int64:
		return &tensor.Tensor{DType: dt, Shape: shape, Data: fill(make([]int64, n), int64(v))}
	case tensor.Int32:
		return &tensor.Tensor{DType: dt, Shape: shape, Data: fill(make([]int32, n), int32(v))}
	}
	return &tensor.Tensor{DType: tensor.Float64, Shape: shape, Data: fill(make([]float64, n), v)}
}

func fill[T any](d []T, v T) []T {
	for i := range d {
		d[i] = v
	}
	return d
}
