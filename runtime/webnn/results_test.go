package webnn

import (
	"testing"

	"github.com/webnn-graph/webnn-graph/graph"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// Run's results belong to the caller: they stay valid after the next Run,
// two outputs on one buffer (a view) are independent, and an output that is
// a graph input or a constant does not alias it.
func TestRunResultsOwnedByCaller(t *testing.T) {
	x1 := ft([]int{2, 2}, 1, 2, 3, 4)
	g := &graph.Graph{
		Inputs: []graph.Input{{Name: "x", Desc: descOf(x1)}},
		Consts: []graph.Const{{Name: "k", Desc: descOf(x1), Kind: graph.ConstBytes, Bytes: x1.Bytes()}},
		Nodes: []graph.Node{
			{ID: "y", Op: "add", Inputs: []string{"x", "k"}},
			{ID: "z", Op: "reshape", Inputs: []string{"y"}, Options: map[string]any{"newShape": []any{int64(4)}}},
		},
		Outputs: []graph.Output{{Name: "y", Operand: "y"}, {Name: "z", Operand: "z"}, {Name: "xo", Operand: "x"}, {Name: "ko", Operand: "k"}},
	}
	p, err := Compile(g, nil)
	if err != nil {
		t.Fatal(err)
	}
	r1, err := p.Run(map[string]*tensor.Tensor{"x": x1})
	if err != nil {
		t.Fatal(err)
	}
	x2 := ft([]int{2, 2}, 10, 20, 30, 40)
	r2, err := p.Run(map[string]*tensor.Tensor{"x": x2})
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name string
		got  *tensor.Tensor
		want *tensor.Tensor
	}{
		{"run 1 y", r1["y"], ft([]int{2, 2}, 2, 4, 6, 8)},
		{"run 1 z", r1["z"], ft([]int{4}, 2, 4, 6, 8)},
		{"run 2 y", r2["y"], ft([]int{2, 2}, 11, 22, 33, 44)},
		{"run 2 z", r2["z"], ft([]int{4}, 11, 22, 33, 44)},
		{"run 2 xo", r2["xo"], x2},
	}
	for _, c := range checks {
		if err := sameTensor(c.got, c.want); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	// Writing into one result must not show through another, an input or
	// the program's constant.
	r2["y"].Data.([]float32)[0] = -1
	r2["xo"].Data.([]float32)[0] = -1
	r2["ko"].Data.([]float32)[0] = -1
	if v := r2["z"].Data.([]float32)[0]; v != 11 {
		t.Errorf("z shares y's buffer: z[0] = %v after writing y[0]", v)
	}
	if v := x2.Data.([]float32)[0]; v != 10 {
		t.Errorf("output xo aliases input x: x[0] = %v", v)
	}
	r3, err := p.Run(map[string]*tensor.Tensor{"x": x1})
	if err != nil {
		t.Fatal(err)
	}
	if err := sameTensor(r3["y"], ft([]int{2, 2}, 2, 4, 6, 8)); err != nil {
		t.Errorf("run 3 y (constant must be intact): %v", err)
	}
}

// Size classes: a buffer serves requests up to 12.5% larger than the one
// that created it, and is never smaller than asked.
func TestRoundCap(t *testing.T) {
	for _, n := range []int{1, 7, 1024, 1025, 4095, 4096, 4097, 1 << 20, 1<<20 + 1, 3_000_001} {
		c := roundCap(n)
		if c < n || float64(c) > float64(n)*1.125+1 {
			t.Errorf("roundCap(%d) = %d", n, c)
		}
	}
}
