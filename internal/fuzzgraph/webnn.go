package fuzzgraph

import (
	"fmt"
	"math"

	"github.com/webnn-graph/webnn-graph/graph"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// WebNNGraph is a generated WebNN graph with inputs for it.
type WebNNGraph struct {
	Graph  *graph.Graph
	Inputs map[string]*tensor.Tensor
}

type webnnGen struct {
	s    *Source
	g    *graph.Graph
	vals []value
	n    int
}

var webnnUnary = []string{"relu", "sigmoid", "tanh", "abs", "neg", "exp", "floor", "ceil", "sin", "cos", "erf",
	"identity", "softsign", "softplus", "elu", "gelu", "hardSwish", "reciprocal", "sqrt", "log", "sign", "round"}

var webnnBinary = []string{"add", "sub", "mul", "div", "max", "min", "pow"}

// WebNN builds a graph from b: one or two float32 inputs, one to eight
// nodes over WebNN ops with options drawn from their ranges, about one in
// eight degenerate (an axis past the rank, a negative or huge size, an
// operand of the wrong rank), and the last values as outputs. It is meant
// for validate, print/parse and runtime/webnn: no panic, no hang, no
// allocation past the budget.
func WebNN(b []byte) *WebNNGraph {
	s := NewSource(b)
	gen := &webnnGen{s: s, g: &graph.Graph{Version: 1, Name: "fuzz"}}
	feeds := map[string]*tensor.Tensor{}
	for i, k := 0, s.Range(1, 2); i < k; i++ {
		og := &onnxGen{s: s}
		shape := og.shape()
		name := fmt.Sprintf("in%d", i)
		desc := graph.Desc{DType: tensor.Float32}
		for _, d := range shape {
			desc.Shape = append(desc.Shape, graph.Static(int64(d)))
		}
		gen.g.Inputs = append(gen.g.Inputs, graph.Input{Name: name, Desc: desc})
		t := tensor.New(tensor.Float32, shape)
		for j, d := 0, t.Data.([]float32); j < len(d); j++ {
			d[j] = s.Float()
		}
		feeds[name] = t
		gen.vals = append(gen.vals, value{name, shape})
	}
	for i, k := 0, s.Range(1, 8); i < k; i++ {
		gen.step()
	}
	for i, k := 0, 1+s.Intn(2); i < k && i < len(gen.vals); i++ {
		v := gen.vals[len(gen.vals)-1-i]
		if gen.isInput(v.name) {
			continue
		}
		gen.g.Outputs = append(gen.g.Outputs, graph.Output{Name: v.name, Operand: v.name})
	}
	if len(gen.g.Outputs) == 0 {
		x := gen.vals[0]
		id := gen.node("identity", []string{x.name}, nil, x.shape)
		gen.g.Outputs = append(gen.g.Outputs, graph.Output{Name: id, Operand: id})
	}
	return &WebNNGraph{Graph: gen.g, Inputs: feeds}
}

func (g *webnnGen) isInput(name string) bool {
	for _, in := range g.g.Inputs {
		if in.Name == name {
			return true
		}
	}
	return false
}

func (g *webnnGen) degenerate() bool { return g.s.Chance(8) }

func (g *webnnGen) node(op string, ins []string, opts map[string]any, out []int) string {
	g.n++
	id := fmt.Sprintf("v%d", g.n)
	g.g.Nodes = append(g.g.Nodes, graph.Node{ID: id, Op: op, Inputs: ins, Options: opts})
	if out != nil && small(out) {
		g.vals = append(g.vals, value{id, out})
	}
	return id
}

func (g *webnnGen) constF(shape []int) string {
	g.n++
	name := fmt.Sprintf("c%d", g.n)
	t := tensor.New(tensor.Float32, shape)
	for i, d := 0, t.Data.([]float32); i < len(d); i++ {
		d[i] = g.s.Float()
	}
	desc := graph.Desc{DType: tensor.Float32}
	for _, d := range shape {
		desc.Shape = append(desc.Shape, graph.Static(int64(d)))
	}
	g.g.Consts = append(g.g.Consts, graph.Const{Name: name, Desc: desc, Kind: graph.ConstBytes, Bytes: t.Bytes()})
	return name
}

func (g *webnnGen) constI32(vals ...int32) string {
	g.n++
	name := fmt.Sprintf("c%d", g.n)
	t := &tensor.Tensor{DType: tensor.Int32, Shape: []int{len(vals)}, Data: vals}
	g.g.Consts = append(g.g.Consts, graph.Const{Name: name, Desc: graph.Desc{DType: tensor.Int32, Shape: []graph.Dim{graph.Static(int64(len(vals)))}},
		Kind: graph.ConstBytes, Bytes: t.Bytes()})
	return name
}

func list(v ...int) []any {
	l := make([]any, len(v))
	for i, x := range v {
		l[i] = int64(x)
	}
	return l
}

func (g *webnnGen) axis(r int) int {
	if g.degenerate() {
		return r + g.s.Intn(3)
	}
	return g.s.Intn(max(r, 1))
}

func (g *webnnGen) step() {
	x := g.vals[g.s.Intn(len(g.vals))]
	r := len(x.shape)
	switch g.s.Intn(14) {
	case 0, 1, 2:
		g.node(webnnUnary[g.s.Intn(len(webnnUnary))], []string{x.name}, nil, x.shape)
	case 3, 4:
		other := x.name
		if g.s.Chance(2) {
			sh := append([]int{}, x.shape...)
			for i := range sh {
				if g.s.Chance(3) {
					sh[i] = 1
				}
			}
			if g.degenerate() {
				sh[0] += 2 // not broadcastable
			}
			other = g.constF(sh)
		}
		g.node(webnnBinary[g.s.Intn(len(webnnBinary))], []string{x.name, other}, nil, x.shape)
	case 5:
		k, n := x.shape[r-1], g.s.Range(1, 5)
		if r < 2 {
			g.node("relu", []string{x.name}, nil, x.shape)
			return
		}
		w := g.constF(append(append([]int{}, x.shape[:r-2]...), k, n))
		g.node("matmul", []string{x.name, w}, nil, append(append([]int{}, x.shape[:r-1]...), n))
	case 6:
		perm := make([]int, r)
		for i := range perm {
			perm[i] = i
		}
		for i := r - 1; i > 0; i-- {
			j := g.s.Intn(i + 1)
			perm[i], perm[j] = perm[j], perm[i]
		}
		out := make([]int, r)
		for i, p := range perm {
			out[i] = x.shape[p]
		}
		if g.degenerate() {
			perm[0] = r
		}
		g.node("transpose", []string{x.name}, map[string]any{"permutation": list(perm...)}, out)
	case 7:
		n := 1
		for _, d := range x.shape {
			n *= d
		}
		shape := []int{n}
		if g.degenerate() {
			shape = []int{n + 1}
		}
		g.node("reshape", []string{x.name}, map[string]any{"newShape": list(shape...)}, shape)
	case 8:
		a := g.axis(r)
		out := append([]int{}, x.shape...)
		if a < r {
			out[a] *= 2
		}
		g.node("concat", []string{x.name, x.name}, map[string]any{"axis": int64(a)}, out)
	case 9:
		starts, sizes := make([]int, r), make([]int, r)
		for i, d := range x.shape {
			starts[i] = g.s.Intn(d)
			sizes[i] = 1 + g.s.Intn(d-starts[i])
		}
		if g.degenerate() {
			sizes[0] = math.MaxInt32
		}
		g.node("slice", []string{x.name}, map[string]any{"starts": list(starts...), "sizes": list(sizes...)}, sizes)
	case 10:
		a := g.axis(r)
		d := 1
		if a < r {
			d = x.shape[a]
		}
		idx := make([]int32, g.s.Range(1, 3))
		for i := range idx {
			idx[i] = int32(g.s.Intn(d))
		}
		if g.degenerate() {
			idx[0] = int32(d + 3)
		}
		var out []int
		if a < r {
			out = append(append(append([]int{}, x.shape[:a]...), len(idx)), x.shape[a+1:]...)
		}
		g.node("gather", []string{x.name, g.constI32(idx...)}, map[string]any{"axis": int64(a)}, out)
	case 11:
		ops := []string{"reduceSum", "reduceMean", "reduceMax", "reduceMin", "reduceProduct", "reduceL2", "reduceLogSumExp"}
		a := g.axis(r)
		keep := g.s.Chance(2)
		out := append([]int{}, x.shape...)
		if a < r {
			if keep {
				out[a] = 1
			} else {
				out = append(out[:a], out[a+1:]...)
			}
		}
		if len(out) == 0 {
			out = nil // scalars are not reused
		}
		g.node(ops[g.s.Intn(len(ops))], []string{x.name}, map[string]any{"axes": list(a), "keepDimensions": keep}, out)
	case 12:
		b, e := make([]int, r), make([]int, r)
		out := append([]int{}, x.shape...)
		for i := range b {
			b[i], e[i] = g.s.Intn(3), g.s.Intn(3)
			out[i] += b[i] + e[i]
		}
		if g.degenerate() {
			b[0] = 1 << 31
		}
		g.node("pad", []string{x.name}, map[string]any{"beginningPadding": list(b...), "endingPadding": list(e...)}, out)
	case 13:
		shape := make([]int, r)
		for i, d := range x.shape {
			shape[i] = d
			if d == 1 {
				shape[i] = g.s.Range(1, 4)
			}
		}
		if g.degenerate() {
			shape[0] = 1 << 30
		}
		g.node("expand", []string{x.name}, map[string]any{"newShape": list(shape...)}, shape)
	}
}
