package hostile

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"google.golang.org/protobuf/proto"

	"github.com/webnn-graph/webnn-graph/graph"
	"github.com/webnn-graph/webnn-graph/manifest"
	"github.com/webnn-graph/webnn-graph/onnxpb"
	"github.com/webnn-graph/webnn-graph/tensor"
	"github.com/webnn-graph/webnn-graph/weights"
)

// Small builders for the rows' ONNX models and WebNN graphs. They write
// exactly what a row says, valid or not: no checking here.

// VI is a graph input or output of type dt; dims are ints (static) or
// strings (dim_param).
func VI(name string, dt tensor.DType, dims ...any) *onnxpb.ValueInfoProto {
	shape := &onnxpb.TensorShapeProto{}
	for _, d := range dims {
		switch d := d.(type) {
		case int:
			shape.Dim = append(shape.Dim, &onnxpb.TensorShapeProto_Dimension{Value: &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: int64(d)}})
		case int64:
			shape.Dim = append(shape.Dim, &onnxpb.TensorShapeProto_Dimension{Value: &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: d}})
		case string:
			shape.Dim = append(shape.Dim, &onnxpb.TensorShapeProto_Dimension{Value: &onnxpb.TensorShapeProto_Dimension_DimParam{DimParam: d}})
		default:
			panic(fmt.Sprintf("hostile.VI: dim %v (%T)", d, d))
		}
	}
	return &onnxpb.ValueInfoProto{Name: name, Type: &onnxpb.TypeProto{Value: &onnxpb.TypeProto_TensorType{
		TensorType: &onnxpb.TypeProto_Tensor{ElemType: int32(dt), Shape: shape}}}}
}

// Node is one ONNX node; its name is its first output's.
func Node(op string, in, out []string, attrs ...*onnxpb.AttributeProto) *onnxpb.NodeProto {
	name := op
	if len(out) > 0 {
		name = out[0]
	}
	return &onnxpb.NodeProto{OpType: op, Name: name, Input: in, Output: out, Attribute: attrs}
}

// AttrInt, AttrInts, AttrFloat and AttrTensor are node attributes.
func AttrInt(name string, v int64) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: name, Type: onnxpb.AttributeProto_INT, I: v}
}

func AttrInts(name string, v ...int64) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: name, Type: onnxpb.AttributeProto_INTS, Ints: v}
}

func AttrFloat(name string, v float32) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: name, Type: onnxpb.AttributeProto_FLOAT, F: v}
}

func AttrTensor(name string, t *onnxpb.TensorProto) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: name, Type: onnxpb.AttributeProto_TENSOR, T: t}
}

// Floats is an initializer of float32 values (raw_data).
func Floats(name string, dims []int64, vals []float32) *onnxpb.TensorProto {
	raw := make([]byte, 4*len(vals))
	for i, v := range vals {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(v))
	}
	return &onnxpb.TensorProto{Name: name, Dims: dims, DataType: int32(tensor.Float32), RawData: raw}
}

// Int64s is an initializer of int64 values.
func Int64s(name string, dims []int64, vals []int64) *onnxpb.TensorProto {
	return &onnxpb.TensorProto{Name: name, Dims: dims, DataType: int32(tensor.Int64), Int64Data: vals}
}

// External is an initializer whose bytes are read from location (relative
// to the model directory) at offset, length bytes.
func External(name string, dt tensor.DType, dims []int64, location string, offset, length int64) *onnxpb.TensorProto {
	return &onnxpb.TensorProto{Name: name, Dims: dims, DataType: int32(dt), DataLocation: onnxpb.TensorProto_EXTERNAL,
		ExternalData: []*onnxpb.StringStringEntryProto{
			{Key: "location", Value: location},
			{Key: "offset", Value: strconv.FormatInt(offset, 10)},
			{Key: "length", Value: strconv.FormatInt(length, 10)},
		}}
}

// Opset is the default ai.onnx opset of WriteModel.
const Opset = 17

// WriteModel writes a model of graph g (ai.onnx opset Opset unless opsets
// names others) to path.
func WriteModel(path string, g *onnxpb.GraphProto, opsets ...*onnxpb.OperatorSetIdProto) error {
	if len(opsets) == 0 {
		opsets = []*onnxpb.OperatorSetIdProto{{Domain: "", Version: Opset}}
	}
	if g.Name == "" {
		g.Name = "hostile"
	}
	b, err := proto.Marshal(&onnxpb.ModelProto{IrVersion: 8, ProducerName: "webnn-graph testdata/hostile", OpsetImport: opsets, Graph: g})
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

// WeightLen is the element count of AddModel's weight: 64 float32, so a
// converted graph keeps it in model.weights (not inline @bytes).
const WeightLen = 64

// AddModel writes dir/name: y = x + w with x, y float32[WeightLen] and w
// the initializer given (nil: WeightLen counting floats).
func AddModel(dir, name string, w *onnxpb.TensorProto) error {
	if w == nil {
		vals := make([]float32, WeightLen)
		for i := range vals {
			vals[i] = float32(i)
		}
		w = Floats("w", []int64{WeightLen}, vals)
	}
	g := &onnxpb.GraphProto{
		Node:        []*onnxpb.NodeProto{Node("Add", []string{"x", w.Name}, []string{"y"})},
		Input:       []*onnxpb.ValueInfoProto{VI("x", tensor.Float32, WeightLen)},
		Output:      []*onnxpb.ValueInfoProto{VI("y", tensor.Float32, WeightLen)},
		Initializer: []*onnxpb.TensorProto{w},
	}
	return WriteModel(filepath.Join(dir, name), g)
}

// AddGraphText is the WebNN text of AddModel's conversion: y = x + w with
// w in model.weights.
const AddGraphText = `webnn_graph "add" v2 {
  inputs {
    x: f32[64];
  }

  consts {
    w: f32[64] @weights("w");
  }

  nodes {
    y = add(x, w);
  }

  outputs {
    y;
  }
}
`

// AddGraph writes dir/model.webnn (AddGraphText), dir/model.weights and
// dir/manifest.json holding w = 0, 1, ... 63.
func AddGraph(dir string) error {
	if err := os.WriteFile(filepath.Join(dir, "model.webnn"), []byte(AddGraphText), 0o644); err != nil {
		return err
	}
	return AddWeights(filepath.Join(dir, "model.weights"), filepath.Join(dir, "manifest.json"))
}

// AddWeights writes AddGraph's weights file and manifest at the paths given.
func AddWeights(weightsPath, manifestPath string) error {
	w, err := weights.NewWriter(weightsPath)
	if err != nil {
		return err
	}
	vals := make([]byte, 4*WeightLen)
	for i := 0; i < WeightLen; i++ {
		binary.LittleEndian.PutUint32(vals[4*i:], math.Float32bits(float32(i)))
	}
	d := graph.Desc{DType: tensor.Float32, Shape: []graph.Dim{{Size: WeightLen}}}
	if err := w.Add("w", d, vals); err != nil {
		w.Abort()
		return err
	}
	m, err := w.Finish()
	if err != nil {
		return err
	}
	return m.WriteFile(manifestPath)
}

// AddInputs writes dir/name: an npz holding x (float32[WeightLen], ones).
func AddInputs(dir, name string) error {
	x := tensor.New(tensor.Float32, []int{WeightLen})
	for i, d := 0, x.Data.([]float32); i < len(d); i++ {
		d[i] = 1
	}
	return tensor.WriteNPZ(filepath.Join(dir, name), []string{"x"}, map[string]*tensor.Tensor{"x": x})
}

// Symlink is os.Symlink, ErrUnsupported where links cannot be made.
func Symlink(target, link string) error {
	if err := os.Symlink(target, link); err != nil {
		return fmt.Errorf("%w: symlink: %v", ErrUnsupported, err)
	}
	return nil
}

// WriteSecretCopy is a helper for rows that need the secret at another
// place beside the model directory (never inside it).
func WriteSecretCopy(path string) error { return os.WriteFile(path, Secret, 0o644) }

// PinGraph makes dir's manifest.json pin dir/model.webnn and
// dir/model.weights as convert does (size and SHA-256; for the weights
// the digest its WGWT header records).
func PinGraph(dir string) error {
	mp := filepath.Join(dir, "manifest.json")
	m, err := manifest.Read(mp)
	if err != nil {
		return err
	}
	text, err := os.ReadFile(filepath.Join(dir, "model.webnn"))
	if err != nil {
		return err
	}
	w, err := os.ReadFile(filepath.Join(dir, "model.weights"))
	if err != nil {
		return err
	}
	if len(w) < weights.DataStart {
		return fmt.Errorf("PinGraph: model.weights has no header")
	}
	ts := sha256.Sum256(text)
	m.Files = map[string]manifest.FilePin{
		"model.webnn":   {ByteLength: int64(len(text)), SHA256: hex.EncodeToString(ts[:])},
		"model.weights": {ByteLength: int64(len(w)), SHA256: hex.EncodeToString(w[weights.DigestOffset : weights.DigestOffset+32])},
	}
	b, err := m.Marshal()
	if err != nil {
		return err
	}
	return os.WriteFile(mp, b, 0o644)
}
