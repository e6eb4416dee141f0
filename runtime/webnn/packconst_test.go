package webnn

import (
	"strings"
	"testing"

	"github.com/webnn-graph/webnn-graph/graph"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// A weight read only as a packed matmul/gemm B keeps no decoded copy; one
// that anything else reads (another op, an operand-valued option, a graph
// output) keeps it. Results must be the same either way.
func TestPackOnlyConstNotDecoded(t *testing.T) {
	w := ft([]int{2, 3}, 1, 2, 3, 4, 5, 6)
	wdesc := descOf(w)
	x := ft([]int{1, 2}, 1, 2)
	xw := ft([]int{1, 3}, 9, 12, 15) // x·W
	tests := []struct {
		name      string
		nodes     []graph.Node
		outputs   []graph.Output
		kind      graph.ConstKind
		wantStub  bool
		wantOut   string
		wantValue *tensor.Tensor
	}{
		{"matmul only", []graph.Node{{ID: "y", Op: "matmul", Inputs: []string{"x", "w"}}}, nil, graph.ConstBytes, true, "y", xw},
		{"matmul only, weights", []graph.Node{{ID: "y", Op: "matmul", Inputs: []string{"x", "w"}}}, nil, graph.ConstWeights, true, "y", xw},
		{"two matmuls", []graph.Node{
			{ID: "y0", Op: "matmul", Inputs: []string{"x", "w"}},
			{ID: "y", Op: "gemm", Inputs: []string{"x", "w"}},
		}, nil, graph.ConstBytes, true, "y", xw},
		{"also added", []graph.Node{
			{ID: "y", Op: "matmul", Inputs: []string{"x", "w"}},
			{ID: "z", Op: "add", Inputs: []string{"w", "w"}},
		}, nil, graph.ConstBytes, false, "z", ft([]int{2, 3}, 2, 4, 6, 8, 10, 12)},
		{"as operand A", []graph.Node{{ID: "y", Op: "matmul", Inputs: []string{"x", "w"}}, {ID: "z", Op: "matmul", Inputs: []string{"w", "w3"}}}, nil, graph.ConstBytes, false, "z", ft([]int{2, 1}, 6, 15)},
		{"gemm c option", []graph.Node{{ID: "y", Op: "gemm", Inputs: []string{"x3", "w"}, Options: map[string]any{"c": "w"}}}, nil, graph.ConstBytes, false, "y", ft([]int{2, 3}, 2, 4, 6, 8, 10, 12)},
		{"graph output", []graph.Node{{ID: "y", Op: "matmul", Inputs: []string{"x", "w"}}}, []graph.Output{{Name: "wout", Operand: "w"}}, graph.ConstBytes, false, "wout", w},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			k := graph.Const{Name: "w", Desc: wdesc, Kind: tc.kind}
			var ws graph.WeightSource
			if tc.kind == graph.ConstWeights {
				k.Ref = "w"
				ws = mapWeights{"w": w.Bytes()}
			} else {
				k.Bytes = w.Bytes()
			}
			x3 := ft([]int{2, 2}, 1, 0, 0, 1) // identity
			w3 := ft([]int{3, 1}, 1, 1, 1)
			g := &graph.Graph{
				Inputs: []graph.Input{{Name: "x", Desc: descOf(x)}, {Name: "x3", Desc: descOf(x3)}},
				Consts: []graph.Const{k, {Name: "w3", Desc: descOf(w3), Kind: graph.ConstBytes, Bytes: w3.Bytes()}},
				Nodes:  tc.nodes,
			}
			g.Outputs = append([]graph.Output{{Name: tc.wantOut, Operand: tc.wantOut}}, tc.outputs...)
			if tc.outputs != nil {
				g.Outputs = tc.outputs
			}
			p, err := Compile(g, ws)
			if err != nil {
				t.Fatal(err)
			}
			stub := len(p.consts[p.slotOf["w"]].Data.([]float32)) == 0
			if stub != tc.wantStub {
				t.Errorf("decoded copy dropped = %v, want %v", stub, tc.wantStub)
			}
			for run := 0; run < 2; run++ {
				res, err := p.Run(map[string]*tensor.Tensor{"x": x, "x3": x3})
				if err != nil {
					t.Fatal(err)
				}
				if err := sameTensor(res[tc.wantOut], tc.wantValue); err != nil {
					t.Errorf("run %d: %v", run, err)
				}
			}
		})
	}
}

// A deferred weight with the wrong byte length still fails Compile, naming it.
func TestPackOnlyConstBadBytes(t *testing.T) {
	g := &graph.Graph{
		Inputs:  []graph.Input{{Name: "x", Desc: descOf(ft([]int{1, 2}, 0, 0))}},
		Consts:  []graph.Const{{Name: "w", Desc: descOf(&tensor.Tensor{DType: tensor.Float32, Shape: []int{2, 3}}), Kind: graph.ConstWeights, Ref: "w"}},
		Nodes:   []graph.Node{{ID: "y", Op: "matmul", Inputs: []string{"x", "w"}}},
		Outputs: []graph.Output{{Name: "y", Operand: "y"}},
	}
	_, err := Compile(g, mapWeights{"w": make([]byte, 20)})
	if err == nil || !strings.Contains(err.Error(), `const "w"`) {
		t.Fatalf("err = %v, want an error naming const \"w\"", err)
	}
}
