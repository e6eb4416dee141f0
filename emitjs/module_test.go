package emitjs

import (
	"bytes"
	"encoding/hex"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/webnn-graph/webnn-graph/emit"
	"github.com/webnn-graph/webnn-graph/graph"
	"github.com/webnn-graph/webnn-graph/tensor"
)

var update = flag.Bool("update", false, "rewrite emitjs/testdata/*.golden.js from the emitter")

func loadText(t *testing.T, src string) *graph.Graph {
	t.Helper()
	g, err := emit.ParseText([]byte(src))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	if err := graph.Validate(g, nil); err != nil {
		t.Fatalf("validate: %v", err)
	}
	return g
}

// generated is the module without the fixed prelude: the tables and the
// build function, which the golden file pins.
func generated(js []byte) string {
	s := string(js)
	start := strings.Index(s, "const FILES")
	mid := strings.Index(s, "// ---- The fixed part")
	end := strings.Index(s, "// ---- Generated from the graph")
	if start < 0 || mid < 0 || end < 0 {
		return s
	}
	return s[start:mid] + s[end:]
}

// TestModuleGolden pins the generated part of the module of the all-ops
// graph (go test ./emitjs -run Golden -update rewrites it).
func TestModuleGolden(t *testing.T) {
	for _, name := range []string{"ops", "dynamic"} {
		g, err := emit.LoadGraphFile(filepath.Join("testdata", name+".webnn"))
		if err != nil {
			t.Fatal(err)
		}
		js, err := Module(g, Options{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got := []byte(generated(js))
		path := filepath.Join("testdata", name+".golden.js")
		if *update {
			if err := os.WriteFile(path, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test ./emitjs -run Golden -update)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: the generated module differs from %s (go test ./emitjs -run Golden -update rewrites it; check the diff)", name, path)
		}
	}
}

// TestNodeCheck parses every emitted test module with node --check.
func TestNodeCheck(t *testing.T) {
	node := needNode(t)
	for _, name := range []string{"ops", "dynamic"} {
		g, err := emit.LoadGraphFile(filepath.Join("testdata", name+".webnn"))
		if err != nil {
			t.Fatal(err)
		}
		js, err := Module(g, Options{WeightsURL: "w/model.weights", ManifestURL: "w/manifest.json"})
		if err != nil {
			t.Fatal(err)
		}
		nodeCheck(t, node, js)
	}
}

func nodeCheck(t *testing.T, node string, js []byte) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "model.mjs")
	if err := os.WriteFile(p, js, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(node, "--check", p).CombinedOutput(); err != nil {
		t.Fatalf("node --check: %v\n%s", err, out)
	}
}

// TestModuleRefuses lists what WebNN cannot express: each is an emit-time
// error naming node, op and the reason.
func TestModuleRefuses(t *testing.T) {
	head := `webnn_graph "g" v2 { inputs { x: f32[dyn("batch_size", 4), 6]; i: i32[2]; } nodes { `
	for _, c := range []struct{ name, nodes, want string }{
		{"unknown option", `y = softmax(x, axis=1, temperature=2);`, `node "y" (softmax): option "temperature" has no WebNN equivalent`},
		{"constant node", `y = constant(data=[1]);`, `node "y" (constant): constant(data=…) nodes`},
		{"undeclared dim", `y = reshape(x, newShape=[{"maxSize": 8, "name": "2 * seq"}, 3]);`, `size "2 * seq" uses "seq", which no graph input declares`},
		{"bad size", `y = reshape(x, newShape=[{"maxSize": 8, "name": "batch_size +"}, 3]);`, `node "y" (reshape): newShape[0]: size "batch_size +"`},
		{"bad enum", `y = pad(x, beginningPadding=[0, 1], endingPadding=[0, 1], mode="wrap");`, `mode: "wrap" is not one of constant, edge, reflection`},
		{"gatherND batch dims", `y = gatherND(x, i, batchDimensions=1);`, `option batchDimensions=1 has no WebNN equivalent (only 0 does)`},
		{"missing argument", `y = reshape(x);`, `node "y" (reshape): missing newShape`},
		{"too many inputs", `y = relu(x, i);`, `node "y" (relu): 2 operand inputs, WebNN's relu takes at most 1`},
		{"not a boolean", `y = reduceSum(x, keepDimensions=1);`, `keepDimensions: 1 is not a boolean`},
		{"not a data type", `y = cast(x, to="bfloat16");`, `dataType: bfloat16 is not a WebNN data type`},
	} {
		t.Run(c.name, func(t *testing.T) {
			g, err := emit.ParseText([]byte(head + c.nodes + ` } outputs { y; } }`))
			if err != nil {
				t.Fatal(err)
			}
			_, err = Module(g, Options{})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an error containing %q", err, c.want)
			}
		})
	}
}

func TestScalarBytes(t *testing.T) {
	for _, c := range []struct {
		dt   tensor.DType
		text string
		want string // hex, little-endian
	}{
		{tensor.Float32, "0.5", "0000003f"},
		{tensor.Float32, "-3.4028234663852886e+38", "ffff7fff"},
		{tensor.Float16, "1.5", "003e"},
		{tensor.Float16, "65520", "007c"}, // rounds to +inf
		{tensor.Int64, "-9223372036854775808", "0000000000000080"},
		{tensor.Int64, "9223372036854775807", "ffffffffffffff7f"},
		{tensor.Int32, "3000000000", "ffffff7f"}, // saturates
		{tensor.Int32, "-2.7", "feffffff"},       // truncates toward zero
		{tensor.Uint8, "-1", "00"},
		{tensor.Uint8, "300", "ff"},
		{tensor.Int8, "1e2", "64"},
		{tensor.Uint4, "20", "0f"},
		{tensor.Int4, "-9", "f8"},
		{tensor.Uint64, "18446744073709551615", "ffffffffffffffff"},
	} {
		b, err := scalarBytes(c.dt, c.text)
		if err != nil {
			t.Errorf("%v %s: %v", c.dt, c.text, err)
			continue
		}
		if got := hex.EncodeToString(b); got != c.want {
			t.Errorf("%v %s: %s, want %s", c.dt, c.text, got, c.want)
		}
	}
}

// TestEveryOpHasACall keeps the call table in step with graph.Ops.
func TestEveryOpHasACall(t *testing.T) {
	if missing := opsCovered(); len(missing) > 0 {
		t.Errorf("graph ops without a WebNN call in calls.go: %v", missing)
	}
	for name, c := range calls {
		if _, ok := graph.Ops[name]; !ok {
			t.Errorf("calls.go maps %q, which graph.Ops does not list", name)
		}
		if len(c.operands) == 0 {
			t.Errorf("%s: no operands", name)
			continue
		}
		// The positional operand slots cover graph.Ops' input counts (a
		// graph may also name RNN biases and states in options, so the
		// call can take more than Validate lets through positionally).
		info := graph.Ops[name]
		min, max := len(c.operands), len(c.operands)+len(c.extras)
		if c.operands[0] == "inputs" {
			min, max = 1, -1
		}
		if name == "quantizeLinear" || name == "dequantizeLinear" {
			min-- // the zero point may be left out
		}
		if info.MinInputs != min || (max < 0) != (info.MaxInputs < 0) || info.MaxInputs > max {
			t.Errorf("%s: the call takes %d to %d operands, graph.Ops says %d to %d", name, min, max, info.MinInputs, info.MaxInputs)
		}
	}
}
