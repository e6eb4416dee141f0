package main

import (
	"sort"

	"github.com/webnn-graph/webnn-graph/graph"
)

// weightTraffic splits a graph's @weights constants into the bytes one
// decode step streams (matmul weights, norms: every element is read) and
// the row tables (the token embedding, the rotary cos/sin tables) that are
// only gathered from, directly or through a slice, so a single-token step
// reads one row of them. tables lists the latter, largest first.
func weightTraffic(g *graph.Graph) (total, perToken int64, tables []graph.Const) {
	type use struct {
		node *graph.Node
		pos  int
	}
	consumers := map[string][]use{}
	for i := range g.Nodes {
		n := &g.Nodes[i]
		for pos, in := range n.Inputs {
			consumers[in] = append(consumers[in], use{n, pos})
		}
	}
	var rowTable func(operand string, depth int) bool
	rowTable = func(operand string, depth int) bool {
		us := consumers[operand]
		if len(us) == 0 || depth > 2 {
			return false
		}
		for _, u := range us {
			switch {
			case u.node.Op == "gather" && u.pos == 0:
			case u.node.Op == "slice" && u.pos == 0 && len(u.node.OutputNames()) == 1 && rowTable(u.node.OutputNames()[0], depth+1):
			default:
				return false
			}
		}
		return true
	}
	seen := map[string]bool{}
	for _, c := range g.Consts {
		if c.Kind != graph.ConstWeights || seen[c.Ref] {
			continue
		}
		seen[c.Ref] = true
		n := c.Desc.ByteLength()
		total += n
		if rowTable(c.Name, 0) {
			tables = append(tables, c)
			continue
		}
		perToken += n
	}
	sort.Slice(tables, func(i, j int) bool { return tables[i].Desc.ByteLength() > tables[j].Desc.ByteLength() })
	return total, perToken, tables
}
