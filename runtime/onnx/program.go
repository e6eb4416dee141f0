// Package onnxrt executes ONNX graphs directly with ONNX operator
// semantics. It is the reference side of webnn-graph's parity check, so it
// never goes through lower/ or runtime/webnn; only low-level arithmetic
// (GEMM, parallel loops) is shared through runtime/kernel.
//
// Ops live one family per file (binary.go, conv.go, resize.go, …); each
// file registers its variants in init() with the since-opset they apply
// from (registry.go). Float16/bfloat16 values are computed in float32.
package onnxrt

import (
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"unsafe"

	"github.com/webnn-graph/webnn-graph/internal/membudget"
	"github.com/webnn-graph/webnn-graph/internal/recovery"
	"github.com/webnn-graph/webnn-graph/onnxpb"
	"github.com/webnn-graph/webnn-graph/shapeinfer"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// ValueInfo describes a graph input or output.
type ValueInfo struct {
	Name  string
	DType tensor.DType
	Dims  []onnxpb.DimProto // nil when the rank is not declared
}

// Program is a compiled ONNX model, safe for sequential reuse.
type Program struct {
	main    *graphProg
	inputs  []ValueInfo
	outputs []ValueInfo
}

// compiler holds what every (sub)graph of one model shares.
type compiler struct {
	model   *onnxpb.Model
	opsets  map[string]int64
	baseDir string
	unknown []string                  // unimplemented ops, reported together
	consts  map[string]*tensor.Tensor // initializers of the graph being compiled
}

func (c *compiler) decode(t *onnxpb.TensorProto) (*tensor.Tensor, error) {
	if c.model != nil {
		if v := c.mappedF32(t); v != nil {
			return v, nil
		}
		return c.model.Tensor(t)
	}
	return onnxpb.DecodeTensor(t, c.baseDir)
}

// mappedF32 returns a float32 external-data initializer as a view of the
// model's read-only mapping (no copy; 540 MB for smollm-135m), or nil when
// the tensor is not such a tensor or is misaligned. Kernels never write
// into their inputs, and the Model must stay open while the Program runs.
func (c *compiler) mappedF32(t *onnxpb.TensorProto) *tensor.Tensor {
	if t.GetDataType() != int32(tensor.Float32) || t.GetDataLocation() != onnxpb.TensorProto_EXTERNAL {
		return nil
	}
	b, err := c.model.RawBytes(t)
	if err != nil || len(b) == 0 || len(b)%4 != 0 || uintptr(unsafe.Pointer(&b[0]))%4 != 0 {
		return nil
	}
	shape := make([]int, len(t.GetDims()))
	for i, d := range t.GetDims() {
		shape[i] = int(d)
	}
	if tensor.NumElements(shape)*4 != len(b) {
		return nil
	}
	return &tensor.Tensor{DType: tensor.Float32, Shape: shape, Data: unsafe.Slice((*float32)(unsafe.Pointer(&b[0])), len(b)/4)}
}

// graphProg is one compiled graph (the main graph or a subgraph).
type graphProg struct {
	name    string
	consts  map[string]*tensor.Tensor // initializers
	inputs  []string                  // declared inputs (may shadow initializers)
	outputs []string
	nodes   []*cnode
	// freeAfter[i] lists values no node after i reads (dropped from the
	// scope so the garbage collector can reclaim them during long runs).
	freeAfter [][]string
}

type cnode struct {
	n      *node
	in     []string
	out    []string
	run    kernelFn
	schema *onnxpb.Schema // nil for ops the onnx package has no schema of
}

func (c *cnode) describe() string {
	p := c.n.proto
	name := p.GetName()
	if name == "" && len(c.out) > 0 {
		name = c.out[0]
	}
	return fmt.Sprintf("node %q (%s)", name, p.GetOpType())
}

// Compile prepares m for execution: initializers are decoded once, every
// node's kernel is built, and every op is checked to be implemented for
// its domain and opset (all unknown ops are reported in one error).
//
// Float32 initializers stored as external data are used in place, as
// views of m's read-only mapping: m must stay open (no m.Close) for as
// long as the Program runs. Constant MatMul weights are packed for the
// GEMM kernel on first use and reused by later Runs.
func Compile(m *onnxpb.Model) (*Program, error) {
	if m == nil || m.Proto == nil || m.Graph() == nil {
		return nil, errors.New("onnxrt: model has no graph")
	}
	c := &compiler{model: m, opsets: map[string]int64{}}
	for k, v := range m.Opsets {
		if k == "ai.onnx" {
			k = ""
		}
		c.opsets[k] = v
	}
	if m.Path != "" {
		c.baseDir = filepath.Dir(m.Path)
	}
	if _, ok := c.opsets[""]; !ok {
		c.opsets[""] = 1
	}
	g, err := c.compileGraph(m.Graph())
	if len(c.unknown) > 0 {
		if len(c.unknown) == 1 {
			return nil, fmt.Errorf("onnxrt: unsupported op: %s", c.unknown[0])
		}
		// One line per op, none indented: each is a problem of its own
		// (the CLI reads indented lines as knock-on effects).
		return nil, fmt.Errorf("onnxrt: unsupported op: %s", strings.Join(c.unknown, "\nonnxrt: unsupported op: "))
	}
	if err != nil {
		return nil, err
	}
	p := &Program{main: g}
	init := map[string]bool{}
	for _, t := range m.Graph().GetInitializer() {
		init[t.GetName()] = true
	}
	for _, vi := range m.Graph().GetInput() {
		if init[vi.GetName()] {
			continue // IR < 4 lists initializers as inputs too
		}
		p.inputs = append(p.inputs, valueInfo(vi))
	}
	for _, vi := range m.Graph().GetOutput() {
		p.outputs = append(p.outputs, valueInfo(vi))
	}
	return p, nil
}

func valueInfo(vi *onnxpb.ValueInfoProto) ValueInfo {
	dt, dims, _ := onnxpb.ValueType(vi)
	return ValueInfo{Name: vi.GetName(), DType: dt, Dims: dims}
}

// Inputs lists the model inputs that are not initializers.
func (p *Program) Inputs() []ValueInfo { return p.inputs }

// Outputs lists the model outputs.
func (p *Program) Outputs() []ValueInfo { return p.outputs }

func (c *compiler) compileGraph(gp *onnxpb.GraphProto) (*graphProg, error) {
	g := &graphProg{name: gp.GetName(), consts: map[string]*tensor.Tensor{}}
	var errs []error
	for _, t := range gp.GetInitializer() {
		v, err := c.decode(t)
		if err != nil {
			errs = append(errs, fmt.Errorf("initializer %q: %w", t.GetName(), err))
			continue
		}
		g.consts[t.GetName()] = v
	}
	for _, vi := range gp.GetInput() {
		g.inputs = append(g.inputs, vi.GetName())
	}
	// initializers that are not also inputs (those may be fed) are fixed
	fixed := map[string]*tensor.Tensor{}
	for k, v := range g.consts {
		fixed[k] = v
	}
	for _, name := range g.inputs {
		delete(fixed, name)
	}
	saved := c.consts
	c.consts = fixed
	defer func() { c.consts = saved }()
	for _, vi := range gp.GetOutput() {
		g.outputs = append(g.outputs, vi.GetName())
	}
	for _, np := range gp.GetNode() {
		cn, err := c.compileNode(np)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if cn != nil {
			g.nodes = append(g.nodes, cn)
		}
	}
	if err := g.sortNodes(); err != nil {
		errs = append(errs, err)
	}
	g.planFrees()
	return g, errors.Join(errs...)
}

// planFrees computes freeAfter: the last node reading each value. A node
// with subgraphs reads every name its subgraphs mention.
func (g *graphProg) planFrees() {
	last := map[string]int{}
	for i, cn := range g.nodes {
		for _, name := range cn.in {
			last[name] = i
		}
		for _, a := range cn.n.proto.GetAttribute() {
			for _, sg := range append([]*onnxpb.GraphProto{a.GetG()}, a.GetGraphs()...) {
				for _, name := range graphReads(sg) {
					last[name] = i
				}
			}
		}
	}
	for _, o := range g.outputs {
		last[o] = len(g.nodes)
	}
	g.freeAfter = make([][]string, len(g.nodes))
	for name, i := range last {
		if i < len(g.nodes) && name != "" {
			g.freeAfter[i] = append(g.freeAfter[i], name)
		}
	}
}

// graphReads lists every value name read inside gp (recursively).
func graphReads(gp *onnxpb.GraphProto) []string {
	if gp == nil {
		return nil
	}
	var names []string
	for _, n := range gp.GetNode() {
		names = append(names, n.GetInput()...)
		for _, a := range n.GetAttribute() {
			for _, sg := range append([]*onnxpb.GraphProto{a.GetG()}, a.GetGraphs()...) {
				names = append(names, graphReads(sg)...)
			}
		}
	}
	for _, o := range gp.GetOutput() {
		names = append(names, o.GetName())
	}
	return names
}

func (c *compiler) compileNode(np *onnxpb.NodeProto) (*cnode, error) {
	domain := np.GetDomain()
	if domain == "ai.onnx" {
		domain = ""
	}
	version, ok := c.opsets[domain]
	if !ok {
		version = 1
		if domain == "com.microsoft" {
			version = 1
		}
	}
	n := &node{proto: np, opset: version, comp: c, attrs: map[string]*onnxpb.AttributeProto{}}
	for _, a := range np.GetAttribute() {
		n.attrs[a.GetName()] = a
	}
	b, ok := lookup(domain, np.GetOpType(), version)
	if f := c.function(np); f != nil {
		// a model-local function overrides any built-in op of that name
		b = func(*node) (kernelFn, error) { return c.compileFunctionCall(np, f) }
		ok = true
	}
	if !ok {
		d := domain
		if d == "" {
			d = "ai.onnx"
		}
		c.unknown = append(c.unknown, fmt.Sprintf("node %q: op %s (domain %s, opset %d) is not implemented", np.GetName(), np.GetOpType(), d, version))
		return nil, nil
	}
	cn := &cnode{n: n, in: np.GetInput(), out: np.GetOutput()}
	if c.function(np) == nil {
		// the schema first: builders and kernels assume a node follows it
		if cn.schema = onnxpb.NodeSchema(domain, np.GetOpType(), version); cn.schema != nil {
			if err := cn.schema.CheckNode(np); err != nil {
				return nil, fmt.Errorf("onnxrt: %s: %w", cn.describe(), err)
			}
		}
	}
	run, err := safeBuild(b, n)
	if err != nil {
		return nil, fmt.Errorf("onnxrt: %s: %w", cn.describe(), err)
	}
	cn.run = run
	return cn, nil
}

func safeBuild(b builder, n *node) (k kernelFn, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = panicError(r, " while preparing")
		}
	}()
	return b(n)
}

// runCtx is the value scope of one graph execution; subgraphs (If, Loop,
// Scan bodies) see their outer scopes' values through parent.
type runCtx struct {
	vals   map[string]*tensor.Tensor
	parent *runCtx
	g      *graphProg
	trace  map[string]*tensor.Tensor // intermediates requested by RunWithIntermediates
	// observe is RunObserved's callback (main graph only).
	observe Observer
	live    *liveSet // shared by a run's every scope
}

// Observer is called after each node of the main graph has run, with the
// node and its outputs (nil where an output is absent). Values are never
// written after they are produced, so an observer may keep references to
// them; those it does not keep are freed after their last reader as usual.
// A non-nil error stops the run and is returned.
type Observer func(n *onnxpb.NodeProto, outputs []*tensor.Tensor) error

// RunObserved is Run calling obs after every node of the main graph, in
// execution (topological) order. Unlike RunWithIntermediates it keeps
// nothing alive itself, so memory stays that of a plain Run plus whatever
// obs keeps.
func (p *Program) RunObserved(inputs map[string]*tensor.Tensor, obs Observer) (map[string]*tensor.Tensor, error) {
	if err := p.checkInputs(inputs); err != nil {
		return nil, err
	}
	ctx := p.newRun(inputs, nil)
	ctx.observe = obs
	defer ctx.live.end()
	if err := ctx.exec(); err != nil {
		return nil, err
	}
	out := map[string]*tensor.Tensor{}
	for _, name := range p.main.outputs {
		v, ok := ctx.lookup(name)
		if !ok {
			return nil, fmt.Errorf("onnxrt: output %q was not computed", name)
		}
		out[name] = v
	}
	return out, nil
}

func (c *runCtx) lookup(name string) (*tensor.Tensor, bool) {
	for s := c; s != nil; s = s.parent {
		if v, ok := s.vals[name]; ok {
			return v, true
		}
		if v, ok := s.g.consts[name]; ok {
			return v, true
		}
	}
	return nil, false
}

// Run executes the model. inputs are keyed by ONNX input name; the result
// is keyed by ONNX output name.
func (p *Program) Run(inputs map[string]*tensor.Tensor) (map[string]*tensor.Tensor, error) {
	out, _, err := p.run(inputs, nil)
	return out, err
}

// RunWithIntermediates executes the model and also returns the values
// named in names (any node output of the main graph; "*" returns all).
func (p *Program) RunWithIntermediates(inputs map[string]*tensor.Tensor, names []string) (outputs, intermediates map[string]*tensor.Tensor, err error) {
	trace := map[string]*tensor.Tensor{}
	for _, n := range names {
		trace[n] = nil
	}
	return p.run(inputs, trace)
}

func (p *Program) run(inputs map[string]*tensor.Tensor, trace map[string]*tensor.Tensor) (map[string]*tensor.Tensor, map[string]*tensor.Tensor, error) {
	if err := p.checkInputs(inputs); err != nil {
		return nil, nil, err
	}
	ctx := p.newRun(inputs, trace)
	defer ctx.live.end()
	if err := ctx.exec(); err != nil {
		return nil, nil, err
	}
	out := map[string]*tensor.Tensor{}
	for _, name := range p.main.outputs {
		v, ok := ctx.lookup(name)
		if !ok {
			return nil, nil, fmt.Errorf("onnxrt: output %q was not computed", name)
		}
		out[name] = v
	}
	var inter map[string]*tensor.Tensor
	if trace != nil {
		inter = map[string]*tensor.Tensor{}
		_, all := trace["*"]
		for k, v := range ctx.vals {
			if _, ok := trace[k]; ok || all {
				inter[k] = v
			}
		}
	}
	return out, inter, nil
}

// newRun is the main graph's scope for one run, the inputs bound. The
// caller ends ctx.live when the run is over.
func (p *Program) newRun(inputs map[string]*tensor.Tensor, trace map[string]*tensor.Tensor) *runCtx {
	ctx := &runCtx{vals: map[string]*tensor.Tensor{}, g: p.main, trace: trace, live: newLiveSet()}
	for _, v := range p.main.consts {
		ctx.live.foreign(v)
	}
	for k, v := range inputs {
		ctx.vals[k] = v
		ctx.live.foreign(v)
	}
	return ctx
}

// checkInputs verifies presence, dtype and declared dims of every input,
// and that a symbolic dim name has one value across inputs.
func (p *Program) checkInputs(inputs map[string]*tensor.Tensor) error {
	sym := map[string]struct {
		v    int
		from string
	}{}
	var errs []string
	for _, vi := range p.inputs {
		t, ok := inputs[vi.Name]
		if !ok || t == nil {
			errs = append(errs, fmt.Sprintf("input %q is missing (expected %s%s)", vi.Name, vi.DType, dimsString(vi.Dims)))
			continue
		}
		if vi.DType != tensor.Undefined && t.DType != vi.DType {
			errs = append(errs, fmt.Sprintf("input %q: expected dtype %s, got %s", vi.Name, vi.DType, t.DType))
			continue
		}
		if n := tensor.DataLen(t.Data); n != t.Len() && t.DType > 0 {
			errs = append(errs, fmt.Sprintf("input %q: shape %v needs %d elements, data has %d", vi.Name, t.Shape, t.Len(), n))
			continue
		}
		if vi.Dims == nil {
			continue
		}
		if len(vi.Dims) != len(t.Shape) {
			errs = append(errs, fmt.Sprintf("input %q: expected dims %s, got %v", vi.Name, dimsString(vi.Dims), t.Shape))
			continue
		}
		for i, d := range vi.Dims {
			switch {
			case d.Known && int(d.Value) != t.Shape[i]:
				errs = append(errs, fmt.Sprintf("input %q: expected dims %s, got %v (dim %d)", vi.Name, dimsString(vi.Dims), t.Shape, i))
			case d.Param != "" && !shapeinfer.IsAnonymousDimParam(d.Param): // each "?" is its own dim
				if s, ok := sym[d.Param]; ok && s.v != t.Shape[i] {
					errs = append(errs, fmt.Sprintf("input %q: dim %d (%s) is %d but input %q has %s = %d", vi.Name, i, d.Param, t.Shape[i], s.from, d.Param, s.v))
				} else if !ok {
					sym[d.Param] = struct {
						v    int
						from string
					}{t.Shape[i], vi.Name}
				}
			}
		}
	}
	known := map[string]bool{}
	for _, vi := range p.inputs {
		known[vi.Name] = true
	}
	var extra []string
	for k := range inputs {
		if !known[k] {
			if _, isConst := p.main.consts[k]; !isConst {
				extra = append(extra, k)
			}
		}
	}
	if len(extra) > 0 {
		sort.Strings(extra)
		errs = append(errs, fmt.Sprintf("unknown input(s) %q (model inputs: %s)", extra, inputNames(p.inputs)))
	}
	if len(errs) > 0 {
		return fmt.Errorf("onnxrt: bad inputs:\n  %s", strings.Join(errs, "\n  "))
	}
	return nil
}

func inputNames(v []ValueInfo) string {
	var s []string
	for _, x := range v {
		s = append(s, x.Name)
	}
	return strings.Join(s, ", ")
}

func dimsString(dims []onnxpb.DimProto) string {
	if dims == nil {
		return "[?]"
	}
	var s []string
	for _, d := range dims {
		switch {
		case d.Known:
			s = append(s, fmt.Sprint(d.Value))
		case d.Param != "":
			s = append(s, d.Param)
		default:
			s = append(s, "?")
		}
	}
	return "[" + strings.Join(s, ",") + "]"
}

// exec runs every node of c.g in order.
func (c *runCtx) exec() error {
	ins := make([]*tensor.Tensor, 0, 8)
	for ni, cn := range c.g.nodes {
		ins = ins[:0]
		for _, name := range cn.in {
			if name == "" {
				ins = append(ins, nil)
				continue
			}
			v, ok := c.lookup(name)
			if !ok {
				return fmt.Errorf("onnxrt: %s: input %q has no value (not a graph input, initializer or earlier node output)", cn.describe(), name)
			}
			ins = append(ins, v)
		}
		outs, err := runNode(cn, c, ins)
		if err != nil {
			return err
		}
		for i, name := range cn.out {
			if name == "" {
				continue
			}
			if i >= len(outs) || outs[i] == nil {
				if cn.n.proto.GetOpType() == "Optional" || i >= len(outs) {
					continue
				}
				continue
			}
			if n := tensor.DataLen(outs[i].Data); n != outs[i].Len() && outs[i].DType > 0 {
				return fmt.Errorf("onnxrt: %s: internal error: output %q has shape %v but %d elements", cn.describe(), name, outs[i].Shape, n)
			}
			c.set(name, outs[i])
		}
		if c.observe != nil {
			obs := make([]*tensor.Tensor, len(cn.out))
			for i := range obs {
				if i < len(outs) && cn.out[i] != "" {
					obs[i] = outs[i]
				}
			}
			if err := c.observe(cn.n.proto, obs); err != nil {
				return err
			}
		}
		if c.trace == nil {
			for _, name := range c.g.freeAfter[ni] {
				c.unset(name)
			}
		}
	}
	return nil
}

// set stores a value in this scope, counting it as live.
func (c *runCtx) set(name string, t *tensor.Tensor) {
	if old, ok := c.vals[name]; ok {
		c.live.drop(old)
	}
	c.vals[name] = t
	c.live.hold(t)
}

// unset removes a value from this scope.
func (c *runCtx) unset(name string) {
	if old, ok := c.vals[name]; ok {
		c.live.drop(old)
		delete(c.vals, name)
	}
}

func runNode(cn *cnode, c *runCtx, ins []*tensor.Tensor) (outs []*tensor.Tensor, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &nodeError{desc: cn.describe(), err: panicError(r, "")}
		}
	}()
	if cn.schema != nil {
		var dts [8]tensor.DType
		types := dts[:0]
		for _, t := range ins {
			if t == nil {
				types = append(types, tensor.Undefined)
			} else {
				types = append(types, t.DType)
			}
		}
		if err := cn.schema.CheckInputTypes(types); err != nil {
			return nil, &nodeError{desc: cn.describe(), err: err}
		}
	}
	// kernels may replace entries of their input slice (half promotion)
	args := append([]*tensor.Tensor(nil), ins...)
	outs, err = cn.run(c, args)
	if err != nil {
		var ne *nodeError
		if errors.As(err, &ne) {
			return nil, err
		}
		return nil, &nodeError{desc: cn.describe(), err: err}
	}
	return outs, nil
}

// panicError turns a value recovered from a kernel into an error: a
// refusal of the memory budget (a tensor too large or overflowing) as
// itself, anything else, a bug, as an "internal error" with the place it
// happened, on one line.
func panicError(r any, context string) error {
	if e := membudget.FromPanic(r); e != nil {
		return e
	}
	return fmt.Errorf("internal error%s: %s", context, recovery.Describe(r))
}

// nodeError names the node a kernel error came from.
type nodeError struct {
	desc string
	err  error
}

func (e *nodeError) Error() string { return "onnxrt: " + e.desc + ": " + e.err.Error() }
func (e *nodeError) Unwrap() error { return e.err }

// runGraph executes a subgraph g in a child scope of c with the given
// values bound to its inputs, returning its outputs in order.
// maxBodyRuns bounds the subgraph executions of one run: a Loop's trip
// count is data (2^62 from a 100-byte model), and Loops nested in Loops
// multiply; a real model's loops run thousands of times, not millions.
const maxBodyRuns = 1 << 18

func (c *runCtx) runGraph(g *graphProg, feeds []*tensor.Tensor) ([]*tensor.Tensor, error) {
	if c.live.bodyRuns++; c.live.bodyRuns > maxBodyRuns {
		return nil, fmt.Errorf("the model runs its subgraphs (Loop, Scan and If bodies) more than %d times", maxBodyRuns)
	}
	child := &runCtx{vals: make(map[string]*tensor.Tensor, len(g.nodes)+len(feeds)), parent: c, g: g, live: c.live}
	// what the body leaves in its scope dies with it (its outputs are
	// held again by whoever stores them)
	defer func() {
		for name := range child.vals {
			child.unset(name)
		}
	}()
	for i, name := range g.inputs {
		if i < len(feeds) && feeds[i] != nil {
			child.set(name, feeds[i])
		}
	}
	if err := child.exec(); err != nil {
		return nil, err
	}
	outs := make([]*tensor.Tensor, len(g.outputs))
	for i, name := range g.outputs {
		v, ok := child.lookup(name)
		if !ok {
			return nil, fmt.Errorf("subgraph %q: output %q was not computed", g.name, name)
		}
		outs[i] = v
	}
	return outs, nil
}
