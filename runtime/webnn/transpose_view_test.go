package webnn

import (
	"testing"

	"github.com/webnn-graph/webnn-graph/graph"
	"github.com/webnn-graph/webnn-graph/tensor"
)

func TestOrderKept(t *testing.T) {
	tests := []struct {
		shape, perm []int
		want        bool
	}{
		{[]int{1, 1, 9, 64}, []int{0, 2, 1, 3}, true},
		{[]int{1, 9, 1, 64}, []int{0, 2, 1, 3}, true},
		{[]int{1, 9, 2, 64}, []int{0, 2, 1, 3}, false},
		{[]int{2, 3}, []int{1, 0}, false},
		{[]int{2, 1, 3}, []int{1, 0, 2}, true},
		{[]int{2, 1, 3}, []int{2, 1, 0}, false},
		{[]int{0, 3}, []int{1, 0}, false},
		{[]int{}, []int{}, true},
	}
	for _, tc := range tests {
		if got := orderKept(tc.shape, tc.perm); got != tc.want {
			t.Errorf("orderKept(%v, %v) = %v, want %v", tc.shape, tc.perm, got, tc.want)
		}
	}
}

// A transpose that only moves size-1 axes is a view of an intermediate
// buffer; that buffer must stay live while the view is read and the values
// must equal the copying transpose's.
func TestTransposeViewLiveness(t *testing.T) {
	x := ft([]int{1, 2, 1, 3}, 1, 2, 3, 4, 5, 6)
	g := &graph.Graph{
		Inputs: []graph.Input{{Name: "x", Desc: descOf(x)}},
		Nodes: []graph.Node{
			{ID: "y", Op: "add", Inputs: []string{"x", "x"}},
			{ID: "t", Op: "transpose", Inputs: []string{"y"}, Options: map[string]any{"permutation": []any{int64(2), int64(1), int64(0), int64(3)}}},
			{ID: "u", Op: "mul", Inputs: []string{"x", "x"}}, // would reuse y's buffer if the view did not hold it
			{ID: "z", Op: "add", Inputs: []string{"t", "u"}},
			{ID: "w", Op: "transpose", Inputs: []string{"z"}, Options: map[string]any{"permutation": []any{int64(0), int64(3), int64(2), int64(1)}}},
		},
		Outputs: []graph.Output{{Name: "z", Operand: "z"}, {Name: "w", Operand: "w"}},
	}
	p, err := Compile(g, nil)
	if err != nil {
		t.Fatal(err)
	}
	for run := 0; run < 2; run++ {
		res, err := p.Run(map[string]*tensor.Tensor{"x": x})
		if err != nil {
			t.Fatal(err)
		}
		// z = 2x + x² (shape [1,2,1,3] permuted to [1,2,1,3]); w swaps the 3 and 2 axes: a real copy
		if err := sameTensor(res["z"], ft([]int{1, 2, 1, 3}, 3, 8, 15, 24, 35, 48)); err != nil {
			t.Errorf("run %d z: %v", run, err)
		}
		if err := sameTensor(res["w"], ft([]int{1, 3, 1, 2}, 3, 24, 8, 35, 15, 48)); err != nil {
			t.Errorf("run %d w: %v", run, err)
		}
	}
}
