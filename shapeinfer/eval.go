// Binding symbols to concrete dims: from a set of input tensors to an
// environment, and from symbolic shapes to integers.

package shapeinfer

import (
	"fmt"

	"github.com/webnn-graph/webnn-graph/onnxpb"
)

// EvalShape evaluates every dim with env.
func EvalShape(dims []Expr, env map[string]int64) ([]int, error) {
	if dims == nil {
		return nil, fmt.Errorf("shapeinfer: rank unknown")
	}
	out := make([]int, len(dims))
	for i, d := range dims {
		v, err := d.Eval(env)
		if err != nil {
			return nil, err
		}
		out[i] = int(v)
	}
	return out, nil
}

// CaseDims binds the symbolic dims of m's graph inputs (as inferred in
// res) to concrete sizes: shapeOf returns the shape of the input tensor
// given for a graph input. Inputs with an initializer may be omitted. A
// rank mismatch, a constant dim that differs, one symbol bound to two
// sizes, or a dim that breaks a relation the graph pins
// (attention_mask's past_sequence_length + sequence_length) is an error
// naming the input.
func CaseDims(m *onnxpb.Model, res *Result, shapeOf func(name string) ([]int, bool)) (map[string]int64, error) {
	env := map[string]int64{}
	inits := map[string]bool{}
	for _, t := range m.Graph().GetInitializer() {
		inits[t.GetName()] = true
	}
	type derived struct {
		input string
		axis  int
		dim   Expr
		got   int
	}
	var later []derived
	for _, vi := range m.Graph().GetInput() {
		name := vi.GetName()
		shape, ok := shapeOf(name)
		if !ok {
			if inits[name] {
				continue
			}
			return nil, fmt.Errorf("shapeinfer: no value for graph input %q", name)
		}
		info := res.Values[name]
		if info == nil || info.Shape == nil {
			continue
		}
		if len(shape) != len(info.Shape) {
			return nil, fmt.Errorf("shapeinfer: input %q has rank %d, the model declares %s", name, len(shape), ShapeString(info.Shape))
		}
		for i, d := range info.Shape {
			if v, ok := d.Value(); ok {
				if int(v) != shape[i] {
					return nil, fmt.Errorf("shapeinfer: input %q dim %d is %d, the model declares %d%s", name, i, shape[i], v, res.pinnedBy(name, i))
				}
				continue
			}
			if sym, ok := d.SymName(); ok {
				if old, seen := env[sym]; seen && old != int64(shape[i]) {
					return nil, fmt.Errorf("shapeinfer: input %q dim %d binds %s to %d, another input bound it to %d", name, i, sym, shape[i], old)
				}
				env[sym] = int64(shape[i])
				continue
			}
			later = append(later, derived{name, i, d, shape[i]})
		}
	}
	for _, d := range later {
		v, err := d.dim.Eval(env)
		if err != nil {
			continue // a symbol only an omitted input declares
		}
		if v != int64(d.got) {
			return nil, fmt.Errorf("shapeinfer: input %q dim %d is %d, but the model makes it %s = %d%s", d.input, d.axis, d.got, d.dim, v, res.pinnedBy(d.input, d.axis))
		}
	}
	return env, nil
}

// pinnedBy explains, for messages, which relation fixed an input dim.
func (r *Result) pinnedBy(input string, axis int) string {
	decl := r.Inputs[input]
	if axis >= len(decl) || decl[axis].Kind == DimStatic {
		return ""
	}
	if rel, ok := r.Pinned(decl[axis].Name); ok {
		return " (" + rel.String() + ")"
	}
	return ""
}
