package emit

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/webnn-graph/webnn-graph/graph"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// bigGraph is a transformer-shaped graph of n nodes.
func bigGraph(n int) *graph.Graph {
	g := &graph.Graph{Name: "big", Version: 2,
		Inputs: []graph.Input{{Name: "x", Desc: graph.Desc{DType: tensor.Float32, Shape: []graph.Dim{graph.Dynamic("batch_size", 8), graph.Dynamic("sequence_length", 4096), graph.Static(576)}}, Comment: "input_ids"}},
	}
	prev := "x"
	for i := 0; i < n; i++ {
		w := fmt.Sprintf("model_layers_%d_weight", i)
		if i%4 == 0 {
			g.Consts = append(g.Consts, graph.Const{Name: w, Desc: f32(576, 576), Kind: graph.ConstWeights, Ref: fmt.Sprintf("model.layers.%d.weight", i)})
		}
		id := fmt.Sprintf("model_layers_%d_out", i)
		var node graph.Node
		switch i % 4 {
		case 0:
			node = graph.Node{ID: id, Op: "matmul", Inputs: []string{prev, w}, Comment: fmt.Sprintf("/model/layers.%d/MatMul", i)}
		case 1:
			node = graph.Node{ID: id, Op: "reshape", Inputs: []string{prev}, Options: map[string]any{"newShape": []any{map[string]any{"name": "batch_size", "maxSize": int64(8)}, map[string]any{"name": "sequence_length", "maxSize": int64(4096)}, int64(9), int64(64)}}}
		case 2:
			node = graph.Node{ID: id, Op: "transpose", Inputs: []string{prev}, Options: map[string]any{"permutation": []any{int64(0), int64(2), int64(1), int64(3)}}}
		default:
			node = graph.Node{ID: id, Op: "layerNormalization", Inputs: []string{prev}, Options: map[string]any{"axes": []any{int64(3)}, "epsilon": 1e-05}}
		}
		g.Nodes = append(g.Nodes, node)
		prev = id
	}
	g.Outputs = []graph.Output{{Name: prev, Operand: prev}}
	return g
}

func BenchmarkPrintText8000(b *testing.B) {
	g := bigGraph(8000)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := PrintText(g); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseText8000(b *testing.B) {
	src, _ := PrintText(bigGraph(8000))
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseText(src); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPrintJSON8000(b *testing.B) {
	g := bigGraph(8000)
	for b.Loop() {
		if _, err := PrintJSON(g); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseJSON8000(b *testing.B) {
	src, _ := PrintJSON(bigGraph(8000))
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		if _, err := ParseJSON(src); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkValidate8000(b *testing.B) {
	g := bigGraph(8000)
	for b.Loop() {
		if err := graph.Validate(g, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// TestLargeGraphSpeed guards the budget: print + parse of 8000 nodes well
// under 100 ms. It measures thread CPU time, not wall time, so that a
// loaded shared machine does not make it flaky.
func TestLargeGraphSpeed(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	g := bigGraph(8000)
	if err := graph.Validate(g, nil); err != nil {
		t.Fatal(err)
	}
	// Thread CPU time of this goroutine's locked thread: excludes other
	// processes and background GC workers.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	best := time.Hour
	for i := 0; i < 5; i++ {
		runtime.GC()
		st := cpuTime()
		src, err := PrintText(g)
		if err != nil {
			t.Fatal(err)
		}
		g2, err := ParseText(src)
		if err != nil {
			t.Fatal(err)
		}
		best = min(best, cpuTime()-st)
		if len(g2.Nodes) != 8000 {
			t.Fatalf("%d nodes", len(g2.Nodes))
		}
	}
	t.Logf("print+parse of 8000 nodes: %v CPU", best)
	if best > 100*time.Millisecond {
		t.Errorf("print+parse of 8000 nodes took %v of CPU (budget 100 ms)", best)
	}
}
