package emit

import (
	"reflect"
	"strings"
	"testing"

	"github.com/webnn-graph/webnn-graph/graph"
	"github.com/webnn-graph/webnn-graph/tensor"
)

func mustParse(t *testing.T, src string) *graph.Graph {
	t.Helper()
	g, err := ParseText([]byte(src))
	if err != nil {
		t.Fatalf("ParseText: %v\n%s", err, src)
	}
	return g
}

func TestParseTextAccepts(t *testing.T) {
	tests := []struct {
		name  string
		src   string
		check func(t *testing.T, g *graph.Graph)
	}{
		{"header spacing and quantized", `webnn_graph "n" v 2 @quantized { }`, func(t *testing.T, g *graph.Graph) {
			if g.Name != "n" || g.Version != 2 || !g.Quantized {
				t.Errorf("got name %q version %d quantized %v", g.Name, g.Version, g.Quantized)
			}
		}},
		{"missing final brace", `webnn_graph "n" v1 { outputs { }`, nil},
		{"extra braces", `webnn_graph "n" v1 { } } outputs { } }`, nil},
		{"blocks repeat and merge", `webnn_graph "g" v1 {
			inputs { a: f32[1]; } nodes { b = relu(a); } inputs { c: i64[]; } nodes { d = add(b, c); }
			outputs { b } outputs { d; } }`, func(t *testing.T, g *graph.Graph) {
			if len(g.Inputs) != 2 || g.Inputs[1].Name != "c" || len(g.Nodes) != 2 || len(g.Outputs) != 2 {
				t.Errorf("blocks not merged: %+v", g)
			}
			if g.Inputs[1].Desc.DType != tensor.Int64 || len(g.Inputs[1].Desc.Shape) != 0 {
				t.Errorf("c: %v", g.Inputs[1].Desc)
			}
		}},
		{"outputs with commas and no semicolons", `webnn_graph "g" v1 { outputs { a, b; c d } }`, func(t *testing.T, g *graph.Graph) {
			want := []graph.Output{{Name: "a", Operand: "a"}, {Name: "b", Operand: "b"}, {Name: "c", Operand: "c"}, {Name: "d", Operand: "d"}}
			if !reflect.DeepEqual(g.Outputs, want) {
				t.Errorf("outputs %v", g.Outputs)
			}
		}},
		{"dyn dims and spaces", `webnn_graph "g" v1 { inputs { x: f32 [ dyn ( "batch size" , 8 ) , 3 ]; } }`, func(t *testing.T, g *graph.Graph) {
			want := []graph.Dim{graph.Dynamic("batch size", 8), graph.Static(3)}
			if !reflect.DeepEqual(g.Inputs[0].Desc.Shape, want) {
				t.Errorf("shape %v", g.Inputs[0].Desc.Shape)
			}
		}},
		{"const annotations", `webnn_graph "g" v1 { consts {
			a: f32[2];
			b: f32[2] @weights("w.b");
			c: f32[] @scalar(-1.5e-3);
			d: u8[3] @bytes([1, 256, 257]);
			e: i32[1] @scalar(1) @weights("last");
			f: u8[0] @bytes([]);
		} }`, func(t *testing.T, g *graph.Graph) {
			c := g.Consts
			if c[0].Kind != graph.ConstWeights || c[0].Ref != "a" {
				t.Errorf("default annotation: %+v", c[0])
			}
			if c[1].Ref != "w.b" || c[2].Kind != graph.ConstScalar || c[2].Scalar != "-1.5e-3" {
				t.Errorf("weights/scalar: %+v %+v", c[1], c[2])
			}
			if !reflect.DeepEqual(c[3].Bytes, []byte{1, 0, 1}) {
				t.Errorf("@bytes wrap: %v", c[3].Bytes)
			}
			if c[4].Kind != graph.ConstWeights || c[4].Ref != "last" {
				t.Errorf("last annotation wins: %+v", c[4])
			}
			if c[5].Kind != graph.ConstBytes || len(c[5].Bytes) != 0 {
				t.Errorf("empty bytes: %+v", c[5])
			}
		}},
		{"multi assign and alias", `webnn_graph "g" v1 { nodes { [a, b] = split(x, splits=2); [c] = relu(a); y = x; } }`, func(t *testing.T, g *graph.Graph) {
			n := g.Nodes
			if n[0].ID != "a" || !reflect.DeepEqual(n[0].Outputs, []string{"a", "b"}) || n[1].ID != "c" || !reflect.DeepEqual(n[1].Outputs, []string{"c"}) {
				t.Errorf("multi-assign: %+v", n[:2])
			}
			if n[2].Op != "" || !reflect.DeepEqual(n[2].Inputs, []string{"x"}) || n[2].Outputs != nil {
				t.Errorf("alias: %+v", n[2])
			}
		}},
		{"args: positional kinds and options", `webnn_graph "g" v1 { nodes {
			y = concat([a, "b", 3], c, "d e", 2, true, null, {k: 1}, axis=1, to=int64, s="int64", arr=[1, -2.5, x, [true]], obj={"maxSize": 4, name: "b", n: null}, neg=-0);
		} }`, func(t *testing.T, g *graph.Graph) {
			n := g.Nodes[0]
			if !reflect.DeepEqual(n.Inputs, []string{"a", "b", "c", "d e"}) {
				t.Errorf("inputs %q", n.Inputs)
			}
			want := map[string]any{
				"axis": graph.Number("1"), "to": "int64", "s": "int64",
				"arr": []any{graph.Number("1"), graph.Number("-2.5"), "x", []any{true}},
				"obj": map[string]any{"maxSize": graph.Number("4"), "name": "b", "n": nil},
				"neg": graph.Number("-0"),
			}
			if !reflect.DeepEqual(n.Options, want) {
				t.Errorf("options %#v", n.Options)
			}
		}},
		{"empty call and keyword names", `webnn_graph "g" v1 { nodes { inputs = constant(); nodes = relu(inputs); } }`, func(t *testing.T, g *graph.Graph) {
			if g.Nodes[0].ID != "inputs" || len(g.Nodes[0].Inputs) != 0 || g.Nodes[1].Inputs[0] != "inputs" {
				t.Errorf("%+v", g.Nodes)
			}
		}},
		{"grammar identifiers", `webnn_graph "g" v1 { inputs { a.b/c: f32[1]; $x: f32[1]; /y: f32[1]; true_in: f32[1]; } outputs { null_out; } }`, func(t *testing.T, g *graph.Graph) {
			if g.Inputs[0].Name != "a.b/c" || g.Inputs[1].Name != "$x" || g.Inputs[2].Name != "/y" || g.Inputs[3].Name != "true_in" || g.Outputs[0].Name != "null_out" {
				t.Errorf("%+v %+v", g.Inputs, g.Outputs)
			}
		}},
		{"string escapes", `webnn_graph "a\"b\\c\nd
e" v1 { }`, func(t *testing.T, g *graph.Graph) {
			if g.Name != "a\"b\\c\\nd\ne" {
				t.Errorf("name %q", g.Name)
			}
		}},
		{"comments attach to the next item", `# file comment
webnn_graph "g" v1 { # after header
  inputs {
    # the input
    #
    #   indented
    x: f32[1]; # trailing: belongs to the next item
    y: f32[1];
  }
  nodes {
    # first node
    z = add(x, # inside a call: dropped
      y);
  }
  outputs { z; } # dropped
}`, func(t *testing.T, g *graph.Graph) {
			if g.Inputs[0].Comment != "the input\n\n  indented" {
				t.Errorf("input comment %q", g.Inputs[0].Comment)
			}
			if g.Inputs[1].Comment != "trailing: belongs to the next item" {
				t.Errorf("second input comment %q", g.Inputs[1].Comment)
			}
			if g.Nodes[0].Comment != "first node" {
				t.Errorf("node comment %q", g.Nodes[0].Comment)
			}
		}},
		{"numbers keep their text", `webnn_graph "g" v1 { nodes { y = clamp(x, minValue=3.4028234663852886e38, maxValue=12345678901234567890123, e=1E+5); } }`, func(t *testing.T, g *graph.Graph) {
			o := g.Nodes[0].Options
			if o["minValue"] != graph.Number("3.4028234663852886e38") || o["maxValue"] != graph.Number("12345678901234567890123") || o["e"] != graph.Number("1E+5") {
				t.Errorf("%#v", o)
			}
		}},
		{"CRLF and tabs", "webnn_graph \"g\" v1 {\r\n\tinputs {\r\n\t\tx: f32[1];\r\n\t}\r\n}\r\n", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := mustParse(t, tc.src)
			if tc.check != nil {
				tc.check(t, g)
			}
		})
	}
}

func TestParseTextWarnings(t *testing.T) {
	_, w, err := ParseTextWarnings([]byte(`webnn_graph "g" v1 { nodes { y = pow(x, 2); z = concat([a, 1], axis=0); } }`))
	if err != nil {
		t.Fatal(err)
	}
	got := make([]string, len(w))
	for i := range w {
		got[i] = w[i].String()
	}
	want := []string{
		"1:41: positional number 2 argument of pow dropped, as webnn-graph does (use a named option)",
		"1:56: positional array element number 1 of concat dropped (only operand names are kept)",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("warnings\n got %q\nwant %q", got, want)
	}
}

func TestParseTextErrors(t *testing.T) {
	const h = `webnn_graph "g" v1 { `
	tests := []struct{ src, want string }{
		{``, `1:1: expected header 'webnn_graph "name" vN {', got end of file`},
		{`webnn_graph g v1 {}`, `1:13: expected the graph name string after webnn_graph, got 'g'`},
		{`webnn_graph "g" 1 {}`, `1:17: expected the version 'vN' after the graph name, got '1'`},
		{`webnn_graph "g" v {}`, `1:19: expected the version number after 'v', got '{'`},
		{`webnn_graph "g" v99999999999 {}`, `1:17: version 99999999999 is out of range`},
		{`webnn_graph "g" v1 @quant {}`, `1:20: expected '@quantized' or '{' after the version, got '@quant'`},
		{`webnn_graph "g" v1 inputs {}`, `1:20: expected '{' to open the graph, got 'inputs'`},
		{h + `input { }`, `1:22: expected a block (inputs, consts, nodes, outputs) or '}', got 'input'`},
		{h + `inputs { x: float32[1]; }`, `1:34: unknown data type "float32" (want f32, f16, i32, u32, i64, u64, i8, u8, i4, u4)`},
		{h + `inputs { x: f32[-1]; }`, `1:38: expected a non-negative integer (shape dimension), got '-1'`},
		{h + `inputs { x: f32[1.5]; }`, `1:38: expected a non-negative integer (shape dimension), got '1.5'`},
		{h + `inputs { x: f32[1] }`, `1:41: expected ';' after input declaration x, got '}'`},
		{h + `inputs { x: f32[1 2]; }`, `1:40: expected ',' or ']' in shape, got '2'`},
		{h + `inputs { 495: f32[2]; }`, `1:31: expected an identifier (input name), got '495'`},
		{h + `inputs { a-b: f32[2]; }`, `1:32: unexpected character '-'`},
		{h + `inputs { onnx::x: f32[2]; }`, `1:36: expected a data type (f32, f16, i32, u32, i64, u64, i8, u8, i4, u4), got ':'`},
		{h + `inputs { é: f32[2]; }`, `1:31: unexpected character 'é' (identifiers are ASCII)`},
		{h + `inputs { x: f32[1];`, `1:41: unterminated inputs block (opened at 1:22)`},
		{h + `inputs { w: f32[dyn("", 2)]; }`, `1:42: dynamic dimension with an empty name`},
		{h + `consts { w: f32[dyn("b", 2)]; }`, `1:38: constant shapes must be static (dyn is allowed on inputs only)`},
		{h + `consts { w: f32[1] @scalar(true); }`, `1:49: expected a number in @scalar(...), got 'true'`},
		{h + `consts { w: f32[1] @scalar(.5); }`, `1:49: unexpected character '.'`},
		{h + `consts { w: f32[1] @bytes([1, -2]); }`, `1:52: expected a byte value in @bytes([...]), got '-2'`},
		{h + `consts { w: f32[1] @weights(w); }`, `1:50: expected the weights key string in @weights(...), got 'w'`},
		{h + `consts { w: f32[1] @zeros(); }`, `1:41: unknown const annotation @zeros (want @weights, @scalar, @bytes)`},
		{h + `consts { w: f32[1] @bytes([99999999999999999999]); }`, `1:49: byte value 99999999999999999999 is out of range`},
		{h + `nodes { y = where(c, true_value, f); }`, `1:43: identifier "true_value" starts with true/false/null, which the webnn-graph grammar reads as a literal here`},
		{h + `nodes { y = add(x, y) }`, `1:44: expected ';' after the statement defining y, got '}'`},
		{h + `nodes { y = relu(x,); }`, `1:41: expected a value (identifier, string, number, true, false, null, array or object), got ')'`},
		{h + `nodes { y = 5; }`, `1:34: expected an operation call or an operand name after '=', got '5'`},
		{h + `nodes { y = clamp(x, minValue=+1); }`, `1:52: unexpected character '+'`},
		{h + `nodes { y = clamp(x, minValue=1.); }`, `1:53: unexpected character '.'`},
		{h + `nodes { y = clamp(x, minValue=-inf); }`, `1:52: unexpected character '-'`},
		{h + `nodes { y = clamp(x, minValue=NaN); }`, ``}, // NaN is an identifier value: a string option
		{h + `nodes { // comment
		}`, `1:33: expected '=' after //, got 'comment'`},
		{h + `nodes { y = f(x, o={a 1}); }`, `1:44: expected ':' after object key, got '1'`},
		{h + `nodes { y = f(x, o={1: 1}); }`, `1:42: expected an object key (identifier or string), got '1'`},
		{h + `nodes { y = f(x, o=[1 2]); }`, `1:44: expected ',' or ']' in array, got '2'`},
		{h + `nodes { y = f(x, o={a: 1 b: 2}); }`, `1:47: expected ',' or '}' in object, got 'b'`},
		{h + `nodes { [a b] = split(x); }`, `1:33: expected ']' to close the output list, got 'b'`},
		{h + `nodes { y = f(x y); }`, `1:38: expected ',' or ')' in the arguments of f, got 'y'`},
		{h + `nodes { y = f(x); `, `1:40: unterminated nodes block (opened at 1:22)`},
		{h + `outputs { 1; }`, `1:32: expected an identifier (output name), got '1'`},
		{`webnn_graph "g`, `1:13: unterminated string`},
		{"webnn_graph \"g\" v1 {\n  inputs { x\xff: f32[1]; }", `2:13: invalid UTF-8 byte 0xff`},
		{`webnn_graph "g" v1 { graph test ( %input: f32[1] ) }`, `1:22: expected a block (inputs, consts, nodes, outputs) or '}', got 'graph'`},
		{h + `nodes { y = f(x, k=@w); }`, `1:41: expected a value (identifier, string, number, true, false, null, array or object), got '@w'`},
		{h + `nodes { y = f(x, k=@); } % later lexical error`, `1:41: expected an annotation name after '@'`},
		{h + `nodes { y = f(x, k); } %`, `1:45: unexpected character '%'`},
		{h + `nodes { y = f(x, k=@); }`, `1:41: expected an annotation name after '@'`},
	}
	for _, tc := range tests {
		_, err := ParseText([]byte(tc.src))
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tc.want {
			t.Errorf("ParseText(%q)\n got %q\nwant %q", tc.src, got, tc.want)
		}
	}
}

// The printer's output must parse back to the same output (fixed point),
// and the parse of canonical text must give back the graph it came from.
func TestPrintParseFixedPoint(t *testing.T) {
	for _, name := range goldenNames(t) {
		t.Run(name, func(t *testing.T) {
			g := goldenGraphs()[name]
			p1, err := PrintText(g)
			if err != nil {
				t.Fatal(err)
			}
			g2, err := ParseText(p1)
			if err != nil {
				t.Fatalf("reparse: %v\n%s", err, p1)
			}
			p2, err := PrintText(g2)
			if err != nil {
				t.Fatal(err)
			}
			if string(p1) != string(p2) {
				t.Errorf("not a fixed point:\n%s\n---\n%s", p1, p2)
			}
			if !strings.HasSuffix(string(p1), "}\n}\n") {
				t.Errorf("layout: %q", p1[len(p1)-8:])
			}
		})
	}
}
