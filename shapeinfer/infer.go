// The inference driver: graph inputs and initializers seed the value
// table, nodes are visited in topological order (the file order is not
// trusted), and each node's rule (one per op family file, registered in
// rules.go) computes its outputs' Info from its inputs' Info. Rules fold
// constants themselves: integer values through Expr arithmetic, float
// constants with the elementwise evaluator in elementwise.go, data
// movement through index maps (shape_ops.go).

package shapeinfer

import (
	"github.com/webnn-graph/webnn-graph/internal/membudget"

	"github.com/webnn-graph/webnn-graph/internal/checked"

	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/webnn-graph/webnn-graph/onnxpb"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// Info is what shape inference knows about one value.
type Info struct {
	DType tensor.DType
	Shape []Expr // nil when the rank is unknown; a scalar has an empty non-nil shape
	// Value holds the known elements (row-major) of a small integer or
	// bool tensor (≤ 1024 elements; bools as 0/1), possibly symbolic
	// (Shape(x) = [batch_size, sequence_length]); nil when any element is
	// unknown.
	Value []Expr
	// Const is the fully known value (initializers, Constant nodes,
	// folded static subgraphs) when it has at most 65536 elements; larger
	// weights are not read (their shape is known; the lowering reads
	// initializers itself). Nil otherwise.
	Const *tensor.Tensor
}

// Rank returns the rank, or -1 when unknown.
func (in *Info) Rank() int {
	if in == nil || in.Shape == nil {
		return -1
	}
	return len(in.Shape)
}

// StaticShape returns the shape as integers when every dim is constant.
func (in *Info) StaticShape() ([]int, bool) {
	if in == nil || in.Shape == nil {
		return nil, false
	}
	out := make([]int, len(in.Shape))
	for i, d := range in.Shape {
		v, ok := d.Value()
		if !ok {
			return nil, false
		}
		out[i] = int(v)
	}
	return out, true
}

// String renders the Info as `float32[batch_size, 4]` (plus `= [..]` when
// the value is known).
func (in *Info) String() string {
	if in == nil {
		return "<nil>"
	}
	var sb strings.Builder
	sb.WriteString(in.DType.String())
	sb.WriteString(ShapeString(in.Shape))
	if in.Value != nil {
		sb.WriteString(" = ")
		sb.WriteString(ShapeString(in.Value))
	}
	return sb.String()
}

// ShapeString renders dims as `[batch_size, past_sequence_length + sequence_length, 16]`
// and an unknown rank as `[?]`.
func ShapeString(dims []Expr) string {
	if dims == nil {
		return "[?]"
	}
	parts := make([]string, len(dims))
	for i, d := range dims {
		parts[i] = d.String()
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// Options steer inference.
type Options struct {
	// Bounds of named dims (the CLI's --dim name=max / name=min..max).
	// Dims not listed get DefaultMin/DefaultBound and are recorded in
	// Result.Defaulted. A key may be a symbol, a dim_param as written, or
	// <input>_dim<axis>.
	Bounds Bounds
	// Freeze makes the named dims static (--freeze name=value). A key may
	// also be an expression dim_param ("past_sequence_length +
	// sequence_length"): its value then pins one of the expression's
	// symbols when the others are known.
	Freeze map[string]int64
	// Sources optionally says where each Bounds/Freeze entry came from
	// ("--dim", "dims file", "model metadata"), for Relations and errors.
	Sources map[string]string
	// Assume adds equalities the caller chooses to hold (a consumer that
	// needs a dim expressed through another, where the graph only bounds
	// it): they are unified like the ones ops require and reported in
	// Result.Relations with their Node text as the reason.
	Assume []Equality
}

// Result is the outcome of Infer.
type Result struct {
	Values map[string]*Info // every value of the main graph by name
	// Bounds holds every symbol used in any shape, defaults applied.
	Bounds Bounds
	// Defaulted lists (sorted) the symbols whose bounds came from
	// DefaultBound rather than Options.Bounds.
	Defaulted []string
	// Order is the main graph's nodes in the topological order visited.
	Order []*onnxpb.NodeProto
	// Unknown lists the nodes (names, or "#index" when unnamed) whose op
	// has no shape rule here; their outputs have an Info with DType
	// Undefined and unknown rank. Infer does not fail for them: the
	// lowering refuses such nodes with its own error.
	Unknown []string
	// KnockOns lists the nodes whose rule failed only because an input
	// descends from an op in Unknown (a Reshape of an unknown-rank value):
	// their outputs are unknown too, and the error names the cause.
	KnockOns []KnockOn
	// deferred is the round's deferred rule failure (state.deferred).
	deferred *NodeError
	// Inputs declares the dims of every graph input (see DeclaredDims).
	Inputs map[string][]InputDim
	// Relations lists, in the order found, the symbols the graph pins to
	// a constant or to an expression over other symbols (an op requires
	// two dims to be equal); every shape in Values already uses the
	// substitution. The remaining symbols are the graph's degrees of
	// freedom.
	Relations []Relation
	// Constraints records dim equalities assumed while broadcasting two
	// different symbolic dims that unification could not solve for a
	// symbol ("min(2048, past_sequence_length + sequence_length) ==
	// past_sequence_length + sequence_length"); the inferred shapes are
	// only right when they hold.
	Constraints []string
	// Unsolved holds Constraints with the node that required each.
	Unsolved []Equality
	// UnknownDims lists the symbols made up for data-dependent or
	// otherwise undeterminable dims (NonZero-like sizes, Slice bounds that
	// may be negative, Range over runtime floats…), named
	// UnknownDimPrefix + "<n>_<node>_<what>". Their bound is [0, MaxInt32].
	UnknownDims []string
	// UnknownWhy says what each of UnknownDims stands for ("the Slice
	// output size of node \"x\" (Slice)"); see Readable.
	UnknownWhy map[string]string
	// BoundCaps are the Options.Bounds of eliminated symbols, as caps on
	// the expressions that replaced them.
	BoundCaps []BoundCap
	// UnusedOptions lists Options.Bounds/Freeze keys that name no dim of
	// the graph's inputs.
	UnusedOptions []string
	// Minimums lists the lower bounds the graph requires of a dim (a
	// window that must fit N samples: N ≥ 320), already applied to
	// Bounds (minimum.go).
	Minimums []DerivedMin
}

// KnockOn is a node whose shape rule failed because of an op upstream
// that has no rule.
type KnockOn struct {
	Node, OpType string
	Cause        string // the Unknown node it descends from
	Err          error
}

// Relation is a symbol the graph pins: Name == Value wherever the graph
// runs, because node Node (OpType) requires it (or the user froze an
// expression dim: Node is then the option's source).
type Relation struct {
	Name   string
	Value  Expr
	Node   string
	OpType string
}

func (r Relation) String() string {
	by := fmt.Sprintf("node %q (%s)", r.Node, r.OpType)
	if r.OpType == "" {
		by = r.Node
	}
	return fmt.Sprintf("%s = %s (fixed by %s)", r.Name, r.Value, by)
}

// Equality is a dim equality an op requires: A == B at node Node.
type Equality struct {
	A, B         Expr
	Node, OpType string
}

func (e Equality) String() string {
	x, y := e.A.String(), e.B.String()
	if y < x {
		x, y = y, x
	}
	return x + " == " + y
}

// IsUnknownDim reports whether name is one of the made-up symbols of
// UnknownDims.
func (r *Result) IsUnknownDim(name string) bool {
	return strings.HasPrefix(name, UnknownDimPrefix) && slices.Contains(r.UnknownDims, name)
}

// HasUnknownDims reports whether any of dims uses a made-up symbol.
func (r *Result) HasUnknownDims(dims ...Expr) bool {
	if len(r.UnknownDims) == 0 {
		return false
	}
	for _, d := range dims {
		if d.IsConst() {
			continue
		}
		for _, s := range d.Symbols() {
			if r.IsUnknownDim(s) {
				return true
			}
		}
	}
	return false
}

// NodeError reports an inconsistency found at one node.
type NodeError struct {
	Node   string // node name, or "#index" when unnamed
	OpType string
	Err    error
}

func (e *NodeError) Error() string {
	return fmt.Sprintf("shapeinfer: node %q (%s): %v", e.Node, e.OpType, e.Err)
}

func (e *NodeError) Unwrap() error { return e.Err }

// ErrInconsistent is wrapped by errors for statically contradictory shapes.
var ErrInconsistent = errors.New("inconsistent shapes")

// ErrInternal is wrapped by errors from a bug in inference itself (a shape
// rule that panicked), never by a property of the model.
var ErrInternal = errors.New("internal error")

// errUntilPinned is wrapped by rule errors that a dim unification pins
// could lift: inference defers them to the end of the round (see
// state.deferred).
var errUntilPinned = errors.New("depends on a dynamic dim")

// untilPinned is a rule error wrapping errUntilPinned without showing it.
type untilPinned string

func (e untilPinned) Error() string        { return string(e) }
func (e untilPinned) Is(target error) bool { return target == errUntilPinned }

// state is the inference state of one graph for one round.
type state struct {
	m           *onnxpb.Model
	opts        Options
	values      map[string]*Info
	bounds      Bounds
	defaulted   map[string]bool
	constraints []string
	seenCons    map[string]bool
	eqs         []Equality
	opsets      map[string]int64
	nUnknown    int
	unknownDims []string
	// castInts holds the integer elements of float values that are exact
	// casts of known integers (Cast(Shape(x)[1], to=float)), so that a
	// float Range whose bounds come from dims still gets a symbolic length.
	castInts map[string][]Expr

	decl   map[string][]InputDim
	freeze map[string]int64  // Options.Freeze by symbol name
	bnds   Bounds            // Options.Bounds by symbol name
	subs   map[string]Expr   // symbols eliminated by earlier rounds
	axis0  map[string]bool   // symbols first declared at axis 0 of an input
	cur    *onnxpb.NodeProto // node being inferred (for equalities)
	curIdx int
	taint  map[string]string // value → the Unknown node it descends from
	knock  []KnockOn
	u      *unifier
	// deferred is the first rule failure that a dim the graph pins later
	// in the same round could resolve (an axis-less Squeeze of a batch dim
	// an RNN's fixed-size state pins to 1): the node's outputs are unknown
	// for this round, and the error stands only if unification finds
	// nothing new.
	deferred *NodeError
	// unknownWhy says what each unknown dim stands for.
	unknownWhy map[string]string
}

// maxRounds bounds unification: each round infers the whole graph once
// with the substitutions found so far.
const maxRounds = 8

// Infer computes the Info of every value of m's main graph. It returns an
// error for a graph that is malformed (a cycle, an undefined input) or
// statically inconsistent (broadcast, MatMul, Concat… dims that cannot
// agree), naming the node. Ops without a shape rule do not fail: see
// Result.Unknown.
//
// Dims the graph pins are unified: when an op requires two dims to be
// equal (a broadcast of non-1 dims, MatMul's inner dims, Concat's other
// dims, Conv's channels, Reshape's element count, Squeeze's 1) and the
// equality can be solved for a symbol, the symbol is replaced everywhere
// and inference runs again (Result.Relations).
func Infer(m *onnxpb.Model, opts Options) (*Result, error) {
	if m == nil || m.Graph() == nil {
		return nil, fmt.Errorf("shapeinfer: model has no graph")
	}
	for _, name := range sortedKeys(opts.Bounds) {
		if b := opts.Bounds[name]; b.Min < 0 || b.Min > b.Max {
			return nil, fmt.Errorf("shapeinfer: bound of dim %q: [%d, %d] is not a range of sizes", name, b.Min, b.Max)
		}
	}
	for _, name := range sortedKeys(opts.Freeze) {
		if v := opts.Freeze[name]; v < 0 {
			return nil, fmt.Errorf("shapeinfer: dim %q frozen to negative size %d", name, v)
		}
	}
	decl := DeclaredDims(m)
	u := newUnifier(m, decl, opts)
	for round := 0; ; round++ {
		u.minsChanged = false
		res, eqs, err := inferRound(m, opts, decl, u)
		if err != nil {
			return nil, err
		}
		eqs = append(slices.Clone(u.userEqs), eqs...)
		if round == maxRounds-1 {
			if res.deferred != nil {
				return nil, res.deferred
			}
			u.finish(res, eqs)
			if err := u.conflict(); err != nil {
				return nil, err
			}
			return res, nil
		}
		found, err := u.solve(eqs)
		if err != nil {
			return nil, err
		}
		if !found && !u.minsChanged {
			if res.deferred != nil {
				return nil, res.deferred
			}
			u.finish(res, eqs)
			if err := u.conflict(); err != nil {
				return nil, err
			}
			return res, nil
		}
	}
}

// inferRound runs inference once with the substitutions u holds.
func inferRound(m *onnxpb.Model, opts Options, decl map[string][]InputDim, u *unifier) (*Result, []Equality, error) {
	g := m.Graph()
	s := &state{
		m:         m,
		opts:      opts,
		values:    make(map[string]*Info, 2*len(g.GetNode())+len(g.GetInitializer())+len(g.GetInput())),
		bounds:    Bounds{},
		defaulted: map[string]bool{},
		seenCons:  map[string]bool{},
		opsets:    m.Opsets,
		castInts:  map[string][]Expr{},
		decl:      decl,
		freeze:    u.freeze,
		bnds:      u.bounds,
		subs:      u.subs,
		axis0:     map[string]bool{},
		taint:     map[string]string{},
		u:         u,
	}
	if s.opsets == nil {
		s.opsets = map[string]int64{}
		for _, o := range m.Proto.GetOpsetImport() {
			d := o.GetDomain()
			if d == "ai.onnx" {
				d = ""
			}
			s.opsets[d] = o.GetVersion()
		}
	}
	for name, v := range s.freeze {
		s.bounds[name] = Bound{Min: v, Max: v}
	}
	// Initializers do not depend on dims: later rounds reuse the first
	// round's (decoding them is much of a round's work).
	firstRound := u.inits == nil
	if firstRound {
		u.inits = make(map[string]*Info, len(g.GetInitializer()))
	}
	for _, t := range g.GetInitializer() {
		info, ok := u.inits[t.GetName()]
		if !ok || firstRound {
			var err error
			if info, err = s.initializerInfo(t); err != nil {
				return nil, nil, err
			}
			u.inits[t.GetName()] = info
		}
		s.values[t.GetName()] = info
	}
	for _, vi := range g.GetInput() {
		if info, isInit := s.values[vi.GetName()]; isInit {
			// From IR 4 on, an input with an initializer is overridable at
			// run time: keep its shape but not its value. Before, every
			// initializer had to be listed as an input and is a constant.
			if m.Proto.GetIrVersion() >= 4 {
				s.values[vi.GetName()] = &Info{DType: info.DType, Shape: info.Shape}
			}
			continue
		}
		info, err := s.inputInfo(vi)
		if err != nil {
			return nil, nil, err
		}
		s.values[vi.GetName()] = info
	}
	order, err := topoOrder(g, s.values)
	if err != nil {
		return nil, nil, err
	}
	res := &Result{Values: s.values, Order: order, Inputs: decl}
	// Folded constants count against the memory budget while inference
	// runs: one is small (constLimit), but a model of many small nodes
	// may fold many.
	var folded int64
	defer func() { membudget.Release(folded) }()
	for i, n := range order {
		s.cur, s.curIdx = n, i
		infos, known, err := s.inferNode(n)
		if err == nil {
			err = s.checkSizes(infos)
		}
		if err == nil {
			for _, info := range infos {
				if info == nil || info.Const == nil {
					continue
				}
				b := int64(info.Const.Len()) * int64(max(info.Const.DType.Size(), 1))
				if err = membudget.CheckBytes(b); err != nil {
					err = fmt.Errorf("folded constant: %w", err)
					break
				}
				membudget.Add(b)
				folded += b
			}
		}
		cause := s.taintOf(n)
		if err != nil && cause == "" && errors.Is(err, errUntilPinned) {
			if s.deferred == nil {
				s.deferred = &NodeError{Node: nodeName(n, i), OpType: n.GetOpType(), Err: err}
			}
			infos, cause = nil, nodeName(n, i)
			err = nil
		}
		if err != nil {
			if cause == "" || errors.Is(err, ErrInternal) {
				return nil, nil, &NodeError{Node: nodeName(n, i), OpType: n.GetOpType(), Err: err}
			}
			// A knock-on of an op without a rule: not the model's fault.
			s.knock = append(s.knock, KnockOn{Node: nodeName(n, i), OpType: n.GetOpType(), Cause: cause, Err: err})
			infos = nil
		}
		if !known {
			res.Unknown = append(res.Unknown, nodeName(n, i))
			cause = nodeName(n, i)
		}
		if len(u.facts) > 0 {
			for _, info := range infos {
				if info == nil {
					continue
				}
				info.Shape = substFactsAll(info.Shape, u.facts)
				info.Value = substFactsAll(info.Value, u.facts)
			}
		}
		for j, out := range n.GetOutput() {
			if out == "" {
				continue
			}
			var info *Info
			if j < len(infos) {
				info = infos[j]
			}
			if info == nil {
				info = &Info{}
			}
			s.values[out] = info
			if cause != "" {
				s.taint[out] = cause
			}
		}
	}
	s.cur = nil
	for _, out := range g.GetOutput() {
		if _, ok := s.values[out.GetName()]; !ok {
			return nil, nil, fmt.Errorf("shapeinfer: graph output %q is not produced by any node", out.GetName())
		}
	}
	res.Bounds = s.bounds
	for name := range s.defaulted {
		res.Defaulted = append(res.Defaulted, name)
	}
	slices.Sort(res.Defaulted)
	res.UnknownDims = s.unknownDims
	res.UnknownWhy = s.unknownWhy
	res.KnockOns = s.knock
	res.deferred = s.deferred
	return res, s.eqs, nil
}

// taintOf returns the op without a shape rule that n's inputs descend
// from, or "".
func (s *state) taintOf(n *onnxpb.NodeProto) string {
	for _, in := range nodeInputs(n) {
		if c, ok := s.taint[in]; ok {
			return c
		}
	}
	return ""
}

// checkSizes refuses results no tensor can have, whatever rule computed
// them: a dim that is negative (a negative split size or repeat), or a
// static shape whose element count overflows int64.
func (s *state) checkSizes(infos []*Info) error {
	for i, info := range infos {
		if info == nil || info.Shape == nil {
			continue
		}
		dims := make([]int64, 0, len(info.Shape))
		static := true
		for d, e := range info.Shape {
			v, ok := e.Value()
			if err := s.require(e, 0, func() string { return fmt.Sprintf("output %d dim %d (%s) must not be negative", i, d, e) }); err != nil {
				return err
			}
			static = static && ok
			dims = append(dims, v)
		}
		// (symbolic dims are checked when they are bound, at run time)
		if _, ok := checked.Product(dims); static && !ok {
			return inconsistentError(fmt.Sprintf("output %d has shape %s, whose element count overflows int64", i, shapeString(info.Shape)))
		}
	}
	return nil
}

func shapeString(shape []Expr) string {
	parts := make([]string, len(shape))
	for i, e := range shape {
		parts[i] = e.String()
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func nodeName(n *onnxpb.NodeProto, i int) string {
	if n.GetName() != "" {
		return n.GetName()
	}
	return "#" + strconv.Itoa(i)
}

// symbol returns the expression for a named input dim: a constant when
// frozen, the expression unification replaced it by, else the symbol
// with its bound registered.
func (s *state) symbol(name string, axis int) Expr {
	if v, ok := s.freeze[name]; ok {
		return Const(v)
	}
	if e, ok := s.subs[name]; ok {
		for _, sym := range e.Symbols() {
			s.registerSym(sym)
		}
		return e
	}
	if axis == 0 {
		if _, seen := s.bounds[name]; !seen {
			s.axis0[name] = true
		}
	}
	s.registerSym(name)
	return Sym(name)
}

func (s *state) registerSym(name string) {
	if _, ok := s.bounds[name]; ok {
		return
	}
	b, ok := s.bnds[name]
	if !ok {
		b = Bound{Min: DefaultMin(name), Max: defaultMax(name, s.axis0[name])}
		s.defaulted[name] = true
	}
	if d, raised := s.u.mins[name]; raised {
		b = d.raise(b)
	}
	s.bounds[name] = b
}

func (s *state) inputInfo(vi *onnxpb.ValueInfoProto) (*Info, error) {
	dt, dims, ok := onnxpb.ValueType(vi)
	if !ok {
		return nil, fmt.Errorf("shapeinfer: graph input %q is not a tensor", vi.GetName())
	}
	info := &Info{DType: dt}
	if dims == nil {
		return info, nil
	}
	decl := s.decl[vi.GetName()]
	info.Shape = make([]Expr, len(dims))
	for i := range dims {
		d := decl[i]
		switch d.Kind {
		case DimStatic:
			info.Shape[i] = Const(d.Value)
		case DimExpression:
			m := map[string]Expr{}
			for _, sym := range d.Expr.Symbols() {
				m[sym] = s.symbol(sym, -1)
			}
			info.Shape[i] = d.Expr.Subst(m)
		default:
			info.Shape[i] = s.symbol(d.Name, i)
		}
	}
	return info, nil
}

// constLimit is the largest element count kept as Info.Const; bigger
// initializers (weights) and folded results get their shape only, so
// inference never reads weight bytes.
const constLimit = 1 << 16

func (s *state) initializerInfo(t *onnxpb.TensorProto) (*Info, error) {
	info := &Info{DType: tensor.DType(t.GetDataType()), Shape: make([]Expr, len(t.GetDims()))}
	n := int64(1)
	for i, d := range t.GetDims() {
		info.Shape[i] = Const(d)
		n *= d
	}
	if n <= constLimit && info.DType != tensor.String {
		c, err := decodeTensor(s.m, t)
		switch {
		case err != nil && t.GetDataLocation() == onnxpb.TensorProto_EXTERNAL:
			// Graph-only models (weights not present) still infer; the
			// value just stays unknown.
		case err != nil:
			return nil, fmt.Errorf("shapeinfer: initializer %q: %v", t.GetName(), err)
		case c != nil:
			setConst(info, c)
		}
	}
	return info, nil
}

// topoOrder returns g's nodes so that each comes after the producers of
// its inputs (including values its subgraphs read from the outer scope),
// keeping the file order among independent nodes.
func topoOrder(g *onnxpb.GraphProto, available map[string]*Info) ([]*onnxpb.NodeProto, error) {
	nodes := g.GetNode()
	producer := make(map[string]int, len(nodes))
	for i, n := range nodes {
		for _, o := range n.GetOutput() {
			if o == "" {
				continue
			}
			if j, dup := producer[o]; dup {
				return nil, &NodeError{Node: nodeName(n, i), OpType: n.GetOpType(), Err: fmt.Errorf("output %q is also produced by node %q", o, nodeName(nodes[j], j))}
			}
			if _, ok := available[o]; ok {
				return nil, &NodeError{Node: nodeName(n, i), OpType: n.GetOpType(), Err: fmt.Errorf("output %q redefines a graph input or initializer", o)}
			}
			producer[o] = i
		}
	}
	pending := make([]int, len(nodes))
	users := make([][]int, len(nodes))
	for i, n := range nodes {
		deps := nodeInputs(n)
		for _, in := range deps {
			if in == "" {
				continue
			}
			if j, ok := producer[in]; ok {
				pending[i]++
				users[j] = append(users[j], i)
				continue
			}
			if _, ok := available[in]; !ok {
				return nil, &NodeError{Node: nodeName(n, i), OpType: n.GetOpType(), Err: fmt.Errorf("input %q is not a graph input, initializer or node output", in)}
			}
		}
	}
	order := make([]*onnxpb.NodeProto, 0, len(nodes))
	// Ready nodes are taken lowest index first: a sorted file comes out unchanged.
	ready := &intHeap{}
	for i := range nodes {
		if pending[i] == 0 {
			ready.push(i)
		}
	}
	for ready.len() > 0 {
		i := ready.pop()
		order = append(order, nodes[i])
		for _, u := range users[i] {
			pending[u]--
			if pending[u] == 0 {
				ready.push(u)
			}
		}
	}
	if len(order) != len(nodes) {
		for i, n := range nodes {
			if pending[i] > 0 {
				return nil, &NodeError{Node: nodeName(n, i), OpType: n.GetOpType(), Err: fmt.Errorf("graph has a cycle through this node")}
			}
		}
	}
	return order, nil
}

// nodeInputs returns n's inputs plus the outer-scope names its subgraphs read.
func nodeInputs(n *onnxpb.NodeProto) []string {
	var sub []string
	for _, a := range n.GetAttribute() {
		if a.GetG() != nil {
			sub = append(sub, freeNames(a.GetG())...)
		}
		for _, g := range a.GetGraphs() {
			sub = append(sub, freeNames(g)...)
		}
	}
	if sub == nil {
		return n.GetInput()
	}
	return append(slices.Clone(n.GetInput()), sub...)
}

// freeNames returns the names g's nodes read that g does not define.
func freeNames(g *onnxpb.GraphProto) []string {
	defined := map[string]bool{"": true}
	for _, vi := range g.GetInput() {
		defined[vi.GetName()] = true
	}
	for _, t := range g.GetInitializer() {
		defined[t.GetName()] = true
	}
	for _, n := range g.GetNode() {
		for _, o := range n.GetOutput() {
			defined[o] = true
		}
	}
	var out []string
	for _, n := range g.GetNode() {
		for _, in := range nodeInputs(n) {
			if !defined[in] {
				defined[in] = true
				out = append(out, in)
			}
		}
	}
	return out
}

type intHeap struct{ a []int }

func (h *intHeap) len() int { return len(h.a) }

func (h *intHeap) push(x int) {
	h.a = append(h.a, x)
	i := len(h.a) - 1
	for i > 0 {
		p := (i - 1) / 2
		if h.a[p] <= h.a[i] {
			break
		}
		h.a[p], h.a[i] = h.a[i], h.a[p]
		i = p
	}
}

func (h *intHeap) pop() int {
	top := h.a[0]
	last := len(h.a) - 1
	h.a[0] = h.a[last]
	h.a = h.a[:last]
	i := 0
	for {
		l, r, m := 2*i+1, 2*i+2, i
		if l < len(h.a) && h.a[l] < h.a[m] {
			m = l
		}
		if r < len(h.a) && h.a[r] < h.a[m] {
			m = r
		}
		if m == i {
			return top
		}
		h.a[i], h.a[m] = h.a[m], h.a[i]
		i = m
	}
}

// constraint records that an op requires a and b to be equal (or, for a
// broadcast, assumes it).
func (s *state) constraint(a, b Expr) {
	e := Equality{A: a, B: b}
	if s.cur != nil {
		e.Node, e.OpType = nodeName(s.cur, s.curIdx), s.cur.GetOpType()
		if d := s.cur.GetDomain(); d != "" && d != "ai.onnx" {
			e.OpType = d + "." + e.OpType
		}
	}
	s.eqs = append(s.eqs, e)
	c := e.String()
	if !s.seenCons[c] {
		s.seenCons[c] = true
		s.constraints = append(s.constraints, c)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
