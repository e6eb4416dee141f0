package onnxpb

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
)

// fuzzSeeds are small models covering the decoder's paths: raw and
// typed initializers, external data, subgraphs, Constant nodes.
func fuzzSeeds() [][]byte {
	sub := &GraphProto{Initializer: []*TensorProto{{Name: "s", DataType: 7, Dims: []int64{1}, RawData: make([]byte, 8)}}}
	models := []*ModelProto{
		testModel([]*TensorProto{
			{Name: "r", DataType: 1, Dims: []int64{2}, RawData: f32Bytes(1, 2)},
			{Name: "f", DataType: 1, Dims: []int64{2}, FloatData: []float32{1, 2}},
			{Name: "h", DataType: 10, Dims: []int64{1}, Int32Data: []int32{0x3C00}},
			{Name: "q", DataType: 22, Dims: []int64{3}, RawData: []byte{0xF1, 0x07}},
		}),
		testModel([]*TensorProto{extTensor("e", []int64{2}, "w.bin", 4, 8)}),
		testModel(nil,
			&NodeProto{OpType: "If", Attribute: []*AttributeProto{{Name: "then_branch", Type: AttributeProto_GRAPH, G: sub}}},
			&NodeProto{OpType: "Constant", Output: []string{"c"}, Attribute: []*AttributeProto{{Name: "value_ints", Type: AttributeProto_INTS, Ints: []int64{1, 2}}}},
		),
	}
	var out [][]byte
	for _, mp := range models {
		b, _ := proto.Marshal(mp)
		out = append(out, b)
	}
	return out
}

// FuzzParse feeds arbitrary bytes to Parse and decodes whatever parses:
// no input may panic, every error is one line, and what parses equals
// what proto.Unmarshal makes of the same bytes.
func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(s)
	}
	dir := f.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "w.bin"), f32Bytes(1, 2, 3, 4), 0o644); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse(data, dir)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error %q", err)
			}
			return
		}
		defer m.Close()
		plain := &ModelProto{}
		if err := proto.Unmarshal(data, plain); err != nil {
			t.Fatalf("Parse accepted what proto.Unmarshal refuses: %v", err)
		}
		if !proto.Equal(plain, m.Proto) {
			t.Fatalf("zero-copy decoding differs from proto.Unmarshal")
		}
		var walk func(g *GraphProto, depth int)
		walk = func(g *GraphProto, depth int) {
			if depth > 20 {
				return
			}
			for _, init := range g.GetInitializer() {
				m.RawBytes(init)
				if _, err := m.Tensor(init); err != nil && strings.Contains(err.Error(), "\n") {
					t.Fatalf("multi-line error %q", err)
				}
				DecodeTensor(init, dir)
			}
			for _, vi := range g.GetInput() {
				ValueType(vi)
			}
			for _, n := range g.GetNode() {
				if n.GetOpType() == "Constant" {
					if ct, err := ConstantValue(n); err == nil {
						m.Tensor(ct)
					}
				}
				for _, a := range n.GetAttribute() {
					if a.GetT() != nil {
						m.Tensor(a.GetT())
					}
					if a.GetG() != nil {
						walk(a.GetG(), depth+1)
					}
					for _, sg := range a.GetGraphs() {
						walk(sg, depth+1)
					}
				}
			}
		}
		walk(m.Graph(), 0)
	})
}
