package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/webnn-graph/webnn-graph/tensor"
)

// TestValidateTargetAndRunAgree: validate accepts what run runs (rustnn's
// constant(data=…) node) and refuses what run refuses (a size expression
// outside the grammar, a dim no input declares); --target adds the
// loader's rules (rustnn-0.5 refuses 4 * batch_size, webnn reads it).
func TestValidateTargetAndRunAgree(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name, "model.webnn")
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	constant := write("constant", `webnn_graph "g" v1 {
  inputs { x: f32[2]; }
  nodes {
    c = constant(dataType="Float32", shape=[2], data="AACAPwAAAEA=");
    y = add(x, c);
  }
  outputs { y; }
}
`)
	folded := write("folded", `webnn_graph "g" v2 {
  inputs { x: f32[dyn("batch_size", 8), 4, 6]; }
  nodes { y = reshape(x, newShape=[{"maxSize": 32, "name": "4 * batch_size"}, 6]); }
  outputs { y; }
}
`)
	undeclared := write("undeclared", `webnn_graph "g" v2 {
  inputs { x: f32[dyn("batch_size", 8), 4, 6]; }
  nodes { y = reshape(x, newShape=[{"maxSize": 32, "name": "seq"}, 6]); }
  outputs { y; }
}
`)
	inputs := filepath.Join(dir, "x.npz")
	x := &tensor.Tensor{DType: tensor.Float32, Shape: []int{2}, Data: []float32{1, 1}}
	if err := tensor.WriteNPZ(inputs, []string{"x"}, map[string]*tensor.Tensor{"x": x}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want int    // exit status
		err  string // stderr substring
	}{
		{[]string{"validate", constant}, 0, ""},
		{[]string{"validate", constant, "--target", "webnn"}, 1, "op constant is a rustnn extra"},
		{[]string{"run", constant, "--inputs", inputs}, 0, "min 2 max 3"}, // 1+1, 1+2
		{[]string{"validate", folded}, 0, ""},
		{[]string{"validate", folded, "--target", "webnn"}, 0, ""},
		{[]string{"validate", folded, "--target", "rustnn-0.5"}, 1, `size expression "4 * batch_size" is not one target rustnn-0.5 evaluates`},
		{[]string{"validate", undeclared}, 1, `reads dim "seq", which no graph input declares`},
		{[]string{"validate", folded, "--target", "chrome"}, 2, "unknown target"},
	} {
		status, stdout, stderr := cli(t, tc.args...)
		if status != tc.want || !strings.Contains(stderr+stdout, tc.err) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d with %q", tc.args, status, stderr, tc.want, tc.err)
		}
	}
}
