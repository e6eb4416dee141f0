package emit

import (
	"flag"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"testing"

	"github.com/webnn-graph/webnn-graph/graph"
	"github.com/webnn-graph/webnn-graph/tensor"
)

var update = flag.Bool("update", false, "rewrite testdata/golden from the printers")

func f32(shape ...int64) graph.Desc {
	d := graph.Desc{DType: tensor.Float32, Shape: []graph.Dim{}}
	for _, s := range shape {
		d.Shape = append(d.Shape, graph.Static(s))
	}
	return d
}

// goldenGraphs are built the way the lowering builds graphs (Go option
// types int64, float64, []int64, dim maps) to pin the printers' layout.
func goldenGraphs() map[string]*graph.Graph {
	return map[string]*graph.Graph{
		"empty": {Name: "", Version: 1},
		"mlp": {
			Name: "mlp", Version: 1,
			Inputs: []graph.Input{{Name: "input", Desc: f32(1, 784), Comment: "ONNX: input:0"}},
			Consts: []graph.Const{
				{Name: "fc1_weight", Desc: f32(784, 128), Kind: graph.ConstWeights, Ref: "fc1.weight"},
				{Name: "fc1_bias", Desc: f32(128), Kind: graph.ConstWeights, Ref: "fc1.bias"},
				{Name: "half", Desc: f32(), Kind: graph.ConstScalar, Scalar: "0.5"},
				{Name: "mask", Desc: graph.Desc{DType: tensor.Uint8, Shape: []graph.Dim{graph.Static(4)}}, Kind: graph.ConstBytes, Bytes: []byte{1, 0, 255, 7}, Comment: "two\nlines"},
			},
			Nodes: []graph.Node{
				{ID: "mm", Op: "matmul", Inputs: []string{"input", "fc1_weight"}, Comment: "/fc1/MatMul"},
				{ID: "biased", Op: "add", Inputs: []string{"mm", "fc1_bias"}},
				{ID: "act", Op: "clamp", Inputs: []string{"biased"}, Options: map[string]any{"minValue": 0.0, "maxValue": float64(6), "label": "relu6 \"q\" \\"}},
				{ID: "scaled", Op: "mul", Inputs: []string{"act", "half"}},
				{ID: "probs", Op: "softmax", Inputs: []string{"scaled"}, Options: map[string]any{"axis": int64(1)}},
			},
			Outputs: []graph.Output{{Name: "probs", Operand: "probs"}},
		},
		"dynamic": {
			Name: "tiny-llm", Version: 1, Quantized: true,
			Inputs: []graph.Input{
				{Name: "input_ids", Desc: graph.Desc{DType: tensor.Int64, Shape: []graph.Dim{graph.Dynamic("batch_size", 8), graph.Dynamic("sequence_length", 4096)}}},
				{Name: "past_key_values_0_key", Desc: graph.Desc{DType: tensor.Float16, Shape: []graph.Dim{graph.Dynamic("batch_size", 8), graph.Static(2), graph.Dynamic("past_sequence_length", 4096), graph.Static(64)}}, Comment: "past_key_values.0.key"},
			},
			Consts: []graph.Const{
				{Name: "eps", Desc: graph.Desc{DType: tensor.Float16, Shape: []graph.Dim{}}, Kind: graph.ConstScalar, Scalar: "1e-05"},
				{Name: "big", Desc: graph.Desc{DType: tensor.Int64, Shape: []graph.Dim{graph.Static(1)}}, Kind: graph.ConstScalar, Scalar: "-9223372036854775808"},
			},
			Nodes: []graph.Node{
				{ID: "kv", Op: "reshape", Inputs: []string{"past_key_values_0_key"}, Options: map[string]any{
					"newShape": []any{map[string]any{"name": "batch_size", "maxSize": int64(8)}, int64(2), map[string]any{"name": "past_sequence_length + sequence_length", "maxSize": int64(8192)}, int64(64)},
				}},
				{ID: "parts_0", Op: "split", Inputs: []string{"kv"}, Outputs: []string{"parts_0", "parts_1"}, Options: map[string]any{"axis": int64(3), "splits": []int64{32, 32}}},
				{ID: "cat", Op: "concat", Inputs: []string{"parts_1", "parts_0"}, Options: map[string]any{"axis": int64(3)}},
				{ID: "casted", Op: "cast", Inputs: []string{"input_ids"}, Options: map[string]any{"to": "int32"}},
				{ID: "norm", Op: "layerNormalization", Inputs: []string{"cat"}, Options: map[string]any{"axes": []any{int64(3)}, "epsilon": graph.Number("1e-05"), "tiny": 1e-300, "huge": math.MaxFloat32, "neg": -0.25, "flag": true, "nothing": nil}},
				{ID: "one", Op: "split", Inputs: []string{"norm"}, Outputs: []string{"one"}, Options: map[string]any{"axis": int64(0), "splits": int64(1)}},
			},
			Outputs: []graph.Output{{Name: "one", Operand: "one"}, {Name: "casted", Operand: "casted"}},
		},
	}
}

func goldenNames(t *testing.T) []string {
	var names []string
	for n := range goldenGraphs() {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func checkGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./emit -update)", err)
	}
	if string(got) != string(want) {
		t.Errorf("%s differs (go test ./emit -update rewrites it)\n got:\n%s\nwant:\n%s", path, got, want)
	}
}

func TestGolden(t *testing.T) {
	for _, name := range goldenNames(t) {
		g := goldenGraphs()[name]
		text, err := PrintText(g)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		checkGolden(t, filepath.Join("testdata", "golden", name+".webnn"), text)
		js, err := PrintJSON(g)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		checkGolden(t, filepath.Join("testdata", "golden", name+".json"), js)
		// The golden files load back through LoadGraphFile to the same text.
		for _, ext := range []string{".webnn", ".json"} {
			g2, err := LoadGraphFile(filepath.Join("testdata", "golden", name+ext))
			if err != nil {
				t.Fatal(err)
			}
			text2, err := PrintText(g2)
			if err != nil {
				t.Fatal(err)
			}
			if string(text2) != string(text) {
				t.Errorf("%s%s does not load back to the printed text:\n%s", name, ext, text2)
			}
		}
	}
}

// text → JSON → text preserves the graph (as parsed values).
func TestTextJSONText(t *testing.T) {
	for _, name := range goldenNames(t) {
		text, _ := PrintText(goldenGraphs()[name])
		g1, err := ParseText(text)
		if err != nil {
			t.Fatal(err)
		}
		js, err := PrintJSON(g1)
		if err != nil {
			t.Fatal(err)
		}
		g2, err := ParseJSON(js)
		if err != nil {
			t.Fatalf("%s: %v\n%s", name, err, js)
		}
		if !reflect.DeepEqual(normalize(g1), normalize(g2)) {
			t.Errorf("%s: graph changed through JSON\n%#v\n%#v", name, g1, g2)
		}
		text2, err := PrintText(g2)
		if err != nil {
			t.Fatal(err)
		}
		if string(text2) != string(text) {
			t.Errorf("%s: text changed through JSON:\n%s\n---\n%s", name, text, text2)
		}
	}
}

// normalize maps empty slices to nil so DeepEqual compares content.
func normalize(g *graph.Graph) *graph.Graph {
	c := *g
	c.Nodes = append([]graph.Node(nil), g.Nodes...)
	for i := range c.Nodes {
		if len(c.Nodes[i].Inputs) == 0 {
			c.Nodes[i].Inputs = nil
		}
		if len(c.Nodes[i].Options) == 0 {
			c.Nodes[i].Options = nil
		}
	}
	if v, err := graphVersion(g); err == nil {
		c.Version = v // the printers write v2 when an input is dynamic
	}
	return &c
}

func TestPrintTextRefuses(t *testing.T) {
	base := func() *graph.Graph {
		return &graph.Graph{Name: "g", Version: 1,
			Inputs:  []graph.Input{{Name: "x", Desc: f32(2)}},
			Consts:  []graph.Const{{Name: "w", Desc: f32(2), Kind: graph.ConstWeights, Ref: "w"}},
			Nodes:   []graph.Node{{ID: "y", Op: "add", Inputs: []string{"x", "w"}}},
			Outputs: []graph.Output{{Name: "y", Operand: "y"}},
		}
	}
	tests := []struct {
		name   string
		mutate func(g *graph.Graph)
		want   string
	}{
		{"dotted input", func(g *graph.Graph) { g.Inputs[0].Name = "a.b" }, `print: input "a.b" is not a safe identifier ([A-Za-z_][A-Za-z0-9_]*, not starting with true/false/null)`},
		{"true prefix", func(g *graph.Graph) { g.Consts[0].Name = "true_w" }, `print: const "true_w" is not a safe identifier ([A-Za-z_][A-Za-z0-9_]*, not starting with true/false/null)`},
		{"digit node", func(g *graph.Graph) { g.Nodes[0].ID = "495" }, `print: node "495" is not a safe identifier ([A-Za-z_][A-Za-z0-9_]*, not starting with true/false/null)`},
		{"null input ref", func(g *graph.Graph) { g.Nodes[0].Inputs[1] = "null_w" }, `print: node "y" (add) input "null_w" is not a safe identifier ([A-Za-z_][A-Za-z0-9_]*, not starting with true/false/null)`},
		{"inf option", func(g *graph.Graph) { g.Nodes[0].Options = map[string]any{"v": math.Inf(1)} }, `print: node "y" (add): option v: number +Inf is not finite (the formats have no inf/nan)`},
		{"nan in array", func(g *graph.Graph) { g.Nodes[0].Options = map[string]any{"v": []float64{1, math.NaN()}} }, `print: node "y" (add): option v: number NaN is not finite (the formats have no inf/nan)`},
		{"bad number text", func(g *graph.Graph) { g.Nodes[0].Options = map[string]any{"v": graph.Number(".5")} }, `print: node "y" (add): option v: number ".5" is not a plain decimal`},
		{"bad scalar", func(g *graph.Graph) { g.Consts[0].Kind, g.Consts[0].Scalar = graph.ConstScalar, "1." }, `print: const "w": @scalar value "1." is not a plain decimal number`},
		{"odd option type", func(g *graph.Graph) { g.Nodes[0].Options = map[string]any{"v": struct{}{}} }, `print: node "y" (add): option v: unsupported option value type struct {}`},
		{"option key", func(g *graph.Graph) { g.Nodes[0].Options = map[string]any{"a-b": int64(1)} }, `print: node "y" (add): option key "a-b" is not an identifier`},
		{"renamed output", func(g *graph.Graph) { g.Outputs[0].Name = "out" }, `print: output "out" is bound to operand "y"; the text form cannot rename outputs`},
		{"dynamic const", func(g *graph.Graph) { g.Consts[0].Desc.Shape[0] = graph.Dynamic("n", 2) }, `print: const "w": dim 0 is dynamic; constant shapes must be static`},
		{"non-WebNN type", func(g *graph.Graph) { g.Inputs[0].Desc.DType = tensor.Float64 }, `print: input "x": data type float64 is not a WebNN operand type`},
		{"version 3", func(g *graph.Graph) { g.Version = 3 }, `print: graph version 3 is not supported (want 1 or 2)`},
		{"alias with options", func(g *graph.Graph) { g.Nodes[0].Op = "" }, `print: node "y" (): a node without op must have exactly one input and no options`},
		{"invalid utf8 string", func(g *graph.Graph) { g.Nodes[0].Options = map[string]any{"s": "\xff"} }, `print: node "y" (add): option s: string "\xff" is not valid UTF-8`},
	}
	for _, tc := range tests {
		g := base()
		tc.mutate(g)
		_, err := PrintText(g)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, got, tc.want)
		}
	}
	if _, err := PrintText(base()); err != nil {
		t.Errorf("base graph: %v", err)
	}
	g := base()
	g.Inputs[0].Name, g.Nodes[0].Inputs[0] = "$a.b/c", "$a.b/c"
	if _, err := PrintTextWith(g, TextOptions{GrammarIdents: true}); err != nil {
		t.Errorf("GrammarIdents: %v", err)
	}
	g.Nodes[0].Inputs[0] = "true.x"
	if _, err := PrintTextWith(g, TextOptions{GrammarIdents: true}); err == nil {
		t.Errorf("GrammarIdents accepted a true-prefixed input reference")
	}
}

func TestPrintVersion(t *testing.T) {
	g := &graph.Graph{Name: "g", Version: 1, Inputs: []graph.Input{{Name: "x", Desc: graph.Desc{DType: tensor.Float32, Shape: []graph.Dim{graph.Dynamic("b", 2)}}}}}
	text, err := PrintText(g)
	if err != nil {
		t.Fatal(err)
	}
	if want := "webnn_graph \"g\" v2 {\n  inputs {\n    x: f32[dyn(\"b\", 2)];\n  }\n\n  outputs {}\n}\n"; string(text) != want {
		t.Errorf("got %q\nwant %q", text, want)
	}
	g.Inputs[0].Desc.Shape[0] = graph.Static(2)
	g.Version = 2
	text, _ = PrintText(g)
	if string(text[:21]) != `webnn_graph "g" v2 {`+"\n" {
		t.Errorf("v2 kept: %q", text[:21])
	}
}
