// Per-node plumbing shared by the op rules: the node context (inputs,
// attributes, opset), broadcasting, and the bookkeeping that keeps
// Info.Value and Info.Const in step.

package shapeinfer

import (
	"github.com/webnn-graph/webnn-graph/internal/membudget"
	"github.com/webnn-graph/webnn-graph/internal/recovery"

	"fmt"
	"slices"

	"github.com/webnn-graph/webnn-graph/onnxpb"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// valueLimit is the largest element count tracked in Info.Value.
const valueLimit = 1024

// nodeCtx is what a rule sees of one node.
type nodeCtx struct {
	s     *state
	n     *onnxpb.NodeProto
	in    []*Info // nil for an absent optional input
	opset int64   // version of the node's domain
}

// rule computes a node's output Infos (one per output, nil entries left
// to the driver as unknown).
type rule func(c *nodeCtx) ([]*Info, error)

// errorf reports a static inconsistency; the error matches
// errors.Is(err, ErrInconsistent).
func (c *nodeCtx) errorf(format string, args ...any) error {
	return inconsistentError(fmt.Sprintf(format, args...))
}

type inconsistentError string

func (e inconsistentError) Error() string        { return string(e) }
func (e inconsistentError) Is(target error) bool { return target == ErrInconsistent }

// input returns input i, or nil when absent.
func (c *nodeCtx) input(i int) *Info {
	if i < len(c.in) {
		return c.in[i]
	}
	return nil
}

// need returns input i, failing when it is absent.
func (c *nodeCtx) need(i int) (*Info, error) {
	if in := c.input(i); in != nil {
		return in, nil
	}
	return nil, fmt.Errorf("input %d is missing", i)
}

func (c *nodeCtx) attrInt(name string, def int64) int64 { return onnxpb.AttrInt(c.n, name, def) }
func (c *nodeCtx) attrInts(name string) []int64         { return onnxpb.AttrInts(c.n, name) }
func (c *nodeCtx) hasAttr(name string) bool             { return onnxpb.HasAttr(c.n, name) }

// intsInput returns the known constant values of input i (an axes/pads/…
// input), ok false when absent or not constant.
func (c *nodeCtx) intsInput(i int) ([]int64, bool, error) {
	in := c.input(i)
	if in == nil {
		return nil, false, nil
	}
	if in.Value == nil {
		return nil, true, fmt.Errorf("input %d (%q) is not a known constant", i, c.n.GetInput()[i])
	}
	out := make([]int64, len(in.Value))
	for j, v := range in.Value {
		x, ok := v.Value()
		if !ok {
			return nil, true, fmt.Errorf("input %d (%q) depends on %s, needs a constant", i, c.n.GetInput()[i], v)
		}
		out[j] = x
	}
	return out, true, nil
}

// axesArg returns the axes of an op whose "axes" moved from attribute to
// input at some opset: the attribute when present, else input idx.
func (c *nodeCtx) axesArg(idx int) ([]int64, bool, error) {
	if c.hasAttr("axes") {
		return c.attrInts("axes"), true, nil
	}
	return c.intsInput(idx)
}

func normAxis(axis int64, rank int) (int, error) {
	if axis < -int64(rank) || axis >= int64(rank) {
		return 0, fmt.Errorf("axis %d is out of range for rank %d", axis, rank)
	}
	if axis < 0 {
		axis += int64(rank)
	}
	return int(axis), nil
}

func same(in *Info) *Info {
	return &Info{DType: in.DType, Shape: in.Shape}
}

func consts(vs ...int64) []Expr {
	out := make([]Expr, len(vs))
	for i, v := range vs {
		out[i] = Const(v)
	}
	return out
}

// numel returns the element count of shape as an Expr.
func numel(shape []Expr) Expr {
	p := Const(1)
	for _, d := range shape {
		p = p.Mul(d)
	}
	return p
}

// staticLen returns the element count when the shape is static.
func staticLen(shape []Expr) (int, bool) {
	if shape == nil {
		return 0, false
	}
	n := 1
	for _, d := range shape {
		v, ok := d.Value()
		if !ok || v < 0 {
			return 0, false
		}
		n *= int(v)
		if n > 1<<30 {
			return 0, false
		}
	}
	return n, true
}

func toInts(shape []Expr) ([]int, bool) {
	out := make([]int, len(shape))
	for i, d := range shape {
		v, ok := d.Value()
		if !ok {
			return nil, false
		}
		out[i] = int(v)
	}
	return out, true
}

// broadcast applies ONNX multidirectional broadcasting to the shapes.
// Equal dims agree, a constant 1 yields to the other side, a constant
// mismatch is an error; two different symbolic dims are assumed equal
// (recorded in Result.Constraints) and the first is kept, or the
// constant when one side is a constant other than 1.
func (c *nodeCtx) broadcast(shapes ...[]Expr) ([]Expr, error) {
	rank := 0
	for _, s := range shapes {
		if s == nil {
			return nil, nil
		}
		rank = max(rank, len(s))
	}
	out := make([]Expr, rank)
	for i := range out {
		out[i] = Const(1)
	}
	for _, s := range shapes {
		off := rank - len(s)
		for j, d := range s {
			cur := out[off+j]
			if cur.Equal(d) {
				continue
			}
			cv, cok := cur.Value()
			dv, dok := d.Value()
			switch {
			case dok && dv == 1:
			case cok && cv == 1:
				out[off+j] = d
			case cok && dok:
				return nil, c.errorf("cannot broadcast %s with %s (dim %d)", ShapeString(shapes[0]), ShapeString(s), off+j)
			case dok:
				c.s.constraint(cur, d)
				out[off+j] = d
			default:
				c.s.constraint(cur, d)
				out[off+j] = simpler(cur, d)
			}
		}
	}
	return out, nil
}

// simpler picks, of two dims assumed equal, the one with fewer
// floor-div/mod/max/min nodes, then fewer symbols, then the shorter text
// (min(256, past_sequence_length + sequence_length) vs
// past_sequence_length + sequence_length keeps the latter).
func simpler(a, b Expr) Expr {
	ka, kb := a.complexity(), b.complexity()
	if slices.Compare(kb[:], ka[:]) < 0 {
		return b
	}
	return a
}

// inferNode runs n's rule; known is false when there is none.
func (s *state) inferNode(n *onnxpb.NodeProto) (outs []*Info, known bool, err error) {
	defer func() {
		// A rule that panics has a bug; report it against the node rather
		// than crashing the converter.
		if r := recover(); r != nil {
			outs, known = nil, true
			if oe, ok := r.(*OverflowError); ok {
				err = oe // an impossible shape: the model is inconsistent
			} else if be := membudget.FromPanic(r); be != nil {
				err = be // a folded constant too large to hold
			} else {
				err = fmt.Errorf("%w: shape rule panicked: %s", ErrInternal, recovery.Describe(r))
			}
		}
	}()
	c := &nodeCtx{s: s, n: n, in: make([]*Info, len(n.GetInput()))}
	for i, name := range n.GetInput() {
		if name == "" {
			continue
		}
		c.in[i] = s.values[name]
	}
	domain := n.GetDomain()
	if domain == "ai.onnx" {
		domain = ""
	}
	c.opset = s.opsets[domain]
	r := lookupRule(domain, n.GetOpType())
	if r == nil {
		return nil, false, nil
	}
	// The op's schema before its rule: rules read the inputs and
	// attributes the spec promises.
	if sc := onnxpb.NodeSchema(domain, n.GetOpType(), c.opset); sc != nil && !s.localFunction(n) {
		if err := sc.CheckNode(n); err != nil {
			return nil, true, inconsistentError(err.Error())
		}
		types := make([]tensor.DType, len(c.in))
		for i, in := range c.in {
			if in != nil {
				types[i] = in.DType
			}
		}
		if err := sc.CheckInputTypes(types); err != nil {
			return nil, true, inconsistentError(err.Error())
		}
	}
	outs, err = r(c)
	if err != nil {
		return nil, true, err
	}
	for _, o := range outs {
		if o != nil {
			syncConst(o)
		}
	}
	return outs, true, nil
}

// setConst records a constant value (and, for small integer tensors, the
// matching Value).
func setConst(info *Info, t *tensor.Tensor) {
	info.Const = t
	info.DType = t.DType
	if info.Shape == nil || len(info.Shape) != len(t.Shape) {
		info.Shape = make([]Expr, len(t.Shape))
		for i, d := range t.Shape {
			info.Shape[i] = Const(int64(d))
		}
	}
	syncConst(info)
}

// syncConst derives Value from Const for integer tensors and Const from an
// all-constant Value.
func syncConst(info *Info) {
	if info.Const != nil && info.Value == nil && isIntLike(info.DType) && info.Const.Len() <= valueLimit {
		if v, ok := int64s(info.Const); ok {
			info.Value = make([]Expr, len(v))
			for i, x := range v {
				info.Value[i] = Const(x)
			}
		}
	}
	if info.Const == nil && info.Value != nil {
		shape, ok := toInts(info.Shape)
		if !ok {
			return
		}
		vals := make([]int64, len(info.Value))
		for i, e := range info.Value {
			v, ok := e.Value()
			if !ok {
				return
			}
			vals[i] = v
		}
		if t, ok := tensorFromInt64s(info.DType, shape, vals); ok {
			info.Const = t
		}
	}
}

func isIntLike(dt tensor.DType) bool {
	switch dt {
	case tensor.Int64, tensor.Int32, tensor.Int16, tensor.Int8, tensor.Uint8, tensor.Uint16, tensor.Uint32, tensor.Uint64, tensor.Bool:
		return true
	}
	return false
}

func isFloat(dt tensor.DType) bool {
	switch dt {
	case tensor.Float32, tensor.Float16, tensor.Float64, tensor.BFloat16:
		return true
	}
	return false
}

// localFunction reports whether n calls a function of the model (which
// overrides any standard op of the same name).
func (s *state) localFunction(n *onnxpb.NodeProto) bool {
	for _, f := range s.m.Proto.GetFunctions() {
		if f.GetName() == n.GetOpType() && f.GetDomain() == n.GetDomain() {
			return true
		}
	}
	return false
}
