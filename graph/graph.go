// Package graph is the WebNN graph IR that every stage shares: lower/
// builds it, emit/ prints and parses it (text and JSON), weights/ and
// manifest/ store its constants, and runtime/ executes it.
//
// It mirrors the Rust webnn-graph AST (GraphJson) so that the text form,
// the JSON form and this struct convert into each other without loss:
// inputs, consts, nodes (spec op names, positional operand inputs, an
// options dictionary) and named outputs. Intermediate operands carry no
// declared shape or type; a reader infers them, as rustnn does.
package graph

import (
	"github.com/webnn-graph/webnn-graph/internal/checked"

	"fmt"
	"strings"

	"github.com/webnn-graph/webnn-graph/tensor"
)

// Dim is one dimension of an operand shape: a static size, or a dynamic
// dimension {Name, MaxSize}. Dynamic dims are declared on graph inputs;
// inside node options (reshape newShape, expand newShape, slice sizes) Name
// may also be an expression over input dim names such as
// "past_sequence_length + sequence_length".
type Dim struct {
	Size    int64  // static size; unused when Name != ""
	Name    string // dynamic dimension name or expression
	MaxSize int64  // upper bound of a dynamic dimension
}

// Static returns a static dimension.
func Static(n int64) Dim { return Dim{Size: n} }

// Dynamic returns a dynamic dimension with a bound.
func Dynamic(name string, max int64) Dim { return Dim{Name: name, MaxSize: max} }

// IsDynamic reports whether d is a named dynamic dimension.
func (d Dim) IsDynamic() bool { return d.Name != "" }

// Bound is the static size, or MaxSize for a dynamic dim.
func (d Dim) Bound() int64 {
	if d.IsDynamic() {
		return d.MaxSize
	}
	return d.Size
}

func (d Dim) String() string {
	if d.IsDynamic() {
		return fmt.Sprintf("dyn(%q, %d)", d.Name, d.MaxSize)
	}
	return fmt.Sprint(d.Size)
}

// Desc is an operand descriptor: data type and shape.
type Desc struct {
	DType tensor.DType
	Shape []Dim
}

// StaticShape returns the shape as ints, or false when a dim is dynamic.
func (d Desc) StaticShape() ([]int, bool) {
	s := make([]int, len(d.Shape))
	for i, x := range d.Shape {
		if x.IsDynamic() {
			return nil, false
		}
		s[i] = int(x.Size)
	}
	return s, true
}

// HasDynamic reports whether any dim is dynamic.
func (d Desc) HasDynamic() bool {
	for _, x := range d.Shape {
		if x.IsDynamic() {
			return true
		}
	}
	return false
}

// NumElements is the element count of a static shape (max bound for
// dynamic dims), or -1 when a dim is negative or the count overflows int64.
func (d Desc) NumElements() int64 {
	dims := make([]int64, len(d.Shape))
	for i, x := range d.Shape {
		dims[i] = x.Bound()
	}
	n, ok := checked.Product(dims)
	if !ok {
		return -1
	}
	return n
}

// ByteLength is NumElements × element size (int4/uint4: one byte each), or
// -1 when that overflows int64 or a dim is negative.
func (d Desc) ByteLength() int64 {
	n := d.NumElements()
	if n < 0 {
		return -1
	}
	b, ok := checked.Mul(n, int64(d.DType.Size()))
	if !ok {
		return -1
	}
	return b
}

// PackedByteLength is the size of d's data with int4/uint4 elements two to
// a byte (low nibble first, as WebNN's int4/uint4 constants are laid out
// in browsers); ByteLength for every other type.
func (d Desc) PackedByteLength() int64 {
	if d.DType == tensor.Int4 || d.DType == tensor.Uint4 {
		n := d.NumElements()
		if n < 0 {
			return -1
		}
		return n/2 + n%2
	}
	return d.ByteLength()
}

// DataLenOK reports whether n bytes hold d's data in a weights file:
// ByteLength, or for int4/uint4 also PackedByteLength (a reader tells the
// two apart by the length; for one element they are the same byte).
func (d Desc) DataLenOK(n int64) bool {
	return n >= 0 && (n == d.ByteLength() || n == d.PackedByteLength())
}

func (d Desc) String() string {
	parts := make([]string, len(d.Shape))
	for i, x := range d.Shape {
		parts[i] = x.String()
	}
	return d.DType.Short() + "[" + strings.Join(parts, ", ") + "]"
}

// Input is a graph input.
type Input struct {
	Name    string
	Desc    Desc
	Comment string // e.g. the original ONNX name; printed as a # comment
}

// ConstKind says where a constant's bytes come from.
type ConstKind int

const (
	ConstWeights ConstKind = iota // @weights("ref"): bytes in the weights file
	ConstScalar                   // @scalar(v): every element equals Scalar
	ConstBytes                    // @bytes([...]): inline little-endian bytes
)

// Const is a graph constant.
type Const struct {
	Name    string
	Desc    Desc // always static
	Kind    ConstKind
	Ref     string // weights key, for ConstWeights
	Scalar  Number // for ConstScalar
	Bytes   []byte // for ConstBytes
	Comment string
}

// Number is a numeric literal kept as its decimal text, so integers beyond
// 2^53 and exact float spellings survive parse → print. It is always a
// plain decimal such as "1", "-0.5" or "1e-05".
type Number string

// Node is one WebNN operation.
type Node struct {
	ID      string         // the node id; also the operand it defines when Outputs is nil
	Op      string         // WebNN MLGraphBuilder method name (spec spelling)
	Inputs  []string       // positional operand inputs
	Options map[string]any // named arguments and options; see Value
	Outputs []string       // operands defined, when there are several (or written [a] = ...)
	Comment string
}

// OutputNames returns the operands this node defines: Outputs, else [ID].
func (n *Node) OutputNames() []string {
	if n.Outputs != nil {
		return n.Outputs
	}
	return []string{n.ID}
}

// Output binds a graph output name to an operand. The text form can only
// express Name == Operand; the JSON form can differ.
type Output struct {
	Name    string
	Operand string
}

// Graph is a whole WebNN graph.
type Graph struct {
	Name      string
	Version   int // 1, or 2 when an input has a dynamic dim
	Quantized bool
	Inputs    []Input
	Consts    []Const
	Nodes     []Node
	Outputs   []Output
}

// Value documents the Go types allowed in Node.Options (JSON-like):
//
//	int64, float64 (written as plain decimals), Number (exact literal),
//	bool, string, nil, []any, map[string]any.
//
// Dynamic dims inside options are map[string]any{"name": …, "maxSize": int64}.
type Value = any

// WeightSource resolves a @weights ref to its raw little-endian bytes.
type WeightSource interface {
	WeightBytes(ref string) ([]byte, error)
}
