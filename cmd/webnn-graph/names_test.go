package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/webnn-graph/webnn-graph/manifest"
	"github.com/webnn-graph/webnn-graph/onnxpb"
	"github.com/webnn-graph/webnn-graph/tensor"
	"github.com/webnn-graph/webnn-graph/testdata/hostile"
)

// TestConvertedNames converts a model whose inputs "a.b" and "a_b"
// sanitise alike and checks that manifest.json records the map, and that
// run on the converted graph binds each npz key to the input it names and
// writes the output under its ONNX name, the same way every time.
func TestConvertedNames(t *testing.T) {
	dir := t.TempDir()
	g := &onnxpb.GraphProto{
		Node:   []*onnxpb.NodeProto{hostile.Node("Sub", []string{"a.b", "a_b"}, []string{"y.out"})},
		Input:  []*onnxpb.ValueInfoProto{hostile.VI("a.b", tensor.Float32, 2), hostile.VI("a_b", tensor.Float32, 2)},
		Output: []*onnxpb.ValueInfoProto{hostile.VI("y.out", tensor.Float32, 2)},
	}
	model := filepath.Join(dir, "m.onnx")
	if err := hostile.WriteModel(model, g); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "g")
	if status, _, stderr := cli(t, "convert", model, "-o", out); status != 0 {
		t.Fatalf("convert: %s", stderr)
	}
	m, err := manifest.Read(filepath.Join(out, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	if m.ONNXNames == nil || m.ONNXNames.Inputs["a_b"] != "a.b" || m.ONNXNames.Inputs["a_b_2"] != "a_b" || m.ONNXNames.Outputs["y_out"] != "y.out" {
		t.Fatalf("onnxNames = %+v", m.ONNXNames)
	}
	in := filepath.Join(dir, "in.npz")
	a, b := tensor.New(tensor.Float32, []int{2}), tensor.New(tensor.Float32, []int{2})
	copy(a.Data.([]float32), []float32{1, 1})
	copy(b.Data.([]float32), []float32{10, 10})
	if err := tensor.WriteNPZ(in, []string{"a_b", "a.b"}, map[string]*tensor.Tensor{"a.b": a, "a_b": b}); err != nil {
		t.Fatal(err)
	}
	res := filepath.Join(dir, "out.npz")
	for i := 0; i < 20; i++ {
		os.Remove(res)
		if status, _, stderr := cli(t, "run", filepath.Join(out, "model.webnn"), "--inputs", in, "-o", res); status != 0 {
			t.Fatalf("run: %s", stderr)
		}
		ts, _, err := tensor.ReadNPZ(res)
		if err != nil {
			t.Fatal(err)
		}
		y := ts["y.out"]
		if y == nil || len(ts) != 1 {
			t.Fatalf("run -o wrote %v, want only y.out", keysOfMap(ts))
		}
		if d := y.Data.([]float32); d[0] != -9 || d[1] != -9 {
			t.Fatalf("run %d: y.out = %v, want -9 (inputs bound the wrong way)", i, d)
		}
	}
}

func keysOfMap[V any](m map[string]V) []string { return sortedKeys(m) }
