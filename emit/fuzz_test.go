package emit

import (
	"reflect"
	"testing"

	"github.com/webnn-graph/webnn-graph/graph"
)

// FuzzParseText: the parser never panics; what it accepts and the printer
// prints is a fixed point of print∘parse and survives text → JSON → text.
func FuzzParseText(f *testing.F) {
	f.Add([]byte(`webnn_graph "g" v1 { inputs { x: f32[1]; } nodes { y = relu(x); } outputs { y; } }`))
	f.Add([]byte("# c\nwebnn_graph \"g\" v2 @quantized {\n  inputs {\n    # in\n    x: f32[dyn(\"b\", 8), 4];\n  }\n  consts {\n    s: f32[] @scalar(0.5);\n    m: u8[2] @bytes([1, 300]);\n  }\n  nodes {\n    [a, b] = split(x, splits=[2, 2], axis=1);\n    c = concat([a, b], axis=1, o={k: \"v\", \"n\": null});\n    d = c;\n  }\n  outputs { c, d }\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		g, err := ParseText(src)
		if err != nil {
			return
		}
		_ = graph.Validate(g, nil) // must not panic on any parsed graph
		p1, err := PrintTextWith(g, TextOptions{GrammarIdents: true})
		if err != nil {
			return // e.g. renamed outputs cannot come from text, but dyn in v3 can
		}
		g2, err := ParseText(p1)
		if err != nil {
			t.Fatalf("printed text does not parse: %v\n%s", err, p1)
		}
		p2, err := PrintTextWith(g2, TextOptions{GrammarIdents: true})
		if err != nil || string(p1) != string(p2) {
			t.Fatalf("not a fixed point (%v):\n%s\n---\n%s", err, p1, p2)
		}
		js, err := PrintJSON(g2)
		if err != nil {
			t.Fatalf("PrintJSON: %v", err)
		}
		g3, err := ParseJSON(js)
		if err != nil {
			t.Fatalf("ParseJSON of printed JSON: %v\n%s", err, js)
		}
		p3, err := PrintTextWith(g3, TextOptions{GrammarIdents: true})
		if err != nil || string(p3) != string(p1) {
			t.Fatalf("text → JSON → text changed (%v):\n%s\n---\n%s", err, p1, p3)
		}
	})
}

// FuzzParseJSON: never panics; accepted graphs that print survive JSON → JSON.
func FuzzParseJSON(f *testing.F) {
	f.Add([]byte(`{"format":"webnn-graph-json","version":1,"inputs":{"x":{"dataType":"float32","shape":[2,{"name":"b","maxSize":3}]}},"consts":{"w":{"dataType":"uint8","shape":[1],"init":{"kind":"inlineBytes","bytes":[7]}}},"nodes":[{"id":"y","op":"add","inputs":["x","w"],"options":{"a":[1,2.5,null,{"k":true}]},"outputs":["y"]}],"outputs":{"y":"y"}}`))
	f.Add([]byte(`{"format":"webnn-graph-json","version":2,"consts":{"s":{"dataType":"float16","shape":[],"init":{"kind":"scalar","value":-1e-5}}}}`))
	f.Fuzz(func(t *testing.T, src []byte) {
		g, err := ParseJSON(src)
		if err != nil {
			return
		}
		_ = graph.Validate(g, nil)
		if text, err := PrintTextWith(g, TextOptions{GrammarIdents: true}); err == nil {
			if _, err := ParseText(text); err != nil {
				t.Fatalf("text printed from JSON does not parse: %v\n%s", err, text)
			}
		}
		js, err := PrintJSON(g)
		if err != nil {
			return
		}
		g2, err := ParseJSON(js)
		if err != nil {
			t.Fatalf("printed JSON does not parse: %v\n%s", err, js)
		}
		if !reflect.DeepEqual(normalize(g), normalize(g2)) {
			t.Fatalf("JSON → JSON changed the graph\n%s", js)
		}
	})
}
