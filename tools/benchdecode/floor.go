package main

import (
	"fmt"
	"time"

	"github.com/webnn-graph/webnn-graph/graph"
	"github.com/webnn-graph/webnn-graph/runtime/kernel"
)

// matmulWeightShapes lists, in graph order, the [K, N] shapes of the
// matmuls whose second operand is a 2-D float32 weight: the work of a
// decode step that streams weights.
func matmulWeightShapes(g *graph.Graph) [][2]int {
	consts := map[string]graph.Const{}
	for _, c := range g.Consts {
		consts[c.Name] = c
	}
	var shapes [][2]int
	for _, n := range g.Nodes {
		if n.Op != "matmul" || len(n.Inputs) < 2 {
			continue
		}
		c, ok := consts[n.Inputs[1]]
		if !ok || c.Kind != graph.ConstWeights || c.Desc.DType.String() != "float32" {
			continue
		}
		s, ok := c.Desc.StaticShape()
		if !ok || len(s) != 2 {
			continue
		}
		shapes = append(shapes, [2]int{s[0], s[1]})
	}
	return shapes
}

// gemvFloor is one token's weight matmuls alone: kernel.Sgemm with M = 1
// over [K, N] weights of the given shapes read in place, as runtime/webnn
// reads them (each its own buffer, so they stream from memory as in a
// decode step). It separates the kernel's
// share of a step from the runtime's. Its repetitions run between our
// decodes, so they see the same load.
type gemvFloor struct {
	shapes  [][2]int
	weights [][]float32
	x, c    []float32
	best    []time.Duration // each call's fastest time so far
	reps    int
	bytes   int64
}

func newGemvFloor(shapes [][2]int) (*gemvFloor, error) {
	if len(shapes) == 0 {
		return nil, fmt.Errorf("the graph has no matmul with a 2-D float32 weight")
	}
	f := &gemvFloor{shapes: shapes, weights: make([][]float32, len(shapes)), best: make([]time.Duration, len(shapes))}
	maxK, maxN := 0, 0
	for i, s := range shapes {
		k, n := s[0], s[1]
		b := make([]float32, k*n)
		for j := range b {
			b[j] = float32(j%17-8) / 64
		}
		f.weights[i] = b
		f.bytes += int64(k) * int64(n) * 4
		maxK, maxN = max(maxK, k), max(maxN, n)
	}
	f.x = make([]float32, maxK)
	for i := range f.x {
		f.x[i] = float32(i%7) / 7
	}
	f.c = make([]float32, maxN)
	f.measure(1) // warm-up: the first touch of freshly packed memory
	clear(f.best)
	f.reps = 0
	return f, nil
}

// measure runs every call reps times, keeping each call's fastest time: a
// neighbour disturbs some calls of some repetitions, rarely the same call
// in all of them.
func (f *gemvFloor) measure(reps int) {
	for r := 0; r < reps; r++ {
		for i, s := range f.shapes {
			t0 := time.Now()
			kernel.Sgemm(false, false, 1, s[1], s[0], 1, f.x[:s[0]], s[0], f.weights[i], s[1], 0, f.c[:s[1]], s[1])
			if d := time.Since(t0); f.reps == 0 || d < f.best[i] {
				f.best[i] = d
			}
		}
		f.reps++
	}
}

// perToken is Σ over the calls of each call's fastest time.
func (f *gemvFloor) perToken() time.Duration {
	var t time.Duration
	for _, d := range f.best {
		t += d
	}
	return t
}
