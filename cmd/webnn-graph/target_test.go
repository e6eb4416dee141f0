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

// TestDefaultTargetFallback: a model refused by the default target only
// for its loader's size forms (an STFT frame count (N + 16) / 32 - 1,
// which rustnn 0.5 cannot evaluate) converts, verifies and generates
// without --target, for the webnn target, and says why; an explicit
// --target rustnn-0.5 still refuses it, and an explicit --target webnn
// gives the same graph without the note.
func TestDefaultTargetFallback(t *testing.T) {
	model := filepath.Join("..", "..", "testdata", "dims", "stft_conv.onnx")
	dir := t.TempDir()
	for _, tc := range []struct {
		args     []string
		want     int
		contains []string
		absent   []string
	}{
		{[]string{"convert", model, "-o", filepath.Join(dir, "default")}, 0,
			[]string{"for webnn", "converted for --target webnn: the default target rustnn-0.5 cannot read this graph", `size expression "(N + 16) / 32 - 1"`}, nil},
		{[]string{"convert", model, "-o", filepath.Join(dir, "rustnn"), "--target", "rustnn-0.5"}, 1,
			[]string{"a limit of the target loader, not of WebNN"}, []string{"converted for --target webnn"}},
		{[]string{"convert", model, "-o", filepath.Join(dir, "webnn"), "--target", "webnn"}, 0,
			[]string{"for webnn"}, []string{"the default target"}},
		{[]string{"verify", model}, 0, []string{"PASS", "converted for --target webnn"}, nil},
		{[]string{"verify", model, "--target", "rustnn-0.5"}, 1, []string{"a limit of the target loader"}, nil},
	} {
		status, stdout, stderr := cli(t, tc.args...)
		all := stdout + stderr
		ok := status == tc.want
		for _, s := range tc.contains {
			ok = ok && strings.Contains(all, s)
		}
		for _, s := range tc.absent {
			ok = ok && !strings.Contains(all, s)
		}
		if !ok {
			t.Errorf("%v: exit %d (want %d), output:\n%s", tc.args[:1], status, tc.want, all)
		}
	}
	a, _ := os.ReadFile(filepath.Join(dir, "default", "model.webnn"))
	b, _ := os.ReadFile(filepath.Join(dir, "webnn", "model.webnn"))
	if len(a) == 0 || string(a) != string(b) {
		t.Errorf("the fallback graph differs from --target webnn's (%d and %d bytes)", len(a), len(b))
	}
	if _, err := os.Stat(filepath.Join(dir, "rustnn")); !os.IsNotExist(err) {
		t.Errorf("the refused convert left its output directory: %v", err)
	}
}
