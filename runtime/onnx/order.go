package onnxrt

import (
	"container/heap"
	"fmt"
)

// sortNodes puts g.nodes in an order where every node runs after the
// nodes whose outputs it reads (its inputs and what its subgraphs read),
// keeping the file's order wherever that already holds. ONNX asks for
// topologically sorted nodes, but ONNX Runtime sorts them itself, so files
// that break the rule run there: ORT's float16 converter with
// keep_io_types appends the Casts of the graph inputs after the nodes
// that read them.
func (g *graphProg) sortNodes() error {
	producer := map[string]int{}
	for i, cn := range g.nodes {
		for _, o := range cn.out {
			if o != "" {
				producer[o] = i
			}
		}
	}
	deps := make([][]int, len(g.nodes))
	sorted := true
	for i, cn := range g.nodes {
		reads := append([]string(nil), cn.in...)
		for _, a := range cn.n.proto.GetAttribute() {
			if a.GetG() != nil {
				reads = append(reads, graphReads(a.GetG())...)
			}
			for _, sg := range a.GetGraphs() {
				reads = append(reads, graphReads(sg)...)
			}
		}
		for _, name := range reads {
			if p, ok := producer[name]; ok && name != "" && p != i {
				deps[i] = append(deps[i], p)
				if p > i {
					sorted = false
				}
			}
		}
	}
	if sorted {
		return nil
	}
	users := make([][]int, len(g.nodes))
	waiting := make([]int, len(g.nodes))
	for i, ds := range deps {
		for _, p := range ds {
			users[p] = append(users[p], i)
			waiting[i]++
		}
	}
	ready := &indexHeap{}
	for i, w := range waiting {
		if w == 0 {
			heap.Push(ready, i)
		}
	}
	order := make([]*cnode, 0, len(g.nodes))
	for ready.Len() > 0 {
		i := heap.Pop(ready).(int)
		order = append(order, g.nodes[i])
		for _, u := range users[i] {
			if waiting[u]--; waiting[u] == 0 {
				heap.Push(ready, u)
			}
		}
	}
	if len(order) != len(g.nodes) {
		for i, w := range waiting {
			if w > 0 {
				return fmt.Errorf("onnxrt: %s: the graph has a cycle through this node", g.nodes[i].describe())
			}
		}
	}
	g.nodes = order
	return nil
}

// indexHeap pops the smallest node index first, so that a sorted order
// keeps the file's order among nodes that are ready together.
type indexHeap []int

func (h indexHeap) Len() int           { return len(h) }
func (h indexHeap) Less(i, j int) bool { return h[i] < h[j] }
func (h indexHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *indexHeap) Push(x any)        { *h = append(*h, x.(int)) }
func (h *indexHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
