package fuzzgraph

import (
	"fmt"
	"math"
	"strings"

	"github.com/webnn-graph/webnn-graph/onnxpb"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// ONNXOpset is the ai.onnx opset of the generated models.
const ONNXOpset = 18

// ONNXGraph is a generated model with run-time inputs for it.
type ONNXGraph struct {
	Model  *onnxpb.ModelProto
	Inputs map[string]*tensor.Tensor // by ONNX input name
	Desc   string                    // one line per node, for failure messages
}

type value struct {
	name  string
	shape []int
}

type onnxGen struct {
	s     *Source
	g     *onnxpb.GraphProto
	vals  []value
	n     int
	desc  []string
	feeds map[string]*tensor.Tensor
}

// unaryOps are elementwise ops both runtimes define on all of float32
// (Sqrt/Log/Reciprocal take Abs(x)+1 first).
var unaryOps = []string{"Relu", "Sigmoid", "Tanh", "Abs", "Neg", "Exp", "Floor", "Ceil", "Round", "Sin", "Cos",
	"Softsign", "Softplus", "Erf", "Sign", "Identity", "HardSigmoid", "Elu", "Selu", "LeakyRelu", "HardSwish", "Mish"}

var binaryOps = []string{"Add", "Sub", "Mul", "Div", "Max", "Min"}

// ONNX builds a model from b: one or two float32 inputs of rank 1 to 4
// (dims 1 to 5), one to eight nodes drawn from the grammar, the last one
// or two values as outputs. About one node in eight gets a degenerate
// attribute or constant (out-of-range axis, huge pad, negative size) that
// both runtimes must refuse the same way rather than crash on.
func ONNX(b []byte) *ONNXGraph {
	s := NewSource(b)
	gen := &onnxGen{s: s, g: &onnxpb.GraphProto{Name: "fuzz"}, feeds: map[string]*tensor.Tensor{}}
	for i, k := 0, s.Range(1, 2); i < k; i++ {
		shape := gen.shape()
		name := fmt.Sprintf("in%d", i)
		gen.g.Input = append(gen.g.Input, vi(name, tensor.Float32, shape))
		t := tensor.New(tensor.Float32, shape)
		for j, d := 0, t.Data.([]float32); j < len(d); j++ {
			d[j] = s.Float()
		}
		gen.feeds[name] = t
		gen.vals = append(gen.vals, value{name, shape})
	}
	for i, k := 0, s.Range(1, 8); i < k; i++ {
		gen.step()
	}
	outs := 1 + s.Intn(2)
	for i := 0; i < outs && i < len(gen.vals); i++ {
		v := gen.vals[len(gen.vals)-1-i]
		gen.g.Output = append(gen.g.Output, &onnxpb.ValueInfoProto{Name: v.name, Type: &onnxpb.TypeProto{Value: &onnxpb.TypeProto_TensorType{
			TensorType: &onnxpb.TypeProto_Tensor{ElemType: int32(tensor.Float32)}}}})
	}
	m := &onnxpb.ModelProto{IrVersion: 8, ProducerName: "fuzzgraph", Graph: gen.g,
		OpsetImport: []*onnxpb.OperatorSetIdProto{{Domain: "", Version: ONNXOpset}}}
	return &ONNXGraph{Model: m, Inputs: gen.feeds, Desc: strings.Join(gen.desc, "\n")}
}

func (g *onnxGen) shape() []int {
	r := g.s.Range(1, 4)
	sh := make([]int, r)
	for i := range sh {
		sh[i] = g.s.Range(1, 5)
	}
	return sh
}

func (g *onnxGen) pick() value { return g.vals[g.s.Intn(len(g.vals))] }

// degenerate is true about once in eight choices.
func (g *onnxGen) degenerate() bool { return g.s.Chance(8) }

func (g *onnxGen) fresh() string { g.n++; return fmt.Sprintf("v%d", g.n) }

func (g *onnxGen) constF(shape []int) string {
	name := g.fresh()
	t := tensor.New(tensor.Float32, shape)
	for i, d := 0, t.Data.([]float32); i < len(d); i++ {
		d[i] = g.s.Float()
	}
	g.g.Initializer = append(g.g.Initializer, proto(name, t))
	return name
}

// constOne is the constant [1] (keeps divisors and logarithms away from
// 0, where two correct runtimes' rounding differences blow up).
func (g *onnxGen) constOne() string {
	name := g.fresh()
	g.g.Initializer = append(g.g.Initializer, proto(name, &tensor.Tensor{DType: tensor.Float32, Shape: []int{1}, Data: []float32{1}}))
	return name
}

func (g *onnxGen) constI(vals ...int64) string {
	name := g.fresh()
	g.g.Initializer = append(g.g.Initializer, &onnxpb.TensorProto{Name: name, Dims: []int64{int64(len(vals))}, DataType: int32(tensor.Int64), Int64Data: vals})
	return name
}

// node adds op(ins) → one new value of shape out (nil: unknown, not reused).
func (g *onnxGen) node(op string, ins []string, out []int, attrs ...*onnxpb.AttributeProto) string {
	name := g.fresh()
	g.g.Node = append(g.g.Node, &onnxpb.NodeProto{OpType: op, Name: name, Input: ins, Output: []string{name}, Attribute: attrs})
	var as []string
	for _, a := range attrs {
		as = append(as, attrString(a))
	}
	g.desc = append(g.desc, fmt.Sprintf("%s = %s(%s) %s", name, op, strings.Join(ins, ", "), strings.Join(as, " ")))
	if out != nil && small(out) {
		g.vals = append(g.vals, value{name, out})
	}
	return name
}

// axis is an axis of rank r, sometimes negative, sometimes out of range.
func (g *onnxGen) axis(r int) int64 {
	if g.degenerate() {
		return int64(r + g.s.Intn(3))
	}
	a := int64(g.s.Intn(max(r, 1)))
	if g.s.Chance(3) {
		a -= int64(r)
	}
	return a
}

func norm(a int64, r int) int {
	if a < 0 {
		a += int64(r)
	}
	return int(a)
}

func (g *onnxGen) step() {
	x := g.pick()
	r := len(x.shape)
	switch g.s.Intn(20) {
	case 0, 1, 2:
		op := unaryOps[g.s.Intn(len(unaryOps))]
		g.node(op, []string{x.name}, x.shape)
	case 3:
		// Sqrt / Log / Reciprocal of |x| + 1
		a := g.node("Abs", []string{x.name}, nil)
		p := g.node("Add", []string{a, g.constOne()}, nil)
		ops := []string{"Sqrt", "Log", "Reciprocal"}
		g.node(ops[g.s.Intn(3)], []string{p}, x.shape)
	case 4, 5, 6:
		op := binaryOps[g.s.Intn(len(binaryOps))]
		other := g.broadcastPartner(x)
		if op == "Div" {
			// divide by |y| + 1
			a := g.node("Abs", []string{other}, nil)
			other = g.node("Add", []string{a, g.constOne()}, nil)
		}
		g.node(op, []string{x.name, other}, x.shape)
	case 7:
		k := x.shape[r-1]
		n := g.s.Range(1, 5)
		w := g.constF([]int{k, n})
		out := append(append([]int{}, x.shape[:r-1]...), n)
		g.node("MatMul", []string{x.name, w}, out)
	case 8:
		perm := make([]int64, r)
		for i := range perm {
			perm[i] = int64(i)
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
			perm[0] = int64(r)
		}
		g.node("Transpose", []string{x.name}, out, ints("perm", perm...))
	case 9:
		n := 1
		for _, d := range x.shape {
			n *= d
		}
		s := g.constI(-1)
		out := []int{n}
		if g.s.Chance(2) && x.shape[0] > 0 {
			s = g.constI(int64(x.shape[0]), -1)
			out = []int{x.shape[0], n / x.shape[0]}
		}
		g.node("Reshape", []string{x.name, s}, out)
	case 10:
		a := g.axis(r)
		out := append([]int{}, x.shape...)
		if na := norm(a, r); na >= 0 && na < r {
			out[na] *= 2
		}
		g.node("Concat", []string{x.name, x.name}, out, intAttr("axis", a))
	case 11:
		a := norm(g.axis(r), r)
		if a < 0 || a >= r {
			a = 0
		}
		d := int64(x.shape[a])
		start := int64(g.s.Intn(int(d)))
		end := start + 1 + int64(g.s.Intn(int(d-start)))
		step := int64(1)
		if g.s.Chance(3) {
			step = -1
			start, end = end-1, start-1
			if end < 0 {
				end = -d - 1
			}
		}
		if g.degenerate() {
			step = []int64{math.MinInt64, math.MaxInt64, 1 << 40}[g.s.Intn(3)]
		}
		g.node("Slice", []string{x.name, g.constI(start), g.constI(end), g.constI(int64(a)), g.constI(step)}, nil)
	case 12:
		a := norm(g.axis(r), r)
		if a < 0 || a >= r {
			a = 0
		}
		d := x.shape[a]
		k := g.s.Range(1, 4)
		idx := make([]int64, k)
		for i := range idx {
			idx[i] = int64(g.s.Intn(d))
			if g.s.Chance(4) {
				idx[i] -= int64(d)
			}
		}
		if g.degenerate() {
			idx[0] = int64(d + g.s.Intn(3))
		}
		out := append(append(append([]int{}, x.shape[:a]...), k), x.shape[a+1:]...)
		g.node("Gather", []string{x.name, g.constI(idx...)}, out, intAttr("axis", int64(a)))
	case 13:
		ops := []string{"ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL2", "ReduceSumSquare", "ReduceLogSumExp"}
		op := ops[g.s.Intn(len(ops))]
		a := g.axis(r)
		keep := int64(g.s.Intn(2))
		out := append([]int{}, x.shape...)
		if na := norm(a, r); na >= 0 && na < r {
			if keep == 1 {
				out[na] = 1
			} else {
				out = append(out[:na], out[na+1:]...)
			}
		}
		g.node(op, []string{x.name, g.constI(a)}, out, intAttr("keepdims", keep))
	case 14:
		ops := []string{"Softmax", "LogSoftmax", "CumSum"}
		op := ops[g.s.Intn(len(ops))]
		a := g.axis(r)
		if op == "CumSum" {
			g.node(op, []string{x.name, g.constI(a)}, x.shape, intAttr("exclusive", int64(g.s.Intn(2))), intAttr("reverse", int64(g.s.Intn(2))))
		} else {
			g.node(op, []string{x.name}, x.shape, intAttr("axis", a))
		}
	case 15:
		if r != 4 {
			g.node("Relu", []string{x.name}, x.shape)
			return
		}
		kh, kw := g.s.Range(1, x.shape[2]), g.s.Range(1, x.shape[3])
		if g.degenerate() {
			kh = 0
		}
		if g.s.Chance(2) {
			m := g.s.Range(1, 3)
			w := g.constF([]int{m, x.shape[1], kh, kw})
			g.node("Conv", []string{x.name, w}, []int{x.shape[0], m, x.shape[2] - kh + 1, x.shape[3] - kw + 1})
		} else {
			op := []string{"MaxPool", "AveragePool"}[g.s.Intn(2)]
			g.node(op, []string{x.name}, []int{x.shape[0], x.shape[1], x.shape[2] - kh + 1, x.shape[3] - kw + 1}, ints("kernel_shape", int64(kh), int64(kw)))
		}
	case 16:
		pads := make([]int64, 2*r)
		out := append([]int{}, x.shape...)
		for i := range pads {
			pads[i] = int64(g.s.Intn(3))
			out[i%r] += int(pads[i])
		}
		if g.degenerate() {
			pads[0] = 1 << 40
		}
		mode := []string{"constant", "edge", "reflect"}[g.s.Intn(3)]
		if mode == "reflect" {
			for i := range pads {
				pads[i] = min(pads[i], int64(x.shape[i%r]-1))
			}
			copy(out, x.shape)
			for i := range pads {
				out[i%r] += int(pads[i])
			}
		}
		g.node("Pad", []string{x.name, g.constI(pads...)}, out, str("mode", mode))
	case 17:
		shape := make([]int64, r)
		out := make([]int, r)
		for i, d := range x.shape {
			shape[i], out[i] = int64(d), d
			if d == 1 {
				shape[i] = int64(g.s.Range(1, 4))
				out[i] = int(shape[i])
			}
		}
		if g.degenerate() {
			shape[0] = -1
		}
		g.node("Expand", []string{x.name, g.constI(shape...)}, out)
	case 18:
		zero := g.constF([]int{1})
		c := g.node("Greater", []string{x.name, zero}, nil)
		other := g.broadcastPartner(x)
		g.node("Where", []string{c, x.name, other}, x.shape)
	case 19:
		last := x.shape[r-1]
		sc := g.constF([]int{last})
		bi := g.constF([]int{last})
		g.node("LayerNormalization", []string{x.name, sc, bi}, x.shape, intAttr("axis", -1))
	}
}

// broadcastPartner is a value or constant that broadcasts to x's shape.
func (g *onnxGen) broadcastPartner(x value) string {
	for _, v := range g.vals {
		if v.name != x.name && equalInts(v.shape, x.shape) && g.s.Chance(2) {
			return v.name
		}
	}
	shape := append([]int{}, x.shape...)
	for i := range shape {
		if g.s.Chance(3) {
			shape[i] = 1
		}
	}
	if g.s.Chance(3) && len(shape) > 1 {
		shape = shape[1:]
	}
	return g.constF(shape)
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func vi(name string, dt tensor.DType, shape []int) *onnxpb.ValueInfoProto {
	sp := &onnxpb.TensorShapeProto{}
	for _, d := range shape {
		sp.Dim = append(sp.Dim, &onnxpb.TensorShapeProto_Dimension{Value: &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: int64(d)}})
	}
	return &onnxpb.ValueInfoProto{Name: name, Type: &onnxpb.TypeProto{Value: &onnxpb.TypeProto_TensorType{
		TensorType: &onnxpb.TypeProto_Tensor{ElemType: int32(dt), Shape: sp}}}}
}

func proto(name string, t *tensor.Tensor) *onnxpb.TensorProto {
	tp := &onnxpb.TensorProto{Name: name, DataType: int32(t.DType), RawData: t.Bytes()}
	for _, d := range t.Shape {
		tp.Dims = append(tp.Dims, int64(d))
	}
	return tp
}

func intAttr(name string, v int64) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: name, Type: onnxpb.AttributeProto_INT, I: v}
}

func ints(name string, v ...int64) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: name, Type: onnxpb.AttributeProto_INTS, Ints: v}
}

func str(name, v string) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: name, Type: onnxpb.AttributeProto_STRING, S: []byte(v)}
}

func attrString(a *onnxpb.AttributeProto) string {
	switch a.GetType() {
	case onnxpb.AttributeProto_INT:
		return fmt.Sprintf("%s=%d", a.GetName(), a.GetI())
	case onnxpb.AttributeProto_INTS:
		return fmt.Sprintf("%s=%v", a.GetName(), a.GetInts())
	case onnxpb.AttributeProto_STRING:
		return fmt.Sprintf("%s=%q", a.GetName(), a.GetS())
	}
	return a.GetName()
}

// small reports whether a result shape is one later nodes may build on
// (a degenerate size is not: constants of its shape would be huge).
func small(shape []int) bool {
	if len(shape) == 0 {
		return false // the grammar builds on ranked values
	}
	n := 1
	for _, d := range shape {
		if d < 1 || d > 64 {
			return false
		}
		n *= d
	}
	return n <= 1<<12
}
