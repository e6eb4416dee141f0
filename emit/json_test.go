package emit

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/webnn-graph/webnn-graph/graph"
	"github.com/webnn-graph/webnn-graph/tensor"
)

func TestParseJSON(t *testing.T) {
	src := `{"format": "webnn-graph-json", "version": 2, "name": "n", "quantized": true, "extra": [1],
	  "inputs": {"z": {"dataType": "int64", "shape": [{"name": "b", "maxSize": 8}, 3]}, "a": {"dataType": "f16", "shape": []}},
	  "consts": {"w": {"dataType": "uint8", "shape": [2], "init": {"kind": "inlineBytes", "bytes": [0, 255]}},
	             "s": {"dataType": "float32", "shape": [1], "init": {"kind": "scalar", "value": 1.50}}},
	  "nodes": [{"id": "y", "op": "add", "inputs": ["z", "w"], "options": {"big": 12345678901234567890, "f": -1e-7, "o": {"k": [true, null]}}, "outputs": null},
	            {"id": "p", "op": "split", "inputs": ["y"], "outputs": ["p", "q"]}],
	  "outputs": {"out": "q", "y": "y"}}`
	g, err := ParseJSON([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if g.Name != "n" || g.Version != 2 || !g.Quantized {
		t.Errorf("header %+v", g)
	}
	if g.Inputs[0].Name != "z" || g.Inputs[1].Name != "a" || g.Inputs[1].Desc.DType != tensor.Float16 {
		t.Errorf("inputs order/types: %+v", g.Inputs)
	}
	if !reflect.DeepEqual(g.Inputs[0].Desc.Shape, []graph.Dim{graph.Dynamic("b", 8), graph.Static(3)}) {
		t.Errorf("shape %v", g.Inputs[0].Desc.Shape)
	}
	if g.Consts[1].Scalar != "1.50" || !reflect.DeepEqual(g.Consts[0].Bytes, []byte{0, 255}) {
		t.Errorf("consts %+v", g.Consts)
	}
	wantOpts := map[string]any{"big": graph.Number("12345678901234567890"), "f": graph.Number("-1e-7"), "o": map[string]any{"k": []any{true, nil}}}
	if !reflect.DeepEqual(g.Nodes[0].Options, wantOpts) || g.Nodes[0].Outputs != nil {
		t.Errorf("node 0 %+v", g.Nodes[0])
	}
	if !reflect.DeepEqual(g.Nodes[1].Outputs, []string{"p", "q"}) {
		t.Errorf("node 1 %+v", g.Nodes[1])
	}
	if !reflect.DeepEqual(g.Outputs, []graph.Output{{Name: "out", Operand: "q"}, {Name: "y", Operand: "y"}}) {
		t.Errorf("outputs %+v", g.Outputs)
	}
	// JSON → JSON keeps everything, including the renamed output.
	js, err := PrintJSON(g)
	if err != nil {
		t.Fatal(err)
	}
	g2, err := ParseJSON(js)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(normalize(g), normalize(g2)) {
		t.Errorf("JSON round trip:\n%+v\n%+v", g, g2)
	}
}

func TestParseJSONErrors(t *testing.T) {
	const h = `{"format": "webnn-graph-json", "version": 1, `
	tests := []struct{ src, want string }{
		{``, `json: empty input`},
		{`{`, `json: 1:2: expected a member name string, got end of input`},
		{`[]`, `json: 1:1: expected an object for the graph, got an array`},
		{`{"version": 1}`, `json: missing "format": "webnn-graph-json"`},
		{`{"format": "wg-weights-manifest", "version": 1}`, `json: format "wg-weights-manifest" is not "webnn-graph-json"`},
		{`{"format": "webnn-graph-json"}`, `json: missing "version"`},
		{`{"format": "webnn-graph-json", "version": 1.5}`, `json: 1:43: version 1.5 is not an integer`},
		{h + `"inputs": {"x": {"dataType": "float64", "shape": []}}}`, `json: 1:75: input "x": unknown data type "float64"`},
		{h + `"inputs": {"x": {"shape": []}}}`, `json: 1:62: input "x": missing "dataType"`},
		{h + `"inputs": {"x": {"dataType": "float32"}}}`, `json: 1:62: input "x": missing "shape"`},
		{h + `"inputs": {"x": {"dataType": "float32", "shape": [-1]}}}`, `json: 1:96: input "x": shape[0] = -1 is not a dimension (u32 or {"name", "maxSize"})`},
		{h + `"inputs": {"x": {"dataType": "float32", "shape": [{"name": "b"}]}}}`, `json: 1:96: input "x": shape[0]: dynamic dimension needs "name" and "maxSize"`},
		{h + `"inputs": {"x": {"dataType": "float32", "shape": [{"name": "", "maxSize": 1}]}}}`, `json: 1:96: input "x": shape[0]: dynamic dimension with an empty name`},
		{h + `"inputs": []}`, `json: 1:56: expected an object for inputs, got an array`},
		{h + `"consts": {"w": {"dataType": "float32", "shape": [1]}}}`, `json: 1:57: const "w": missing "init"`},
		{h + `"consts": {"w": {"dataType": "float32", "shape": [1], "init": {"kind": "zeros"}}}}`, `json: 1:108: const "w": unknown init kind "zeros" (want weights, scalar, inlineBytes)`},
		{h + `"consts": {"w": {"dataType": "uint8", "shape": [1], "init": {"kind": "inlineBytes", "bytes": [256]}}}}`, `json: 1:140: const "w": bytes[0] = 256 is not a byte value 0..255`},
		{h + `"consts": {"w": {"dataType": "uint8", "shape": [1], "init": {"kind": "weights"}}}}`, `json: 1:106: const "w": weights init without "ref"`},
		{h + `"consts": {"w": {"dataType": "uint8", "shape": [1], "init": {"kind": "scalar"}}}}`, `json: 1:106: const "w": scalar init without "value"`},
		{h + `"nodes": [{"op": "relu"}]}`, `json: 1:56: nodes[0]: missing "id" or "op"`},
		{h + `"nodes": [{"id": "y", "op": "relu", "inputs": [1]}]}`, `json: 1:93: node "y" inputs[0]: expected a string, got a number`},
		{h + `"nodes": [{"id": "y", "op": "relu", "options": [1]}]}`, `json: 1:93: node "y": options must be an object, got an array`},
		{h + `"outputs": {"y": 1}}`, `json: 1:63: output "y": expected the operand name string, got a number`},
		{h + `"outputs": {}} x`, `json: 1:61: trailing data after the JSON value`},
		{"{\n  \"format\": \"webnn-graph-json\",\n  \"version\": 1,,\n}", `json: 3:16: expected a member name string, got ','`},
	}
	for _, tc := range tests {
		_, err := ParseJSON([]byte(tc.src))
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tc.want {
			t.Errorf("ParseJSON(%q)\n got %q\nwant %q", tc.src, got, tc.want)
		}
	}
}

func TestNamer(t *testing.T) {
	n := NewNamer()
	tests := []struct{ in, want string }{
		{"past_key_values.0.key", "past_key_values_0_key"},
		{"/model/layers.0/Add_1_output_0", "model_layers_0_Add_1_output_0"},
		{"495", "_495"},
		{"onnx::MatMul_9719", "onnx__MatMul_9719"},
		{"true_value", "_true_value"},
		{"nullable", "_nullable"},
		{"falsey", "_falsey"},
		{"_x", "_x"},
		{"input", "input"},
		{"input", "input"}, // same original → same identifier
		{"input:0", "input_0"},
		{"input_0", "input_0_1"}, // collision
		{"input/0", "input_0_2"},
		{"", "_"},
		{"///", "__1"}, // "_" is taken
		{"é", "__2"},
		{"aé b", "a__b"},
		{"12abc", "_12abc"},
	}
	for _, tc := range tests {
		if got := n.Ident(tc.in); got != tc.want {
			t.Errorf("Ident(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	for _, tc := range tests {
		if !IsIdent(n.Ident(tc.in)) {
			t.Errorf("Ident(%q) = %q is not a safe identifier", tc.in, n.Ident(tc.in))
		}
	}
	if o, ok := n.Original("input_0_1"); !ok || o != "input_0" {
		t.Errorf("Original = %q %v", o, ok)
	}
	n.Reserve("relu_out")
	if got := n.Fresh("relu_out"); got != "relu_out_1" {
		t.Errorf("Fresh after Reserve = %q", got)
	}
	if got := n.Fresh("relu_out"); got != "relu_out_2" {
		t.Errorf("Fresh again = %q", got)
	}
	// Determinism: a second Namer fed the same sequence agrees.
	m := NewNamer()
	for _, tc := range tests {
		if got := m.Ident(tc.in); got != tc.want {
			t.Errorf("second Namer: Ident(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestIsIdent(t *testing.T) {
	for s, want := range map[string]bool{"a": true, "_": true, "A_9": true, "9a": false, "a.b": false, "a/b": false, "$a": false, "": false, "true": false, "trueish": false, "nul": true, "a-b": false, "xtrue": true} {
		if IsIdent(s) != want {
			t.Errorf("IsIdent(%q) = %v", s, !want)
		}
	}
}

func TestLoadGraphFileErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := dir + "/" + name
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct{ path, want string }{
		{write("bad.webnn", "webnn_graph \"g\" v1 {\n  inputs { x: f32[1] }\n}"), `bad.webnn:2:22: expected ';' after input declaration x, got '}'`},
		{write("bad.json", "{\"format\": \"webnn-graph-json\", \"version\": 1,\n  \"inputs\": {\"x\": {\"dataType\": \"float64\", \"shape\": []}}}"), `bad.json:2:32: input "x": unknown data type "float64"`},
		{write("syntax.json", "{\n  \"format\": 1,\n}"), `syntax.json:2:13: format: expected a string, got a number`},
		{write("json.webnn", `{"format": "webnn-graph-json", "version": 1}`), ``}, // JSON content in a .webnn file
		{write("text.json", `webnn_graph "g" v1 { }`), ``},                        // text content in a .json file
		{write("garbage.onnx", "\x08\x07\x12\x04"), `garbage.onnx:1:1: unexpected character '\b'`},
		{dir + "/missing.webnn", `open ` + dir + `/missing.webnn: no such file or directory`},
	}
	for _, tc := range tests {
		_, err := LoadGraphFile(tc.path)
		got := ""
		if err != nil {
			got = strings.TrimPrefix(err.Error(), dir+"/")
		}
		if got != tc.want {
			t.Errorf("LoadGraphFile(%s)\n got %q\nwant %q", tc.path, got, tc.want)
		}
	}
}

// Keys are case-sensitive and a member given twice is refused at every
// level (the fuzzer's const with two "init" members printed as the second
// and read back as the first).
func TestParseJSONStrictKeys(t *testing.T) {
	tests := []struct{ src, want string }{
		{`{"Format": "webnn-graph-json", "version": 1}`, `json: missing "format": "webnn-graph-json"`},
		{`{"format": "webnn-graph-json", "version": 1, "version": 2}`, `json: 1:46: duplicate member "version" in the graph`},
		{`{"format": "webnn-graph-json", "version": 1, "consts": {"c": {"dataType": "float32", "shape": [], "init": {"kind": "scalar", "value": 1}, "init": {"kind": "inlineBytes", "bytes": []}}}}`, `json: 1:139: duplicate member "init" in const "c"`},
		{`{"format": "webnn-graph-json", "version": 1, "consts": {"c": {"dataType": "float32", "shape": [], "init": {"kind": "scalar", "value": 1, "value": 2}}}}`, `json: 1:138: duplicate member "value" in const "c" init`},
		{`{"format": "webnn-graph-json", "version": 1, "inputs": {"x": {"dataType": "float32", "shape": []}, "x": {"dataType": "int32", "shape": []}}}`, `json: 1:100: duplicate member "x" in inputs`},
		{`{"format": "webnn-graph-json", "version": 1, "nodes": [{"id": "a", "op": "f", "options": {"k": 1, "k": 2}}]}`, `json: 1:99: duplicate member "k" in object`},
		{`{"format": "webnn-graph-json", "version": 1, "Extra": 1, "Extra": 2}`, `json: 1:58: duplicate member "Extra" in the graph`},
		{`{"format": "webnn-graph-json", "version": 1, "name": null, "consts": null, "nodes": [{"id": "a", "op": "relu", "inputs": null, "options": null, "outputs": null, "Extra": 1}]}`, ``},
		{`{"format": "webnn-graph-json", "version": 1, "inputs": {"x": {"DataType": "float32", "shape": []}}}`, `json: 1:62: input "x": missing "dataType"`},
		{`{"format": "webnn-graph-json", "version": 1, "name": "\ud83d\ude00\u00e9\n"}`, ``},
		{"{\"format\": \"webnn-graph-json\", \"version\": 1, \"name\": \"\xff\"}", `json: 1:55: invalid UTF-8 byte 0xff in string`},
		{`{"format": "webnn-graph-json", "version": 1, "name": "a\qb"}`, `json: 1:56: invalid escape \q in string`},
		{`{"format": "webnn-graph-json", "version": 01}`, `json: 1:44: expected ',' or '}' in the graph, got a number`},
		{`{"format": "webnn-graph-json", "version": 1, "nodes": [{"id": "a", "op": "f", "options": {"x": 1.}}]}`, `json: 1:98: invalid number: digits expected after '.'`},
		{strings.Repeat("[", 600), `json: 1:1: expected an object for the graph, got an array`},
		{`{"format": "webnn-graph-json", "version": 1, "nodes": [{"id": "a", "op": "f", "options": {"x": ` + strings.Repeat("[", 600) + `}}]}`, `json: 1:605: nesting deeper than 512`},
	}
	for _, tc := range tests {
		g, err := ParseJSON([]byte(tc.src))
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tc.want {
			t.Errorf("ParseJSON(%.80q)\n got %q\nwant %q", tc.src, got, tc.want)
		}
		if err == nil && strings.Contains(tc.src, "ud83d") && g.Name != "😀é\n" {
			t.Errorf("escapes: %q", g.Name)
		}
	}
}
