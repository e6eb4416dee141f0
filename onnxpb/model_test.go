package onnxpb

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/webnn-graph/webnn-graph/tensor"
	"google.golang.org/protobuf/proto"
)

// f32Bytes is the little-endian encoding of vs.
func f32Bytes(vs ...float32) []byte {
	b := make([]byte, 4*len(vs))
	for i, v := range vs {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
	}
	return b
}

func kv(k, v string) *StringStringEntryProto { return &StringStringEntryProto{Key: k, Value: v} }

// extTensor is a float32 tensor stored in file loc at offset.
func extTensor(name string, dims []int64, loc string, offset, length int) *TensorProto {
	return &TensorProto{
		Name: name, DataType: int32(tensor.Float32), Dims: dims,
		DataLocation: TensorProto_EXTERNAL,
		ExternalData: []*StringStringEntryProto{
			kv("location", loc), kv("offset", strconv.Itoa(offset)), kv("length", strconv.Itoa(length)),
		},
	}
}

// testModel wraps initializers (and optional nodes) into a model.
func testModel(inits []*TensorProto, nodes ...*NodeProto) *ModelProto {
	return &ModelProto{
		IrVersion:   8,
		OpsetImport: []*OperatorSetIdProto{{Domain: "", Version: 17}},
		Graph: &GraphProto{
			Name: "g", Initializer: inits, Node: nodes,
			Input: []*ValueInfoProto{{Name: "x", Type: &TypeProto{Value: &TypeProto_TensorType{TensorType: &TypeProto_Tensor{
				ElemType: int32(tensor.Float32),
				Shape: &TensorShapeProto{Dim: []*TensorShapeProto_Dimension{
					{Value: &TensorShapeProto_Dimension_DimParam{DimParam: "batch_size"}},
					{Value: &TensorShapeProto_Dimension_DimValue{DimValue: 3}},
					{},
				}},
			}}}}},
		},
	}
}

// writeModel marshals mp into dir/name and writes the given side files.
func writeModel(t *testing.T, dir, name string, mp *ModelProto, files map[string][]byte) string {
	t.Helper()
	b, err := proto.Marshal(mp)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	for f, data := range files {
		fp := filepath.Join(dir, f)
		if err := os.MkdirAll(filepath.Dir(fp), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(fp, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

// TestExternalData loads a model whose weights sit in several external
// files (one in a subdirectory), and checks that each external tensor
// decodes exactly like the same tensor stored inline, that RawBytes
// aliases the mapping, and that each file is mapped once.
func TestExternalData(t *testing.T) {
	dir := t.TempDir()
	a := append(f32Bytes(1, 2, 3, 4, 5, 6), f32Bytes(-1.5, 0.25)...)
	b := append([]byte{0xAA, 0xBB, 0xCC}, f32Bytes(7, 8, 9)...) // odd offset on purpose
	ext := []*TensorProto{
		extTensor("w0", []int64{2, 3}, "a.bin", 0, 24),
		extTensor("w1", []int64{2}, "a.bin", 24, 8),
		extTensor("w2", []int64{3}, "sub/b.bin", 3, 12),
	}
	// No length: the rest of the file.
	noLen := extTensor("w3", []int64{3}, "sub/b.bin", 3, 0)
	noLen.ExternalData = noLen.ExternalData[:2]
	ext = append(ext, noLen)
	inline := []*TensorProto{
		{Name: "w0", DataType: 1, Dims: []int64{2, 3}, RawData: f32Bytes(1, 2, 3, 4, 5, 6)},
		{Name: "w1", DataType: 1, Dims: []int64{2}, FloatData: []float32{-1.5, 0.25}},
		{Name: "w2", DataType: 1, Dims: []int64{3}, RawData: f32Bytes(7, 8, 9)},
		{Name: "w3", DataType: 1, Dims: []int64{3}, FloatData: []float32{7, 8, 9}},
	}
	extPath := writeModel(t, dir, "ext.onnx", testModel(ext), map[string][]byte{"a.bin": a, "sub/b.bin": b})
	inPath := writeModel(t, dir, "inline.onnx", testModel(inline), nil)

	me, err := Load(extPath)
	if err != nil {
		t.Fatal(err)
	}
	defer me.Close()
	mi, err := Load(inPath)
	if err != nil {
		t.Fatal(err)
	}
	defer mi.Close()
	for i, te := range me.Graph().GetInitializer() {
		ti := mi.Graph().GetInitializer()[i]
		got, err := me.Tensor(te)
		if err != nil {
			t.Fatalf("external %s: %v", te.GetName(), err)
		}
		want, err := mi.Tensor(ti)
		if err != nil {
			t.Fatalf("inline %s: %v", ti.GetName(), err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: external %v %v, inline %v %v", te.GetName(), got, got.Data, want, want.Data)
		}
		dec, err := DecodeTensor(te, dir)
		if err != nil {
			t.Fatalf("DecodeTensor %s: %v", te.GetName(), err)
		}
		if !reflect.DeepEqual(dec, want) {
			t.Errorf("DecodeTensor %s: %v, want %v", te.GetName(), dec.Data, want.Data)
		}
		raw, err := me.RawBytes(te)
		if err != nil {
			t.Fatal(err)
		}
		f := me.maps[filepath.Clean(externalLocation(te))]
		if f == nil || !within(raw, f.data) {
			t.Errorf("%s: RawBytes does not alias the mapping of its file", te.GetName())
		}
	}
	if len(me.maps) != 2 {
		t.Errorf("mapped %d files, want 2", len(me.maps))
	}
	// Inline raw_data aliases the mapped model file.
	raw, err := mi.RawBytes(mi.Graph().GetInitializer()[0])
	if err != nil {
		t.Fatal(err)
	}
	if !within(raw, mi.modelMM) {
		t.Errorf("inline raw_data does not alias the mapped model file")
	}
	// After Close nothing hands out unmapped memory.
	me.Close()
	mi.Close()
	for _, m := range []*Model{me, mi} {
		if _, err := m.RawBytes(m.Graph().GetInitializer()[0]); err == nil || !strings.Contains(err.Error(), "closed") {
			t.Errorf("RawBytes after Close: %v, want a 'closed' error", err)
		}
	}
}

func externalLocation(t *TensorProto) string {
	for _, e := range t.GetExternalData() {
		if e.GetKey() == "location" {
			return e.GetValue()
		}
	}
	return ""
}

// TestExternalErrors checks that every malformed external reference is
// refused with an error naming the tensor and the problem.
func TestExternalErrors(t *testing.T) {
	data := f32Bytes(1, 2, 3, 4)
	tests := []struct {
		name string
		t    *TensorProto
		want string
	}{
		{"missing file", extTensor("w", []int64{4}, "nope.bin", 0, 16), `tensor "w": external data "nope.bin": file does not exist`},
		{"offset beyond", extTensor("w", []int64{1}, "d.bin", 20, 4), `tensor "w": external data offset 20 beyond end of`},
		{"length beyond", extTensor("w", []int64{4}, "d.bin", 4, 16), `tensor "w": external data offset 4 + length 16 beyond end of`},
		{"size mismatch", extTensor("w", []int64{3}, "d.bin", 0, 16), `tensor "w": float32[3] needs 12 bytes, data has 16`},
		{"escapes dir", extTensor("w", []int64{4}, "../d.bin", 0, 16), `external data "../d.bin": outside the model directory`},
		{"absolute", extTensor("w", []int64{4}, "/etc/passwd", 0, 16), `external data "/etc/passwd": outside the model directory`},
		{"no location", extTensor("w", []int64{4}, "", 0, 16), `tensor "w": external data has no location`},
		{"bad offset", &TensorProto{Name: "w", DataType: 1, Dims: []int64{4}, DataLocation: TensorProto_EXTERNAL,
			ExternalData: []*StringStringEntryProto{kv("location", "d.bin"), kv("offset", "-4")}}, `external data offset "-4" is not a non-negative integer`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			p := writeModel(t, dir, "m.onnx", testModel([]*TensorProto{tc.t}), map[string][]byte{"d.bin": data})
			m, err := Load(p)
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			_, err = m.Tensor(m.Graph().GetInitializer()[0])
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Tensor: %v, want error containing %q", err, tc.want)
			}
			_, err = DecodeTensor(tc.t, dir)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("DecodeTensor: %v, want error containing %q", err, tc.want)
			}
		})
	}
}

// TestLoadErrors checks the one-line errors for files that are not
// loadable models.
func TestLoadErrors(t *testing.T) {
	good, err := proto.Marshal(testModel([]*TensorProto{{Name: "w", DataType: 1, Dims: []int64{64}, RawData: make([]byte, 256)}}))
	if err != nil {
		t.Fatal(err)
	}
	ir2 := testModel(nil)
	ir2.IrVersion = 2
	noGraph := testModel(nil)
	noGraph.Graph = nil
	sparse := testModel(nil)
	sparse.Graph.SparseInitializer = []*SparseTensorProto{{Values: &TensorProto{Name: "sp", DataType: 1}}}
	sub := testModel(nil, &NodeProto{OpType: "If", Attribute: []*AttributeProto{{
		Name: "then_branch", Type: AttributeProto_GRAPH,
		G: &GraphProto{SparseInitializer: []*SparseTensorProto{{Values: &TensorProto{Name: "inner"}}}},
	}}})
	dupOpset := testModel(nil)
	dupOpset.OpsetImport = append(dupOpset.OpsetImport, &OperatorSetIdProto{Domain: "ai.onnx", Version: 13})
	marshal := func(mp *ModelProto) []byte {
		b, err := proto.Marshal(mp)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"truncated", good[:len(good)-100], "onnx: m.onnx: not an ONNX model: proto: cannot parse invalid wire-format data"},
		{"text", []byte("hello, this is not a model\n"), "onnx: m.onnx: not an ONNX model:"},
		{"empty", nil, "onnx: m.onnx: not an ONNX model: no ir_version and no graph"},
		{"IR version 2", marshal(ir2), "onnx: m.onnx: IR version 2 is not supported (need 3 or later)"},
		{"no graph", marshal(noGraph), "onnx: m.onnx: model has no graph"},
		{"sparse initializer", marshal(sparse), `onnx: m.onnx: sparse initializer "sp" is not supported`},
		{"sparse in subgraph", marshal(sub), `onnx: m.onnx: sparse initializer "inner" is not supported`},
		{"conflicting opsets", marshal(dupOpset), `opset for domain "ai.onnx" imported twice (versions 17 and 13)`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			p := filepath.Join(dir, "m.onnx")
			if err := os.WriteFile(p, tc.data, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Chdir(dir)
			m, err := Load("m.onnx")
			if err == nil {
				m.Close()
				t.Fatalf("Load succeeded, want error containing %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("Load: %q, want one line containing %q", err, tc.want)
			}
			if _, err := Parse(tc.data, dir); err == nil {
				t.Errorf("Parse succeeded")
			}
		})
	}
	if _, err := Load(filepath.Join(t.TempDir(), "absent.onnx")); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("Load of a missing file: %v", err)
	}
}

// TestOpsets checks the domain → version map.
func TestOpsets(t *testing.T) {
	mp := testModel(nil)
	mp.OpsetImport = []*OperatorSetIdProto{{Domain: "ai.onnx", Version: 13}, {Domain: "com.microsoft", Version: 1}, {Domain: "", Version: 13}}
	b, _ := proto.Marshal(mp)
	m, err := Parse(b, "")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{"": 13, "com.microsoft": 1}
	if !reflect.DeepEqual(m.Opsets, want) {
		t.Errorf("Opsets = %v, want %v", m.Opsets, want)
	}
}

// TestSubgraphInitializers checks that tensors inside If branches and
// node attributes are decoded zero-copy like top-level initializers.
func TestSubgraphInitializers(t *testing.T) {
	inner := &TensorProto{Name: "inner", DataType: 1, Dims: []int64{2}, RawData: f32Bytes(3, 4)}
	attrT := &TensorProto{Name: "c", DataType: 1, Dims: []int64{1}, RawData: f32Bytes(9)}
	mp := testModel(nil,
		&NodeProto{OpType: "If", Name: "if", Attribute: []*AttributeProto{
			{Name: "then_branch", Type: AttributeProto_GRAPH, G: &GraphProto{Initializer: []*TensorProto{inner}}},
			{Name: "else_branch", Type: AttributeProto_GRAPH, G: &GraphProto{Node: []*NodeProto{{
				OpType: "Loop", Attribute: []*AttributeProto{{Name: "body", Type: AttributeProto_GRAPH,
					G: &GraphProto{Initializer: []*TensorProto{{Name: "deep", DataType: 7, Dims: []int64{1}, RawData: []byte{5, 0, 0, 0, 0, 0, 0, 0}}}}}},
			}}}},
		}},
		&NodeProto{OpType: "Constant", Output: []string{"c"}, Attribute: []*AttributeProto{{Name: "value", Type: AttributeProto_TENSOR, T: attrT}}},
	)
	p := writeModel(t, t.TempDir(), "m.onnx", mp, nil)
	m, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	g := m.Graph()
	thenG := AttrGraph(g.Node[0], "then_branch")
	deepG := AttrGraph(AttrGraph(g.Node[0], "else_branch").Node[0], "body")
	cv, err := ConstantValue(g.Node[1])
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		t    *TensorProto
		want any
	}{
		{thenG.Initializer[0], []float32{3, 4}},
		{deepG.Initializer[0], []int64{5}},
		{cv, []float32{9}},
	}
	for _, tc := range tests {
		raw, err := m.RawBytes(tc.t)
		if err != nil {
			t.Fatal(err)
		}
		if !within(raw, m.modelMM) {
			t.Errorf("%s: RawBytes does not alias the model file", tc.t.GetName())
		}
		tt, err := m.Tensor(tc.t)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(tt.Data, tc.want) {
			t.Errorf("%s = %v, want %v", tc.t.GetName(), tt.Data, tc.want)
		}
	}
	if len(m.aliased) != 3 {
		t.Errorf("%d aliased tensors, want 3", len(m.aliased))
	}
}

// TestValueType checks the element type and dims of a declared input.
func TestValueType(t *testing.T) {
	mp := testModel(nil)
	dt, dims, ok := ValueType(mp.Graph.Input[0])
	want := []DimProto{{Param: "batch_size"}, {Value: 3, Known: true}, {}}
	if !ok || dt != tensor.Float32 || !reflect.DeepEqual(dims, want) {
		t.Errorf("ValueType = %v %v %v, want float32 %v true", dt, dims, ok, want)
	}
	noShape := &ValueInfoProto{Type: &TypeProto{Value: &TypeProto_TensorType{TensorType: &TypeProto_Tensor{ElemType: 7}}}}
	if dt, dims, ok := ValueType(noShape); !ok || dt != tensor.Int64 || dims != nil {
		t.Errorf("ValueType(no shape) = %v %v %v, want int64 nil true", dt, dims, ok)
	}
	scalar := &ValueInfoProto{Type: &TypeProto{Value: &TypeProto_TensorType{TensorType: &TypeProto_Tensor{ElemType: 1, Shape: &TensorShapeProto{}}}}}
	if _, dims, ok := ValueType(scalar); !ok || dims == nil || len(dims) != 0 {
		t.Errorf("ValueType(scalar) dims = %#v, want empty non-nil", dims)
	}
	seq := &ValueInfoProto{Type: &TypeProto{Value: &TypeProto_SequenceType{SequenceType: &TypeProto_Sequence{}}}}
	if _, _, ok := ValueType(seq); ok {
		t.Errorf("ValueType(sequence) ok = true")
	}
	if _, _, ok := ValueType(&ValueInfoProto{}); ok {
		t.Errorf("ValueType(untyped) ok = true")
	}
}

// TestAttrs checks the attribute helpers, including the defaults for
// absent attributes and attributes of another type.
func TestAttrs(t *testing.T) {
	n := &NodeProto{Attribute: []*AttributeProto{
		{Name: "i", Type: AttributeProto_INT, I: 7},
		{Name: "f", Type: AttributeProto_FLOAT, F: 0.5},
		{Name: "s", Type: AttributeProto_STRING, S: []byte("SAME_UPPER")},
		{Name: "is", Type: AttributeProto_INTS, Ints: []int64{1, 2}},
		{Name: "fs", Type: AttributeProto_FLOATS, Floats: []float32{1.5}},
		{Name: "ss", Type: AttributeProto_STRINGS, Strings: [][]byte{[]byte("a"), []byte("b")}},
		{Name: "t", Type: AttributeProto_TENSOR, T: &TensorProto{Name: "tt"}},
		{Name: "g", Type: AttributeProto_GRAPH, G: &GraphProto{Name: "gg"}},
		{Name: "old", I: 3}, // no type field (pre-IR-3 writers)
	}}
	tests := []struct {
		name string
		got  any
		want any
	}{
		{"AttrInt", AttrInt(n, "i", -1), int64(7)},
		{"AttrInt absent", AttrInt(n, "x", -1), int64(-1)},
		{"AttrInt wrong type", AttrInt(n, "f", -1), int64(-1)},
		{"AttrInt untyped", AttrInt(n, "old", -1), int64(3)},
		{"AttrFloat", AttrFloat(n, "f", 1), float32(0.5)},
		{"AttrFloat absent", AttrFloat(n, "x", 1), float32(1)},
		{"AttrString", AttrString(n, "s", "NOTSET"), "SAME_UPPER"},
		{"AttrString absent", AttrString(n, "x", "NOTSET"), "NOTSET"},
		{"AttrInts", AttrInts(n, "is"), []int64{1, 2}},
		{"AttrInts absent", AttrInts(n, "x") == nil, true},
		{"AttrFloats", AttrFloats(n, "fs"), []float32{1.5}},
		{"AttrStrings", AttrStrings(n, "ss"), []string{"a", "b"}},
		{"AttrTensor", AttrTensor(n, "t").GetName(), "tt"},
		{"AttrTensor absent", AttrTensor(n, "x") == nil, true},
		{"AttrGraph", AttrGraph(n, "g").GetName(), "gg"},
		{"AttrGraph wrong type", AttrGraph(n, "t") == nil, true},
		{"HasAttr", HasAttr(n, "is"), true},
		{"HasAttr absent", HasAttr(n, "x"), false},
		{"Attr", Attr(n, "f").GetF(), float32(0.5)},
		{"nil node", AttrInt(nil, "i", 4), int64(4)},
	}
	for _, tc := range tests {
		if !reflect.DeepEqual(tc.got, tc.want) {
			t.Errorf("%s = %#v, want %#v", tc.name, tc.got, tc.want)
		}
	}
}

// TestConstantValue checks every value attribute of Constant.
func TestConstantValue(t *testing.T) {
	node := func(a *AttributeProto) *NodeProto {
		return &NodeProto{Name: "k", OpType: "Constant", Output: []string{"out"}, Attribute: []*AttributeProto{a}}
	}
	tests := []struct {
		name  string
		n     *NodeProto
		shape []int
		want  any
		err   string
	}{
		{"value", node(&AttributeProto{Name: "value", Type: AttributeProto_TENSOR, T: &TensorProto{DataType: 7, Dims: []int64{2}, Int64Data: []int64{4, 5}}}), []int{2}, []int64{4, 5}, ""},
		{"value_float", node(&AttributeProto{Name: "value_float", Type: AttributeProto_FLOAT, F: 2.5}), []int{}, []float32{2.5}, ""},
		{"value_floats", node(&AttributeProto{Name: "value_floats", Type: AttributeProto_FLOATS, Floats: []float32{1, 2, 3}}), []int{3}, []float32{1, 2, 3}, ""},
		{"value_int", node(&AttributeProto{Name: "value_int", Type: AttributeProto_INT, I: -9}), []int{}, []int64{-9}, ""},
		{"value_ints", node(&AttributeProto{Name: "value_ints", Type: AttributeProto_INTS, Ints: []int64{0, 1}}), []int{2}, []int64{0, 1}, ""},
		{"value_string", node(&AttributeProto{Name: "value_string", Type: AttributeProto_STRING, S: []byte("hi")}), []int{}, []string{"hi"}, ""},
		{"value_strings", node(&AttributeProto{Name: "value_strings", Type: AttributeProto_STRINGS, Strings: [][]byte{[]byte("a")}}), []int{1}, []string{"a"}, ""},
		{"sparse_value", node(&AttributeProto{Name: "sparse_value", Type: AttributeProto_SPARSE_TENSOR, SparseTensor: &SparseTensorProto{}}), nil, nil, `node "k" (Constant): sparse_value is not supported`},
		{"none", &NodeProto{Name: "k", OpType: "Constant"}, nil, nil, "needs exactly one value attribute, has 0"},
		{"unknown", node(&AttributeProto{Name: "valu", Type: AttributeProto_INT}), nil, nil, `unknown value attribute "valu"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tp, err := ConstantValue(tc.n)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt, err := DecodeTensor(tp, "")
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(tt.Data, tc.want) || !reflect.DeepEqual(tt.Shape, tc.shape) {
				t.Errorf("got %v %#v, want %v %#v", tt.Shape, tt.Data, tc.shape, tc.want)
			}
		})
	}
}

// TestConcurrentRawBytes fetches external tensors from several
// goroutines at once (files are mapped lazily under the model's lock);
// run with -race.
func TestConcurrentRawBytes(t *testing.T) {
	dir := t.TempDir()
	var inits []*TensorProto
	files := map[string][]byte{}
	for i := range 4 {
		loc := "d" + strconv.Itoa(i) + ".bin"
		files[loc] = f32Bytes(float32(i), float32(i+1))
		inits = append(inits, extTensor("w"+strconv.Itoa(i), []int64{2}, loc, 0, 8))
	}
	m, err := Load(writeModel(t, dir, "m.onnx", testModel(inits), files))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			for i, init := range m.Graph().GetInitializer() {
				tt, err := m.Tensor(init)
				if err == nil && !reflect.DeepEqual(tt.Data, []float32{float32(i), float32(i + 1)}) {
					err = fmt.Errorf("%s = %v", init.GetName(), tt.Data)
				}
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if len(m.maps) != 4 {
		t.Errorf("mapped %d files, want 4", len(m.maps))
	}
}
