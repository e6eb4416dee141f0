// Which WebNN operand carries which ONNX value: the map parity tooling
// (verify --localize) needs to compare the two runtimes value by value.

package lower

// Reasons an ONNX value of a live node has no WebNN operand (Result.Unmapped).
const (
	UnmappedFolded = "known at conversion time (a constant or a shape value), read as a constant or an option"
	UnmappedFused  = "computed inside the WebNN ops of a matched pattern (e.g. gelu, Reshape-Gemm-Reshape), never materialised"
	UnmappedUnused = "no consumer reads it"
)

// valueMap returns ONNX value → operand for every value an operand of the
// final graph holds (after outputs were renamed), and, for the outputs of
// live nodes that have none, the reason.
func (c *ctx) valueMap() (map[string]string, map[string]string) {
	defined := make(map[string]bool, len(c.g.Inputs)+len(c.g.Consts)+len(c.g.Nodes))
	for _, in := range c.g.Inputs {
		defined[in.Name] = true
	}
	for _, k := range c.g.Consts {
		defined[k.Name] = true
	}
	for i := range c.g.Nodes {
		for _, o := range c.g.Nodes[i].OutputNames() {
			defined[o] = true
		}
	}
	values := make(map[string]string, len(c.operand))
	for v, op := range c.operand {
		if r, ok := c.renamed[op]; ok {
			op = r
		}
		if defined[op] {
			values[v] = op
		}
	}
	unmapped := map[string]string{}
	for _, n := range c.nodes {
		if !c.live[n] {
			continue
		}
		for _, o := range n.Output {
			if o == "" {
				continue
			}
			if _, ok := values[o]; ok {
				continue
			}
			switch {
			case c.folded(o):
				unmapped[o] = UnmappedFolded
			case c.state[n] == stateNew && c.users[o] > 0:
				unmapped[o] = UnmappedFused
			default:
				unmapped[o] = UnmappedUnused
			}
		}
	}
	return values, unmapped
}
