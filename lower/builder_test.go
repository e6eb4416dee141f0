package lower

import (
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/webnn-graph/webnn-graph/onnxpb"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// modelBuilder assembles small ONNX models for tests.
type modelBuilder struct {
	g      *onnxpb.GraphProto
	opset  int64
	extras []*onnxpb.OperatorSetIdProto
}

// domain imports another opset domain (e.g. com.microsoft).
func (b *modelBuilder) domain(name string, version int64) *modelBuilder {
	b.extras = append(b.extras, &onnxpb.OperatorSetIdProto{Domain: name, Version: version})
	return b
}

// msNode adds a node of the com.microsoft domain.
func (b *modelBuilder) msNode(op, name string, ins, outs []string, attrs ...*onnxpb.AttributeProto) *modelBuilder {
	b.node(op, name, ins, outs, attrs...)
	b.g.Node[len(b.g.Node)-1].Domain = "com.microsoft"
	return b
}

func newModel(opset int64) *modelBuilder {
	return &modelBuilder{g: &onnxpb.GraphProto{Name: "test"}, opset: opset}
}

func valueInfo(name string, dt tensor.DType, dims ...any) *onnxpb.ValueInfoProto {
	shape := &onnxpb.TensorShapeProto{}
	for _, d := range dims {
		switch v := d.(type) {
		case int:
			shape.Dim = append(shape.Dim, &onnxpb.TensorShapeProto_Dimension{Value: &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: int64(v)}})
		case string:
			shape.Dim = append(shape.Dim, &onnxpb.TensorShapeProto_Dimension{Value: &onnxpb.TensorShapeProto_Dimension_DimParam{DimParam: v}})
		}
	}
	return &onnxpb.ValueInfoProto{Name: name, Type: &onnxpb.TypeProto{Value: &onnxpb.TypeProto_TensorType{
		TensorType: &onnxpb.TypeProto_Tensor{ElemType: int32(dt), Shape: shape}}}}
}

// input declares a graph input; dims are ints (static) or strings (named).
func (b *modelBuilder) input(name string, dt tensor.DType, dims ...any) *modelBuilder {
	b.g.Input = append(b.g.Input, valueInfo(name, dt, dims...))
	return b
}

func (b *modelBuilder) output(name string, dt tensor.DType, dims ...any) *modelBuilder {
	b.g.Output = append(b.g.Output, valueInfo(name, dt, dims...))
	return b
}

// init adds an initializer stored as raw_data.
func (b *modelBuilder) init(name string, t *tensor.Tensor) *modelBuilder {
	tp := &onnxpb.TensorProto{Name: name, DataType: int32(t.DType), RawData: t.Bytes()}
	for _, d := range t.Shape {
		tp.Dims = append(tp.Dims, int64(d))
	}
	b.g.Initializer = append(b.g.Initializer, tp)
	return b
}

func (b *modelBuilder) node(op, name string, ins, outs []string, attrs ...*onnxpb.AttributeProto) *modelBuilder {
	b.g.Node = append(b.g.Node, &onnxpb.NodeProto{OpType: op, Name: name, Input: ins, Output: outs, Attribute: attrs})
	return b
}

func (b *modelBuilder) build(t *testing.T) *onnxpb.Model {
	t.Helper()
	mp := &onnxpb.ModelProto{IrVersion: 8, Graph: b.g, ProducerName: "lower-test",
		OpsetImport: append([]*onnxpb.OperatorSetIdProto{{Domain: "", Version: b.opset}}, b.extras...)}
	data, err := proto.Marshal(mp)
	if err != nil {
		t.Fatal(err)
	}
	m, err := onnxpb.Parse(data, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func aInt(name string, v int64) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: name, Type: onnxpb.AttributeProto_INT, I: v}
}
func aInts(name string, v ...int64) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: name, Type: onnxpb.AttributeProto_INTS, Ints: v}
}
func aFloat(name string, v float32) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: name, Type: onnxpb.AttributeProto_FLOAT, F: v}
}
func aString(name, v string) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: name, Type: onnxpb.AttributeProto_STRING, S: []byte(v)}
}
func aTensor(name string, t *tensor.Tensor) *onnxpb.AttributeProto {
	tp := &onnxpb.TensorProto{DataType: int32(t.DType), RawData: t.Bytes()}
	for _, d := range t.Shape {
		tp.Dims = append(tp.Dims, int64(d))
	}
	return &onnxpb.AttributeProto{Name: name, Type: onnxpb.AttributeProto_TENSOR, T: tp}
}

func f32(shape []int, vals ...float32) *tensor.Tensor {
	t := tensor.New(tensor.Float32, shape)
	d := t.Data.([]float32)
	for i := range d {
		if len(vals) > 0 {
			d[i] = vals[i%len(vals)]
		} else {
			d[i] = float32(i%7)*0.25 - 0.5
		}
	}
	return t
}

func i64(vals ...int64) *tensor.Tensor {
	return &tensor.Tensor{DType: tensor.Int64, Shape: []int{len(vals)}, Data: vals}
}

func i64Scalar(v int64) *tensor.Tensor {
	return &tensor.Tensor{DType: tensor.Int64, Shape: []int{}, Data: []int64{v}}
}

func strs(s ...string) []string { return s }
