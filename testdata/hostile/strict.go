package hostile

import (
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"

	"github.com/webnn-graph/webnn-graph/onnxpb"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// Rows of issue 10 item 7 (files, manifests, opsets, duplicates): leniency
// that would hide a broken model is refused, naming what is wrong.

const classStrict = "10.7 strictness"

// editManifest rewrites dir/manifest.json through edit.
func editManifest(dir string, edit func(m map[string]any)) error {
	p := filepath.Join(dir, "manifest.json")
	b, err := os.ReadFile(p)
	if err != nil {
		return err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	edit(m)
	if b, err = json.Marshal(m); err != nil {
		return err
	}
	return os.WriteFile(p, b, 0o644)
}

// entryW is AddGraph's manifest entry for w.
func entryW(m map[string]any) map[string]any {
	return m["tensors"].(map[string]any)["w"].(map[string]any)
}

func init() {
	convert := []string{"convert", "{dir}/model.onnx", "-o", "{out}"}
	model := func(edit func(g *onnxpb.GraphProto), opsets ...*onnxpb.OperatorSetIdProto) func(dir string) error {
		return func(dir string) error {
			vals := make([]float32, WeightLen)
			g := &onnxpb.GraphProto{
				Node:        []*onnxpb.NodeProto{Node("Add", []string{"x", "w"}, []string{"y"})},
				Input:       []*onnxpb.ValueInfoProto{VI("x", tensor.Float32, WeightLen)},
				Output:      []*onnxpb.ValueInfoProto{VI("y", tensor.Float32, WeightLen)},
				Initializer: []*onnxpb.TensorProto{Floats("w", []int64{WeightLen}, vals)},
			}
			edit(g)
			if err := WriteModel(filepath.Join(dir, "model.onnx"), g, opsets...); err != nil {
				return err
			}
			return AddInputs(dir, "in.npz")
		}
	}
	dupInput := model(func(g *onnxpb.GraphProto) { g.Input = append(g.Input, VI("x", tensor.Float32, WeightLen)) })
	dupInit := model(func(g *onnxpb.GraphProto) {
		g.Initializer = append(g.Initializer, Floats("w", []int64{WeightLen}, make([]float32, WeightLen)))
	})
	newer := model(func(*onnxpb.GraphProto) {}, &onnxpb.OperatorSetIdProto{Domain: "", Version: 99})
	register(
		Case{Name: "strict-duplicate-graph-input-convert", Class: classStrict, Setup: dupInput, Args: convert, Exit: 1, Msg: `lists input "x" twice`},
		Case{Name: "strict-duplicate-graph-input-run", Class: classStrict, Setup: dupInput,
			Args: []string{"run", "{dir}/model.onnx", "--inputs", "{dir}/in.npz"}, Exit: 1, Msg: `lists input "x" twice`},
		Case{Name: "strict-duplicate-initializer-convert", Class: classStrict, Setup: dupInit, Args: convert, Exit: 1, Msg: `two initializers named "w"`},
		Case{Name: "strict-duplicate-initializer-verify", Class: classStrict, Setup: dupInit,
			Args: []string{"verify", "{dir}/model.onnx"}, Exit: 1, Msg: `two initializers named "w"`},
		Case{Name: "strict-newer-opset-convert", Class: classStrict, Setup: newer, Args: convert, Exit: 1, Msg: "opset ai.onnx 99"},
		Case{Name: "strict-newer-opset-run", Class: classStrict, Setup: newer,
			Args: []string{"run", "{dir}/model.onnx", "--inputs", "{dir}/in.npz"}, Exit: 1, Msg: "opset ai.onnx 99"},
		Case{Name: "strict-newer-opset-verify", Class: classStrict, Setup: newer,
			Args: []string{"verify", "{dir}/model.onnx"}, Exit: 1, Msg: "opset ai.onnx 99"},
		Case{Name: "strict-newer-opset-allowed", Class: classStrict, Setup: newer,
			Args: append(convert, "--allow-newer-opset"), Exit: 0},
	)

	graphEdit := func(edit func(dir string) error) func(dir string) error {
		return func(dir string) error {
			if err := AddGraph(dir); err != nil {
				return err
			}
			if err := AddInputs(dir, "in.npz"); err != nil {
				return err
			}
			return edit(dir)
		}
	}
	manifestEdit := func(edit func(m map[string]any)) func(dir string) error {
		return graphEdit(func(dir string) error { return editManifest(dir, edit) })
	}
	// Same bytes (256), other meaning: float16[128] for the graph's f32[64].
	dtype := manifestEdit(func(m map[string]any) {
		e := entryW(m)
		e["dataType"], e["shape"] = "float16", []any{128}
	})
	shape := manifestEdit(func(m map[string]any) { entryW(m)["shape"] = []any{8, 8} })
	validate := []string{"validate", "{dir}/model.webnn"}
	run := []string{"run", "{dir}/model.webnn", "--inputs", "{dir}/in.npz"}
	header := func(version uint32) func(dir string) error {
		return graphEdit(func(dir string) error {
			p := filepath.Join(dir, "model.weights")
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			binary.LittleEndian.PutUint32(b[4:8], version)
			return os.WriteFile(p, b, 0o644)
		})
	}
	register(
		Case{Name: "strict-manifest-dtype-disagrees-validate", Class: classStrict, Setup: dtype, Args: validate, Exit: 1, Msg: `entry "w" is float16[128], but const "w" is declared f32[64]`},
		Case{Name: "strict-manifest-dtype-disagrees-run", Class: classStrict, Setup: dtype, Args: run, Exit: 1, Msg: `entry "w" is float16[128]`},
		Case{Name: "strict-manifest-shape-disagrees-validate", Class: classStrict, Setup: shape, Args: validate, Exit: 1, Msg: `entry "w" is float32[8 8]`},
		Case{Name: "strict-wgwt-header-version", Class: classStrict, Setup: header(7), Args: validate, Exit: 1, Msg: "corrupt WGWT header: version 7"},
		Case{Name: "strict-wgwt-header-version-run", Class: classStrict, Setup: header(0), Args: run, Exit: 1, Msg: "corrupt WGWT header: version 0"},
		Case{Name: "strict-wgwt-header-truncated", Class: classStrict, Setup: graphEdit(func(dir string) error {
			if err := editManifest(dir, func(m map[string]any) { m["tensors"] = map[string]any{} }); err != nil {
				return err
			}
			text := `webnn_graph "g" v1 { inputs { x: f32[64]; } nodes { y = relu(x); } outputs { y; } }`
			if err := os.WriteFile(filepath.Join(dir, "model.webnn"), []byte(text), 0o644); err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(dir, "model.weights"), []byte("WGWT\x01"), 0o644)
		}), Args: validate, Exit: 1, Msg: "corrupt WGWT header"},
		Case{Name: "strict-manifest-type-datatype", Class: classStrict, Setup: manifestEdit(func(m map[string]any) { entryW(m)["dataType"] = 1 }),
			Args: validate, Exit: 1, Msg: `entry "w": dataType must be a string, not a number`},
		Case{Name: "strict-manifest-type-shape", Class: classStrict, Setup: manifestEdit(func(m map[string]any) { entryW(m)["shape"] = "64" }),
			Args: validate, Exit: 1, Msg: `entry "w": shape must be an array of non-negative integers, not a string`},
		Case{Name: "strict-manifest-type-offset", Class: classStrict, Setup: manifestEdit(func(m map[string]any) { entryW(m)["byteOffset"] = -64 }),
			Args: run, Exit: 1, Msg: `entry "w": byteOffset must be a non-negative integer, not -64`},
	)
}
