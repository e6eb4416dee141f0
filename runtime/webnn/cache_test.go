package webnn

import (
	"math/rand"
	"strings"
	"testing"

	"github.com/webnn-graph/webnn-graph/graph"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// cacheGraph is a decoder layer's attention core: present = concat(past,
// new) along the sequence axis, its kv heads repeated for grouped queries
// (reshape, expand, reshape), scores = q·presentᵀ, out = scores·present.
func cacheGraph() *graph.Graph {
	const hkv, g, d = 2, 2, 4
	dyn := func(name string) graph.Dim { return graph.Dynamic(name, 64) }
	f32 := func(dims ...graph.Dim) graph.Desc { return graph.Desc{DType: tensor.Float32, Shape: dims} }
	st := graph.Static
	total := map[string]any{"name": "past + seq", "maxSize": int64(128)}
	return &graph.Graph{
		Inputs: []graph.Input{
			{Name: "past", Desc: f32(st(1), st(hkv), dyn("past"), st(d))},
			{Name: "new", Desc: f32(st(1), st(hkv), dyn("seq"), st(d))},
			{Name: "q", Desc: f32(st(1), st(hkv*g), dyn("seq"), st(d))},
		},
		Nodes: []graph.Node{
			{ID: "present", Op: "concat", Inputs: []string{"past", "new"}, Options: map[string]any{"axis": int64(2)}},
			{ID: "k1", Op: "reshape", Inputs: []string{"present"}, Options: map[string]any{"newShape": []any{int64(1), int64(hkv), int64(1), total, int64(d)}}},
			{ID: "k2", Op: "expand", Inputs: []string{"k1"}, Options: map[string]any{"newShape": []any{int64(1), int64(hkv), int64(g), total, int64(d)}}},
			{ID: "k3", Op: "reshape", Inputs: []string{"k2"}, Options: map[string]any{"newShape": []any{int64(1), int64(hkv * g), total, int64(d)}}},
			{ID: "kt", Op: "transpose", Inputs: []string{"k3"}, Options: map[string]any{"permutation": ints(0, 1, 3, 2)}},
			{ID: "s", Op: "matmul", Inputs: []string{"q", "kt"}},
			{ID: "o", Op: "matmul", Inputs: []string{"s", "k3"}},
		},
		Outputs: []graph.Output{{Name: "o", Operand: "o"}, {Name: "present", Operand: "present"}},
	}
}

// RunCached gives the outputs and presents of Run fed its own presents,
// over steps of different lengths (growing the cache several times), and
// a failed step leaves the cache as it was.
func TestRunCachedMatchesRun(t *testing.T) {
	g := cacheGraph()
	p, err := Compile(g, nil)
	if err != nil {
		t.Fatal(err)
	}
	c, err := p.NewCache(map[string]string{"past": "present"})
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewSource(3))
	past := tensor.New(tensor.Float32, []int{1, 2, 0, 4})
	for step, n := range []int{5, 1, 1, 12, 1, 3, 1} {
		in := map[string]*tensor.Tensor{"new": randT(r, 1, 2, n, 4), "q": randT(r, 1, 4, n, 4)}
		want, err := p.Run(map[string]*tensor.Tensor{"past": past, "new": in["new"], "q": in["q"]})
		if err != nil {
			t.Fatal(err)
		}
		got, err := p.RunCached(c, in)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := got["present"]; ok {
			t.Errorf("step %d: RunCached returned the cached present", step)
		}
		if err := sameTensor(got["o"], want["o"]); err != nil {
			t.Errorf("step %d: o: %v", step, err)
		}
		pres, err := c.Present("present")
		if err != nil {
			t.Fatal(err)
		}
		if err := sameTensor(pres, want["present"]); err != nil {
			t.Errorf("step %d: present: %v", step, err)
		}
		past = want["present"]
		if c.Len() != past.Shape[2] {
			t.Errorf("step %d: Len %d, want %d", step, c.Len(), past.Shape[2])
		}
	}
	// A failing step (q's length disagrees with new's) must not advance the cache.
	before := c.Len()
	if _, err := p.RunCached(c, map[string]*tensor.Tensor{"new": randT(r, 1, 2, 2, 4), "q": randT(r, 1, 4, 3, 4)}); err == nil {
		t.Fatal("mismatched step: want an error")
	}
	if c.Len() != before {
		t.Errorf("failed step moved the cache from %d to %d", before, c.Len())
	}
	if _, err := p.RunCached(c, map[string]*tensor.Tensor{"past": past, "new": randT(r, 1, 2, 1, 4), "q": randT(r, 1, 4, 1, 4)}); err == nil || !strings.Contains(err.Error(), "kept in the cache") {
		t.Errorf("passing a cached input: err = %v", err)
	}
	c.Reset()
	if c.Len() != 0 {
		t.Errorf("Len after Reset = %d", c.Len())
	}
}

func TestNewCacheRefuses(t *testing.T) {
	p, err := Compile(cacheGraph(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []map[string]string{{"nope": "present"}, {"past": "o"}, {"q": "present"}, {"past": "nope"}} {
		if _, err := p.NewCache(m); err == nil {
			t.Errorf("NewCache(%v): want an error", m)
		}
	}
}
