// Package webnn is the reference CPU interpreter of WebNN graphs: the half
// of parity checking that speaks for the browser. It follows the W3C WebNN
// spec (op names, options, dtype rules, rounding) rather than ONNX habits.
//
// Compile resolves constants once and turns the graph into a plan: an
// ordered list of steps whose operands are slot numbers, each with a kernel
// closure built from the node's options. Run binds dynamic dims from the
// input shapes, then executes the steps; every step keeps the buffers it
// allocated and reuses them on the next run when the size still fits.
package webnn

import (
	"fmt"
	"sort"
	"sync"

	"github.com/webnn-graph/webnn-graph/graph"
	"github.com/webnn-graph/webnn-graph/internal/checked"
	"github.com/webnn-graph/webnn-graph/internal/membudget"
	"github.com/webnn-graph/webnn-graph/internal/recovery"
	"github.com/webnn-graph/webnn-graph/runtime/kernel"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// kernelFn executes one node: it reads the step's operand tensors and
// returns its results (in node output order).
type kernelFn func(x *execCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error)

// step is one node of the plan.
type step struct {
	node     *graph.Node
	ins      []int // operand slots; -1 for an absent optional operand
	outs     []int
	run      kernelFn
	floatF16 bool // float16 operands are computed in float32 and rounded back per result

	release []int // slots whose last reader is this step (or never read): their buffers go back to the pool after it
	// lastRead[j]: this step is the last reader of operand j's slot, so a
	// kernel may write its result over that operand (execCtx.allocReuse).
	lastRead []bool

	// Strided views (views.go). viewFn, set by shape-only ops, computes the
	// result as a view of the operand; viewMode (chosen by planViews) runs
	// the step that way. takesViews marks kernels that read strided
	// operands themselves (execCtx.inViews).
	viewFn     func(x *execCtx, v *stridedView) (*stridedView, bool, error)
	viewMode   bool
	takesViews bool
	concatAxis int // concat's axis, along which a Cache appends in place

	// Elementwise fusion (fuse.go): ewKind/ewF describe a fusible op; region
	// is set on the step that runs a fused chain.
	ewKind ewKind
	ewF    func(float64) float64
	region *ewRegion
}

// Program is a compiled WebNN graph. Run is serialised by a mutex: buffers
// belong to the program.
type Program struct {
	g       *graph.Graph
	nslots  int
	slotOf  map[string]int
	consts  []*tensor.Tensor // by slot; nil for non-const slots
	inSlots []int
	outSlot []int
	steps   []*step
	names   []string // slot → operand name, for messages

	observe func(n *graph.Node, results []*tensor.Tensor) error // Options.Observe

	mu    sync.Mutex
	vals  []*tensor.Tensor
	views []*stridedView // by slot: the value when it is a strided view (vals holds nil)
	pool  bufferPool
}

// Inputs lists the graph inputs.
func (p *Program) Inputs() []graph.Input { return p.g.Inputs }

// Outputs lists the graph outputs.
func (p *Program) Outputs() []graph.Output { return p.g.Outputs }

// compiler holds the state of Compile.
type compiler struct {
	opts   Options
	g      *graph.Graph
	slotOf map[string]int
	names  []string
	consts map[int]*tensor.Tensor
	// rustnn's operand numbering (inputs by name, consts by name, then node
	// outputs in order), for operand-valued options written as indices.
	rustnnIndex []int
	// ws is the weight source.
	ws graph.WeightSource
}

func (c *compiler) newSlot(name string) (int, error) {
	if _, dup := c.slotOf[name]; dup {
		return 0, fmt.Errorf("operand %q defined twice", name)
	}
	s := len(c.names)
	c.slotOf[name] = s
	c.names = append(c.names, name)
	return s, nil
}

// Options tune Compile.
type Options struct {
	// ClampIndices makes gather*/scatter* clamp out-of-range indices into
	// range, as the WebNN spec lets a browser do (and the WPT suite
	// expects). The default reports them as errors: for parity checking a
	// silently clamped index would hide a wrong graph.
	ClampIndices bool

	// Observe, when set, is called after every node of the graph has run,
	// with that node and its results in OutputNames order; a non-nil error
	// stops the run and is returned. The tensors are the program's own
	// buffers (or views of its inputs and constants), valid only during
	// the call: copy what you keep. verify --localize uses it to compare
	// each intermediate with the ONNX interpreter, so a plan compiled with
	// Observe set must give every node of the graph as written its own
	// observed result: optimisations that merge nodes (fused elementwise
	// chains) or write results in place where a later node overwrites them
	// (KV caches grown in place) are either turned off when Observe is set
	// or still report each original node's value here.
	Observe func(n *graph.Node, results []*tensor.Tensor) error
}

// Compile checks g and builds its execution plan. Weights are fetched from
// ws (which may be nil when the graph has no @weights consts) and decoded
// once.
func Compile(g *graph.Graph, ws graph.WeightSource) (*Program, error) {
	return CompileWith(g, ws, Options{})
}

// CompileWith is Compile with options.
func CompileWith(g *graph.Graph, ws graph.WeightSource, opts Options) (prog *Program, err error) {
	defer func() {
		if r := recover(); r != nil {
			prog, err = nil, fmt.Errorf("webnn: compile: %w", panicError(r))
		}
	}()
	c := &compiler{g: g, slotOf: map[string]int{}, consts: map[int]*tensor.Tensor{}, opts: opts, ws: ws}
	p := &Program{g: g, observe: opts.Observe}
	inputNames := make([]string, 0, len(g.Inputs))
	for _, in := range g.Inputs {
		if !in.Desc.DType.IsWebNN() {
			return nil, fmt.Errorf("webnn: input %q: unsupported data type %v", in.Name, in.Desc.DType)
		}
		s, err := c.newSlot(in.Name)
		if err != nil {
			return nil, fmt.Errorf("webnn: input: %w", err)
		}
		p.inSlots = append(p.inSlots, s)
		inputNames = append(inputNames, in.Name)
	}
	constNames := make([]string, 0, len(g.Consts))
	for i := range g.Consts {
		k := &g.Consts[i]
		t, err := decodeConst(k, ws)
		if err != nil {
			return nil, fmt.Errorf("webnn: const %q: %w", k.Name, err)
		}
		s, err := c.newSlot(k.Name)
		if err != nil {
			return nil, fmt.Errorf("webnn: const: %w", err)
		}
		c.consts[s] = t
		constNames = append(constNames, k.Name)
	}
	sort.Strings(inputNames)
	sort.Strings(constNames)
	for _, n := range inputNames {
		c.rustnnIndex = append(c.rustnnIndex, c.slotOf[n])
	}
	for _, n := range constNames {
		c.rustnnIndex = append(c.rustnnIndex, c.slotOf[n])
	}
	for i := range g.Nodes {
		n := &g.Nodes[i]
		st, err := c.compileNode(n)
		if err != nil {
			return nil, fmt.Errorf("webnn: node %q (%s): %w", n.ID, n.Op, err)
		}
		p.steps = append(p.steps, st)
	}
	for _, o := range g.Outputs {
		s, ok := c.slotOf[o.Operand]
		if !ok {
			return nil, fmt.Errorf("webnn: output %q: operand %q is not defined", o.Name, o.Operand)
		}
		p.outSlot = append(p.outSlot, s)
	}
	p.nslots = len(c.names)
	p.slotOf = c.slotOf
	p.names = c.names
	p.consts = make([]*tensor.Tensor, p.nslots)
	for s, t := range c.consts {
		p.consts[s] = t
	}
	p.vals = make([]*tensor.Tensor, p.nslots)
	p.views = make([]*stridedView, p.nslots)
	if opts.Observe == nil { // an observed plan runs every node as written
		p.planCSE()
		p.planViews()
		p.planFusion()
		p.planSharedGemv()
	}
	p.planRelease()
	return p, nil
}

// planRelease records, per step, the slots whose buffers can be recycled
// once it has run: operands read for the last time, and results nobody
// reads. Graph outputs stay live to the end of the run.
func (p *Program) planRelease() {
	last := make([]int, p.nslots)
	for i := range last {
		last[i] = -1
	}
	for i, st := range p.steps {
		for _, s := range st.ins {
			if s >= 0 {
				last[s] = i
			}
		}
		for _, s := range st.outs {
			if last[s] < i {
				last[s] = i
			}
		}
	}
	for _, s := range p.outSlot {
		last[s] = len(p.steps)
	}
	for s, i := range last {
		if i >= 0 && i < len(p.steps) && p.consts[s] == nil {
			p.steps[i].release = append(p.steps[i].release, s)
		}
	}
	for i, st := range p.steps {
		st.lastRead = make([]bool, len(st.ins))
		for j, s := range st.ins {
			st.lastRead[j] = s >= 0 && last[s] == i && p.consts[s] == nil
		}
	}
}

func (c *compiler) compileNode(n *graph.Node) (*step, error) {
	spec, ok := opTable[n.Op]
	if !ok {
		return nil, fmt.Errorf("unknown WebNN op %q", n.Op)
	}
	if len(n.Inputs) < spec.minIn || (spec.maxIn >= 0 && len(n.Inputs) > spec.maxIn) {
		if spec.maxIn == spec.minIn {
			return nil, fmt.Errorf("takes %d operand inputs, got %d", spec.minIn, len(n.Inputs))
		}
		return nil, fmt.Errorf("takes %d to %d operand inputs, got %d", spec.minIn, spec.maxIn, len(n.Inputs))
	}
	st := &step{node: n, floatF16: spec.floatF16}
	for _, name := range n.Inputs {
		s, ok := c.slotOf[name]
		if !ok {
			return nil, fmt.Errorf("input operand %q is not defined (before this node)", name)
		}
		st.ins = append(st.ins, s)
	}
	nc := &nodeCompiler{c: c, n: n, st: st, opts: n.Options}
	fn, err := spec.compile(nc)
	if err != nil {
		return nil, err
	}
	st.run = fn
	outs := n.OutputNames()
	if nc.nout > 0 && len(outs) != nc.nout {
		return nil, fmt.Errorf("defines %d outputs, the graph names %d", nc.nout, len(outs))
	}
	for _, o := range outs {
		s, err := c.newSlot(o)
		if err != nil {
			return nil, err
		}
		st.outs = append(st.outs, s)
		c.rustnnIndex = append(c.rustnnIndex, s)
	}
	return st, nil
}

// execCtx is what a kernel sees while running.
type execCtx struct {
	st  *step
	env map[string]int64
	p   *Program
	// inViews[i] is operand i as a strided view (ins[i] is nil then), for
	// steps that take views; nil entries are dense.
	inViews []*stridedView
	ins     []*tensor.Tensor // the running step's operands (allocReuse)
	cache   *Cache           // of RunCached, else nil
}

// alloc returns a tensor from the program's buffer pool; its data may hold
// stale values, so the kernel must write every element.
// A shape whose size overflows, has a negative dim or is over the memory
// budget panics (recovered by Run, which names the node).
func (x *execCtx) alloc(dt tensor.DType, shape []int) *tensor.Tensor {
	n, ok := checked.Product(shape)
	if !ok {
		_, err := membudget.Check(dt, 1, shape)
		panic(allocError{err})
	}
	return &tensor.Tensor{DType: dt, Shape: append([]int(nil), shape...), Data: x.p.pool.get(dt, n, shape)}
}

// allocReuse is alloc, or operand i's own buffer when the result may
// overwrite it: a dense operand of the same type and shape, held by no
// other slot, whose last reader is this step (an elementwise result, a
// softmax computed in place). Kernels that use it must read each element
// of operand i before writing the same element of the result.
func (x *execCtx) allocReuse(i int, dt tensor.DType, shape []int) *tensor.Tensor {
	if x.canReuse(i, dt, shape) {
		return &tensor.Tensor{DType: dt, Shape: append([]int(nil), shape...), Data: x.ins[i].Data}
	}
	return x.alloc(dt, shape)
}

// canReuse reports whether allocReuse(i, dt, shape) would return operand
// i's buffer.
func (x *execCtx) canReuse(i int, dt tensor.DType, shape []int) bool {
	st := x.st
	if i >= len(st.lastRead) || !st.lastRead[i] || i >= len(x.ins) {
		return false
	}
	t := x.ins[i]
	n := tensor.NumElements(shape)
	return t != nil && n > 0 && t.DType == dt && sameShape(t.Shape, shape) && x.p.pool.solelyHeld(t.Data, n)
}

// allocZero is alloc with every element set to zero.
func (x *execCtx) allocZero(dt tensor.DType, shape []int) *tensor.Tensor {
	t := x.alloc(dt, shape)
	clearData(t.Data)
	return t
}

// Run executes the program. inputs are keyed by graph input name; the result
// is keyed by graph output name and never aliases the program's buffers.
func (p *Program) Run(inputs map[string]*tensor.Tensor) (out map[string]*tensor.Tensor, err error) {
	return p.run(inputs, nil)
}

// run is Run, with the key/value inputs and outputs of c kept in c (see
// RunCached) when c is not nil.
func (p *Program) run(inputs map[string]*tensor.Tensor, c *Cache) (out map[string]*tensor.Tensor, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if c != nil {
		if inputs, err = c.bind(inputs); err != nil {
			return nil, err
		}
	}
	env, err := p.bindInputs(inputs)
	if err != nil {
		return nil, err
	}
	vals := p.vals
	copy(vals, p.consts)
	clear(p.views)
	for i, s := range p.inSlots {
		vals[s] = inputs[p.g.Inputs[i].Name]
	}
	x := &execCtx{env: env, p: p, cache: c}
	p.pool.begin()
	defer p.pool.reset()
	var cur *step
	defer func() {
		if r := recover(); r != nil {
			name := "?"
			if cur != nil {
				name = fmt.Sprintf("node %q (%s)", cur.node.ID, cur.node.Op)
			}
			err, out = fmt.Errorf("webnn: %s: %w", name, panicError(r)), nil
		}
	}()
	ins := make([]*tensor.Tensor, 0, 8)
	for i, st := range p.steps {
		cur = st
		x.st = st
		p.pool.stepStart()
		if c != nil && c.byStep[i] != nil {
			if err := c.appendStep(x, st, c.byStep[i]); err != nil {
				return nil, fmt.Errorf("webnn: node %q (%s): %w", st.node.ID, st.node.Op, err)
			}
			p.pool.stepEnd()
			p.releaseAfter(st)
			continue
		}
		if st.viewMode {
			done, err := p.runView(x, st)
			if err != nil {
				return nil, fmt.Errorf("webnn: node %q (%s): %w", st.node.ID, st.node.Op, err)
			}
			if done {
				p.pool.stepEnd()
				p.releaseAfter(st)
				continue
			}
		}
		ins = p.operands(x, st, ins[:0])
		x.ins = ins
		res, err := runStep(x, st, ins)
		if err != nil {
			return nil, fmt.Errorf("webnn: node %q (%s): %w", st.node.ID, st.node.Op, err)
		}
		if len(res) != len(st.outs) {
			return nil, fmt.Errorf("webnn: node %q (%s): produced %d results, expected %d", st.node.ID, st.node.Op, len(res), len(st.outs))
		}
		for i, s := range st.outs {
			vals[s] = res[i]
			p.pool.retain(res[i].Data)
		}
		p.pool.stepEnd()
		if p.observe != nil {
			if err := p.observe(st.node, res); err != nil {
				return nil, err
			}
		}
		p.releaseAfter(st)
	}
	out = make(map[string]*tensor.Tensor, len(p.outSlot))
	for i, s := range p.outSlot {
		if c != nil && c.isPresent[i] {
			continue
		}
		if vals[s] == nil && p.views[s] != nil {
			p.materializeSlot(x, s)
		}
		out[p.g.Outputs[i].Name] = p.handOver(vals[s])
	}
	if c != nil {
		c.commit()
	}
	clear(vals)
	clear(p.views)
	return out, nil
}

// handOver returns an output of the run: its own pooled buffer, which the
// pool gives up (the next run allocates another), so a large output such
// as a prefill's logits is never copied; a copy when the buffer is not the
// pool's to give (an input, a constant) or was handed over already.
func (p *Program) handOver(t *tensor.Tensor) *tensor.Tensor {
	if !p.pool.release(t.Data) {
		return t.Clone()
	}
	return &tensor.Tensor{DType: t.DType, Shape: append([]int(nil), t.Shape...), Data: t.Data}
}

// releaseAfter drops the references of the slots whose last reader was st.
func (p *Program) releaseAfter(st *step) {
	for _, s := range st.release {
		if v := p.views[s]; v != nil {
			p.pool.drop(v.base)
		} else if p.vals[s] != nil {
			p.pool.drop(p.vals[s].Data)
		}
	}
}

// panicError turns a value recovered from a kernel into an error: a
// refusal of the memory budget as itself, anything else (a bug) as an
// "internal error" with the panic's location, on one line.
func panicError(r any) error {
	if ae, ok := r.(allocError); ok {
		return ae.err
	}
	if e := membudget.FromPanic(r); e != nil {
		return e
	}
	return fmt.Errorf("internal error: %s", recovery.Describe(r))
}

// runStep runs a kernel, computing float16 operands in float32 when the op
// asks for it: inputs are widened exactly and every float result is rounded
// to half once, as the conformance suite expects.
func runStep(x *execCtx, st *step, ins []*tensor.Tensor) ([]*tensor.Tensor, error) {
	if !st.floatF16 {
		return st.run(x, ins)
	}
	half := false
	for _, t := range ins {
		if t != nil && t.DType == tensor.Float16 {
			half = true
			break
		}
	}
	if !half {
		return st.run(x, ins)
	}
	wide := make([]*tensor.Tensor, len(ins))
	for i, t := range ins {
		if t != nil && t.DType == tensor.Float16 {
			w := x.alloc(tensor.Float32, t.Shape)
			kernel.F16ToF32(w.Data.([]float32), t.Data.([]uint16))
			wide[i] = w
		} else {
			wide[i] = t
		}
	}
	res, err := st.run(x, wide)
	if err != nil {
		return nil, err
	}
	for i, r := range res {
		if r.DType == tensor.Float32 {
			h := x.alloc(tensor.Float16, r.Shape)
			kernel.F32ToF16(h.Data.([]uint16), r.Data.([]float32))
			res[i] = h
		}
	}
	return res, nil
}

// bindInputs checks every input against its declaration and binds the
// dynamic dim names.
func (p *Program) bindInputs(inputs map[string]*tensor.Tensor) (map[string]int64, error) {
	known := make(map[string]bool, len(p.g.Inputs))
	for _, in := range p.g.Inputs {
		known[in.Name] = true
	}
	for name := range inputs {
		if !known[name] {
			names := make([]string, 0, len(known))
			for _, in := range p.g.Inputs {
				names = append(names, in.Name)
			}
			return nil, fmt.Errorf("webnn: unknown input %q (graph inputs: %v)", name, names)
		}
	}
	env := map[string]int64{}
	boundBy := map[string]string{}
	for _, in := range p.g.Inputs {
		t, ok := inputs[in.Name]
		if !ok || t == nil {
			return nil, fmt.Errorf("webnn: input %q is missing", in.Name)
		}
		if t.DType != in.Desc.DType {
			return nil, fmt.Errorf("webnn: input %q: data type %v, graph declares %v", in.Name, t.DType, in.Desc.DType)
		}
		if len(t.Shape) != len(in.Desc.Shape) {
			return nil, fmt.Errorf("webnn: input %q: rank %d (shape %v), graph declares rank %d (%v)", in.Name, len(t.Shape), t.Shape, len(in.Desc.Shape), in.Desc)
		}
		for i, d := range in.Desc.Shape {
			v := int64(t.Shape[i])
			if v < 0 {
				return nil, fmt.Errorf("webnn: input %q: negative dim %d at %d", in.Name, v, i)
			}
			if !d.IsDynamic() {
				if v != d.Size {
					return nil, fmt.Errorf("webnn: input %q: dim %d is %d, graph declares %d", in.Name, i, v, d.Size)
				}
				continue
			}
			if v > d.MaxSize {
				return nil, fmt.Errorf("webnn: input %q: dynamic dim %q (dim %d) = %d exceeds its maxSize %d", in.Name, d.Name, i, v, d.MaxSize)
			}
			if old, ok := env[d.Name]; ok && old != v {
				return nil, fmt.Errorf("webnn: input %q: dynamic dim %q (dim %d) = %d, but input %q bound it to %d", in.Name, d.Name, i, v, boundBy[d.Name], old)
			}
			env[d.Name] = v
			boundBy[d.Name] = in.Name
		}
		if n := dataLen(t.Data); n != t.Len() {
			return nil, fmt.Errorf("webnn: input %q: shape %v needs %d elements, data has %d", in.Name, t.Shape, t.Len(), n)
		}
		if !dataMatches(t) {
			return nil, fmt.Errorf("webnn: input %q: data is %T, not the Go slice type of %v", in.Name, t.Data, t.DType)
		}
	}
	return env, nil
}
