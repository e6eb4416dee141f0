// Package lower converts an ONNX model into a WebNN graph (graph.Graph).
//
// Convert runs in four steps: shape inference (shapeinfer.Infer gives every
// value a symbolic shape, the known elements of shape tensors and the value
// of every constant subgraph); a support check over every live node, which
// collects all refusals before anything is emitted; emission, which pulls
// values from the graph outputs backwards so that dead code and folded
// subgraphs are never emitted; and output naming plus graph.Validate.
//
// Which ONNX op lowers to which WebNN ops is one table, registry.go; the
// lowering functions live in one file per op family (elementwise.go,
// matmul.go, conv.go, pool.go, norm.go, shape_ops.go, gather.go, reduce.go,
// activation.go, quant.go). Every emitted op is named after its source node
// (`<node>`, `<node>_1`, …) and carries the ONNX node name as its comment.
package lower

import (
	"github.com/webnn-graph/webnn-graph/internal/membudget"
	"github.com/webnn-graph/webnn-graph/internal/recovery"

	"errors"
	"fmt"
	"github.com/webnn-graph/webnn-graph/emit"

	"github.com/webnn-graph/webnn-graph/graph"
	"github.com/webnn-graph/webnn-graph/onnxpb"
	"github.com/webnn-graph/webnn-graph/shapeinfer"
	"github.com/webnn-graph/webnn-graph/target"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// Options control a conversion.
type Options struct {
	Dims   shapeinfer.Bounds // bounds of dynamic dims (--dim name=max); defaults apply to the rest
	Freeze map[string]int64  // dims made static (--freeze name=value)
	// Sources says where each Dims/Freeze entry came from ("--dim",
	// "dims file", …) for reports and errors; the model's metadata
	// settings (MetadataDimKeys) are added under the given ones.
	Sources map[string]string
	Name    string // graph name; default "model"
	// Precision "float16" rewrites a float32 model to compute in float16
	// (inputs and outputs stay float32); "" or "float32" keeps the model's
	// types.
	Precision string
	// FreezeInputs pins graph inputs to a value (--freeze-input
	// name=value): each becomes a constant and leaves the graph's inputs,
	// and what depends on it folds (If conditions included). The value is
	// a comma-separated list filling the input's declared shape.
	FreezeInputs map[string]string
	// Target is the loader the graph is for (package target): which size
	// expressions, ops and data types it reads and which of its bugs to
	// route around. nil is target.Default.
	Target *target.Target
	// AllowNewerOpset (--allow-newer-opset) lowers a model importing an
	// ai.onnx opset newer than the operator version table (OnnxOpsetMax)
	// by each operator's newest known definition; otherwise its nodes are
	// refused, since an operator may have changed after the table.
	AllowNewerOpset bool
}

// Weight is one tensor for the weights file. Data returns the bytes lazily
// (zero-copy from the model's mapped external data where no conversion is
// needed), so a converter can stream them into the weights writer.
type Weight struct {
	Key  string
	Desc graph.Desc
	Data func() ([]byte, error)
}

// Result is a converted graph with its weights.
type Result struct {
	Graph   *graph.Graph
	Weights []Weight
	Bounds  shapeinfer.Bounds // every dim symbol of the graph with the bound used
	Names   map[string]string // graph input/output identifier → ONNX name
	// Tightened lists the defaulted dim bounds lowered to a limit the
	// model states itself (a position table of 512 rows caps
	// sequence_length at 512); user-given bounds are never changed.
	Tightened []TightenedBound
	// Relations lists the dims the graph pins to a constant or to other
	// dims (kv_cache_dim = 16, fixed by a Concat with the new key); they
	// are not free in the converted graph.
	Relations []shapeinfer.Relation
	// Derived maps the input dim names that stand for an expression over
	// the free dims (attention_mask's past_sequence_length +
	// sequence_length, declared as attention_mask_dim1) to it.
	Derived map[string]shapeinfer.Expr
	// Minimums are the lower bounds the graph requires of a dim (a window
	// that must fit N samples), already in Bounds.
	Minimums []shapeinfer.DerivedMin
	// Constraints are the equalities between dims the graph needs that
	// fix no single dim (a ViT's (height / 4) * (width / 4) == 196).
	Constraints []shapeinfer.Equality
	// Inputs declares every graph input's dims (shapeinfer.DeclaredDims).
	Inputs map[string][]shapeinfer.InputDim
	// UnusedDims lists the dim settings (flags, dims file, metadata) that
	// name no dim of the model's inputs.
	UnusedDims []string
	// Sources says where each dim setting came from.
	Sources map[string]string
	// Sizes lists every distinct dynamic size the graph's options hold,
	// as printed, with the expression shape inference gave it (before
	// the rewrite into the form loaders evaluate).
	Sizes []SizeExpr
	// Warnings are facts about the graph a user should know but that do
	// not make it wrong in our runtime, e.g. a dynamic size that rustnn
	// ≤ 0.5.12 cannot evaluate.
	Warnings []string
	// Values maps each ONNX value the graph carries to the WebNN operand
	// (graph input, const or node output) that holds it, for parity
	// tooling (verify --localize). Unmapped says why the other values of
	// live nodes have none (folded to a constant, fused into a pattern).
	// See values.go.
	Values   map[string]string
	Unmapped map[string]string
}

// SizeExpr is one dynamic size of the graph: Text as emitted, Of as shape
// inference computed it; they are equal wherever the graph's relations
// hold.
type SizeExpr struct {
	Text string
	Of   shapeinfer.Expr
}

func (c *ctx) recordSize(text string, of shapeinfer.Expr) {
	k := text + "\x00" + of.String()
	if c.seenSize == nil {
		c.seenSize = map[string]bool{}
	}
	if !c.seenSize[k] {
		c.seenSize[k] = true
		c.sizes = append(c.sizes, SizeExpr{Text: text, Of: of})
	}
}

// TightenedBound is one defaulted dim bound lowered to a model limit.
type TightenedBound struct {
	Name   string // dim symbol
	Max    int64  // new upper bound
	Was    int64  // the default it replaces
	Reason string // where the model states the limit
}

// smallConstBytes is the size below which a constant is written inline as
// @bytes instead of being stored in the weights file.
const smallConstBytes = 64

// Convert lowers m into a WebNN graph. Every node that cannot be expressed
// exactly is refused; the error then lists every refused node (a
// *RefusalError), in graph order.
func Convert(m *onnxpb.Model, opts Options) (res *Result, err error) {
	defer func() {
		if r := recover(); r != nil {
			res, err = nil, fmt.Errorf("lower: %w", loweringPanic(r))
		}
	}()
	if m == nil || m.Proto == nil || m.Proto.GetGraph() == nil {
		return nil, errors.New("lower: model has no graph")
	}
	if err := checkTensorInputs(m); err != nil {
		return nil, err
	}
	opts, metaErrs := withModelDims(m, opts)
	// Control flow known at conversion time is folded into the main graph
	// (controlflow.go); the edit is undone before returning.
	g := m.Graph()
	saved := saveGraph(g)
	editing(g)
	defer saved.restore(g)
	si, tightened, kept, err := resolveControlFlow(m, opts)
	if err != nil {
		return nil, err
	}
	c, err := newCtx(m, si, opts)
	if err != nil {
		return nil, err
	}
	c.cfKept = kept
	for _, e := range metaErrs {
		c.warn(e.Error() + " (ignored)")
	}
	c.dimSubs = append(solvedConstraints(si.Constraints), c.derivedSubs()...)
	// Emission runs even after refusals so that every refusal of the
	// graph is reported at once; nodes refused by their check are skipped
	// and their consumers are not reported again.
	c.checkAll()
	c.emitAll()
	if len(c.errs) > 0 {
		c.rewordAll(c.errs)
		return nil, c.refusal()
	}
	switch opts.Precision {
	case "", "float32":
	case "float16":
		if err := c.toFloat16(); err != nil {
			return nil, fmt.Errorf("lower: float16 precision: %w", err)
		}
	default:
		return nil, fmt.Errorf("lower: unknown precision %q (want float32 or float16)", opts.Precision)
	}
	if err := c.int64ToInt32(); err != nil {
		return nil, fmt.Errorf("lower: %w", err)
	}
	c.packInt4()
	if err := graph.Validate(c.g, nil); err != nil {
		return nil, fmt.Errorf("lower: internal error, emitted graph is invalid: %w", err)
	}
	values, unmapped := c.valueMap()
	return &Result{Graph: c.g, Weights: c.weights, Bounds: c.usedBounds(), Names: c.names, Tightened: tightened, Warnings: c.warnings, Values: values, Unmapped: unmapped,
		Sizes: c.sizes, Relations: si.Relations, Minimums: si.Minimums, Constraints: si.Unsolved, Derived: c.derived, Inputs: si.Inputs, UnusedDims: si.UnusedOptions, Sources: opts.Sources}, nil
}

func checkTensorInputs(m *onnxpb.Model) error {
	for _, vi := range m.Proto.GetGraph().GetInput() {
		if vi.GetType().GetTensorType() == nil {
			return fmt.Errorf("lower: graph input %q: %w: WebNN inputs are tensors (not sequences, maps or optionals)", vi.GetName(), ErrNotInWebNN)
		}
	}
	return nil
}

// infer runs shape inference and sorts its failures: an inconsistent
// model is an error, a value WebNN needs static but the model computes at
// run time (axes or split sizes fed as graph inputs) is a refusal, and
// anything else (an internal failure of inference) is neither.
func infer(m *onnxpb.Model, bounds shapeinfer.Bounds, freeze map[string]int64, sources map[string]string, assume []shapeinfer.Equality) (*shapeinfer.Result, error) {
	si, err := shapeinfer.Infer(m, shapeinfer.Options{Bounds: bounds, Freeze: freeze, Sources: sources, Assume: assume})
	if err == nil {
		return si, nil
	}
	var be *membudget.Error
	if errors.Is(err, shapeinfer.ErrInconsistent) || errors.As(err, &be) {
		return nil, fmt.Errorf("lower: %w", err)
	}
	if errors.Is(err, shapeinfer.ErrInternal) {
		return nil, fmt.Errorf("lower: internal error in shape inference: %w", err)
	}
	return nil, &shapeRefusal{err}
}

// srcNode is one ONNX node with what the lowering needs to know about it.
type srcNode struct {
	*onnxpb.NodeProto
	index int    // position in the ONNX graph (errors are sorted by it)
	label string // the ONNX node name, or "#index" when unnamed
	base  string // identifier the emitted ops are named after
	opset int64  // opset of the node's domain
	low   *lowering
	nOps  int // ops emitted so far (for <base>_N ids)
}

func (n *srcNode) domain() string {
	d := n.GetDomain()
	if d == "ai.onnx" {
		return ""
	}
	return d
}

// hasInput reports whether optional input i is present.
func (n *srcNode) hasInput(i int) bool { return i < len(n.Input) && n.Input[i] != "" }

// hasOutput reports whether output i exists and is used by the graph.
func (n *srcNode) hasOutput(i int) bool { return i < len(n.Output) && n.Output[i] != "" }

type nodeState uint8

const (
	stateNew nodeState = iota
	stateBusy
	stateDone
	stateFailed
)

// ctx is the state of one conversion.
type ctx struct {
	m      *onnxpb.Model
	si     *shapeinfer.Result
	bounds shapeinfer.Bounds
	g      *graph.Graph
	ids    *namer

	nodes    []*srcNode
	producer map[string]*srcNode            // ONNX value → producing node
	inits    map[string]*onnxpb.TensorProto // initializers by name
	operand  map[string]string              // ONNX value → WebNN operand
	state    map[*srcNode]nodeState
	users    map[string]int // ONNX value → number of consuming live nodes
	live     map[*srcNode]bool

	weights    []Weight
	weightKeys map[string]bool
	scalarMemo map[string]string // memoised small constants (desc+value → operand)
	// builtBytes counts the bytes of the constants the conversion builds
	// and holds until the weights are written (holdBuilt).
	builtBytes int64
	names      map[string]string // identifier → ONNX name (inputs, outputs)
	renamed    map[string]string // operand → the output identifier it was renamed to
	outIdent   map[string]string // ONNX graph output → its reserved identifier
	symbols    map[string]bool   // dim symbols that appear in the graph
	inputSyms  map[string]bool   // dim symbols declared by graph inputs

	errs []*NodeError

	precision string                       // Options.Precision
	target    *target.Target               // Options.Target, never nil
	splitAxes map[string]*splitValue       // ONNX values held with folded axes kept apart (split.go)
	pieces    map[string]*pieceValue       // ONNX values held as pieces along an axis (pieces.go)
	pieceable map[string]bool              // ONNX values that may be held in pieces (pieces.go mayPiece)
	forms     map[string]*indexForm        // memoised index forms (indexform.go); nil: none
	foldScan  int8                         // mayFold: 0 not scanned, 1 no fold, 2 some reshape folds
	keepF32   map[string]bool              // casts and consts of float32 islands the float16 pass keeps
	cur       *srcNode                     // node being emitted (for warnings)
	dimSubs   []map[string]shapeinfer.Expr // shapeinfer's dim equalities, each solved for one symbol
	sizes     []SizeExpr                   // dynamic sizes emitted (Result.Sizes)
	seenSize  map[string]bool
	caps      map[string][]int64         // expression → the K of every min(K, expression) in the graph
	derived   map[string]shapeinfer.Expr // input dim names that stand for an expression (total_sequence_length = past_sequence_length + sequence_length)
	warnings  []string
	cfKept    map[string]string            // control-flow nodes left in the graph (by first output) → why
	lostShape map[string]bool              // operands whose shape the target's loader loses (workarounds.go)
	opShapes  map[string][]shapeinfer.Expr // shapes of such operands inside decompositions (shapedOp)
	bases     map[string]string            // STFT/DFT bases built, by parameters (signal.go)
}

func newCtx(m *onnxpb.Model, si *shapeinfer.Result, opts Options) (*ctx, error) {
	name := opts.Name
	if name == "" {
		name = "model"
	}
	c := &ctx{
		m: m, si: si, bounds: si.Bounds,
		g:          &graph.Graph{Name: name, Version: 1},
		ids:        newNamer(),
		producer:   map[string]*srcNode{},
		inits:      map[string]*onnxpb.TensorProto{},
		operand:    map[string]string{},
		state:      map[*srcNode]nodeState{},
		users:      map[string]int{},
		live:       map[*srcNode]bool{},
		weightKeys: map[string]bool{},
		scalarMemo: map[string]string{},
		names:      map[string]string{},
		symbols:    map[string]bool{},
		outIdent:   map[string]string{},
		inputSyms:  map[string]bool{},
		precision:  opts.Precision,
		keepF32:    map[string]bool{},
		derived:    map[string]shapeinfer.Expr{},
		target:     opts.Target,
		bases:      map[string]string{},
	}
	if c.target == nil {
		c.target = target.Default
	}
	if c.bounds == nil {
		c.bounds = shapeinfer.Bounds{}
	}
	gp := m.Proto.GetGraph()
	for _, t := range gp.GetInitializer() {
		c.inits[t.GetName()] = t
	}
	for i, np := range gp.GetNode() {
		n := &srcNode{NodeProto: np, index: i, label: np.GetName()}
		if n.label == "" {
			n.label = fmt.Sprintf("#%d", i)
		}
		base := np.GetName()
		if base == "" && len(np.Output) > 0 {
			base = np.Output[0]
		}
		if base == "" {
			base = np.GetOpType()
		}
		n.base = emit.Sanitize(base)
		n.opset = m.Opsets[n.domain()]
		if n.opset == 0 && n.domain() == "" {
			n.opset = m.Opsets["ai.onnx"]
		}
		if n.domain() == "" && n.opset > onnxOpsetMax && opts.AllowNewerOpset {
			n.opset = onnxOpsetMax
		}
		n.low = lookup(n.domain(), np.GetOpType(), n.opset)
		for _, o := range np.Output {
			if o != "" {
				c.producer[o] = n
			}
		}
		c.nodes = append(c.nodes, n)
	}
	// Visit nodes in shapeinfer's topological order: ONNX does not promise
	// a sorted node list. (Emission pulls values from the outputs anyway;
	// the order matters for the support check.)
	if len(si.Order) == len(c.nodes) {
		byProto := make(map[*onnxpb.NodeProto]*srcNode, len(c.nodes))
		for _, n := range c.nodes {
			byProto[n.NodeProto] = n
		}
		sorted := make([]*srcNode, 0, len(c.nodes))
		for _, np := range si.Order {
			if n := byProto[np]; n != nil {
				sorted = append(sorted, n)
			}
		}
		if len(sorted) == len(c.nodes) {
			c.nodes = sorted
		}
	}
	// Graph inputs (initializers listed as inputs are constants, IR < 4).
	for _, vi := range gp.GetInput() {
		if _, isInit := c.inits[vi.GetName()]; isInit {
			continue
		}
		if err := c.addInput(vi); err != nil {
			return nil, err
		}
	}
	// Reserve the output identifiers so no emitted op takes them.
	for _, o := range gp.GetOutput() {
		if _, done := c.outIdent[o.GetName()]; !done {
			c.outIdent[o.GetName()] = c.ids.fresh(emit.Sanitize(o.GetName()))
		}
	}
	return c, nil
}

// addInput declares a graph input with dyn(...) dims from shapeinfer.
func (c *ctx) addInput(vi *onnxpb.ValueInfoProto) error {
	name := vi.GetName()
	info := c.info(name)
	if info == nil || info.Shape == nil {
		return fmt.Errorf("lower: graph input %q has no known shape", name)
	}
	dt, err := webnnDType(info.DType)
	if err != nil {
		return fmt.Errorf("lower: graph input %q: %w", name, err)
	}
	desc := graph.Desc{DType: dt}
	for i, e := range info.Shape {
		if v, ok := e.Value(); ok {
			if v > graph.MaxDim {
				return fmt.Errorf("lower: graph input %q: %w: dim %d is %d, above WebNN's largest dimension %d", name, ErrNotInWebNN, i, v, int64(graph.MaxDim))
			}
			desc.Shape = append(desc.Shape, graph.Static(v))
			continue
		}
		sym, ok := e.SymName()
		if !ok {
			// A dim the graph relates to others (attention_mask's
			// past_sequence_length + sequence_length): the input declares
			// it under its own name, and sizes may be rewritten to it.
			decl := c.si.Inputs[name]
			if i >= len(decl) || decl[i].Name == "" {
				return fmt.Errorf("lower: graph input %q: dim %d is the expression %q and has no name", name, i, e.String())
			}
			sym = decl[i].Name
			if err := c.declareDerived(sym, e); err != nil {
				return fmt.Errorf("lower: graph input %q: dim %d: %w", name, i, err)
			}
		}
		hi := c.bounds.Of(sym).Max
		if hi > graph.MaxDim {
			return fmt.Errorf("lower: graph input %q: %w: dim %d (%s) may be as large as %d, above WebNN's largest dimension %d (--dim %s=MAX bounds it)", name, ErrNotInWebNN, i, sym, hi, int64(graph.MaxDim), sym)
		}
		c.symbols[sym] = true
		c.inputSyms[sym] = true
		desc.Shape = append(desc.Shape, graph.Dynamic(sym, hi))
		c.g.Version = 2
	}
	id := c.ids.fresh(emit.Sanitize(name))
	c.names[id] = name
	c.g.Inputs = append(c.g.Inputs, graph.Input{Name: id, Desc: desc, Comment: commentFor(name, id)})
	c.operand[name] = id
	return nil
}

func commentFor(name, id string) string {
	if name == id {
		return ""
	}
	return name
}

// info returns shapeinfer's facts about an ONNX value, or nil.
func (c *ctx) info(v string) *shapeinfer.Info {
	if c.si == nil {
		return nil
	}
	return c.si.Values[v]
}

// folded reports whether a value needs no node: it is a constant, or a
// shape tensor whose elements are known (possibly symbolically).
func (c *ctx) folded(v string) bool {
	if _, ok := c.inits[v]; ok {
		return true
	}
	in := c.info(v)
	return in != nil && (in.Const != nil || in.Value != nil)
}

// markLive computes the nodes that reach a graph output.
func (c *ctx) markLive() {
	var stack []string
	for _, o := range c.m.Proto.GetGraph().GetOutput() {
		stack = append(stack, o.GetName())
		c.users[o.GetName()]++
	}
	seen := map[string]bool{}
	for len(stack) > 0 {
		v := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[v] {
			continue
		}
		seen[v] = true
		p := c.producer[v]
		if p == nil || c.live[p] {
			continue
		}
		c.live[p] = true
		for _, in := range p.Input {
			if in != "" {
				c.users[in]++
				stack = append(stack, in)
			}
		}
	}
}

// checkAll runs the support check of every live node that is not folded
// away, collecting every refusal.
func (c *ctx) checkAll() {
	c.markLive()
	for _, o := range c.m.Proto.GetGraph().GetOutput() {
		if c.producer[o.GetName()] == nil && c.operand[o.GetName()] == "" && !c.folded(o.GetName()) {
			c.errs = append(c.errs, &NodeError{Node: "output " + o.GetName(), Err: errors.New("graph output has no producer")})
			continue
		}
		// A graph output declared of one type and computed as another is
		// an inconsistent model (ONNX Runtime refuses it); emitting the
		// computed type would hand the caller a different tensor type.
		if want := tensor.DType(o.GetType().GetTensorType().GetElemType()); want != 0 {
			if in := c.info(o.GetName()); in != nil && in.DType != 0 && in.DType != want {
				c.errs = append(c.errs, &NodeError{Node: "output " + o.GetName(), Err: fmt.Errorf("graph output declared %v is computed as %v", want, in.DType)})
			}
		}
	}
	for _, n := range c.nodes {
		if !c.live[n] || c.allFolded(n) {
			continue
		}
		if n.low == nil {
			c.fail(n, unsupportedOp(c, n))
			c.state[n] = stateFailed
			continue
		}
		if err := c.checkDims(n); err != nil {
			c.fail(n, err)
			c.state[n] = stateFailed
			continue
		}
		if n.low.check != nil {
			if err := guard(func() error { return n.low.check(c, n) }); err != nil {
				c.fail(n, err)
				c.state[n] = stateFailed
			}
		}
	}
}

// checkDims refuses a node with a result dim past WebNN's largest
// dimension (an unsigned long): no loader could build it. Only the node
// that makes such a dim is refused; its consumers fail with it.
func (c *ctx) checkDims(n *srcNode) error {
	tooLarge := func(v string) bool {
		info := c.info(v)
		if v == "" || info == nil {
			return false
		}
		for _, e := range info.Shape {
			if d, ok := e.Value(); ok && d > graph.MaxDim {
				return true
			}
		}
		return false
	}
	for _, in := range n.Input {
		if tooLarge(in) {
			return nil
		}
	}
	for i, o := range n.Output {
		info := c.info(o)
		if o == "" || info == nil {
			continue
		}
		for d, e := range info.Shape {
			if v, ok := e.Value(); ok && v > graph.MaxDim {
				return fmt.Errorf("%w: output %d (%s) has dim %d = %d, above WebNN's largest dimension %d", ErrNotInWebNN, i, o, d, v, int64(graph.MaxDim))
			}
		}
	}
	return nil
}

// guard runs one half of a lowering, turning a panic into its error.
func guard(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			switch r.(type) {
			case *GraphTooLargeError, *ConstantsTooLargeError:
				panic(r) // ends the conversion (Convert recovers it)
			}
			if ar, ok := r.(anchorRefusal); ok {
				err = ar.err
				return
			}
			err = loweringPanic(r)
		}
	}()
	return f()
}

// The emitted graph's size budget: a base that holds the largest unrolled
// recurrence (2048 steps, ~45000 ops) twice, plus a generous 8 ops per
// ONNX node. Every node within its own limits (an unrolled LSTM, a
// QLinearAveragePool slice per kernel position, an Einsum's products)
// may still add up, over many such nodes or nodes copied by unrolled
// loops, to a graph of millions of ops and gigabytes of memory; the
// budget stops the conversion at the node that passes it.
const (
	maxOpsBase    = 1 << 17
	maxOpsPerNode = 8
)

func (c *ctx) maxOps() int { return maxOpsBase + maxOpsPerNode*len(c.nodes) }

// GraphTooLargeError is a conversion stopped by the emitted graph's size
// budget. It aborts the whole lowering (guard passes it on): every node
// after it would be refused the same way.
type GraphTooLargeError struct {
	Node, Op       string
	Ops, ONNXNodes int
}

func (e *GraphTooLargeError) Error() string {
	return fmt.Sprintf("node %q (%s): the emitted graph passes %d ops, the budget for a model of %d ONNX nodes (%d + %d per node): the model unrolls or expands to too large a graph",
		e.Node, e.Op, e.Ops, e.ONNXNodes, maxOpsBase, maxOpsPerNode)
}

// loweringPanic is the error a recovered panic stands for: an overflowing
// shape computation or a constant over the memory budget (the model's
// fault, reported as such), or else a bug, reported as an internal error
// with where it happened, on one line.
func loweringPanic(r any) error {
	if oe, ok := r.(*shapeinfer.OverflowError); ok {
		return oe
	}
	if be := membudget.FromPanic(r); be != nil {
		return be
	}
	if ge, ok := r.(*GraphTooLargeError); ok {
		return ge
	}
	if ce, ok := r.(*ConstantsTooLargeError); ok {
		return ce
	}
	return fmt.Errorf("internal error: %s", recovery.Describe(r))
}

func (c *ctx) allFolded(n *srcNode) bool {
	for _, o := range n.Output {
		if o != "" && !c.folded(o) {
			return false
		}
	}
	return len(n.Output) > 0
}

func (c *ctx) fail(n *srcNode, err error) {
	if msg := err.Error(); c.si != nil && c.si.Readable(msg) != msg {
		err = &rewordedError{msg: c.si.Readable(msg), err: err}
	}
	c.errs = append(c.errs, newNodeError(n, err))
}

// rewordAll rewrites every refusal (and its knock-ons) whose text names a
// dim shape inference made up: errors built on paths that bypass fail
// (an operand pulled by a consumer, a graph output) would otherwise print
// the internal symbol.
func (c *ctx) rewordAll(errs []*NodeError) {
	for _, e := range errs {
		if msg := e.Err.Error(); c.si != nil && c.si.Readable(msg) != msg {
			e.Err = &rewordedError{msg: c.si.Readable(msg), err: e.Err}
		}
		c.rewordAll(e.KnockOns)
	}
}

// rewordedError is err with its text rewritten (internal dim names
// replaced by what they stand for), still matching what err matches.
type rewordedError struct {
	msg string
	err error
}

func (e *rewordedError) Error() string { return e.msg }
func (e *rewordedError) Unwrap() error { return e.err }

// emitAll pulls every graph output, then names the outputs.
func (c *ctx) emitAll() {
	type out struct{ onnx, operand string }
	var outs []out
	for _, o := range c.m.Proto.GetGraph().GetOutput() {
		op, err := c.value(o.GetName())
		if err != nil {
			if ne, ok := err.(*NodeError); ok {
				c.errs = append(c.errs, ne)
			} else if !errors.Is(err, errFailedInput) {
				c.errs = append(c.errs, &NodeError{Node: "output " + o.GetName(), Err: err})
			}
			continue
		}
		outs = append(outs, out{o.GetName(), op})
	}
	if len(c.errs) > 0 {
		return
	}
	// Name each output's defining node after the ONNX output; an output
	// that is a graph input, a constant or already named gets an identity.
	nodeOf := map[string]int{}
	for i := range c.g.Nodes {
		for _, o := range c.g.Nodes[i].OutputNames() {
			nodeOf[o] = i
		}
	}
	renamed := map[string]string{}
	renamedNode := map[string]bool{}
	named := map[string]bool{}
	for _, o := range outs {
		id := c.outIdent[o.onnx]
		if named[id] {
			continue // the same ONNX output listed twice
		}
		named[id] = true
		c.names[id] = o.onnx
		idx, isNode := nodeOf[o.operand]
		if isNode && !renamedNode[o.operand] && c.g.Nodes[idx].Outputs == nil {
			renamedNode[o.operand] = true
			renamed[o.operand] = id
			c.g.Nodes[idx].ID = id
		} else {
			src := o.operand
			if r, ok := renamed[src]; ok {
				src = r
			}
			c.g.Nodes = append(c.g.Nodes, graph.Node{ID: id, Op: "identity", Inputs: []string{src}, Comment: "output " + o.onnx})
		}
		c.g.Outputs = append(c.g.Outputs, graph.Output{Name: id, Operand: id})
	}
	c.renamed = renamed
	if len(renamed) > 0 {
		for i := range c.g.Nodes {
			for j, in := range c.g.Nodes[i].Inputs {
				if r, ok := renamed[in]; ok {
					c.g.Nodes[i].Inputs[j] = r
				}
			}
		}
	}
	// Constants are declared before nodes in the text form; keep them in
	// creation order. Dynamic dims anywhere make the graph v2.
	if len(c.symbols) > 0 {
		c.g.Version = 2
	}
}

var errFailedInput = errors.New("input failed to lower")

// value returns the WebNN operand holding ONNX value v, emitting whatever
// it needs on first use. A value held split (split.go) is reshaped to its
// own shape here, for consumers that do not carry splits.
func (c *ctx) value(v string) (string, error) {
	if op, ok := c.operand[v]; ok {
		return op, nil
	}
	op, sv, err := c.valueOrSplit(v)
	if err == nil && sv == nil && op == "" {
		if pv := c.pieces[v]; pv != nil {
			return c.joinPieces(v, pv)
		}
	}
	if err != nil || sv == nil {
		return op, err
	}
	op, err = c.materialize(v, sv)
	if err != nil {
		if p := c.producer[v]; p != nil {
			return "", newNodeError(p, err)
		}
	}
	return op, err
}

// valueOrSplit is value without materializing: a split value comes back
// as itself (sv != nil).
func (c *ctx) valueOrSplit(v string) (string, *splitValue, error) {
	if sv, ok := c.splitAxes[v]; ok {
		return "", sv, nil
	}
	op, err := c.emitValue(v)
	if err != nil {
		return "", nil, err
	}
	if sv, ok := c.splitAxes[v]; ok && op == "" {
		return "", sv, nil
	}
	return op, nil, nil
}

// emitValue returns the operand of v, emitting its producer on first use;
// "" with no error when the producer bound v as a split value.
func (c *ctx) emitValue(v string) (string, error) {
	if op, ok := c.operand[v]; ok {
		return op, nil
	}
	if t, ok := c.inits[v]; ok {
		op, err := c.initializerConst(t)
		if err != nil {
			return "", err
		}
		c.operand[v] = op
		return op, nil
	}
	info := c.info(v)
	p := c.producer[v]
	if info != nil && info.Const != nil {
		label := v
		op, err := c.constTensor(emit.Sanitize(label), info.Const, v)
		if err != nil {
			if p != nil {
				return "", newNodeError(p, err)
			}
			return "", err
		}
		c.operand[v] = op
		return op, nil
	}
	if p == nil {
		return "", fmt.Errorf("value %q has no producer, initializer or graph input", v)
	}
	if info != nil && info.Value != nil {
		op, err := c.fromValue(p, info)
		if err != nil {
			return "", newNodeError(p, err)
		}
		c.operand[v] = op
		return op, nil
	}
	switch c.state[p] {
	case stateBusy:
		return "", newNodeError(p, errors.New("graph has a cycle through this node"))
	case stateFailed:
		return "", errFailedInput
	case stateDone:
		if op, ok := c.operand[v]; ok {
			return op, nil
		}
		if c.isSplit(v) || c.pieces[v] != nil {
			return "", nil
		}
		return "", newNodeError(p, fmt.Errorf("output %q was not produced by the lowering", v))
	}
	c.state[p] = stateBusy
	prev := c.cur
	c.cur = p
	defer func() { c.cur = prev }()
	if p.low == nil {
		c.state[p] = stateFailed
		return "", newNodeError(p, unsupportedOp(c, p))
	}
	if err := guard(func() error {
		handled, err := c.emitSplit(p)
		if !handled && err == nil {
			handled, err = c.emitPieces(p)
		}
		if !handled && err == nil {
			err = p.low.emit(c, p)
		}
		return err
	}); err != nil {
		c.state[p] = stateFailed
		if errors.Is(err, errFailedInput) {
			return "", err
		}
		var ne *NodeError
		if errors.As(err, &ne) {
			return "", err
		}
		return "", newNodeError(p, err)
	}
	c.state[p] = stateDone
	if op, ok := c.operand[v]; ok {
		return op, nil
	}
	if c.isSplit(v) || c.pieces[v] != nil {
		return "", nil
	}
	return "", newNodeError(p, fmt.Errorf("output %q was not produced by the lowering", v))
}

// in returns the operand of input i of n.
func (c *ctx) in(n *srcNode, i int) (string, error) {
	if !n.hasInput(i) {
		return "", fmt.Errorf("input %d is missing", i)
	}
	return c.value(n.Input[i])
}

// ins returns the operands of inputs idx of n.
func (c *ctx) ins(n *srcNode, idx ...int) ([]string, error) {
	out := make([]string, len(idx))
	for k, i := range idx {
		op, err := c.in(n, i)
		if err != nil {
			return nil, err
		}
		out[k] = op
	}
	return out, nil
}

// bind records operand op as output i of n.
func (c *ctx) bind(n *srcNode, i int, op string) {
	if n.hasOutput(i) {
		c.operand[n.Output[i]] = op
	}
}

// op appends a WebNN op named after n and returns the operand it defines.
func (c *ctx) op(n *srcNode, op string, inputs []string, opts map[string]any) string {
	inputs = c.anchorLostInput(n, op, inputs, opts)
	id := c.nextID(n)
	c.g.Nodes = append(c.g.Nodes, graph.Node{ID: id, Op: op, Inputs: inputs, Options: opts, Comment: n.label})
	c.noteShapeLoss(&c.g.Nodes[len(c.g.Nodes)-1])
	return id
}

// opMulti appends a WebNN op with k outputs, named <id>_Output1…k: rustnn
// ≤ 0.5.12 wires gru/lstm outputs by name (the WPT convention: a first gru
// output ending in "1" is the hidden state; lstm outputs containing
// "Output1/2/3" are hidden state, cell state, sequence) and otherwise
// swaps gru's outputs and drops lstm's states.
func (c *ctx) opMulti(n *srcNode, op string, inputs []string, opts map[string]any, k int) []string {
	inputs = c.anchorLostInput(n, op, inputs, opts)
	id := c.nextID(n)
	outs := make([]string, k)
	for i := range outs {
		outs[i] = c.ids.fresh(fmt.Sprintf("%s_Output%d", id, i+1))
	}
	c.g.Nodes = append(c.g.Nodes, graph.Node{ID: id, Op: op, Inputs: inputs, Options: opts, Outputs: outs, Comment: n.label})
	c.noteShapeLoss(&c.g.Nodes[len(c.g.Nodes)-1])
	return outs
}

func (c *ctx) nextID(n *srcNode) string {
	if len(c.g.Nodes) >= c.maxOps() {
		panic(&GraphTooLargeError{Node: n.label, Op: n.GetOpType(), Ops: len(c.g.Nodes), ONNXNodes: len(c.nodes)})
	}
	want := n.base
	if n.nOps > 0 {
		want = fmt.Sprintf("%s_%d", n.base, n.nOps)
	}
	n.nOps++
	return c.ids.fresh(want)
}

// usedBounds returns the bounds of the dim symbols used in the graph.
func (c *ctx) usedBounds() shapeinfer.Bounds {
	out := shapeinfer.Bounds{}
	for s := range c.symbols {
		out[s] = c.bounds.Of(s)
	}
	return out
}

// shapeRefusal wraps a shape inference failure that makes the model
// inexpressible in WebNN.
type shapeRefusal struct{ err error }

func (e *shapeRefusal) Error() string { return "lower: " + e.err.Error() }

func (e *shapeRefusal) Unwrap() []error { return []error{e.err, ErrNotInWebNN} }

// ErrUnsupported is matched (errors.Is) by every refusal: an op,
// attribute value or input the conversion does not take. Refusals say
// which kind (refusals.go): not expressible in WebNN at all
// (ErrNotInWebNN), not implemented here (ErrNotImplemented, and this
// error itself), or beyond the target loader (ErrTargetLimit).
var ErrUnsupported = errors.New("not supported by webnn-graph")

// NodeError is a failure tied to one ONNX node.
type NodeError struct {
	Node   string // node name, or "#index"
	OpType string
	Opset  int64
	index  int
	Err    error
	// KnockOns are the refusals downstream of this one that it causes
	// (a Reshape of the unknown output of an op without a lowering).
	KnockOns []*NodeError
}

func newNodeError(n *srcNode, err error) *NodeError {
	return &NodeError{Node: n.label, OpType: qualifiedOp(n.domain(), n.GetOpType()), Opset: n.opset, index: n.index, Err: err}
}

func (e *NodeError) Error() string {
	if e.OpType == "" {
		return fmt.Sprintf("lower: %s: %v", e.Node, e.Err)
	}
	return fmt.Sprintf("lower: node %q (%s, opset %d): %v", e.Node, e.OpType, e.Opset, e.Err)
}

func (e *NodeError) Unwrap() error { return e.Err }

func qualifiedOp(domain, op string) string {
	if domain == "" {
		return op
	}
	return domain + "." + op
}
