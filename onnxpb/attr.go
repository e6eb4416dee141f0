package onnxpb

import (
	"fmt"

	"github.com/webnn-graph/webnn-graph/tensor"
)

// Attr returns the attribute called name, or nil when n has none.
func Attr(n *NodeProto, name string) *AttributeProto {
	if n == nil {
		return nil
	}
	for _, a := range n.Attribute {
		if a.GetName() == name {
			return a
		}
	}
	return nil
}

// HasAttr reports whether n carries an attribute called name.
func HasAttr(n *NodeProto, name string) bool { return Attr(n, name) != nil }

// attrIs reports whether a holds a value of type want. Files written
// before the type field existed (IR < 0.0.2) leave it UNDEFINED; those
// are accepted for whichever field is asked for.
func attrIs(a *AttributeProto, want AttributeProto_AttributeType) bool {
	return a != nil && (a.GetType() == want || a.GetType() == AttributeProto_UNDEFINED)
}

// AttrInt returns the INT attribute name of n, or def when it is absent
// or of another type.
func AttrInt(n *NodeProto, name string, def int64) int64 {
	if a := Attr(n, name); attrIs(a, AttributeProto_INT) {
		return a.GetI()
	}
	return def
}

// AttrFloat returns the FLOAT attribute name of n, or def.
func AttrFloat(n *NodeProto, name string, def float32) float32 {
	if a := Attr(n, name); attrIs(a, AttributeProto_FLOAT) {
		return a.GetF()
	}
	return def
}

// AttrString returns the STRING attribute name of n, or def.
func AttrString(n *NodeProto, name string, def string) string {
	if a := Attr(n, name); attrIs(a, AttributeProto_STRING) {
		return string(a.GetS())
	}
	return def
}

// AttrInts returns the INTS attribute name of n, or nil. The slice belongs
// to the proto; callers must not modify it.
func AttrInts(n *NodeProto, name string) []int64 {
	if a := Attr(n, name); attrIs(a, AttributeProto_INTS) {
		return a.GetInts()
	}
	return nil
}

// AttrFloats returns the FLOATS attribute name of n, or nil.
func AttrFloats(n *NodeProto, name string) []float32 {
	if a := Attr(n, name); attrIs(a, AttributeProto_FLOATS) {
		return a.GetFloats()
	}
	return nil
}

// AttrStrings returns the STRINGS attribute name of n, or nil.
func AttrStrings(n *NodeProto, name string) []string {
	if a := Attr(n, name); attrIs(a, AttributeProto_STRINGS) {
		out := make([]string, len(a.GetStrings()))
		for i, s := range a.GetStrings() {
			out[i] = string(s)
		}
		return out
	}
	return nil
}

// AttrTensor returns the TENSOR attribute name of n, or nil.
func AttrTensor(n *NodeProto, name string) *TensorProto {
	if a := Attr(n, name); attrIs(a, AttributeProto_TENSOR) {
		return a.GetT()
	}
	return nil
}

// AttrGraph returns the GRAPH attribute name of n (If branches, Loop and
// Scan bodies), or nil.
func AttrGraph(n *NodeProto, name string) *GraphProto {
	if a := Attr(n, name); attrIs(a, AttributeProto_GRAPH) {
		return a.GetG()
	}
	return nil
}

// ConstantValue returns the value of a Constant node as a tensor proto,
// whichever of the value attributes holds it (value, value_float(s),
// value_int(s), value_string(s)). The result is named after the node's
// output. A sparse_value is refused: the converter has no sparse tensors.
func ConstantValue(n *NodeProto) (*TensorProto, error) {
	if n == nil {
		return nil, fmt.Errorf("onnx: ConstantValue of a nil node")
	}
	name := ""
	if len(n.Output) > 0 {
		name = n.Output[0]
	}
	if len(n.Attribute) != 1 {
		return nil, fmt.Errorf("onnx: node %q (Constant): needs exactly one value attribute, has %d", n.GetName(), len(n.Attribute))
	}
	a := n.Attribute[0]
	var t *TensorProto
	switch a.GetName() {
	case "value":
		if a.GetT() == nil {
			return nil, fmt.Errorf("onnx: node %q (Constant): attribute value holds no tensor", n.GetName())
		}
		return a.GetT(), nil
	case "value_float":
		t = &TensorProto{DataType: int32(tensor.Float32), FloatData: []float32{a.GetF()}}
	case "value_floats":
		t = &TensorProto{DataType: int32(tensor.Float32), Dims: []int64{int64(len(a.GetFloats()))}, FloatData: append([]float32(nil), a.GetFloats()...)}
	case "value_int":
		t = &TensorProto{DataType: int32(tensor.Int64), Int64Data: []int64{a.GetI()}}
	case "value_ints":
		t = &TensorProto{DataType: int32(tensor.Int64), Dims: []int64{int64(len(a.GetInts()))}, Int64Data: append([]int64(nil), a.GetInts()...)}
	case "value_string":
		t = &TensorProto{DataType: int32(tensor.String), StringData: [][]byte{a.GetS()}}
	case "value_strings":
		t = &TensorProto{DataType: int32(tensor.String), Dims: []int64{int64(len(a.GetStrings()))}, StringData: a.GetStrings()}
	case "sparse_value":
		return nil, fmt.Errorf("onnx: node %q (Constant): sparse_value is not supported", n.GetName())
	default:
		return nil, fmt.Errorf("onnx: node %q (Constant): unknown value attribute %q", n.GetName(), a.GetName())
	}
	t.Name = name
	return t, nil
}

// DimProto is one dimension of a value's declared shape.
type DimProto struct {
	Value int64  // the size when Known
	Param string // the symbolic name (dim_param), "" when absent
	Known bool   // dim_value was set to a non-negative number
}

// ValueType returns the element type and declared shape of a tensor-typed
// value. ok is false when vi has no tensor type. dims is nil when the
// shape is absent (rank unknown); a scalar has a non-nil empty dims. A
// dimension with neither value nor param (or a negative value) has
// Known false and Param "".
func ValueType(vi *ValueInfoProto) (dt tensor.DType, dims []DimProto, ok bool) {
	tt := vi.GetType().GetTensorType()
	if tt == nil {
		return tensor.Undefined, nil, false
	}
	dt = tensor.DType(tt.GetElemType())
	shape := tt.GetShape()
	if shape == nil {
		return dt, nil, true
	}
	dims = make([]DimProto, len(shape.GetDim()))
	for i, d := range shape.GetDim() {
		switch v := d.GetValue().(type) {
		case *TensorShapeProto_Dimension_DimValue:
			if v.DimValue >= 0 {
				dims[i] = DimProto{Value: v.DimValue, Known: true}
			}
		case *TensorShapeProto_Dimension_DimParam:
			dims[i] = DimProto{Param: v.DimParam}
		}
	}
	return dt, dims, true
}
