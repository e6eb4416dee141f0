package hostile

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/webnn-graph/webnn-graph/manifest"
	"github.com/webnn-graph/webnn-graph/onnxpb"
	"github.com/webnn-graph/webnn-graph/tensor"
	"github.com/webnn-graph/webnn-graph/weights"
)

// Rows of issue 10 item 5: names. Inputs "a.b" and "a_b" both sanitise to
// a_b; the ONNX-name ↔ identifier map a conversion records decides, exactly
// and the same way every run, which npz key feeds which input, and outputs
// are written under their ONNX names.

const className = "10.5 names"

// collisionModel: y.out = a.b - a_b over float32[4].
func collisionModel(dir string) error {
	g := &onnxpb.GraphProto{
		Node:   []*onnxpb.NodeProto{Node("Sub", []string{"a.b", "a_b"}, []string{"y.out"})},
		Input:  []*onnxpb.ValueInfoProto{VI("a.b", tensor.Float32, 4), VI("a_b", tensor.Float32, 4)},
		Output: []*onnxpb.ValueInfoProto{VI("y.out", tensor.Float32, 4)},
	}
	if err := WriteModel(filepath.Join(dir, "model.onnx"), g); err != nil {
		return err
	}
	return collisionInputs(dir, "in.npz")
}

// collisionInputs: a.b = 1, a_b = 10, so y.out = -9 when bound right.
func collisionInputs(dir, name string, extra ...string) error {
	fill := func(v float32) *tensor.Tensor {
		t := tensor.New(tensor.Float32, []int{4})
		for i, d := 0, t.Data.([]float32); i < len(d); i++ {
			d[i] = v
		}
		return t
	}
	ts := map[string]*tensor.Tensor{"a.b": fill(1), "a_b": fill(10)}
	keys := []string{"a.b", "a_b"}
	for _, k := range extra {
		ts[k] = fill(100)
		keys = append(keys, k)
	}
	return tensor.WriteNPZ(filepath.Join(dir, name), keys, ts)
}

// collisionGraph is collisionModel converted: inputs a_b (ONNX a.b) and
// a_b_2 (ONNX a_b), output y_out (ONNX y.out), the names in manifest.json.
func collisionGraph(dir string) error {
	text := `webnn_graph "collision" v1 {
  inputs {
    a_b: f32[4];
    a_b_2: f32[4];
  }

  nodes {
    y_out = sub(a_b, a_b_2);
  }

  outputs {
    y_out;
  }
}
`
	if err := os.WriteFile(filepath.Join(dir, "model.webnn"), []byte(text), 0o644); err != nil {
		return err
	}
	w, err := weights.NewWriter(filepath.Join(dir, "model.weights"))
	if err != nil {
		return err
	}
	m, err := w.Finish()
	if err != nil {
		return err
	}
	m.ONNXNames = &manifest.NameMap{
		Inputs:  map[string]string{"a_b": "a.b", "a_b_2": "a_b"},
		Outputs: map[string]string{"y_out": "y.out"},
	}
	if err := m.WriteFile(filepath.Join(dir, "manifest.json")); err != nil {
		return err
	}
	return collisionInputs(dir, "in.npz")
}

// npzHolds checks that the npz at path holds exactly keys, each filled
// with the float32 value want[key].
func npzHolds(path string, want map[string]float32) error {
	ts, _, err := tensor.ReadNPZ(path)
	if err != nil {
		return err
	}
	if len(ts) != len(want) {
		return fmt.Errorf("%s holds %d arrays, want %d (%v)", filepath.Base(path), len(ts), len(want), keysOf(ts))
	}
	for k, v := range want {
		t, ok := ts[k]
		if !ok {
			return fmt.Errorf("%s lacks %q (has %v)", filepath.Base(path), k, keysOf(ts))
		}
		d, ok := t.Data.([]float32)
		if !ok {
			return fmt.Errorf("%s: %q is %v, want float32", filepath.Base(path), k, t.DType)
		}
		for i, x := range d {
			if x != v {
				return fmt.Errorf("%s: %q[%d] = %g, want %g", filepath.Base(path), k, i, x, v)
			}
		}
	}
	return nil
}

func keysOf[V any](m map[string]V) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

// oddNamesModel: outputs named "é", "!!" and "??" (all sanitise to
// underscores), and the input x listed as an output too.
func oddNamesModel(dir string) error {
	g := &onnxpb.GraphProto{
		Node: []*onnxpb.NodeProto{
			Node("Relu", []string{"x"}, []string{"é"}),
			Node("Neg", []string{"x"}, []string{"!!"}),
			Node("Abs", []string{"x"}, []string{"??"}),
		},
		Input:  []*onnxpb.ValueInfoProto{VI("x", tensor.Float32, 4)},
		Output: []*onnxpb.ValueInfoProto{VI("é", tensor.Float32, 4), VI("!!", tensor.Float32, 4), VI("??", tensor.Float32, 4), VI("x", tensor.Float32, 4)},
	}
	if err := WriteModel(filepath.Join(dir, "model.onnx"), g); err != nil {
		return err
	}
	x := tensor.New(tensor.Float32, []int{4})
	for i, d := 0, x.Data.([]float32); i < len(d); i++ {
		d[i] = -2
	}
	return tensor.WriteNPZ(filepath.Join(dir, "in.npz"), []string{"x"}, map[string]*tensor.Tensor{"x": x})
}

func init() {
	minus9 := func(dir, out string) error { return npzHolds(out, map[string]float32{"y.out": -9}) }
	register(
		Case{Name: "names-collision-onnx-run", Class: className, Setup: collisionModel,
			Args: []string{"run", "{dir}/model.onnx", "--inputs", "{dir}/in.npz", "-o", "{out}"}, Exit: 0, Check: minus9},
		Case{Name: "names-collision-graph-run", Class: className, Setup: collisionGraph,
			Args: []string{"run", "{dir}/model.webnn", "--inputs", "{dir}/in.npz", "-o", "{out}"}, Exit: 0, Check: minus9},
		Case{Name: "names-collision-verify", Class: className, Setup: collisionModel,
			Args: []string{"verify", "{dir}/model.onnx", "--inputs", "{dir}/in.npz"}, Exit: 0},
		Case{Name: "names-collision-verify-generated", Class: className, Setup: collisionModel,
			Args: []string{"verify", "{dir}/model.onnx"}, Exit: 0},
		Case{Name: "names-extra-npz-key", Class: className, Setup: func(dir string) error {
			if err := collisionModel(dir); err != nil {
				return err
			}
			return collisionInputs(dir, "in.npz", "zz")
		}, Args: []string{"run", "{dir}/model.onnx", "--inputs", "{dir}/in.npz"}, Exit: 1, Msg: `"zz" match no input`},
		Case{Name: "names-input-given-twice", Class: className, Setup: func(dir string) error {
			if err := collisionModel(dir); err != nil {
				return err
			}
			return collisionInputs(dir, "in.npz", "in.a.b")
		}, Args: []string{"run", "{dir}/model.onnx", "--inputs", "{dir}/in.npz"}, Exit: 1, Msg: "given twice"},
		Case{Name: "names-odd-outputs-verify", Class: className, Setup: oddNamesModel,
			Args: []string{"verify", "{dir}/model.onnx", "--inputs", "{dir}/in.npz"}, Exit: 0},
		Case{Name: "names-odd-outputs-verify-generated", Class: className, Setup: oddNamesModel,
			Args: []string{"verify", "{dir}/model.onnx"}, Exit: 0},
		Case{Name: "names-odd-outputs-run", Class: className, Setup: oddNamesModel,
			Args: []string{"run", "{dir}/model.onnx", "--inputs", "{dir}/in.npz", "-o", "{out}"}, Exit: 0,
			Check: func(dir, out string) error {
				return npzHolds(out, map[string]float32{"é": 0, "!!": 2, "??": 2, "x": -2})
			}},
	)
}
