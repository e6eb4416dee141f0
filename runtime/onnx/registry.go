package onnxrt

import (
	"fmt"
	"math"
	"sort"

	"github.com/webnn-graph/webnn-graph/onnxpb"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// The op registry. Every op family file registers its operators in an
// init function:
//
//	register("", "Reshape", 5, buildReshape5)
//	register("", "Reshape", 14, buildReshape14)
//
// A builder reads the node's attributes once at compile time (with the
// spec's defaults) and returns the kernel that runs it. For a model
// importing domain D at version V the registry picks, per op type, the
// variant with the largest since-version ≤ V — the same rule as ONNX's
// reference evaluator.

// kernelFn runs one node. Absent optional inputs are nil; the returned
// slice holds the node's outputs in order (trailing ones may be omitted
// when the node does not ask for them).
type kernelFn func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error)

// builder prepares the kernel of one node.
type builder func(n *node) (kernelFn, error)

type opKey struct{ domain, op string }

type opVersion struct {
	since int64
	build builder
}

var registry = map[opKey][]opVersion{}

// register adds an op variant valid from opset since.
func register(domain, op string, since int64, b builder) {
	k := opKey{domain, op}
	registry[k] = append(registry[k], opVersion{since, b})
	sort.Slice(registry[k], func(i, j int) bool { return registry[k][i].since < registry[k][j].since })
}

// registerAll registers the same builder for several op types.
func registerAll(domain string, since int64, b func(op string) builder, ops ...string) {
	for _, op := range ops {
		register(domain, op, since, b(op))
	}
}

// lookup finds the builder for op in domain at the given opset version.
func lookup(domain, op string, version int64) (builder, bool) {
	vs := registry[opKey{domain, op}]
	for i := len(vs) - 1; i >= 0; i-- {
		if vs[i].since <= version {
			return vs[i].build, true
		}
	}
	return nil, false
}

// Op describes one registered op variant (for documentation and tests).
type Op struct {
	Domain string
	Type   string
	Since  int64
}

// Registry lists every registered op variant, sorted.
func Registry() []Op {
	var ops []Op
	for k, vs := range registry {
		for _, v := range vs {
			ops = append(ops, Op{k.domain, k.op, v.since})
		}
	}
	sort.Slice(ops, func(i, j int) bool {
		if ops[i].Domain != ops[j].Domain {
			return ops[i].Domain < ops[j].Domain
		}
		if ops[i].Type != ops[j].Type {
			return ops[i].Type < ops[j].Type
		}
		return ops[i].Since < ops[j].Since
	})
	return ops
}

// node is what a builder sees: the proto, the opset version its domain is
// imported at, and attribute readers with defaults.
type node struct {
	proto  *onnxpb.NodeProto
	opset  int64
	comp   *compiler
	attrs  map[string]*onnxpb.AttributeProto
	errors []error
}

func (n *node) String() string {
	return fmt.Sprintf("node %q (%s)", n.proto.GetName(), n.proto.GetOpType())
}

func (n *node) has(name string) bool { _, ok := n.attrs[name]; return ok }

func (n *node) i(name string, def int64) int64 {
	if a, ok := n.attrs[name]; ok {
		return a.GetI()
	}
	return def
}

func (n *node) f(name string, def float32) float32 {
	if a, ok := n.attrs[name]; ok {
		return a.GetF()
	}
	return def
}

func (n *node) s(name string, def string) string {
	if a, ok := n.attrs[name]; ok {
		return string(a.GetS())
	}
	return def
}

func (n *node) ints(name string) []int64 {
	if a, ok := n.attrs[name]; ok {
		return a.GetInts()
	}
	return nil
}

func (n *node) floats(name string) []float32 {
	if a, ok := n.attrs[name]; ok {
		return a.GetFloats()
	}
	return nil
}

func (n *node) strings(name string) []string {
	a, ok := n.attrs[name]
	if !ok {
		return nil
	}
	var out []string
	for _, s := range a.GetStrings() {
		out = append(out, string(s))
	}
	return out
}

func (n *node) tensor(name string) (*tensor.Tensor, error) {
	a, ok := n.attrs[name]
	if !ok || a.GetT() == nil {
		return nil, nil
	}
	return n.comp.decode(a.GetT())
}

func (n *node) graph(name string) *onnxpb.GraphProto {
	if a, ok := n.attrs[name]; ok {
		return a.GetG()
	}
	return nil
}

// constInput returns input i when it is an initializer of the node's graph
// (a value fixed for the Program's lifetime), else nil.
func (n *node) constInput(i int) *tensor.Tensor {
	in := n.proto.GetInput()
	if i >= len(in) || in[i] == "" || n.comp.consts == nil {
		return nil
	}
	return n.comp.consts[in[i]]
}

func (n *node) numInputs() int  { return len(n.proto.GetInput()) }
func (n *node) numOutputs() int { return len(n.proto.GetOutput()) }

// wantsOutput reports whether output i is requested by the node.
func (n *node) wantsOutput(i int) bool {
	o := n.proto.GetOutput()
	return i < len(o) && o[i] != ""
}

// f32 kernels helpers ---------------------------------------------------

func nan32() float32 { return float32(math.NaN()) }
