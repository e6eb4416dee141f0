// Command gen writes the project's own small ONNX fixtures into testdata/.
// Run it from the repository root: go run ./testdata/gen
//
// example/tiny_cnn.onnx is the README's example model: a small image
// classifier with a dynamic batch_size input,
//
//	input[batch_size,3,32,32] → Conv 3→8 3×3 pad 1 → Relu → MaxPool 2×2
//	→ Conv 8→16 3×3 stride 2 groups 1 → Clip(0,6) → GlobalAveragePool
//	→ Flatten → Gemm 16→10 → Softmax → probs[batch_size,10]
//
// with deterministic pseudo-random weights, and example/input.npz holds a
// seeded batch of two images (key "in.input") for `webnn-graph run` and
// `verify --inputs`.
package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"

	"google.golang.org/protobuf/proto"

	"github.com/webnn-graph/webnn-graph/onnxpb"
	"github.com/webnn-graph/webnn-graph/tensor"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

// lcg is a tiny deterministic generator so fixtures never change.
type lcg uint64

func (l *lcg) next() float32 {
	*l = *l*6364136223846793005 + 1442695040888963407
	return float32(uint32(*l>>32))/float32(1<<31) - 1 // [-1, 1)
}

func floats(r *lcg, n int, scale float32) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = r.next() * scale
	}
	return v
}

func initializer(name string, dims []int64, vals []float32) *onnxpb.TensorProto {
	return &onnxpb.TensorProto{Name: name, Dims: dims, DataType: int32(tensor.Float32), FloatData: vals}
}

func ints(name string, v ...int64) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: name, Type: onnxpb.AttributeProto_INTS, Ints: v}
}

func intAttr(name string, v int64) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: name, Type: onnxpb.AttributeProto_INT, I: v}
}

func valueInfo(name string, dims ...any) *onnxpb.ValueInfoProto {
	shape := &onnxpb.TensorShapeProto{}
	for _, d := range dims {
		switch d := d.(type) {
		case int:
			shape.Dim = append(shape.Dim, &onnxpb.TensorShapeProto_Dimension{Value: &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: int64(d)}})
		case string:
			shape.Dim = append(shape.Dim, &onnxpb.TensorShapeProto_Dimension{Value: &onnxpb.TensorShapeProto_Dimension_DimParam{DimParam: d}})
		}
	}
	return &onnxpb.ValueInfoProto{Name: name, Type: &onnxpb.TypeProto{Value: &onnxpb.TypeProto_TensorType{
		TensorType: &onnxpb.TypeProto_Tensor{ElemType: int32(tensor.Float32), Shape: shape}}}}
}

func tinyCNN() *onnxpb.ModelProto {
	r := lcg(42)
	g := &onnxpb.GraphProto{Name: "tiny_cnn"}
	g.Initializer = []*onnxpb.TensorProto{
		initializer("conv1.weight", []int64{8, 3, 3, 3}, floats(&r, 8*3*3*3, 0.3)),
		initializer("conv1.bias", []int64{8}, floats(&r, 8, 0.1)),
		initializer("conv2.weight", []int64{16, 8, 3, 3}, floats(&r, 16*8*3*3, 0.2)),
		initializer("conv2.bias", []int64{16}, floats(&r, 16, 0.1)),
		initializer("fc.weight", []int64{10, 16}, floats(&r, 10*16, 1)),
		initializer("fc.bias", []int64{10}, floats(&r, 10, 0.1)),
		initializer("clip.min", nil, []float32{0}),
		initializer("clip.max", nil, []float32{6}),
	}
	node := func(op, name string, in, out []string, attrs ...*onnxpb.AttributeProto) *onnxpb.NodeProto {
		return &onnxpb.NodeProto{OpType: op, Name: name, Input: in, Output: out, Attribute: attrs}
	}
	g.Node = []*onnxpb.NodeProto{
		node("Conv", "/conv1/Conv", []string{"input", "conv1.weight", "conv1.bias"}, []string{"/conv1/Conv_output_0"},
			ints("kernel_shape", 3, 3), ints("pads", 1, 1, 1, 1), ints("strides", 1, 1)),
		node("Relu", "/relu1/Relu", []string{"/conv1/Conv_output_0"}, []string{"/relu1/Relu_output_0"}),
		node("MaxPool", "/pool1/MaxPool", []string{"/relu1/Relu_output_0"}, []string{"/pool1/MaxPool_output_0"},
			ints("kernel_shape", 2, 2), ints("strides", 2, 2)),
		node("Conv", "/conv2/Conv", []string{"/pool1/MaxPool_output_0", "conv2.weight", "conv2.bias"}, []string{"/conv2/Conv_output_0"},
			ints("kernel_shape", 3, 3), ints("pads", 1, 1, 1, 1), ints("strides", 2, 2)),
		node("Clip", "/relu6/Clip", []string{"/conv2/Conv_output_0", "clip.min", "clip.max"}, []string{"/relu6/Clip_output_0"}),
		node("GlobalAveragePool", "/gap/GlobalAveragePool", []string{"/relu6/Clip_output_0"}, []string{"/gap/GlobalAveragePool_output_0"}),
		node("Flatten", "/flatten/Flatten", []string{"/gap/GlobalAveragePool_output_0"}, []string{"/flatten/Flatten_output_0"}, intAttr("axis", 1)),
		node("Gemm", "/fc/Gemm", []string{"/flatten/Flatten_output_0", "fc.weight", "fc.bias"}, []string{"logits"},
			intAttr("transB", 1)),
		node("Softmax", "/softmax/Softmax", []string{"logits"}, []string{"probs"}, intAttr("axis", 1)),
	}
	g.Input = []*onnxpb.ValueInfoProto{valueInfo("input", "batch_size", 3, 32, 32)}
	g.Output = []*onnxpb.ValueInfoProto{valueInfo("probs", "batch_size", 10)}
	return &onnxpb.ModelProto{
		IrVersion:    8,
		ProducerName: "webnn-graph testdata/gen",
		OpsetImport:  []*onnxpb.OperatorSetIdProto{{Domain: "", Version: 17}},
		Graph:        g,
	}
}

func run() error {
	dir := filepath.Join("testdata", "example")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	b, err := proto.Marshal(tinyCNN())
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "tiny_cnn.onnx"), b, 0o644); err != nil {
		return err
	}
	r := lcg(7)
	in := tensor.New(tensor.Float32, []int{2, 3, 32, 32})
	d := in.Data.([]float32)
	for i := range d {
		d[i] = float32(math.Round(float64(r.next())*1000) / 1000)
	}
	return tensor.WriteNPZ(filepath.Join(dir, "input.npz"), []string{"in.input"}, map[string]*tensor.Tensor{"in.input": in})
}
