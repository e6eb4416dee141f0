// Package degenerate makes the inputs of the error-not-panic tests: ONNX
// nodes of any op with degenerate inputs and attributes — zero, negative,
// huge, NaN, empty, mismatched ranks and types — so that every op of both
// runtimes and every lowering can be run on what a hostile or broken model
// may hold, and checked to answer with an error, never a panic, a hang or
// an allocation past the memory budget.
//
// Generation is deterministic in the seed, so a failure names a case that
// reproduces.
package degenerate

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/webnn-graph/webnn-graph/onnxpb"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// Ints are the integer values attributes and integer tensors take.
var Ints = []int64{0, 1, -1, 2, 3, -2, 1 << 40, math.MinInt64, math.MaxInt64, 1 << 31}

// Floats are the float values.
var Floats = []float64{0, 1, -1, 0.5, math.NaN(), math.Inf(1), math.Inf(-1), 1e30, -1e-30, 2}

// Shapes are the tensor shapes.
var Shapes = [][]int{{}, {0}, {1}, {3}, {2, 3}, {1, 1, 2, 2}, {2, 0, 3}, {1, 2, 3, 4}, {1, 3, 4, 4, 2}, {4, 1}}

// DTypes are the tensor element types.
var DTypes = []tensor.DType{tensor.Float32, tensor.Float32, tensor.Int64, tensor.Int64, tensor.Int32, tensor.Bool, tensor.Uint8, tensor.Float16, tensor.Int8}

// Strings are the string attribute values.
var Strings = []string{"", "bogus", "NOTSET", "SAME_UPPER", "VALID", "linear", "cubic", "nearest", "constant", "reflect", "edge", "DCR", "CRD", "reverse", "bidirectional", "tanh", "ab,bc->ac", "...", "a->", "ij->ji"}

// AttrNames are attribute names ONNX ops read, each with the kind of value
// it holds.
var AttrNames = []struct {
	Name string
	Type onnxpb.AttributeProto_AttributeType
}{
	{"axis", onnxpb.AttributeProto_INT}, {"axes", onnxpb.AttributeProto_INTS}, {"keepdims", onnxpb.AttributeProto_INT},
	{"perm", onnxpb.AttributeProto_INTS}, {"kernel_shape", onnxpb.AttributeProto_INTS}, {"strides", onnxpb.AttributeProto_INTS},
	{"pads", onnxpb.AttributeProto_INTS}, {"dilations", onnxpb.AttributeProto_INTS}, {"group", onnxpb.AttributeProto_INT},
	{"size", onnxpb.AttributeProto_INT}, {"alpha", onnxpb.AttributeProto_FLOAT}, {"beta", onnxpb.AttributeProto_FLOAT},
	{"bias", onnxpb.AttributeProto_FLOAT}, {"epsilon", onnxpb.AttributeProto_FLOAT}, {"to", onnxpb.AttributeProto_INT},
	{"mode", onnxpb.AttributeProto_STRING}, {"split", onnxpb.AttributeProto_INTS}, {"num_outputs", onnxpb.AttributeProto_INT},
	{"blocksize", onnxpb.AttributeProto_INT}, {"block_size", onnxpb.AttributeProto_INT}, {"largest", onnxpb.AttributeProto_INT},
	{"sorted", onnxpb.AttributeProto_INT}, {"starts", onnxpb.AttributeProto_INTS}, {"ends", onnxpb.AttributeProto_INTS},
	{"shape", onnxpb.AttributeProto_INTS}, {"auto_pad", onnxpb.AttributeProto_STRING}, {"output_padding", onnxpb.AttributeProto_INTS},
	{"output_shape", onnxpb.AttributeProto_INTS}, {"ceil_mode", onnxpb.AttributeProto_INT}, {"count_include_pad", onnxpb.AttributeProto_INT},
	{"p", onnxpb.AttributeProto_INT}, {"upper", onnxpb.AttributeProto_INT}, {"exclusive", onnxpb.AttributeProto_INT},
	{"reverse", onnxpb.AttributeProto_INT}, {"batch_dims", onnxpb.AttributeProto_INT}, {"reduction", onnxpb.AttributeProto_STRING},
	{"direction", onnxpb.AttributeProto_STRING}, {"hidden_size", onnxpb.AttributeProto_INT}, {"equation", onnxpb.AttributeProto_STRING},
	{"select_last_index", onnxpb.AttributeProto_INT}, {"noop_with_empty_axes", onnxpb.AttributeProto_INT}, {"scales", onnxpb.AttributeProto_FLOATS},
	{"num_groups", onnxpb.AttributeProto_INT}, {"transA", onnxpb.AttributeProto_INT}, {"transB", onnxpb.AttributeProto_INT},
	{"coordinate_transformation_mode", onnxpb.AttributeProto_STRING}, {"allowzero", onnxpb.AttributeProto_INT}, {"dtype", onnxpb.AttributeProto_INT},
	{"value", onnxpb.AttributeProto_TENSOR}, {"k", onnxpb.AttributeProto_INT}, {"fmod", onnxpb.AttributeProto_INT},
	{"stash_type", onnxpb.AttributeProto_INT}, {"num_heads", onnxpb.AttributeProto_INT}, {"seed", onnxpb.AttributeProto_FLOAT},
	{"sample_size", onnxpb.AttributeProto_INT}, {"center_point_box", onnxpb.AttributeProto_INT}, {"spatial", onnxpb.AttributeProto_INT},
	{"lambd", onnxpb.AttributeProto_FLOAT}, {"min", onnxpb.AttributeProto_FLOAT}, {"max", onnxpb.AttributeProto_FLOAT},
	{"depth", onnxpb.AttributeProto_INT}, {"extrapolation_value", onnxpb.AttributeProto_FLOAT}, {"cubic_coeff_a", onnxpb.AttributeProto_FLOAT},
	{"activations", onnxpb.AttributeProto_STRINGS}, {"clip", onnxpb.AttributeProto_FLOAT}, {"layout", onnxpb.AttributeProto_INT},
	{"saturate", onnxpb.AttributeProto_INT}, {"interleaved", onnxpb.AttributeProto_INT}, {"rotary_embedding_dim", onnxpb.AttributeProto_INT},
	{"q_num_heads", onnxpb.AttributeProto_INT}, {"kv_num_heads", onnxpb.AttributeProto_INT}, {"kv_num_heads", onnxpb.AttributeProto_INT},
}

// Gen draws degenerate tensors, attributes and nodes.
type Gen struct{ R *rand.Rand }

// New is a generator seeded with seed.
func New(seed uint64) *Gen { return &Gen{R: rand.New(rand.NewPCG(seed, 0xde9e))} }

func (g *Gen) pick(n int) int { return g.R.IntN(n) }

// Int is a degenerate integer, or a small ordinary one half the time.
func (g *Gen) Int() int64 {
	if g.R.IntN(2) == 0 {
		return int64(g.R.IntN(5)) - 1
	}
	return Ints[g.pick(len(Ints))]
}

// Float is a degenerate float, or an ordinary one half the time.
func (g *Gen) Float() float64 {
	if g.R.IntN(2) == 0 {
		return g.R.Float64()*4 - 2
	}
	return Floats[g.pick(len(Floats))]
}

// Shape is a shape from Shapes, sometimes with a huge or negative dim.
func (g *Gen) Shape() []int {
	s := append([]int{}, Shapes[g.pick(len(Shapes))]...)
	return s
}

// Tensor is a small tensor of a degenerate shape, type and contents.
func (g *Gen) Tensor() *tensor.Tensor {
	return g.TensorOf(DTypes[g.pick(len(DTypes))], g.Shape())
}

// TensorOf is a tensor of dt and shape with degenerate contents.
func (g *Gen) TensorOf(dt tensor.DType, shape []int) *tensor.Tensor {
	t := tensor.New(dt, shape)
	switch d := t.Data.(type) {
	case []float32:
		for i := range d {
			d[i] = float32(g.Float())
		}
	case []float64:
		for i := range d {
			d[i] = g.Float()
		}
	case []uint16: // float16 bit patterns
		for i := range d {
			d[i] = uint16(g.R.Uint32())
		}
	case []int64:
		for i := range d {
			d[i] = g.Int()
		}
	case []int32:
		for i := range d {
			d[i] = int32(g.Int())
		}
	case []int8:
		for i := range d {
			d[i] = int8(g.Int())
		}
	case []uint8:
		for i := range d {
			d[i] = uint8(g.Int())
		}
	case []bool:
		for i := range d {
			d[i] = g.R.IntN(2) == 0
		}
	}
	return t
}

// Proto is t as an ONNX initializer named name.
func Proto(name string, t *tensor.Tensor) *onnxpb.TensorProto {
	tp := &onnxpb.TensorProto{Name: name, DataType: int32(t.DType), RawData: t.Bytes()}
	for _, d := range t.Shape {
		tp.Dims = append(tp.Dims, int64(d))
	}
	return tp
}

// Attr is a degenerate attribute of a random name from AttrNames.
func (g *Gen) Attr() *onnxpb.AttributeProto {
	a := AttrNames[g.pick(len(AttrNames))]
	return g.attrOf(a.Name, a.Type)
}

// attrOf is a degenerate attribute name of type typ.
func (g *Gen) attrOf(name string, typ onnxpb.AttributeProto_AttributeType) *onnxpb.AttributeProto {
	p := &onnxpb.AttributeProto{Name: name, Type: typ}
	switch typ {
	case onnxpb.AttributeProto_INT:
		p.I = g.Int()
	case onnxpb.AttributeProto_FLOAT:
		p.F = float32(g.Float())
	case onnxpb.AttributeProto_STRING:
		p.S = []byte(Strings[g.pick(len(Strings))])
	case onnxpb.AttributeProto_INTS:
		for n := g.pick(6); n > 0; n-- {
			p.Ints = append(p.Ints, g.Int())
		}
	case onnxpb.AttributeProto_FLOATS:
		for n := g.pick(6); n > 0; n-- {
			p.Floats = append(p.Floats, float32(g.Float()))
		}
	case onnxpb.AttributeProto_STRINGS:
		for n := g.pick(4); n > 0; n-- {
			p.Strings = append(p.Strings, []byte(Strings[g.pick(len(Strings))]))
		}
	case onnxpb.AttributeProto_TENSOR:
		p.T = Proto("", g.Tensor())
	}
	return p
}

// Node is one node of op (in domain) with 0..5 inputs named in0.. (some
// left out as ""), 1..3 outputs out0.., and 0..4 degenerate attributes;
// inits holds a degenerate tensor for every input named.
func (g *Gen) Node(domain, op string) (n *onnxpb.NodeProto, inits []*onnxpb.TensorProto) {
	n = &onnxpb.NodeProto{OpType: op, Domain: domain, Name: "n"}
	for i, k := 0, g.pick(6); i < k; i++ {
		if i > 0 && g.R.IntN(8) == 0 {
			n.Input = append(n.Input, "")
			continue
		}
		name := fmt.Sprintf("in%d", i)
		n.Input = append(n.Input, name)
		inits = append(inits, Proto(name, g.Tensor()))
	}
	for i, k := 0, 1+g.pick(3); i < k; i++ {
		n.Output = append(n.Output, fmt.Sprintf("out%d", i))
	}
	seen := map[string]bool{}
	for k := g.pick(5); k > 0; k-- {
		a := g.Attr()
		if !seen[a.Name] {
			seen[a.Name] = true
			n.Attribute = append(n.Attribute, a)
		}
	}
	return n, inits
}

// generable are the element types TensorOf fills.
var generable = map[tensor.DType]bool{tensor.Float32: true, tensor.Float16: true, tensor.Int64: true,
	tensor.Int32: true, tensor.Int8: true, tensor.Uint8: true, tensor.Bool: true, tensor.Float64: true}

// NodeFor is Node shaped by op's schema: an input count the schema allows,
// each input of a type it allows (inputs sharing a type parameter of one
// type), attributes drawn from those the schema names as often as from
// the common ones — so the op's implementation, not its schema check, is
// what meets the degenerate shapes and values.
func (g *Gen) NodeFor(s *onnxpb.Schema, domain, op string) (n *onnxpb.NodeProto, inits []*onnxpb.TensorProto) {
	n = &onnxpb.NodeProto{OpType: op, Domain: domain, Name: "n"}
	hi := min(s.MaxIn, s.MinIn+3, 6)
	k := s.MinIn
	if hi > k {
		k += g.pick(hi - k + 1)
	}
	bound := map[string]tensor.DType{}
	for i := 0; i < k; i++ {
		types, param, optional, ok := s.Input(i)
		if !ok {
			break
		}
		if optional && g.R.IntN(4) == 0 {
			n.Input = append(n.Input, "")
			continue
		}
		dt, have := bound[param]
		if !have || param == "" {
			var cands []tensor.DType
			for _, t := range types {
				if generable[t] {
					cands = append(cands, t)
				}
			}
			switch {
			case len(cands) > 0:
				dt = cands[g.pick(len(cands))]
			case len(types) == 0:
				dt = DTypes[g.pick(len(DTypes))]
			default:
				return g.Node(domain, op) // only types we cannot make
			}
			if param != "" {
				bound[param] = dt
			}
		}
		name := fmt.Sprintf("in%d", i)
		n.Input = append(n.Input, name)
		inits = append(inits, Proto(name, g.TensorOf(dt, g.Shape())))
	}
	outs := max(s.MinOut, 1)
	if s.MaxOut > outs && g.R.IntN(2) == 0 {
		outs++
	}
	for i := 0; i < outs; i++ {
		n.Output = append(n.Output, fmt.Sprintf("out%d", i))
	}
	own := s.AttrNames()
	var names []string
	for name := range own {
		names = append(names, name)
	}
	slices.Sort(names)
	seen := map[string]bool{}
	for k := g.pick(5); k > 0; k-- {
		var a *onnxpb.AttributeProto
		if len(names) > 0 && g.R.IntN(3) != 0 {
			name := names[g.pick(len(names))]
			a = g.attrOf(name, own[name])
		} else {
			a = g.Attr()
		}
		if !seen[a.Name] && a.Type != onnxpb.AttributeProto_GRAPH && a.Type != onnxpb.AttributeProto_GRAPHS {
			seen[a.Name] = true
			n.Attribute = append(n.Attribute, a)
		}
	}
	return n, inits
}

// Model wraps node n in a model whose initializers are inits (opset for
// the node's domain; ai.onnx 18 besides), every node output a graph
// output of unknown shape.
func Model(n *onnxpb.NodeProto, inits []*onnxpb.TensorProto, opset int64) *onnxpb.ModelProto {
	g := &onnxpb.GraphProto{Name: "degenerate", Node: []*onnxpb.NodeProto{n}, Initializer: inits}
	for _, o := range n.Output {
		g.Output = append(g.Output, &onnxpb.ValueInfoProto{Name: o})
	}
	ops := []*onnxpb.OperatorSetIdProto{{Domain: "", Version: 18}}
	if n.Domain != "" {
		ops = append(ops, &onnxpb.OperatorSetIdProto{Domain: n.Domain, Version: opset})
	} else {
		ops[0].Version = opset
	}
	return &onnxpb.ModelProto{IrVersion: 8, ProducerName: "degenerate", OpsetImport: ops, Graph: g}
}

// WithInputs turns the first k initializers of m's graph into graph
// inputs of the same type and static shape (their data is dropped), so a
// converter sees run-time values rather than constants to fold.
func WithInputs(m *onnxpb.ModelProto, k int) *onnxpb.ModelProto {
	g := m.Graph
	k = min(k, len(g.Initializer))
	for _, t := range g.Initializer[:k] {
		shape := &onnxpb.TensorShapeProto{}
		for _, d := range t.Dims {
			shape.Dim = append(shape.Dim, &onnxpb.TensorShapeProto_Dimension{Value: &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: d}})
		}
		g.Input = append(g.Input, &onnxpb.ValueInfoProto{Name: t.Name, Type: &onnxpb.TypeProto{Value: &onnxpb.TypeProto_TensorType{
			TensorType: &onnxpb.TypeProto_Tensor{ElemType: t.DataType, Shape: shape}}}})
	}
	g.Initializer = g.Initializer[k:]
	return m
}
